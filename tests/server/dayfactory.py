"""Build an HQ station database holding a realistic exam day: several room stations' events
(imported as a USB package would bring them) plus the HQ's own marks."""

from __future__ import annotations

from pathlib import Path

from app.clock import FixedClock
from app.services.station import Station


def play_room(st: Station, room: str, variant: int = 0) -> None:
    """A scripted day in one room: admissions, absences, a late arrival, exits, sheets, incidents, a void."""
    people = [p.code for p in st.plan.room_participants(room)]
    org = [s.code for s in st.plan.room_staff(room)]
    st.record("room-opened", room, at="08:00", payload={"organizers": org})
    absent = people[-2:] if variant % 2 == 0 else people[-3:]
    late = people[0]
    for code in people[1:len(people) - len(absent)]:
        st.record("admitted", room, code, at="09:20", payload={"identity": "document"})
    for code in absent:
        st.record("absent", room, code, at="10:00")
    st.record("instruction-given", room, at="09:50")
    st.record("exam-start", room, at="10:00")
    st.record("late", room, late, at="10:05", payload={"identity": "document"})
    st.record("exit", room, people[1], at="11:00")
    st.record("return", room, people[1], at="11:07")
    st.record("exit", room, people[2], at="11:30")
    st.record("return", room, people[2], at="11:34")
    st.record("extra-sheet", room, people[3], at="12:00", payload={"sheet": f"{room}0001"})
    st.record("removal", room, people[4], at="12:10", payload={"reason": "phone"})
    st.record("early-completion", room, people[5], at="12:20", payload={"reason": "illness"})
    wrong = st.record("extra-sheet", room, people[6], at="12:30", payload={"sheet": f"{room}0002"})
    st.void(room, wrong.event.id, "wrong participant")
    st.record("appeal", room, people[7], at="13:00", payload={"text": "noise"})
    st.record("correction", room, people[8], at="10:30",
              payload={"field": "document_number", "old": "1", "new": "2"})
    for code in people[1:len(people) - len(absent)]:
        if code not in (people[4], people[5]):
            st.record("finished", room, code, at="13:50")
    st.record("finished", room, late, at="13:50")
    st.record("room-closed", room, at="14:05")


def build_hq_day(template: Path, dest_dir: Path, rooms=("0101", "0102", "0103"), hq_room="0201",
                 extra_events: int = 0) -> Path:
    """An HQ database with the demo plan, room stations' events imported, and its own marks."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    clock = FixedClock(datetime(2026, 6, 4, 14, 30, tzinfo=ZoneInfo("Asia/Yekaterinburg")))
    hq_path = dest_dir / "hq.db"
    hq = Station.create(hq_path, role="hq", clock=clock)
    from app.services.demo import install_demo

    install_demo(hq)
    for i, room in enumerate(rooms):
        # each room laptop is its own station: a fresh id for the copy
        rs = Station.create(dest_dir / f"r{room}.db", role="room", room=room, clock=clock)
        install_demo(rs)
        play_room(rs, room, i)
        hq.log.insert_foreign(rs.log.all())
        rs.close()
    play_room(hq, hq_room, 1)  # HQ took over a room whose laptop failed
    for n in range(extra_events):
        hq.record("note", hq_room, at="13:00", payload={"text": f"note {n}"})
    hq.close()
    return hq_path
