"""Fixtures for driving the room window with real widgets (offscreen)."""

from __future__ import annotations

import pytest

from ui.qt import QTimer, QtWidgets


@pytest.fixture
def window(station, qtbot):
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    w = RoomWindow(station, room="0101", settings=Settings(), ask_start=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    if w.board is not None:
        w.board.close()
    w.timer.stop()


def run_dialog(trigger, handle, wait_ms: int = 3000):
    """Call ``trigger`` (which opens a modal dialog) and let ``handle(dialog)`` drive it.

    Fails loudly: if ``trigger`` returns without a modal dialog having been handled, if none
    appears within ``wait_ms``, or if ``handle`` leaves the dialog open, the test fails here
    (the dialog is rejected so the test run is not left hanging on it).
    """
    errors: list[BaseException] = []
    seen: list[QtWidgets.QWidget] = []
    finished = [False]
    step = 10

    def poll(tries: int = 0) -> None:
        if finished[0]:
            return
        w = QtWidgets.QApplication.activeModalWidget()
        if w is None:
            if tries * step < wait_ms:
                QTimer.singleShot(step, lambda: poll(tries + 1))
            else:
                errors.append(AssertionError(f"run_dialog: no modal dialog appeared within {wait_ms} ms"))
            return
        seen.append(w)
        try:
            handle(w)
        except BaseException as e:  # surfaced after the dialog closes
            errors.append(e)
            w.reject()
            return
        if w.isVisible() and QtWidgets.QApplication.activeModalWidget() is w:
            errors.append(AssertionError(f"run_dialog: handle left {type(w).__name__} open"))
            w.reject()

    QTimer.singleShot(0, poll)
    try:
        result = trigger()
    finally:
        finished[0] = True
    if errors:
        raise errors[0]
    if not seen:
        raise AssertionError("run_dialog: the trigger returned without opening a modal dialog")
    return result


def seat_text(window, code: str) -> str:
    return window.seatmap.by_code[code].text()


def kinds(station, room: str = "0101") -> list[str]:
    return [e.kind for e in station.log.for_room(station.day.key, room)]
