"""What the one-second clock tick repaints: the header (room, board values, clock), the banner of
the rules' warnings, and the «out of the room» table.

Why apart from the window: these views change with time, not with marks, so they are redrawn every
second; each widget here sets a text only when it differs, so an idle tick costs almost nothing
and never disturbs what the organizer is doing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

from app.domain.projection import RoomState
from app.domain.rules import Advice
from app.i18n import _, current_language, format_date, format_time
from app.services.station import Station
from ui.qt import Qt, QtGui, QtWidgets
from ui.theme import Theme


def board_texts(station: Station, state: RoomState, tz: str) -> dict[str, str]:
    """What goes on the room's board now: clock, start, end, time left, the ОВЗ ends."""
    now = station.now()
    out = {"clock": format_time(now, tz, seconds=True), "start": "—", "end": "—", "left": "", "ovz": ""}
    if state.start is not None:
        out["start"] = format_time(state.start, tz)
        out["end"] = format_time(state.end, tz)
        ovz = [e for e in state.ends() if e != state.end]
        if ovz:
            out["ovz"] = _("ОВЗ end: {times}").format(times=", ".join(format_time(e, tz) for e in ovz))
        left = state.end - now
        if state.closed_at is None:
            if left > timedelta(0):
                secs = int(left.total_seconds())
                out["left"] = _("{h}:{m:02d} left").format(h=secs // 3600, m=(secs % 3600) // 60)
            else:
                out["left"] = _("time is over")
    return out


class RoomHeader(QtWidgets.QWidget):
    """Room and subject | the board values (start, end, time left) | the clock."""

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(parent)
        head = QtWidgets.QHBoxLayout(self)
        head.setContentsMargins(0, 0, 0, 0)
        self.title = QtWidgets.QLabel(self)
        self.title.setObjectName("board")
        self.title.setWordWrap(True)
        head.addWidget(self.title, 3)
        self.board_values = QtWidgets.QLabel(self)
        self.board_values.setObjectName("board")
        self.board_values.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.addWidget(self.board_values, 3)
        self.clock = QtWidgets.QLabel("--:--:--", self)
        self.clock.setObjectName("clock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.clock, 2)

    def retranslate(self) -> None:
        self.clock.setAccessibleName(_("Room clock"))
        self.board_values.setAccessibleName(_("Board"))

    def show_title(self, room: str, room_name: str, subject, day) -> None:
        """Room, its name, the subject (in the interface's language) and the exam date."""
        name = subject.title_en if current_language() == "en" else subject.title
        self.set_title(f"{_('Room')} {room} · {html.escape(room_name)}<br>{html.escape(name)} "
                       f"({subject.code}) · <b>{format_date(day)}</b>")

    def set_title(self, text: str) -> None:
        if self.title.text() != text:
            self.title.setText(text)

    def show_board(self, b: dict[str, str]) -> None:
        if self.clock.text() != b["clock"]:
            self.clock.setText(b["clock"])
        values = f"{_('Start')} {b['start']} · {_('End')} {b['end']}"
        if b["left"]:
            values += f"<br>{b['left']}"
        if b["ovz"]:
            values += f"<br>{b['ovz']}"
        if self.board_values.text() != values:
            self.board_values.setText(values)


class Banners:
    """The banner of the rules' warnings. A new one beeps once; a lasting one (no-show, wrong date)
    stays while the rules still call for it and goes as soon as they do not (admissions, the clock
    set); a moment's one (30/5 minutes left) stays two minutes."""

    def __init__(self, label: QtWidgets.QLabel, beep: Callable[[str], None]):
        self.label = label
        self.beep = beep
        self.seen: set[str] = set()
        self.shown: dict[str, tuple[Advice, datetime]] = {}  # key -> (advice, shown until)

    def update(self, due: list[Advice], now: datetime) -> None:
        by_key = {adv.code + str(adv.params): adv for adv in due}
        for key, adv in by_key.items():
            if key not in self.seen:
                self.seen.add(key)
                self.shown[key] = (adv, now + timedelta(minutes=2))
                self.beep(adv.text())
        for key, (adv, until) in list(self.shown.items()):
            if (adv.lasting and key not in by_key) or (not adv.lasting and now > until):
                del self.shown[key]
        self._show()

    def warn(self, text: str, now: datetime) -> None:
        """A warning of the moment (two minutes), with a beep."""
        self.shown["warn:" + text] = (Advice("warn", "warning", text), now + timedelta(minutes=2))
        self.beep(text)
        self._show()

    def forget_seen(self) -> None:
        """After the clock or the date changed: warnings already given may be due again."""
        self.seen.clear()

    def _show(self) -> None:
        text = "\n".join(adv.text() for adv, _until in self.shown.values())
        if self.label.text() != text:
            self.label.setText(text)
        self.label.setVisible(bool(text))


class ExitsTable(QtWidgets.QTableWidget):
    """Who is out of the room now, since when and for how many minutes (long absences highlighted)."""

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(0, 3, parent)
        self.setMaximumHeight(124)
        self.verticalHeader().hide()
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        eh = self.horizontalHeader()
        eh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        eh.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self._since: dict[tuple[datetime, str], str] = {}  # formatting a time costs more than a repaint

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_("Out of the room"), _("Since"), _("Minutes")])
        self.setAccessibleName(_("Out of the room now"))

    def show_rows(self, rows: list, names: dict[str, str], tz: str, theme: Theme) -> None:
        """``rows``: ``room_ops.open_exits``; cells are set only where they changed."""
        if self.rowCount() != len(rows):
            self.setRowCount(len(rows))
        for i, x in enumerate(rows):
            since = self._since.get((x.since, tz))
            if since is None:
                since = self._since[(x.since, tz)] = format_time(x.since, tz)
            cells = (names.get(x.code, x.code), since, f"{int(x.minutes)}")
            bg = QtGui.QColor(theme.warn_bg if x.long else theme.panel)
            fg = QtGui.QColor(theme.warn_fg if x.long else theme.text)
            for j, text in enumerate(cells):
                it = self.item(i, j)
                if it is None:
                    it = QtWidgets.QTableWidgetItem()
                    self.setItem(i, j, it)
                if it.text() != text:
                    it.setText(text)
                if it.background().color() != bg:
                    it.setBackground(bg)
                    it.setForeground(fg)
