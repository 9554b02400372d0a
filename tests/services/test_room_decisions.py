"""The small decisions moved out of the window into room_ops (issue 12, «rules out of ui/»):
the UI, the CLI and these tests call the same functions."""

from __future__ import annotations

import pytest

from app.services import room_ops


def test_admit_is_late_after_the_start_and_refuses_a_second_admission(station):
    ps = station.plan.room_participants("0101")
    assert room_ops.admit(station, "0101", ps[0].code).event.kind == "admitted"
    with pytest.raises(room_ops.AlreadyMarked) as e:
        room_ops.admit(station, "0101", ps[0].code)
    assert e.value.status == "present"
    station.record("exam-start", "0101", at="10:00")
    rec = room_ops.admit(station, "0101", ps[1].code)
    assert rec.event.kind == "late" and rec.event.payload == {"identity": "document"}
    station.record("absent", "0101", ps[2].code)
    assert room_ops.admit(station, "0101", ps[2].code).event.kind == "late"  # absent, then came


def test_quick_payload_and_forbidden_item():
    assert room_ops.quick_payload("late") == {"identity": "document"} and room_ops.quick_payload("exit") == {}
    assert room_ops.forbidden_found([{"verdict": "permitted", "item": "pen"},
                                     {"verdict": "forbidden", "item": "phone"}]) == "phone"
    assert room_ops.forbidden_found([{"verdict": "permitted", "item": "pen"}]) is None


def test_countersigners_roll_call_and_default_blanks(station):
    room_ops.play(station, "0101", until="12:10")
    state = station.room_state("0101")
    signers = room_ops.countersigners(station, "0101", author=state.organizers[0])
    assert signers and all(code != state.organizers[0] for code, _name in signers)
    roll = room_ops.roll_call(state)
    assert len(roll) == 14 and roll == sorted(roll, key=lambda c: state.participants[c].assigned_seat)
    assert room_ops.default_blanks(state) == 14
    station.record("materials-collected", "0101", payload={"blanks": 13})
    assert room_ops.default_blanks(station.room_state("0101")) == 13
