"""Board mode, language switch, theme, settings, keyboard, accessibility, the Operation pattern."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.i18n import current_language
from tests.conftest import local
from tests.ui.conftest import kinds, run_dialog
from ui.qt import QtWidgets


def test_board_mode_shows_room_start_end_and_time_left(window, station, clock, qtbot):
    station.record("exam-start", "0101", at="10:00")
    clock.set(local("11:15"))
    window.refresh()
    window.trigger("board")
    b = window.board
    assert b is not None and b.isVisible()
    window.tick()
    assert "0101" in b.title.text()
    assert "10:00" in b.times.text() and "13:30" in b.times.text()
    assert b.left.text() == "2:15 left"
    assert b.clock.text().startswith("11:15")
    # very large type, scaled to the window
    assert b.clock.property("px") >= 100
    # only one screen here: it opens as a window, not on the organizer's screen full-screen
    assert b.target_screen() is None
    QTest.keyClick(b, Qt.Key.Key_Escape)
    assert not b.isVisible()


def test_ovz_end_shown_on_board(window, station, clock):
    ovz = [p for p in station.plan.participants.values() if p.ovz]
    if not ovz:
        return
    p = ovz[0]
    station.record("admitted", p.room, p.code, at="09:10")
    station.record("exam-start", p.room, at="10:00")
    window.room = p.room
    window.load_room()
    window.refresh()
    assert "ОВЗ end: 15:00" in window.board_values.text()


def test_language_switch_at_runtime_and_saved(window):
    assert current_language() == "en"
    window.trigger("language")
    assert current_language() == "ru"
    assert window.settings.get("language") == "ru"
    # texts were re-set (Russian falls back to the English msgids until the catalog is filled)
    assert window.big["admit"].text().endswith("[F2]")
    window.trigger("language")
    assert current_language() == "en"


def test_high_contrast_and_font_size_persist(window):
    window.trigger("contrast")
    assert window.theme.name == "high-contrast"
    assert "#000000" in QtWidgets.QApplication.instance().styleSheet()
    assert window.settings.get("theme") == "high-contrast"
    window.trigger("bigger")
    assert window.settings.get("font_pt") == 13
    window.trigger("contrast")
    assert window.theme.name == "normal"


def test_every_action_has_a_shortcut_and_buttons_show_it(window):
    for name, a in window.actions.items():
        assert not a.shortcut().isEmpty(), name
    for name, b in window.big.items():
        assert "[" in b.text() and b.accessibleName(), name


def test_accessible_names_on_interactive_widgets(window):
    for w in window.findChildren(QtWidgets.QWidget):
        if isinstance(w, QtWidgets.QLineEdit | QtWidgets.QTableWidget | QtWidgets.QTextBrowser) and w.isVisible():
            assert w.accessibleName(), w
    for b in window.seatmap.buttons.values():
        assert b.accessibleName().startswith("Seat ")


def test_fits_1366x768(window):
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 740, hint
    assert window.font().pointSize() >= 10 or QtWidgets.QApplication.instance().styleSheet()


def test_keyboard_only_admission_and_exit(window, station, clock, qtbot):
    """Arrow keys on the seat map, Enter admits; F7 via the window's shortcut records an exit."""
    window.activateWindow()
    first = station.plan.room_participants("0101")[0]
    btn = window.seatmap.by_code[first.code]
    btn.setFocus()
    QTest.keyClick(window.seatmap, Qt.Key.Key_Return)
    assert kinds(station)[-1] == "admitted"
    QTest.keyClick(window.seatmap, Qt.Key.Key_Down)  # empty seats are skipped
    assert window.current != first.code
    window.select(first.code)
    QTest.keyClick(window.seatmap.by_code[first.code], Qt.Key.Key_F7)  # the window's shortcut
    assert kinds(station)[-1] == "exit"
    QTest.keyClick(window.seatmap.by_code[first.code], Qt.Key.Key_F8)
    assert kinds(station)[-1] == "return"


def test_search_filters_by_code_and_seat(window, station):
    p = station.plan.room_participants("0101")[4]
    window.search.setText(p.code[:7])
    assert p.code in window.visible_codes()
    window.search.setText(p.seat)
    assert window.visible_codes()[0] == p.code
    assert window.current == p.code


def test_no_match_says_so_and_records_nothing(window, station):
    before = station.log.count()
    window.search.setText("zzzz")
    QTest.keyClick(window.search, Qt.Key.Key_Return)
    assert station.log.count() == before
    assert "Nobody on this room's list matches" in window.advice.toPlainText()


def test_action_without_participant_advises(window, station):
    before = station.log.count()
    window.trigger("exit")
    assert station.log.count() == before
    assert "Choose a participant first" in window.advice.toPlainText()


def test_evacuation_roll_call_and_end(window, station, clock):
    ps = station.plan.room_participants("0101")
    for p in ps[:3]:
        station.record("admitted", "0101", p.code, at="09:10")
    station.record("exam-start", "0101", at="10:00")
    clock.set(local("10:30"))
    window.refresh()

    def evac(dlg):
        assert dlg.roll.count() == 3
        dlg.roll.item(0).setCheckState(Qt.CheckState.Checked)
        dlg.roll.item(1).setCheckState(Qt.CheckState.Checked)
        dlg.accept()

    rec = run_dialog(lambda: window.incident("evacuation"), evac)
    assert rec.event.kind == "evacuation-start" and "roll call 2/3, missing 1" in rec.event.payload["note"]
    assert window.state().phase == "evacuation"
    clock.set(local("10:50"))
    window.trigger("evacuation_end")
    assert kinds(station)[-1] == "evacuation-end"
    assert window.state().evacuations[0][1] is not None


def test_correction_dialog_prefills_old_value(window, station):
    p = station.plan.room_participants("0101")[1]
    station.record("admitted", "0101", p.code, at="09:10")
    window.select(p.code)

    def corr(dlg):
        assert dlg.value("old") == p.last_name and dlg.value("field") == "last_name"
        dlg.inputs["new"].setText("Smith")
        dlg.accept()

    rec = run_dialog(lambda: window.incident("correction"), corr)
    assert rec.event.payload == {"field": "last_name", "old": p.last_name, "new": "Smith"}
    assert "ППЭ-12-02" in window.advice.toPlainText()


def test_typed_sheet_number_is_not_a_scan(window, station, qtbot):
    p = station.plan.room_participants("0101")[0]
    station.record("admitted", "0101", p.code, at="09:10")
    window.select(p.code)

    def typed(dlg):
        for ch in "12345678":
            QTest.keyClick(dlg.sheet, ch)
            QTest.qWait(80)
        assert not dlg.sheet.scanned
        QTest.keyClicks(dlg.sheet, "ab")  # refused by the validator
        assert dlg.sheet.text() == "12345678"
        QTest.keyClick(dlg.sheet, Qt.Key.Key_Return)

    rec = run_dialog(window.extra_sheet, typed)
    assert rec.event.payload["sheet"] == "12345678"


def test_settings_remember_room_and_window(window, station):
    window.close()
    from ui.settings import Settings

    s = Settings()
    assert s.get("room") == "0101"
    assert not s.get("window/geometry").isEmpty()


def test_operation_runs_off_the_gui_thread(qtbot):
    from ui.ops import Operation

    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    seen: dict = {}
    gui = threading.get_ident()

    def work():
        seen["thread"] = threading.get_ident()
        return 42

    op = Operation(parent, work, "Working…").success(lambda r: seen.setdefault("result", r)).run()
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42 and seen["thread"] != gui and not op.running


def test_operation_failure_reaches_the_callback(qtbot):
    from app.errors import UserError
    from ui.ops import Operation

    seen: dict = {}

    def work():
        raise UserError("bad.csv: line 3: field seat: empty")

    Operation(None, work, "Working…").failure(lambda e: seen.setdefault("e", e)).run()
    qtbot.waitUntil(lambda: "e" in seen, timeout=5000)
    assert str(seen["e"]) == "bad.csv: line 3: field seat: empty"


def test_start_of_day_opens_by_itself_without_blocking(station, qtbot):
    """A room not opened yet asks for the start of the day, window-modal, without blocking the loop."""
    from ui.room.dialogs import StartOfDayDialog
    from ui.room.window import RoomWindow

    w = RoomWindow(station, room="0101", ask_start=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: isinstance(getattr(w, "open_dialog", None), StartOfDayDialog)
                    and w.open_dialog.isVisible(), timeout=3000)
    w.open_dialog.accept()
    assert kinds(station) == ["room-opened"]
    assert w.state().organizers == ["ORG01", "ORG02"]
    w.timer.stop()


def test_audio_lockout_advice_shown_on_late_admission(window, station, clock):
    ps = station.plan.room_participants("0101")
    station.record("admitted", "0101", ps[0].code, at="09:10")
    station.record("exam-start", "0101", at="10:00")
    clock.set(local("10:05"))
    window.refresh()
    window.trigger("audio_start")
    assert kinds(station)[-1] == "audio-start"
    window.search.setText(ps[1].last_name)
    QTest.keyClick(window.search, Qt.Key.Key_Return)
    last = station.log.for_room(station.day.key, "0101")[-1]
    assert last.kind == "late" and last.participant == ps[1].code  # recorded: the organizer decides
    text = window.advice.toPlainText()
    assert "listening part is in progress" in text and "no personal replay" in text


def test_room_log_lists_every_mark_with_voided_struck_through(window, station):
    p = station.plan.room_participants("0101")[0]
    wrong = station.record("absent", "0101", p.code, at="09:05")
    station.void("0101", wrong.event.id, "came in after all")
    station.record("admitted", "0101", p.code, at="09:06")
    seen = []
    run_dialog(window.show_room_log, lambda d: (seen.append(d.view.toHtml()), d.accept()))
    html = seen[0]
    assert "line-through" in html and "came in after all" in html
    assert html.count("<li") == 3


def test_print_room_forms_off_the_gui_thread(window, station, qtbot, tmp_path):
    import subprocess

    ps = station.plan.room_participants("0101")
    station.record("admitted", "0101", ps[0].code, at="09:10")
    station.record("exam-start", "0101", at="10:00")
    station.record("exit", "0101", ps[0].code, at="10:30")
    station.record("return", "0101", ps[0].code, at="10:36")
    window.refresh()
    op = window.print_forms(str(tmp_path / "out"))  # mid-exam the figures agree: no question
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    assert op.last_progress is not None and op.last_progress[0] == op.last_progress[1]
    names = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    assert len(names) == len(window.printed) >= 3
    assert f"{len(window.printed)} forms printed into" in window.advice.toPlainText()
    exits = next(p.path for p in window.printed if "12-04" in p.form)
    text = subprocess.run(["pdftotext", str(exits), "-"], capture_output=True, text=True).stdout
    assert "10:30" in text.replace(" ", "") or "1030" in text.replace(" ", "").replace(":", "")


def test_print_with_disagreements_asks_first_and_no_prints_nothing(window, station, tmp_path):
    """Issue 15: the disagreement is shown on the screen, not on the paper; "Do not print" prints nothing."""
    ps = station.plan.room_participants("0101")
    station.record("admitted", "0101", ps[0].code, at="09:10")
    station.record("materials-collected", "0101", at="09:30", payload={"blanks": 5})  # closing, figures off
    window.refresh()
    seen = []

    def decline(box):
        seen.append((box.text(), box.informativeText()))
        box.button(QtWidgets.QMessageBox.StandardButton.No).click()

    assert run_dialog(lambda: window.print_forms(str(tmp_path / "out")), decline) is None
    assert seen and ("disagree" in seen[0][0] or "расходятся" in seen[0][0])
    assert "не отмечены ни как явившиеся, ни как не явившиеся" in seen[0][1]
    assert "собрано бланков регистрации 5" in seen[0][1]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))

    def accept(box):
        box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()

    op = run_dialog(lambda: window.print_forms(str(tmp_path / "out")), accept)
    assert op is not None
    import subprocess

    from PySide6.QtTest import QTest

    for _ in range(600):
        if not op.running:
            break
        QTest.qWait(50)
    pdf = next((tmp_path / "out").glob("ppe-05-02*.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "ВНИМАНИЕ" not in text and "Протокол проведения ГИА" in text


def test_print_without_disagreements_does_not_ask(window, station, qtbot, tmp_path, monkeypatch):
    ps = station.plan.room_participants("0101")
    for p in ps:
        station.record("admitted", "0101", p.code, at="09:10")
    window.refresh()
    import ui.room.window.printing as rw

    monkeypatch.setattr(rw, "confirm_discrepancies", lambda parent, problems: not problems or pytest.fail(
        f"asked with {problems}"))
    op = window.print_forms(str(tmp_path / "out"))
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    assert list((tmp_path / "out").glob("*.pdf"))


def test_kit_replaced_from_the_incident_menu(window, station):
    """Issue 15: a defective kit replaced from the reserve is one incident with both numbers and the reason."""
    ps = station.plan.room_participants("0101")
    station.record("admitted", "0101", ps[0].code, at="09:10")
    window.refresh()
    window.need_participant = lambda: ps[0].code

    def fill(dlg):
        dlg.inputs["kit"].setText("0016100453")
        dlg.inputs["new_kit"].setText("0016100999")
        combo = dlg.inputs["reason"]
        combo.setCurrentIndex(combo.findData("spoiled"))
        dlg.accept()

    rec = run_dialog(lambda: window.incident("kit"), fill)
    assert rec is not None and rec.event.kind == "kit-replaced"
    assert rec.event.payload == {"kit": "0016100453", "new_kit": "0016100999", "reason": "spoiled"}
    assert window.actions["incident_kit"].shortcut().toString() == "Ctrl+Shift+K"


def test_room_clock_dialog_sets_offset_and_notes_it(window, demo_db, qtbot):
    """With the system clock (as in use): the station then reads the room clock, and the log says so."""
    from PySide6.QtCore import QTime

    from app.services.station import Station
    from ui.room.window import RoomWindow

    st = Station.open(demo_db)
    w = RoomWindow(st, room="0101", ask_start=False)
    qtbot.addWidget(w)

    def handle(dlg):
        dlg.clock.setTime(QTime(9, 59, 0))
        dlg.accept()

    rec = run_dialog(w.set_clock, handle)
    assert rec.event.kind == "note" and rec.event.payload["text"].startswith("Room clock set") and "clock_shift_s" in rec.event.payload
    assert w.board_texts()["clock"].startswith("09:59")
    assert Station.open(demo_db).clock.offset == st.clock.offset  # remembered
    w.timer.stop()
    st.close()
