"""The room window on a station holding several exam dates: subject and date in the header, a confirmed switch."""

from __future__ import annotations

from tests.ui.conftest import run_dialog
from ui.qt import QtCore, QtWidgets


def _answer(button):
    def handle(box):
        assert isinstance(box, QtWidgets.QMessageBox)
        assert "04/06/2026" in box.text() and "11/06/2026" in box.text()
        box.button(button).click()
    return handle


def test_header_shows_subject_and_date_and_switching_asks(window, station):
    assert station.day.key == "2026-06-04"
    assert "Russian language (01)" in window.title.text() and "2026" in window.title.text()
    No, Yes = QtWidgets.QMessageBox.StandardButton.No, QtWidgets.QMessageBox.StandardButton.Yes
    assert run_dialog(lambda: window.choose_date("2026-06-11"), _answer(No)) is False
    assert station.day.key == "2026-06-04" and "Russian" in window.title.text()
    assert run_dialog(lambda: window.choose_date("2026-06-11"), _answer(Yes)) is True
    assert station.day.key == "2026-06-11"
    assert "Social studies (12)" in window.title.text() or "(12)" in window.title.text()
    assert window.subject.code == "12"
    people = station.plan.room_participants("0101")
    assert window.table.rowCount() == len(people)
    assert {window.table.item(i, 0).data(0x0100) for i in range(window.table.rowCount())} == {p.code for p in people}
    # a mark made now is filed on 11 June, the date shown
    window.select(people[0].code)
    rec = window.admit()
    assert rec is not None and rec.event.day == "2026-06-11"


def test_physics_room_shows_its_own_subject(station, qtbot):
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    station.use_day("2026-06-11")
    w = RoomWindow(station, room="0203", settings=Settings(), ask_start=False)
    qtbot.addWidget(w)
    try:
        assert w.subject.code == "03" and "(03)" in w.title.text()
    finally:
        w.timer.stop()


def test_the_date_chooser_goes_through_exec_dialog(window, station, monkeypatch):
    """Ctrl+Shift+D: the list of dates and the question after it are run through exec_dialog (they were Qt's
    static QInputDialog.getItem and QMessageBox.question, which the «dialog lag» fix did not reach: the
    screen under them was not cleared and the keyboard not handed back before the switch)."""
    import ui.widgets

    seen: list[str] = []
    cleared: list[str] = []
    real = ui.widgets.clear_behind
    monkeypatch.setattr(ui.widgets, "clear_behind", lambda dlg, *a: cleared.append(type(dlg).__name__) or real(dlg))

    def pick(dlg):
        assert isinstance(dlg, QtWidgets.QInputDialog)
        items = dlg.comboBoxItems()
        seen.extend(items)
        dlg.setTextValue(next(t for t in items if "11/06/2026" in t))
        dlg.accept()

    assert run_dialog(lambda: window.choose_date(confirm=False), pick) is True
    assert len(seen) == 2 and station.day.key == "2026-06-11"
    assert cleared == ["QInputDialog"]
    No = QtWidgets.QMessageBox.StandardButton.No
    assert run_dialog(lambda: window.choose_date("2026-06-04"), lambda box: box.button(No).click()) is False
    assert cleared == ["QInputDialog", "QMessageBox"]
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert not window.findChildren(QtWidgets.QInputDialog)


def test_seat_tiles_keep_their_text_size_after_another_date(window, station):
    """Found under Xvfb: after switching to 11 June the new tiles were measured before they were laid out
    (a 100-px default width), so their names were drawn in the smallest size."""
    before = window.seatmap._pt
    assert before >= 9
    assert window.choose_date("2026-06-11", confirm=False) is True
    assert window.seatmap._pt == before
    widths = {b.width() for b in window.seatmap.buttons.values()}
    assert min(widths) > 100, widths
