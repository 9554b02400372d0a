"""The seat map laid out as the room: rows × seats, each seat coloured by status with a text label.

Click selects, double-click opens the participant's timeline, Enter admits (the primary action),
arrow keys move between seats.
"""

from __future__ import annotations

from app.domain.model import Room, parse_seat
from app.domain.projection import RoomState
from app.i18n import _
from ui.qt import Qt, QtGui, QtWidgets, Signal
from ui.theme import NORMAL, STATUS_TITLES, TILE_TITLES, Theme, display_status, seat_colours


class SeatButton(QtWidgets.QPushButton):
    double_clicked = Signal(str)
    context = Signal(str, object)  # code, global position: the right-click menu

    def __init__(self, label: str, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.label = label
        self.code = ""
        # width from the grid, not from the text, so every seat in a row is the same size
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Expanding)
        self.setMinimumSize(100, 64)
        self.setCheckable(True)
        self.setAutoExclusive(False)

    def show_as(self, text: str, style: str, accessible: str) -> None:
        """Change only what changed: style sheets are costly to re-apply on every mark."""
        if self.text() != text:
            self.setText(text)
        if self.styleSheet() != style:
            self.setStyleSheet(style)
        if self.accessibleName() != accessible:
            self.setAccessibleName(accessible)
            self.setToolTip(accessible)  # the full status, where the tile shows a short one

    def contextMenuEvent(self, e):  # noqa: N802 - Qt override
        if self.code:
            self.context.emit(self.code, e.globalPos())

    def mouseDoubleClickEvent(self, e):  # noqa: N802 - Qt override
        if self.code:
            self.double_clicked.emit(self.code)
        super().mouseDoubleClickEvent(e)


class SeatMap(QtWidgets.QWidget):
    """Grid of seats; front of the room (the board) at the top."""

    selected = Signal(str)
    activated = Signal(str)
    timeline = Signal(str)
    context = Signal(str, object)  # right-click on a seat: code, global position

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme: Theme = NORMAL
        self.font_pt = 11
        self.buttons: dict[str, SeatButton] = {}
        self.by_code: dict[str, SeatButton] = {}
        self.current = ""
        self._grid = QtWidgets.QGridLayout(self)
        self._grid.setSpacing(6)
        self._front = QtWidgets.QLabel(self)
        self._front.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._room: Room | None = None
        self.setAccessibleName(_("Seat map"))

    def build(self, room: Room) -> None:
        for b in self.buttons.values():
            self._grid.removeWidget(b)
            b.hide()
            b.deleteLater()
        self.buttons.clear()
        self._room = room
        self._grid.addWidget(self._front, 0, 0, 1, room.seats_per_row)
        for i in range(room.seats_per_row):
            self._grid.setColumnStretch(i, 1)
        for r in range(1, room.rows + 1):
            self._grid.setRowStretch(r, 1)
        for label in room.seat_labels():
            r, i = parse_seat(label)
            b = SeatButton(label, self)
            b.clicked.connect(lambda _c=False, b=b: self._clicked(b))
            b.double_clicked.connect(self.timeline)
            b.context.connect(self.context)
            self._grid.addWidget(b, r, i)
            self.buttons[label] = b
        if self.isVisible():  # another date or room: show and lay the new tiles out now, so their text is
            for b in self.buttons.values():  # measured at their real width (a tile not laid out is 100 px)
                b.show()
            self._grid.activate()
        self.retranslate()

    def retranslate(self) -> None:
        self._front.setText(_("Board — front of the room"))
        self.setAccessibleName(_("Seat map"))

    def _clicked(self, b: SeatButton) -> None:
        self.select(b.code)
        if b.code:
            self.selected.emit(b.code)

    def select(self, code: str) -> None:
        """Show ``code`` as the chosen seat (only the old and the new tile are repainted). Never takes
        the keyboard focus: the search keeps it while the organizer types (the arrow keys and clicks
        move the focus themselves)."""
        self.current = code
        for b in self.buttons.values():  # the chosen tile's border is its style sheet's «:checked» rule
            checked = bool(code) and b.code == code
            if b.isChecked() != checked:
                b.setChecked(checked)

    def refresh(self, state: RoomState, names: dict[str, str], assigned: dict[str, str],
                minutes_out: dict[str, int] | None = None) -> None:
        """Repaint every seat from the room state. ``assigned`` maps seat label → participant code;
        ``minutes_out`` how long each participant out of the room has been out."""
        self._last = (state, names, assigned, minutes_out or {})
        self._pt = self._fitting_pt(names)
        self.by_code.clear()
        self._elsewhere = self._sitting_elsewhere(state)
        for label, b in self.buttons.items():
            self._paint(label, b)

    def update(self, state: RoomState, codes: list[str], minutes_out: dict[str, int] | None = None) -> None:
        """Repaint only the tiles of ``codes`` (after a mark about them, or a minute out of the room);
        the whole map when someone's seat changed, since that moves two tiles."""
        last = getattr(self, "_last", None)
        if last is None:
            return
        if minutes_out is not None:
            self._last = (state, last[1], last[2], minutes_out)
        else:
            self._last = (state, *last[1:])
        elsewhere = self._sitting_elsewhere(state)
        if elsewhere != self._elsewhere:
            self.refresh(*self._last)
            return
        for code in codes:
            b = self.by_code.get(code)
            if b is not None:
                self._paint(b.label, b)

    @staticmethod
    def _sitting_elsewhere(state: RoomState) -> dict[str, str]:
        return {p.seat: p.code for p in state.participants.values() if p.seat_changed and p.present}

    def _paint(self, label: str, b: SeatButton) -> None:
        state, names, assigned, minutes_out = self._last
        pt = self._pt
        code = assigned.get(label, "")
        b.code = code
        if not code:
            other = self._elsewhere.get(label)
            if other:
                bg, fg = seat_colours(self.theme, "present")
                b.show_as(f"{label}\n← {names.get(other, other)}",
                          f"background:{bg}; color:{fg}; border:3px dashed {self.theme.text};"
                          f" font-size:{pt}pt;",
                          _("Seat {seat}: {name} sits here instead of their seat").format(
                              seat=label, name=names.get(other, other)))
            else:
                b.show_as(f"{label}\n—", f"background:{self.theme.window}; color:{self.theme.border};"
                          f" border:1px dotted {self.theme.border}; font-size:{pt}pt;",
                          _("Seat {seat}: empty").format(seat=label))
            b.setEnabled(bool(other))
            if other:
                b.code = other
            return
        p = state.participants[code]
        self.by_code[code] = b
        key = display_status(p.status, p.late)
        status = _(STATUS_TITLES.get(key, key))
        extra = ""
        if code in minutes_out:  # on the label line: the status line has no room for it
            extra += " · " + _("{n} min").format(n=minutes_out[code])
        if p.seat_changed:
            extra = f" → {p.seat}"
        if p.ovz:
            extra += " " + _("ОВЗ")
        bg, fg = seat_colours(self.theme, key)
        border = f"3px dashed {self.theme.text}" if p.seat_changed else f"1px solid {self.theme.border}"
        # the chosen tile's thick border is a «:checked» rule of the same sheet: choosing another
        # participant (a click, the arrows, each keystroke of a search) only checks and unchecks two
        # tiles; setting a new sheet re-polished both tiles on every change of the selection
        b.show_as(f"{label}{extra}\n{names.get(code, code)}\n{_(TILE_TITLES.get(key, key))}",
                  f"QPushButton {{ background:{bg}; color:{fg}; border:{border}; border-radius:6px;"
                  f" font-size:{pt}pt; padding:1px; }}"
                  f" QPushButton:checked {{ border:4px solid {self.theme.accent}; }}",
                  _("Seat {seat}: {name}, {status}").format(seat=label, name=names.get(code, code),
                                                            status=status))
        if not b.isEnabled():
            b.setEnabled(True)
        checked = code == self.current
        if b.isChecked() != checked:
            b.setChecked(checked)

    def _fitting_pt(self, names: dict[str, str]) -> int:
        """The largest text size up to ``font_pt`` at which the longest name fits a tile (a 4-px border
        and padding included): «орозова В.И» was cut in high contrast."""
        if not self.buttons:
            return self.font_pt
        width = min(b.width() for b in self.buttons.values()) - 2 * 4 - 2 * 3
        key = (width, self.font_pt, self.font().key(), tuple(names.values()))
        if getattr(self, "_pt_key", None) == key:  # measured already: the names and the size are the same
            return self._pt_cached
        # a seat someone sits at instead of their own shows «← name»: the longest line a tile can have
        texts = ["← " + n for n in names.values()] or [""]
        f = QtGui.QFont(self.font())
        pt = self.font_pt
        while pt > 7:
            f.setPointSize(pt)
            fm = QtGui.QFontMetrics(f)
            if max(fm.horizontalAdvance(t) for t in texts) <= width:
                break
            pt -= 1
        self._pt_key, self._pt_cached = key, pt
        return pt

    def resizeEvent(self, e):  # noqa: N802 - Qt override
        super().resizeEvent(e)
        last = getattr(self, "_last", None)
        if last is not None:
            self.refresh(*last)

    def keyPressEvent(self, e):  # noqa: N802 - Qt override
        key = e.key()
        if self._room is None or key not in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                                             Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return super().keyPressEvent(e)
        focus = self.focusWidget()
        if isinstance(focus, SeatButton):
            label = focus.label
        elif self.current in self.by_code:
            label = self.by_code[self.current].label
        else:
            label = next(iter(self.buttons))
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code = self.buttons[label].code
            if code:
                self.select(code)
                self.selected.emit(code)
                self.activated.emit(code)
            return None
        r, i = parse_seat(label)
        dr, di = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1), Qt.Key.Key_Up: (-1, 0),
                  Qt.Key.Key_Down: (1, 0)}[Qt.Key(key)]
        from app.domain.model import seat_label

        while True:  # skip empty seats in the direction of travel
            r, i = r + dr, i + di
            if not (1 <= r <= self._room.rows and 0 <= i < self._room.seats_per_row):
                return None
            b = self.buttons[seat_label(r, i)]
            if b.code:
                break
        b.setFocus()
        self.select(b.code)
        self.selected.emit(b.code)
        return None

