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


def run_dialog(trigger, handle):
    """Call ``trigger`` (which opens a modal dialog) and let ``handle(dialog)`` drive it."""
    errors: list[BaseException] = []

    def poll(tries: int = 0) -> None:
        w = QtWidgets.QApplication.activeModalWidget()
        if w is None:
            if tries < 300:
                QTimer.singleShot(10, lambda: poll(tries + 1))
            return
        try:
            handle(w)
        except BaseException as e:  # surfaced after the dialog closes
            errors.append(e)
            w.reject()

    QTimer.singleShot(0, poll)
    result = trigger()
    if errors:
        raise errors[0]
    return result


def seat_text(window, code: str) -> str:
    return window.seatmap.by_code[code].text()


def kinds(station, room: str = "0101") -> list[str]:
    return [e.kind for e in station.log.for_room(station.day.key, room)]
