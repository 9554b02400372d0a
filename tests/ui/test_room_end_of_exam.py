"""End of the exam in the window (issue 12 §2): closing with anything open asks, lists it, and the
confirmation is recorded; «All in the room handed in» leaves an ОВЗ participant writing."""

from __future__ import annotations

from app.services import room_ops
from tests.conftest import local
from tests.ui.conftest import kinds, run_dialog


def _morning(station, until: str):
    room_ops.play(station, "0101", until=until)
    ovz = next(p for p in station.plan.room_participants("0101") if p.ovz)
    station.record("admitted", "0101", ovz.code, at="09:30")
    return ovz


def test_close_at_ten_asks_and_cancel_records_nothing(window, station, clock):
    _morning(station, "10:00")
    clock.set(local("10:00"))
    window.refresh()
    seen: list[list[str]] = []

    def end(dlg):
        def confirm(c):
            seen.append(c.rows())
            c.cancel.click()

        run_dialog(dlg.close_room.click, confirm)
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    assert "room-closed" not in kinds(station)
    rows = seen[0]
    assert any("not over: the end is at 13:30" in r for r in rows)
    assert any("14 participants have not handed in" in r for r in rows)
    assert any("neither admitted nor marked absent" in r for r in rows)
    assert any("Collection checklist: 5 items not ticked" in r for r in rows)


def test_close_confirmed_is_recorded_with_what_was_open(window, station, clock):
    _morning(station, "10:00")
    clock.set(local("10:00"))
    window.refresh()

    def end(dlg):
        run_dialog(dlg.close_room.click, lambda c: c.confirm.click())
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    ev = station.log.for_room(station.day.key, "0101")[-1]
    assert ev.kind == "room-closed"
    assert ev.payload["confirmed_open"][:3] == ["end-not-reached", "still-writing", "ovz-end-not-reached"]
    assert "unmarked" in ev.payload["confirmed_open"] and "checklist" in ev.payload["confirmed_open"]


def test_hand_all_at_the_general_end_leaves_the_ovz_participant_writing(window, station, clock):
    ovz = _morning(station, "12:10")
    clock.set(local("13:30"))
    window.refresh()
    asked: list[list[str]] = []

    def end(dlg):
        before = dlg.still_in.count()

        def keep(c):
            asked.append(c.rows())
            c.keep.click()

        run_dialog(dlg.hand_all.click, keep)
        assert dlg.still_in.count() == 1 and before == 15
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    assert len(asked[0]) == 1 and "Морозов Т.Н." in asked[0][0] and "15:00" in asked[0][0]
    assert window.state().participants[ovz.code].status == "present"
    assert kinds(station).count("finished") == 14


def test_hand_all_confirmed_marks_the_ovz_participant_with_the_confirmation(window, station, clock):
    ovz = _morning(station, "12:10")
    clock.set(local("13:30"))
    window.refresh()

    def end(dlg):
        run_dialog(dlg.hand_all.click, lambda c: c.confirm.click())
        assert dlg.still_in.count() == 0
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    ev = next(e for e in station.log.for_room(station.day.key, "0101") if e.kind == "finished"
              and e.participant == ovz.code)
    assert ev.payload == {"confirmed_open": ["before-end"]}


def test_end_of_exam_dialog_before_the_end_says_so(window, station, clock):
    _morning(station, "10:00")
    clock.set(local("10:00"))
    window.refresh()
    seen: list[str] = []

    def end(dlg):
        seen.append(dlg.early.text() if dlg.early.isVisibleTo(dlg) else "")
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    assert "not over: the end is at 13:30" in seen[0]


def test_instruction_button_too_early_shows_the_advice(window, station, clock):
    clock.set(local("08:57"))
    window.trigger("instruction")
    assert kinds(station)[-1] == "instruction-given"
    assert "not earlier than 09:50" in window.advice.toPlainText()


def test_the_end_of_exam_dialog_follows_the_record_changed_signal(window, station, clock):
    """A mark made while the dialog is open (here: arriving from elsewhere, picked up by the tick)
    repaints it through the window's one «changed» signal, with no refresh() call of its own."""
    ovz = _morning(station, "12:10")
    clock.set(local("15:01"))
    window.refresh()
    counts: list[int] = []

    from app.services.station import Station

    other = Station.open(station.path, clock=clock)  # e.g. the CLI: another connection to the database

    def end(dlg):
        counts.append(dlg.still_in.count())
        other.record("finished", "0101", ovz.code)
        window.tick()
        counts.append(dlg.still_in.count())
        dlg.accept()

    run_dialog(window.end_of_exam, end)
    other.close()
    assert counts == [15, 14]
