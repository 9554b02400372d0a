"""The end-of-exam guard (issue 12 §2): what is still open before the room closes, and the
mass hand-in that leaves participants still within their time (ОВЗ) alone unless confirmed."""

from __future__ import annotations

import pytest

from app.services import room_ops
from tests.conftest import local


def _morning(station, until: str = "10:00", ovz_too: bool = True):
    room_ops.play(station, "0101", until=until)
    if ovz_too:  # Морозов Т.Н. (5Г) writes with special conditions
        ovz = next(p for p in station.plan.room_participants("0101") if p.ovz)
        station.record("admitted", "0101", ovz.code, at="09:30")
        return ovz
    return None


def codes(items):
    return [i.code for i in items]


def test_guard_at_ten_lists_what_is_open(station, clock):
    _morning(station, "10:00", ovz_too=False)
    clock.set(local("10:00"))
    items = room_ops.end_of_exam_guard(station, "0101")
    assert codes(items) == ["end-not-reached", "still-writing", "unmarked", "materials-not-recorded"]
    texts = [i.text() for i in items]
    assert texts[0] == "The exam time is not over: the end is at 13:30."
    assert texts[1] == "13 participants have not handed in."
    assert texts[2] == "2 participants are neither admitted nor marked absent."


def test_close_refused_without_confirmation_and_recorded_with_it(station, clock):
    _morning(station, "10:00", ovz_too=False)
    clock.set(local("10:00"))
    with pytest.raises(room_ops.OpenItemsError) as e:
        room_ops.close_room(station, "0101")
    open_ = ["end-not-reached", "still-writing", "unmarked", "materials-not-recorded"]
    assert codes(e.value.items) == open_
    assert station.room_state("0101").closed_at is None
    with pytest.raises(room_ops.OpenItemsError):  # confirming some is not confirming all
        room_ops.close_room(station, "0101", confirmed=open_[:2])
    rec = room_ops.close_room(station, "0101", confirmed=open_)
    assert rec.event.kind == "room-closed"
    assert rec.event.payload == {"confirmed_open": open_}


def test_ovz_participant_is_not_handed_in_at_the_general_end(station, clock):
    ovz = _morning(station, "12:10")
    clock.set(local("13:30"))
    cand = room_ops.hand_in_candidates(station, "0101")
    assert ovz.code in cand.before_end and ovz.code not in cand.due
    recs = room_ops.hand_in_all(station, "0101")
    assert ovz.code not in [r.event.participant for r in recs] and len(recs) == len(cand.due)
    state = station.room_state("0101")
    assert state.participants[ovz.code].status == "present"
    items = room_ops.end_of_exam_guard(station, "0101")
    assert "ovz-end-not-reached" in codes(items)
    ovz_item = next(i for i in items if i.code == "ovz-end-not-reached")
    assert ovz_item.participants == (ovz.code,) and "15:00" in ovz_item.text()


def test_hand_in_before_the_end_only_when_confirmed_and_recorded_so(station, clock):
    ovz = _morning(station, "12:10")
    clock.set(local("13:30"))
    recs = room_ops.hand_in_all(station, "0101", confirm_before_end=True)
    mine = next(r for r in recs if r.event.participant == ovz.code)
    assert mine.event.payload == {"confirmed_open": ["before-end"]}
    others = [r for r in recs if r.event.participant != ovz.code]
    assert all(r.event.payload == {} for r in others)


def test_clean_end_closes_without_asking(station, clock):
    _morning(station, "12:10")
    clock.set(local("15:01"))
    people = station.plan.room_participants("0101")
    station.record("return", "0101", people[7].code, at="12:20")  # the 12:10 exit came back
    room_ops.hand_in_all(station, "0101")
    for p in people:
        if station.room_state("0101").participants[p.code].status == "expected":
            station.record("absent", "0101", p.code)
    state = station.room_state("0101")
    n = sum(p.status in ("finished", "removed", "finished_early") for p in state.listed())
    station.record("materials-collected", "0101", payload={"blanks": n, "kim": n, "extra_sheets": 1})
    assert room_ops.end_of_exam_guard(station, "0101") == []
    rec = room_ops.close_room(station, "0101")
    assert rec.event.payload == {}


def test_materials_that_disagree_are_open(station, clock):
    _morning(station, "12:10")
    clock.set(local("15:01"))
    room_ops.hand_in_all(station, "0101")
    station.record("materials-collected", "0101", payload={"blanks": 14, "kim": 0, "extra_sheets": 0})
    items = {i.code: i for i in room_ops.end_of_exam_guard(station, "0101")}
    assert "materials-kim" in items and "KIM collected: 0; registration blanks: 14" in items["materials-kim"].text()
    assert "materials-extra-sheets" in items
