"""The search box: type a surname, code or seat, Enter admits the one person it names.

Why its own controller: this is where the wrong person was admitted (the first letter selected the
first match and the seat map took the focus, so Enter admitted «Соловьёв» for «Сорокин»). Here the
focus stays in the box, Enter admits only an exact code or seat, a surname only one person has, or
the row picked with the arrows, and asks otherwise; a barcode scanner's burst of digits + Enter
admits exactly that code (``ScanBurst``, on the window's injectable ``key_clock``). The rule of
what the text names is ``room_ops.resolve_search``.
"""

from __future__ import annotations

from app.i18n import _
from app.services import room_ops
from ui.qt import Qt, QtCore, QtGui, QtWidgets
from ui.room.scan import ScanBurst
from ui.widgets import exec_dialog


class SearchController(QtCore.QObject):
    """Filters the window's list as the organizer types and handles Enter, the arrows and the keys
    typed on the list (they start a new search). ``window``: the room window (its ``search``,
    ``table``, ``station``, ``room``, ``current``, ``select``, ``admit``, ``show_message``)."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self._scan = ScanBurst(clock=lambda: window.key_clock())
        self._picked = False  # the organizer chose a row with the arrow keys since the last typing
        window.search.textChanged.connect(self.filter)
        window.search.returnPressed.connect(self.enter)
        window.search.installEventFilter(self)
        window.table.installEventFilter(self)  # typing on the list goes to the search

    def filter(self, text: str) -> None:
        """Show the matching rows; select a participant only when the text names exactly one.

        The focus stays in the search (the seat map must not take it: the next letters and Enter
        then went to the map and admitted the first match of the first letter).
        """
        answer = room_ops.resolve_search(self.w.station.plan, self.w.room, text)
        codes = {p.code for p in (answer.matches if text.strip() else self.w.station.plan.room_participants(self.w.room))}
        self.w.table.show_only(codes)
        self._picked = False
        if answer.unique:
            self.w.select(answer.code)
        elif text.strip() and self.w.current:
            self.w.current = ""
            self.w.seatmap.select("")
            self.w.table.select_code("")

    def enter(self) -> None:
        """Enter admits the one participant the search names: a scanned code, an exact code or seat,
        a surname only one person has, or the row picked with the arrow keys; otherwise it asks."""
        scanned = self._scan.enter()
        text = scanned or self.w.search.text().strip()
        if not text:
            return
        if scanned:
            people = [p for p in self.w.station.plan.room_participants(self.w.room) if p.code == scanned]
            if not people:
                self.w.search.clear()
                self.w.show_message(_("Code {code} is not on this room's list.").format(code=scanned), warning=True)
                return
            code = people[0].code
        elif self._picked and self.w.current in self.w.visible_codes():
            code = self.w.current
        else:
            answer = room_ops.resolve_search(self.w.station.plan, self.w.room, text)
            if not answer.matches:
                self.w.show_message(_("Nobody on this room's list matches «{text}».").format(text=text),
                                  warning=True)
                return
            code = answer.code or self.ask_which(text, list(answer.matches))
            if not code:
                self.w.search.setFocus()
                return
        self.w.select(code)
        if self.w.admit():
            self.w.search.clear()
        self.w.search.setFocus()

    def ask_which(self, text: str, matches: list) -> str:
        """Several people match: the organizer picks one (Enter on the list) or cancels."""
        from ui.room.dialogs import ChooseParticipantDialog  # on first use: not needed for the first paint

        dlg = ChooseParticipantDialog(text, [(p.code, f"{p.seat}  {p.full_name}  ·  {p.code}") for p in matches],
                                      self.w)
        self.w.open_dialog = dlg
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return ""
        return dlg.chosen()

    def redirect(self, e) -> bool:
        """A printable key typed on the seat map or the list starts a new search (a scanner's burst too)."""
        text = e.text()
        mods = e.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        if not text or not text.isprintable() or text.isspace() or mods != Qt.KeyboardModifier.NoModifier:
            return False
        self.w.search.setFocus()
        self.w.search.clear()
        QtWidgets.QApplication.sendEvent(self.w.search, QtGui.QKeyEvent(e.type(), e.key(), e.modifiers(), text))
        return True

    def eventFilter(self, obj, e):  # noqa: N802 - Qt override
        if e.type() != QtCore.QEvent.Type.KeyPress:
            return super().eventFilter(obj, e)
        if obj is self.w.table:
            return self.redirect(e) or super().eventFilter(obj, e)
        if obj is self.w.search:
            if e.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                codes = self.w.visible_codes()
                if codes:
                    i = codes.index(self.w.current) if self.w.current in codes else -1
                    i = min(len(codes) - 1, i + 1) if e.key() == Qt.Key.Key_Down else max(0, i - 1)
                    self.w.select(codes[i])
                    self._picked = True
                return True
            if e.text() and e.text().isprintable():
                self._scan.key(e.text())
        return super().eventFilter(obj, e)

