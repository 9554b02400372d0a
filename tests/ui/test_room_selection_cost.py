"""Choosing a participant (a click, the arrows, a keystroke of the search) repaints two tiles and
re-styles none: the chosen tile's thick border is its style sheet's «:checked» rule."""

from __future__ import annotations

from ui.qt import QtCore, QtGui, QtWidgets


class _StyleChanges(QtCore.QObject):
    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def eventFilter(self, obj, e):  # noqa: N802 - Qt override
        if e.type() == QtCore.QEvent.Type.StyleChange and type(obj).__name__ == "SeatButton":
            self.seen.append(obj.label)
        return False


def _left_edge(tile) -> QtGui.QColor:
    """The colour 2 px inside the tile's left edge, halfway down (inside a 4-px border, past a 1-px one)."""
    img = tile.grab().toImage()
    return img.pixelColor(2, img.height() // 2)


def test_choosing_a_participant_restyles_no_tile(window, station, qtbot):
    people = station.plan.room_participants("0101")
    a, b = people[0].code, people[1].code
    window.select(a)
    qtbot.wait(10)
    spy = _StyleChanges()
    app = QtWidgets.QApplication.instance()
    app.installEventFilter(spy)
    try:
        window.select(b)
        window.select(a)
        window.select(b)
        qtbot.wait(10)
    finally:
        app.removeEventFilter(spy)
    assert spy.seen == []  # before: each change of the selection set two tiles' style sheets
    chosen, other = window.seatmap.by_code[b], window.seatmap.by_code[a]
    assert chosen.isChecked() and not other.isChecked()
    accent = QtGui.QColor(window.theme.accent)
    assert _left_edge(chosen) == accent  # the 4-px border of the chosen tile is drawn
    assert _left_edge(other) != accent
