"""Colours and fonts: status colours for the seat map, a normal and a high-contrast theme.

Every colour is paired with a text label on screen, so status never depends on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_

# Display keys: the projection's statuses plus "late" (present and late) and "seat-changed".
STATUS_TITLES: dict[str, str] = {
    "expected": N_("expected"),
    "present": N_("present"),
    "late": N_("late"),
    "out_of_room": N_("out of room"),
    "finished": N_("handed in"),
    "removed": N_("removed"),
    "finished_early": N_("early completion"),
    "absent": N_("absent"),
}
# on a seat tile, where a long status would be cut off; the full one is in its tooltip
TILE_TITLES: dict[str, str] = {**STATUS_TITLES, "finished_early": N_("finished early")}


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    text: str
    panel: str
    accent: str
    warn_bg: str
    warn_fg: str
    status_bg: dict[str, str]
    status_fg: dict[str, str]
    border: str


NORMAL = Theme(
    "normal", window="#f4f5f7", text="#111111", panel="#ffffff", accent="#1d4ed8",
    warn_bg="#fde68a", warn_fg="#111111", border="#9ca3af",
    status_bg={"expected": "#e5e7eb", "present": "#86efac", "late": "#fdba74", "out_of_room": "#93c5fd",
               "finished": "#cbd5e1", "removed": "#fca5a5", "finished_early": "#d8b4fe", "absent": "#6b7280"},
    status_fg={"absent": "#ffffff"},
)

HIGH_CONTRAST = Theme(
    "high-contrast", window="#000000", text="#ffffff", panel="#000000", accent="#ffff00",
    warn_bg="#ffff00", warn_fg="#000000", border="#ffffff",
    status_bg={"expected": "#000000", "present": "#00ff00", "late": "#ff9900", "out_of_room": "#00ffff",
               "finished": "#ffffff", "removed": "#ff0000", "finished_early": "#ff00ff", "absent": "#444444"},
    status_fg={"expected": "#ffffff", "absent": "#ffffff"},
)

THEMES = {t.name: t for t in (NORMAL, HIGH_CONTRAST)}


def display_status(status: str, late: bool) -> str:
    return "late" if late and status == "present" else status


def seat_colours(theme: Theme, key: str) -> tuple[str, str]:
    return theme.status_bg.get(key, theme.panel), theme.status_fg.get(key, "#000000")


def stylesheet(theme: Theme, base_pt: int = 12) -> str:
    """Application style sheet: large type and hit targets, visible focus."""
    return f"""
    QWidget {{ font-size: {base_pt}pt; color: {theme.text}; }}
    QMainWindow, QDialog {{ background: {theme.window}; }}
    QDialog {{ border: 3px solid {theme.accent}; }}
    QTableWidget, QListWidget, QTextBrowser, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit {{
        background: {theme.panel}; color: {theme.text}; border: 1px solid {theme.border}; }}
    QPushButton, QToolButton {{ min-height: 30px; padding: 3px 8px; background: {theme.panel}; color: {theme.text};
        border: 2px solid {theme.border}; border-radius: 4px; }}
    QPushButton:hover {{ border-color: {theme.accent}; }}
    QPushButton:pressed, QPushButton:checked {{ background: {theme.accent}; color: {theme.window}; }}
    QPushButton:disabled {{ color: {theme.border}; }}
    QMenuBar, QMenu, QStatusBar {{ background: {theme.window}; color: {theme.text}; }}
    QMenuBar::item:selected, QMenu::item:selected {{ background: {theme.accent}; color: {theme.window}; }}
    QHeaderView::section {{ background: {theme.window}; color: {theme.text}; border: 1px solid {theme.border};
        padding: 2px 4px; font-weight: bold; }}
    QListWidget::item:selected {{ background: {theme.accent}; color: {theme.window}; }}
    QPushButton:focus, QToolButton:focus, QLineEdit:focus, QTableWidget:focus {{
        outline: 3px solid {theme.accent}; border: 3px solid {theme.accent}; }}
    QAbstractSpinBox {{ min-height: 30px; }}
    QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 26px; }}
    QLabel#warning {{ background: {theme.warn_bg}; color: {theme.warn_fg}; padding: 6px; font-weight: bold; }}
    QLabel#clock {{ font-size: {base_pt * 3}pt; font-weight: bold; }}
    QLabel#board {{ font-size: {int(base_pt * 1.4)}pt; font-weight: bold; }}
    QTableWidget::item:selected {{ background: {theme.accent}; color: {theme.window}; }}
    QToolBar QToolButton {{ font-size: {base_pt - 2}pt; }}
    QFileDialog QToolButton {{ min-height: 24px; min-width: 24px; padding: 1px; }}
    QPushButton#action {{ font-size: {base_pt - 1}pt; text-align: left; padding: 2px 8px 2px 10px; min-height: 22px; }}
    """
