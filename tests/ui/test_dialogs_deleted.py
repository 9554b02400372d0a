"""«Записать» dialogs are deleted after use: each one used to stay a child of the room window, so an
exam day of marks grew the window by one dialog per mark (ui.widgets.exec_dialog deletes them)."""

from __future__ import annotations

from tests.ui.conftest import run_dialog
from ui.qt import QtCore, QtWidgets


def _dialogs(w) -> int:
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)  # the event loop's turn
    return len(w.findChildren(QtWidgets.QDialog))


def test_dialogs_do_not_pile_up_under_the_window(window, station) -> None:
    code = station.plan.room_participants("0101")[0].code
    window.select(code)
    assert window.admit() is not None
    before = _dialogs(window)

    def issue(n: int):
        def handle(dlg) -> None:
            dlg.sheet.setText(f"{n:013d}")
            dlg.accept()
        return handle

    for n in range(1, 6):  # five extra sheets recorded with «Выдать»
        assert run_dialog(window.extra_sheet, issue(n)) is not None
    for _ in range(2):  # and two dialogs cancelled
        assert run_dialog(window.extra_sheet, lambda d: d.reject()) is None
    assert len(window.participant_state(code).extra_sheets) == 5
    assert _dialogs(window) <= before
    assert getattr(window, "open_dialog", None) is None  # no handle on a deleted dialog


def test_a_popup_question_is_deleted_too(window) -> None:
    from ui import popups

    before = _dialogs(window)
    for answer in (True, False):
        def handle(box, yes=answer) -> None:
            box.button(box.StandardButton.Yes if yes else box.StandardButton.No).click()
        assert run_dialog(lambda: popups.ask(window, "t", "q"), handle) is answer
    assert _dialogs(window) <= before
