"""The room window's one-second tick: the clock and board values, who is out of the room, the rules'
warnings in the banner, and marks made elsewhere (HQ, the CLI) picked up from the store.

Why apart from the window: this is the only work that runs without the organizer doing anything, and it
must stay cheap (it repaints only the tiles whose minutes out changed)."""

from __future__ import annotations

from app.i18n import _, current_language
from app.services import room_ops
from ui.qt import QtWidgets
from ui.room.window.header import board_texts


class RoomClock:
    """The tick of the window ``w`` (its ``_state``, ``header``, ``exits``, ``seatmap``, ``board``, ``banners``)."""

    def __init__(self, window):
        self.w = window
        self.minutes_out: dict[str, int] = {}

    def board_texts(self) -> dict[str, str]:
        w = self.w
        return board_texts(w.station, w._state or w.state(), w.tz)

    def tick(self, repaint_only: bool = False) -> None:
        w = self.w
        if not repaint_only:  # once a second: pick up marks made elsewhere (e.g. HQ, CLI)
            old = w._state
            sig = (len(old.events), len(old.voided)) if old is not None else None
            w._state = w.state()
            if old is not w._state or sig != (len(w._state.events), len(w._state.voided)):
                w.refresh(reread=False)
                if old is not None:
                    w.changed.emit()
        b = self.board_texts()
        w.header.show_board(b)
        self.show_exits()
        if w.board is not None and w.board.isVisible():
            name = w.subject.title_en if current_language() == "en" else w.subject.title
            w.board.set_values(f"{_('Room')} {w.room} · {name}", b["clock"],
                               f"{_('Start')} {b['start']}   {_('End')} {b['end']}", b["left"], b["ovz"])
        if not repaint_only:
            self.update_banner()

    def update_banner(self) -> None:
        """The rules' warnings due now (see ``Banners``)."""
        self.w.banners.update(self.w.station.due(self.w.room), self.w.station.now())

    def warn(self, text: str) -> None:
        """A warning of the moment in the banner (two minutes), with a beep."""
        self.w.banners.warn(text, self.w.station.now())

    def beep(self, text: str) -> None:
        QtWidgets.QApplication.beep()
        self.w.status.showMessage(text, 60_000)

    def show_exits(self) -> None:
        w = self.w
        rows = room_ops.open_exits(w.station, w.room, state=w._state)
        minutes = {x.code: int(x.minutes) for x in rows}
        if minutes != self.minutes_out:  # only the tiles whose minutes changed
            changed = [c for c in minutes.keys() | self.minutes_out.keys()
                       if minutes.get(c) != self.minutes_out.get(c)]
            w.seatmap.update(w._state, changed, minutes)
        self.minutes_out = minutes
        w.exits.show_rows(rows, w.names, w.tz, w.theme)
