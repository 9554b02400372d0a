"""Advice on procedural timing (issue 12 §7): instruction too early, start with nobody admitted,
«did not come» before the start, end-of-exam work before the end, KIM against registration blanks."""

from __future__ import annotations

from app.domain import rules
from tests.conftest import local


def codes(rec):
    return [a.code for a in rec.advice]


def test_instruction_at_0857_is_too_early(station):
    p = station.plan.room_participants("0101")[0]
    station.record("admitted", "0101", p.code, at="08:50")
    rec = station.record("instruction-given", "0101", at="08:57")
    assert "instruction-early" in codes(rec)
    assert "09:50" in next(a.text() for a in rec.advice if a.code == "instruction-early")
    assert "instruction-early" not in codes(station.record("instruction-given", "0102", at="09:50"))


def test_start_with_nobody_admitted_is_warned(station):
    rec = station.record("exam-start", "0101", at="09:59")
    assert "start-nobody" in codes(rec)
    p = station.plan.room_participants("0102")[0]
    station.record("admitted", "0102", p.code, at="09:10")
    assert "start-nobody" not in codes(station.record("exam-start", "0102", at="10:00"))


def test_absent_before_the_start_is_warned(station):
    ps = station.plan.room_participants("0101")
    assert "absent-before-start" in codes(station.record("absent", "0101", ps[0].code, at="09:30"))
    station.record("admitted", "0101", ps[1].code, at="09:30")
    station.record("exam-start", "0101", at="10:00")
    assert "absent-before-start" not in codes(station.record("absent", "0101", ps[2].code, at="10:05"))


def test_kim_count_against_blanks(station):
    rec = station.record("materials-collected", "0101", payload={"blanks": 14, "kim": 0}, at="13:40")
    assert "materials-kim" in codes(rec)
    assert "materials-kim" not in codes(station.record("materials-collected", "0102",
                                                       payload={"blanks": 14, "kim": 14}, at="13:40"))


def test_end_of_exam_early(station):
    from app.services import room_ops

    room_ops.play(station, "0101", until="10:00")
    state = station.room_state("0101")
    adv = rules.end_of_exam_early(state, station.plan, local("10:00"))
    assert adv is not None and adv.code == "end-early" and "13:30" in adv.text()
    assert rules.end_of_exam_early(state, station.plan, local("13:30")) is None
