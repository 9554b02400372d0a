"""Board mode: room, subject, start, end and time left in very large type, for a projector or a
second screen (opens full screen on a screen other than the organizer's when there is one, else
full screen on the organizer's: Esc returns)."""

from __future__ import annotations

from ui.qt import Qt, QtGui, QtWidgets


class BoardWindow(QtWidgets.QWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(None, Qt.WindowType.Window)
        self._owner = parent
        self.setObjectName("board")
        from app.i18n import _

        self.setAccessibleName(_("Board"))
        self.setWindowTitle(_("Board"))
        self.setStyleSheet("QWidget#board { background: #000; } QLabel { color: #fff; }")
        self.setAutoFillBackground(True)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(40, 20, 40, 20)
        self.title = QtWidgets.QLabel(self)
        self.clock = QtWidgets.QLabel(self)
        self.times = QtWidgets.QLabel(self)
        self.left = QtWidgets.QLabel(self)
        self.extra = QtWidgets.QLabel(self)
        for w, k in ((self.title, 0.07), (self.clock, 0.2), (self.times, 0.1), (self.left, 0.12),
                     (self.extra, 0.05)):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            w.setWordWrap(True)
            w.setProperty("scale", k)
            lay.addWidget(w, 1)
        self.resize(1024, 640)

    def resizeEvent(self, e):  # noqa: N802 - Qt override
        self._fit()
        super().resizeEvent(e)

    def _fit(self) -> None:
        """Each line as large as its share of the height allows, shrunk until it fits the width."""
        h, width = max(200, self.height()), max(200, self.width() - 100)
        for w in (self.title, self.clock, self.times, self.left, self.extra):
            # a style sheet, not setFont: the application's style sheet would override a font
            px = max(14, int(h * float(w.property("scale"))))
            f = QtGui.QFont(w.font())
            f.setBold(w is not self.extra)
            while px > 14:
                f.setPixelSize(px)
                if QtGui.QFontMetrics(f).horizontalAdvance(w.text()) <= width:
                    break
                px = int(px * 0.92)
            colour = "#ffd400" if w is self.left else "#ffffff"
            weight = "normal" if w is self.extra else "bold"
            if w.property("px") != px:
                w.setStyleSheet(f"font-size: {px}px; font-weight: {weight}; color: {colour};")
                w.setProperty("px", px)

    def keyPressEvent(self, e):  # noqa: N802 - Qt override
        if e.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
            return
        super().keyPressEvent(e)

    def set_values(self, title: str, clock: str, times: str, left: str, extra: str) -> None:
        changed = False
        for w, t in ((self.title, title), (self.clock, clock), (self.times, times), (self.left, left),
                     (self.extra, extra)):
            if w.text() != t:
                changed = changed or len(w.text()) != len(t)
                w.setText(t)
        if changed:
            self._fit()

    def target_screen(self) -> QtGui.QScreen | None:
        """A screen other than the one the organizer's window is on, if there is one."""
        screens = QtGui.QGuiApplication.screens()
        mine = self._owner.screen() if self._owner is not None else QtGui.QGuiApplication.primaryScreen()
        others = [s for s in screens if s is not mine]
        return others[0] if others else None

    def present(self) -> None:
        """Full screen: on a second screen (the projector) when there is one, else on this one
        (Esc or F11 returns to the organizer's window)."""
        screen = self.target_screen() or (self._owner.screen() if self._owner is not None else None) \
            or QtGui.QGuiApplication.primaryScreen()
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
