"""Small widgets shared by the windows."""

from __future__ import annotations

from ui.qt import Qt, QtCore, QtGui, QtWidgets


class ElidedLabel(QtWidgets.QLabel):
    """A one-line label that is cut with «…» rather than widen the window (the whole text in its tooltip).

    A plain QLabel's minimum width is its text's width: a long status-bar notice once made the room
    window 1696 px wide on a 1366 px screen.
    """

    MAX_HINT = 560

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt override
        return QtCore.QSize(60, super().minimumSizeHint().height())

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt override
        w = self.fontMetrics().horizontalAdvance(self.text()) + 8
        return QtCore.QSize(min(w, self.MAX_HINT), super().sizeHint().height())

    def paintEvent(self, e: QtGui.QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QtGui.QPainter(self)
        r = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, r.width())
        p.drawText(r, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
        p.end()


def _available(rect: QtCore.QRect) -> QtCore.QRect | None:
    """The available area of the screen the rectangle is mostly on (None if it is on none)."""
    best, area = None, 0
    for screen in QtGui.QGuiApplication.screens():
        avail = screen.availableGeometry()
        inter = avail.intersected(rect)
        a = inter.width() * inter.height() if inter.isValid() else 0
        if a > area:
            best, area = avail, a
    return best


def on_a_screen(rect: QtCore.QRect, slack: int = 16) -> bool:
    """Whether a window frame lies wholly on one screen's available area (a few px of frame allowed)."""
    avail = _available(rect)
    return avail is not None and avail.adjusted(-slack, -slack, slack, slack).contains(rect)


def fit_to_screen(window: QtWidgets.QWidget) -> None:
    """Bring a restored or freshly sized window wholly onto its screen: never larger than the screen's
    available area, never with the buttons or the clock off its edge."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    if screen is None:
        return
    frame = window.frameGeometry()
    if on_a_screen(frame, slack=0):
        return
    avail = _available(frame) or screen.availableGeometry()
    extra_w = frame.width() - window.width()
    extra_h = frame.height() - window.height()
    window.resize(min(window.width(), avail.width() - extra_w), min(window.height(), avail.height() - extra_h))
    window.move(avail.topLeft())


def save_geometry_if_on_screen(window: QtWidgets.QWidget, settings, key: str = "window/geometry") -> bool:
    """Save the window's geometry only when it lies on a screen; an off-screen one is forgotten instead
    (it would open the window off-screen next time)."""
    if on_a_screen(window.frameGeometry()):
        settings.set(key, window.saveGeometry())
        return True
    settings.set(key, QtCore.QByteArray())
    return False


def exec_dialog(dlg: QtWidgets.QDialog) -> int:
    """``dlg.exec()``, then, unless it was cancelled, repaint the window under it at once.

    Why: the work after «Записать» (the durable write, the repaint of what it changed) runs before
    the event loop turns again; without a compositor the X server then keeps showing the dialog's
    pixels where it was until the window under it repaints, which took about 2 s on a loaded machine
    and made the organizer think the dialog was still open (tests/ui/test_dialog_lag.py). Repainting
    just that rectangle now costs one small paint before the write.
    """
    result = dlg.exec()
    if result != QtWidgets.QDialog.DialogCode.Rejected:
        clear_behind(dlg)
    return result


def clear_behind(dlg: QtWidgets.QWidget) -> None:
    """Repaint, now, the part of the dialog's parent window that the (hidden) dialog covered."""
    parent = dlg.parentWidget()
    top = parent.window() if parent is not None else None
    if top is None or not top.isVisible():
        return
    rect = QtCore.QRect(top.mapFromGlobal(dlg.frameGeometry().topLeft()), dlg.frameGeometry().size())
    rect = rect.intersected(top.rect())
    if not rect.isEmpty():
        top.repaint(rect)
