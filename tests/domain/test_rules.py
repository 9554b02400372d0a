"""Each rule of the procedure as advice, on a clock the test controls."""

from datetime import timedelta

from app.domain import rules
from tests.conftest import local


def codes(res):
    return {a.code for a in res.advice}


def people(station, room="0101"):
    return station.plan.room_participants(room)


def test_admission_before_nine_is_advised_not_blocked(station):
    p = people(station)[0]
    res = station.record("admitted", "0101", p.code, at=local("08:40"))
    assert "admission-early" in codes(res)
    assert station.room_state("0101").participants[p.code].status == "present"
    res2 = station.record("admitted", "0101", people(station)[1].code, at=local("09:00"))
    assert "admission-early" not in codes(res2)


def test_late_arrival_keeps_end_and_says_no_repeat(station):
    ps = people(station)
    station.record("exam-start", "0101", at=local("10:10"))
    end = station.room_state("0101").end
    res = station.record("admitted", "0101", ps[0].code, at=local("10:40"))
    assert "late" in codes(res)
    late = next(a for a in res.advice if a.code == "late")
    assert "13:40" in late.text()  # 10:10 + 210 min, not extended
    st = station.room_state("0101")
    assert st.participants[ps[0].code].late and st.end == end
    assert st.participants[ps[0].code].end == end


def test_audio_lockout_unless_room_empty(station):
    ps = people(station)
    station.record("exam-start", "0101", at=local("10:05"))
    station.record("audio-start", "0101", at=local("10:10"))
    # room otherwise empty: no lockout advice
    res = station.record("late", "0101", ps[0].code, at=local("10:12"))
    assert "audio-lockout" not in codes(res)
    res = station.record("late", "0101", ps[1].code, at=local("10:13"))
    assert "audio-lockout" in codes(res)
    station.record("audio-end", "0101", at=local("10:40"))
    res = station.record("late", "0101", ps[2].code, at=local("10:41"))
    assert "audio-lockout" not in codes(res)


def test_seat_must_match_list(station):
    p = people(station)[0]
    other_seat = next(s for s in station.plan.rooms["0101"].seat_labels() if s != p.seat)
    res = station.record("seated", "0101", p.code, at=local("09:10"), payload={"seat": other_seat})
    assert "seat-change" in codes(res)
    assert station.room_state("0101").participants[p.code].seat_changed
    res = station.record("seated", "0101", p.code, at=local("09:11"), payload={"seat": p.seat.lower()})
    assert "seat-change" not in codes(res)


def test_ovz_end_is_ninety_minutes_later(station):
    ps = people(station)
    ovz = next((p for p in station.plan.participants.values() if p.ovz), None)
    assert ovz is not None
    room = ovz.room
    plain = next(p for p in station.plan.room_participants(room) if not p.ovz)
    station.record("admitted", room, ovz.code, at=local("09:10"))
    station.record("admitted", room, plain.code, at=local("09:11"))
    res = station.record("exam-start", room, at=local("10:00"))
    assert {"board", "board-ovz"} <= codes(res)
    st = station.room_state(room)
    assert st.participants[plain.code].end == local("13:30")
    assert st.participants[ovz.code].end == local("15:00")
    assert st.ends() == [local("13:30"), local("15:00")]
    assert ps  # the demo room has people


def test_warnings_thirty_and_five_minutes_before_each_end(station, clock):
    ovz = next(p for p in station.plan.participants.values() if p.ovz)
    station.record("admitted", ovz.room, ovz.code, at=local("09:10"))
    station.record("exam-start", ovz.room, at=local("10:00"))
    clock.set(local("13:00") + timedelta(seconds=30))
    assert {a.code for a in station.due(ovz.room)} == {"end-in-30"}
    clock.set(local("13:25") + timedelta(seconds=10))
    assert {a.code for a in station.due(ovz.room)} == {"end-in-5"}
    clock.set(local("13:30"))
    assert "end-now" in {a.code for a in station.due(ovz.room)}
    clock.set(local("14:30") + timedelta(seconds=5))
    assert {a.code for a in station.due(ovz.room)} == {"end-in-30"}
    clock.set(local("12:00"))
    assert station.due(ovz.room) == []


def test_no_show_two_hours_after_start(station, clock):
    clock.set(local("11:59"))
    assert station.due("0102") == []
    clock.set(local("12:00"))
    adv = station.due("0102")
    assert [a.code for a in adv] == ["no-show"] and adv[0].call
    res = station.record("exam-stopped", "0102", at=local("11:00"), payload={"reason": "no-show"})
    assert "no-show-early" in codes(res)
    # with one participant present the rule does not apply
    p = station.plan.room_participants("0103")[0]
    station.record("admitted", "0103", p.code, at=local("09:30"))
    clock.set(local("12:30"))
    assert station.due("0103") == []


def test_exit_rules_and_return_without_exit(station):
    p = people(station)[0]
    station.record("admitted", "0101", p.code, at=local("09:10"))
    res = station.record("exit", "0101", p.code, at=local("10:30"))
    assert "exit-rules" in codes(res)
    assert any("ППЭ-12-04-МАШ" in a.text() for a in res.advice)
    res = station.record("exit", "0101", p.code, at=local("10:31"))
    assert "already-out" in codes(res)
    station.record("return", "0101", p.code, at=local("10:40"))
    res = station.record("return", "0101", p.code, at=local("10:41"))
    assert "not-out" in codes(res)


def test_no_document_rules(station):
    ps = people(station)
    res = station.record("admitted", "0101", ps[0].code, at=local("09:10"), payload={"identity": "no-document"})
    adv = next(a for a in res.advice if a.code == "no-document")
    assert adv.act == "ППЭ-20" and adv.level == "warning"
    res = station.record("admitted", "0101", ps[1].code, at=local("09:11"),
                         payload={"identity": "no-document", "confirmed_by": "завуч школы 660101"})
    assert "no-document-confirmed" in codes(res)
    res = station.record("admitted", "0101", ps[2].code, at=local("09:12"),
                         payload={"identity": "no-document", "graduate": "previous"})
    assert "no-document-graduate" in codes(res)
    # advice, never a block: all three are recorded
    assert station.room_state("0101").counts()["present"] == 3


def test_forbidden_item_calls_for_removal_act(station):
    p = people(station)[0]
    station.record("admitted", "0101", p.code, at=local("09:10"))
    res = station.record("desk-check", "0101", p.code, at=local("10:20"),
                         payload={"verdict": "forbidden", "item": "phone"})
    adv = next(a for a in res.advice if a.code == "forbidden-item")
    assert adv.act == "ППЭ-21" and adv.call
    res = station.record("removal", "0101", p.code, at=local("10:25"), payload={"reason": "phone"})
    assert next(a for a in res.advice if a.code == "removal-act").act == "ППЭ-21"


def test_start_before_ten_is_warned(station):
    res = station.record("exam-start", "0101", at=local("09:40"))
    assert "start-early" in codes(res)


def test_advice_is_translated(station):
    import pytest

    from app import i18n
    from app.paths import translations_dir

    if not (translations_dir() / "ru" / "LC_MESSAGES" / "auditoria.po").exists():
        pytest.skip("Russian catalog not built yet")

    p = people(station)[0]
    adv = rules.advise(station.room_state("0101"), station.plan, station.ref, "exit", p.code, {}, local("10:00"))
    en = [a.text() for a in adv]
    i18n.set_language("ru")
    ru = [a.text() for a in adv]
    i18n.set_language("en")
    assert all(a.to_dict()["message"] for a in adv)
    assert en != ru and "организатор" in ru[0]


def test_duplicate_extra_sheet_is_warned_and_a_void_frees_the_number(station):
    a, b = (p.code for p in people(station)[:2])
    station.record("admitted", "0101", a, at=local("09:05"))
    station.record("admitted", "0101", b, at=local("09:06"))
    station.record("exam-start", "0101", at=local("10:00"))
    first = station.record("extra-sheet", "0101", a, at=local("11:00"), payload={"sheet": "2000001"})
    assert "sheet-duplicate" not in codes(first)
    again = station.record("extra-sheet", "0101", b, at=local("11:05"), payload={"sheet": "2000001"})
    dup = next(x for x in again.advice if x.code == "sheet-duplicate")
    assert a in dup.text()
    assert station.room_state("0101").counts()["extra_sheets"] == 2  # advised, not blocked
    station.void("0101", again.event.id, "typed the wrong number")
    station.void("0101", first.event.id, "sheet spoiled")
    res = station.record("extra-sheet", "0101", b, at=local("11:10"), payload={"sheet": "2000001"})
    assert "sheet-duplicate" not in codes(res)
