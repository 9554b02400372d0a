"""A filled exam day on top of the demo plan, for the forms' docs, tests and benchmarks.

Room 0101 has every kind of mark a form shows (absence, late arrival, seat change, exits,
extra sheets, a replaced kit, a correction, a removal, an early completion, an appeal, an admission without
a document); room 0102 is closed with participants left unmarked, so the screen warns before
its forms print; other rooms (if ``all_rooms``) run a plain day.
"""

from __future__ import annotations


def fill_room_0101(st) -> dict[str, str]:
    """Record a full day in room 0101; returns {role: participant code} of the special cases."""
    room = "0101"
    codes = [p.code for p in st.plan.room_participants(room)]
    absent, late, moved, removed, early, appellant, no_doc = codes[0], codes[1], codes[2], codes[3], codes[4], \
        codes[5], codes[6]
    orgs = [s.code for s in st.plan.room_staff(room)]
    rec = st.record
    rec("room-opened", room, at="08:40", payload={"organizers": orgs})
    for c in codes:
        if c in (absent, late):
            continue
        if c == no_doc:
            rec("admitted", room, c, at="09:12", payload={"identity": "no-document", "confirmed_by": "Иванова Т. С."})
            rec("identity-confirmed", room, c, at="09:13", payload={"confirmed_by": "Иванова Т. С."})
        else:
            rec("admitted", room, c, at="09:10")
    rec("seated", room, moved, at="09:20", payload={"seat": "5В"})
    rec("absent", room, absent, at="09:55")
    rec("instruction-given", room, at="09:50")
    rec("exam-start", room, at="10:05")
    rec("late", room, late, at="10:20")
    rec("kit-replaced", room, codes[12], at="10:09",
        payload={"kit": "0016100453", "new_kit": "0016100999", "reason": "defect"})
    rec("exit", room, codes[7], at="10:42", payload={"accompanied_by": "OUT01"})
    rec("return", room, codes[7], at="10:49")
    rec("exit", room, codes[8], at="11:15", payload={"accompanied_by": "OUT02"})
    rec("return", room, codes[8], at="11:21")
    rec("exit", room, codes[7], at="12:02", payload={"accompanied_by": "OUT01"})
    rec("return", room, codes[7], at="12:08")
    rec("extra-sheet", room, codes[9], at="11:30", payload={"sheet": "2690011234501"})
    rec("extra-sheet", room, codes[9], at="12:40", payload={"sheet": "2690011234502", "previous": "2690011234501"})
    rec("extra-sheet", room, codes[10], at="12:10", payload={"sheet": "2690011234517"})
    p = st.plan.participants[codes[11]]
    rec("correction", room, codes[11], at="10:30",
        payload={"field": "document_number", "old": p.document_number, "new": "123456"})
    rec("removal", room, removed, at="11:05", payload={"reason": "Использование мобильного телефона во время экзамена",
                                                       "item": "phone", "gek_member": "GEK01"})
    rec("exit", room, early, at="11:40", payload={"accompanied_by": "OUT02"})
    rec("early-completion", room, early, at="12:15",
        payload={"reason": "Ухудшение самочувствия: головная боль, повышенное давление", "medic": "MED01",
                 "gek_member": "GEK02"})
    rec("appeal", room, appellant, at="13:40",
        payload={"text": "Во время экзамена в аудитории громко разговаривали организаторы, что мешало выполнению работы."})
    for c in codes:
        if c not in (absent, removed, early):
            rec("finished", room, c, at="13:35" if c != appellant else "13:38")
    rec("materials-collected", room, at="13:50", payload={"blanks": 14, "extra_sheets": 3})
    rec("room-closed", room, at="13:55")
    rec("staff-change", room, at="09:05", payload={"replaced": "ORG02", "replacement": "OUT04",
                                                   "role": "organizer-room", "reason": "болезнь"})
    return {"absent": absent, "late": late, "moved": moved, "removed": removed, "early": early,
            "appellant": appellant, "no_doc": no_doc, "corrected": codes[11], "sheets": codes[9]}


def fill_room_inconsistent(st, room: str = "0102") -> None:
    """A room closed with three participants neither admitted nor marked absent."""
    codes = [p.code for p in st.plan.room_participants(room)]
    st.record("room-opened", room, at="08:45")
    for c in codes[3:]:
        st.record("admitted", room, c, at="09:15")
    st.record("exam-start", room, at="10:00")
    for c in codes[3:]:
        st.record("finished", room, c, at="13:30")
    st.record("materials-collected", room, at="13:40", payload={"blanks": len(codes) - 3})
    st.record("room-closed", room, at="13:45")


def fill_plain_room(st, room: str) -> None:
    codes = [p.code for p in st.plan.room_participants(room)]
    st.record("room-opened", room, at="08:45")
    for c in codes[1:]:
        st.record("admitted", room, c, at="09:20")
    st.record("absent", room, codes[0], at="09:58")
    st.record("exam-start", room, at="10:00")
    for c in codes[1:]:
        st.record("finished", room, c, at="13:30")
    st.record("room-closed", room, at="13:40")


def fill_sample_day(st, all_rooms: bool = False) -> dict[str, str]:
    who = fill_room_0101(st)
    fill_room_inconsistent(st)
    if all_rooms:
        for room in sorted(st.plan.rooms):
            if room not in ("0101", "0102"):
                fill_plain_room(st, room)
    return who
