"""How the room window looks: the theme (high contrast), the text size, the language, the board mode.

Why apart from the window: each is a setting remembered across launches that re-lays the whole window
out (style sheet, column widths, the action column's width, the advice in the new colours or words)."""

from __future__ import annotations

from app.i18n import current_language
from ui.language import switch_language
from ui.qt import QtWidgets
from ui.theme import THEMES, stylesheet


class ViewOptions:
    """F11, Ctrl+Shift+H, Ctrl+= / Ctrl+-, Ctrl+L of the window ``w`` (its ``theme``, ``font_pt``, ``settings``)."""

    def __init__(self, window):
        self.w = window

    def fit_buttons(self) -> None:
        """The action column as wide as its widest button (texts change with language and size)."""
        w = self.w
        w.buttons_panel.ensurePolished()
        for b in w.big.values():
            b.ensurePolished()
        w.buttons_panel.adjustSize()
        width = w.buttons_panel.sizeHint().width() + w.buttons_scroll.verticalScrollBar().sizeHint().width()
        w.buttons_scroll.setMinimumWidth(width)

    def apply_theme(self) -> None:
        w = self.w
        QtWidgets.QApplication.instance().setStyleSheet(stylesheet(w.theme, w.font_pt))
        w.seatmap.theme = w.theme
        w.seatmap.font_pt = max(8, w.font_pt - 1)
        w.table.fit_columns()  # the new text size
        w.actions["contrast"].setChecked(w.theme.name == "high-contrast")
        self.fit_buttons()
        w.refresh()
        if w.last_recorded is not None:  # advice in the new colours
            w.show_recorded(w.last_recorded)

    def toggle_board(self) -> None:
        w = self.w
        if w.board is not None and w.board.isVisible():
            w.board.close()
            return
        if w.board is None:
            from ui.room.board import BoardWindow  # on first use: the first paint does not need it

            w.board = BoardWindow(w)
        w.board.present()
        w.tick(repaint_only=True)

    def toggle_contrast(self) -> None:
        w = self.w
        w.theme = THEMES["normal" if w.theme.name == "high-contrast" else "high-contrast"]
        w.settings.set("theme", w.theme.name)
        self.apply_theme()

    def zoom(self, step: int) -> None:
        w = self.w
        w.font_pt = min(20, max(9, w.font_pt + step))
        w.settings.set("font_pt", w.font_pt)
        self.apply_theme()

    def toggle_language(self) -> None:
        self.set_language("en" if current_language() == "ru" else "ru")

    def set_language(self, lang: str) -> None:
        switch_language(lang)  # Qt's own dialogs too
        self.w.settings.set("language", lang)
        self.w.retranslate()
