"""Small widgets shared by the windows."""

from __future__ import annotations

import time

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


def restore_geometry(window: QtWidgets.QMainWindow, settings, size: tuple[int, int] = (1366, 768)) -> None:
    """The geometry and toolbars/docks saved last time (``save_geometry``), or ``size``; then on the screen."""
    geo = settings.get("window/geometry")
    if isinstance(geo, QtCore.QByteArray) and not geo.isEmpty():
        window.restoreGeometry(geo)
    else:
        window.resize(*size)
    fit_to_screen(window)
    state = settings.get("window/state")
    if isinstance(state, QtCore.QByteArray) and not state.isEmpty():
        window.restoreState(state)


def save_geometry(window: QtWidgets.QMainWindow, settings) -> None:
    """At closing: the geometry (only when on a screen) and the window state, written out now."""
    save_geometry_if_on_screen(window, settings)
    settings.set("window/state", window.saveState())
    settings.sync()


class _RefitWhenFramed(QtCore.QObject):
    """Waits for the window manager's frame (title bar, borders), then brings the window onto the screen."""

    def eventFilter(self, obj, e):  # noqa: N802 - Qt override
        if e.type() in (QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Resize) and \
                obj.frameGeometry().height() > obj.height():
            obj.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, lambda: fit_to_screen(obj))
            self.deleteLater()
        return False


def keep_on_screen(window: QtWidgets.QWidget) -> None:
    """``fit_to_screen`` now, and again once the window manager has framed the window.

    Why: at ``showEvent`` the frame is not known yet, so a 1366×768 window on a 1366×768 screen looked
    as if it fitted; openbox then added a 20-px title bar and the status bar hung off the bottom edge.
    """
    fit_to_screen(window)
    if window.frameGeometry().height() <= window.height() and not window.findChild(_RefitWhenFramed):
        window.installEventFilter(_RefitWhenFramed(window))


def save_geometry_if_on_screen(window: QtWidgets.QWidget, settings, key: str = "window/geometry") -> bool:
    """Save the window's geometry only when it lies on a screen; an off-screen one is forgotten instead
    (it would open the window off-screen next time)."""
    if on_a_screen(window.frameGeometry()):
        settings.set(key, window.saveGeometry())
        return True
    settings.set(key, QtCore.QByteArray())
    return False


def exec_dialog(dlg: QtWidgets.QDialog) -> int:
    """``dlg.exec()``, then, unless it was cancelled, clear the screen under it and give the keyboard
    back to the window at once (``clear_behind``), before the caller's work.

    The dialog is deleted once the event loop turns again (the caller may still read its fields now):
    a dialog kept as the window's child after use stayed in memory for the whole exam day, one per
    «Записать». Every modal of ui/ goes through here (ui/popups.py for Qt's static helpers)."""
    try:
        result = dlg.exec()
        if result != QtWidgets.QDialog.DialogCode.Rejected:
            clear_behind(dlg)
        return result
    finally:
        parent = dlg.parentWidget()
        top = parent.window() if parent is not None else None
        if top is not None and getattr(top, "open_dialog", None) is dlg:
            top.open_dialog = None  # never a handle on a deleted dialog
        dlg.deleteLater()


class _ExposeWatch(QtCore.QObject):
    exposed = False

    def eventFilter(self, obj, e):  # noqa: N802 - Qt override
        if e.type() == QtCore.QEvent.Type.Expose:
            self.exposed = True
        return False


def clear_behind(dlg: QtWidgets.QWidget, wait_s: float = 0.15) -> None:
    """The dialog is hidden: repaint the window where it was, now, and hand the keyboard back.

    Why: the work after «Записать» (the durable write, the repaint of what it changed) runs before
    the event loop turns again; without a compositor the X server keeps showing the dialog's pixels
    until the window under it repaints, which took about 2 s on a loaded machine (the organizer took
    the dialog for open), and a key pressed meanwhile was lost (tests/ui/test_dialog_lag.py). The
    window manager takes the dialog's frame away in its own time; we wait up to ``wait_s`` for the
    window to be exposed, handling no user input meanwhile (no second action can start here).
    """
    parent = dlg.parentWidget()
    top = parent.window() if parent is not None else None
    if top is None or not top.isVisible():
        return
    give_focus_back(top)
    handle = top.windowHandle()
    if handle is None or QtGui.QGuiApplication.platformName() == "offscreen":
        return
    watch = _ExposeWatch()
    handle.installEventFilter(watch)
    try:
        end = time.monotonic() + wait_s
        flags = QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents
        while not watch.exposed and time.monotonic() < end:
            QtWidgets.QApplication.processEvents(flags)
            if not watch.exposed:
                time.sleep(0.005)
        QtWidgets.QApplication.processEvents(flags)  # the paint the exposure asked for
    finally:
        handle.removeEventFilter(watch)


_xcb: list = []  # [libxcb, connection] once opened; [None] when there is no X server


def give_focus_back(top: QtWidgets.QWidget) -> None:
    """On X11, put the keyboard focus on ``top`` ourselves as the dialog closes.

    Why: Qt asks the window manager to do it (_NET_ACTIVE_WINDOW), and a window manager starved of
    CPU on a loaded machine does it late; a key pressed meanwhile went to the closed dialog's window
    and was lost (F7 after «Записать» recorded nothing: tests/ui/test_dialog_lag.py). Handing the
    focus from our own dialog to our own main window is the ICCCM "locally active" model. A private
    xcb connection is used: its errors come back as events and never end the process.
    """
    if QtGui.QGuiApplication.platformName() != "xcb" or not top.isVisible():
        return
    if not _xcb:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("xcb")
        lib = ctypes.CDLL(name) if name else None
        conn = None
        if lib is not None:
            lib.xcb_connect.restype = ctypes.c_void_p
            lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
            lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
            lib.xcb_set_input_focus.argtypes = [ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint32]
            lib.xcb_set_input_focus.restype = ctypes.c_uint  # a cookie, unused
            lib.xcb_flush.argtypes = [ctypes.c_void_p]
            conn = lib.xcb_connect(None, None)
            if not conn or lib.xcb_connection_has_error(conn):
                conn = None
        _xcb.extend([lib, conn])
    lib, conn = _xcb
    if conn is None:
        return
    lib.xcb_set_input_focus(conn, 2, int(top.winId()), 0)  # XCB_INPUT_FOCUS_PARENT, XCB_CURRENT_TIME
    lib.xcb_flush(conn)
