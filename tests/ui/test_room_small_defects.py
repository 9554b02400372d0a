"""The smaller defects of issue 12 §8, each against the real widgets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtTest import QTest

from app.services import room_ops
from tests.conftest import local
from tests.ui.conftest import kinds, run_dialog
from ui import popups
from ui.qt import Qt, QtCore, QtGui, QtWidgets


def test_board_mode_is_full_screen_on_a_single_screen(window):
    assert len(QtGui.QGuiApplication.screens()) == 1
    window.trigger("board")
    assert window.board.isVisible() and window.board.isFullScreen()
    screen = window.board.screen().geometry()
    assert window.board.geometry().size() == screen.size()
    QTest.keyClick(window.board, Qt.Key.Key_Escape)
    assert not window.board.isVisible()


def test_instruction_and_start_have_buttons(window, station, clock):
    assert {"instruction", "start"} <= set(window.big)
    station.record("admitted", "0101", station.plan.room_participants("0101")[0].code, at="09:10")
    clock.set(local("09:50"))
    window.big["instruction"].click()
    clock.set(local("10:00"))
    window.big["start"].click()
    assert kinds(station)[-2:] == ["instruction-given", "exam-start"]


def test_right_click_on_a_seat_offers_the_participant_actions(window, station):
    p = station.plan.room_participants("0101")[2]
    shown: list[QtWidgets.QMenu] = []
    window._seat_menu = lambda code, pos: shown.append(window.participant_menu(code))
    window.seatmap.context.disconnect()
    window.seatmap.context.connect(window._seat_menu)
    btn = window.seatmap.by_code[p.code]
    QtWidgets.QApplication.sendEvent(btn, QtGui.QContextMenuEvent(QtGui.QContextMenuEvent.Reason.Mouse,
                                                                   QtCore.QPoint(5, 5), btn.mapToGlobal(QtCore.QPoint(5, 5))))
    assert shown and window.current == p.code
    texts = [a.text() for a in shown[0].actions()]
    assert "Admit (document checked)" in texts and "Did not come" in texts and "Leaves the room" in texts
    next(a for a in shown[0].actions() if a.text() == "Did not come").trigger()
    assert kinds(station)[-1] == "absent"


def test_right_click_on_a_list_row_offers_the_same(window, station):
    p = station.plan.room_participants("0101")[4]
    row = window.rows[p.code]
    rect = window.table.visualRect(window.table.model().index(row, 1))
    shown: list[QtWidgets.QMenu] = []
    real = window.participant_menu
    window.participant_menu = lambda code: shown.append(real(code)) or shown[-1]
    window._row_menu(rect.center())
    assert shown and window.current == p.code
    shown[-1].close()


def test_closing_mid_exam_asks_and_no_keeps_the_window(window, station):
    room_ops.play(station, "0101", until="10:30")
    window.refresh()
    asked: list[str] = []

    def no(box):
        asked.append(box.text())
        box.button(QtWidgets.QMessageBox.StandardButton.No).click()

    assert run_dialog(window.quit_asking, no) is False
    assert window.isVisible() and "not over" in asked[0]

    def yes(box):
        box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()

    assert run_dialog(window.quit_asking, yes) is True
    assert not window.isVisible()


def test_closing_before_the_day_asks_nothing(window):
    assert window.quit_asking() is True


def test_print_remembers_the_folder_and_says_where(window, station, tmp_path, monkeypatch, qtbot):
    starts: list[str] = []
    target = tmp_path / "stick" / "forms"
    target.mkdir(parents=True)

    def choose(parent, title, start, *a, **k):
        starts.append(start)
        return str(target)

    monkeypatch.setattr(popups, "choose_folder", choose)
    op = window.print_forms()
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    assert str(target) in window.status.currentMessage()
    op = window.print_forms()
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    assert starts[1] == str(target)  # the next dialog starts where the last forms went
    assert any(Path(target).glob("*.pdf"))


def test_demo_is_in_the_recent_list(qtbot, tmp_path):
    from ui.main import Session, parse_args
    from ui.settings import Settings

    s = Session(parse_args([]), Settings())
    s.start()
    s.launcher.demo_button.setFocus()
    QTest.keyClick(s.launcher.demo_button, Qt.Key.Key_Return)  # Enter on the focused button opens it
    qtbot.waitUntil(lambda: s.window is not None, timeout=60000)
    try:
        recent = Settings().recent()
        assert recent and recent[0] == str(Path(s.window.station.path).resolve())
    finally:
        dlg = getattr(s.window, "open_dialog", None)
        if dlg is not None:
            dlg.reject()
        s.window.timer.stop()
        s.window.close()


def test_print_and_export_run_on_a_station_of_their_own(window, station, tmp_path, monkeypatch, qtbot):
    """The worker gets its own Station (same database and date), never the GUI's with its cached state."""
    import app.forms as forms

    seen = []

    def fake_render(st, room, out, separate=True, progress=None):
        seen.append((st is not station, st.path == station.path, st.day == station.day, room))
        return []

    monkeypatch.setattr(forms, "render_room_set", fake_render)
    op = window.print_forms(str(tmp_path / "forms"))
    qtbot.waitUntil(lambda: not op.running, timeout=30000)
    assert seen == [(True, True, True, "0101")]


def test_ctrl_p_opens_the_print_preview_of_the_room_set(window, station):
    from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget

    room_ops.play(station, "0101", until="12:10")
    window.refresh()
    pages: list[int] = []

    def handle(dlg):
        assert isinstance(dlg, QPrintPreviewDialog)
        preview = dlg.findChild(QPrintPreviewWidget)
        preview.updatePreview()
        pages.append(preview.pageCount())
        dlg.reject()

    run_dialog(lambda: window.trigger("print"), handle)
    assert pages and pages[0] >= 5  # 05-01, 05-02, 12-02, 12-03, 12-04-МАШ at least a page each
    assert window.actions["print_pdf"].shortcut().toString() == "Ctrl+Shift+P"


def test_network_work_has_its_own_queue(qtbot):
    """A blocked sync (a server timing out) does not hold up a job on the database worker."""
    import threading

    from ui.ops import Operation

    gate = threading.Event()
    done: list[str] = []
    slow = Operation(None, lambda: gate.wait(20) and "net", "sync", dialog=False, network=True)
    slow.success(done.append).run()
    fast = Operation(None, lambda: "db", "print", dialog=False)
    fast.success(done.append).run()
    qtbot.waitUntil(lambda: "db" in done, timeout=5000)
    assert "net" not in done  # the printing job finished while the sync still waited
    gate.set()
    qtbot.waitUntil(lambda: "net" in done, timeout=5000)
