"""Screenshots (issue 12): Qt's own file dialog under the room's style sheet showed its toolbar
(back, forward, up, new folder, list/detail) as empty squares: the buttons' padding left no room for
the icons."""

from __future__ import annotations

import pytest

from ui.qt import QtCore, QtWidgets

pytestmark = pytest.mark.timeout(60)


def test_file_dialog_toolbar_buttons_have_room_for_their_icons(qtbot):
    from ui.theme import THEMES, stylesheet

    app = QtWidgets.QApplication.instance()
    old = app.styleSheet()
    app.setStyleSheet(stylesheet(THEMES["normal"], 12))
    try:
        fd = QtWidgets.QFileDialog(None, "x", str(QtCore.QDir.homePath()))
        fd.setOption(QtWidgets.QFileDialog.Option.DontUseNativeDialog, True)
        qtbot.addWidget(fd)
        fd.resize(900, 520)
        fd.show()
        qtbot.waitExposed(fd)
        buttons = [b for b in fd.findChildren(QtWidgets.QToolButton) if b.isVisible() and not b.icon().isNull()]
        assert len(buttons) >= 4
        for b in buttons:
            img = b.grab().toImage()  # what the button shows: its icon needs more than a few colours
            inner = img.copy(3, 3, img.width() - 6, img.height() - 6)
            colours = {inner.pixel(x, y) for x in range(inner.width()) for y in range(inner.height())}
            assert len(colours) > 8, (b.objectName(), b.size(), len(colours))
    finally:
        app.setStyleSheet(old)
