"""The room's list (seat, name, status) as a table that is updated one row at a time.

Why row by row: after a mark only one participant changed, and the click must be on screen within
a frame (bench.bench_room_ui: click → repaint with the event on disk). Rebuilding or restyling
every row made each mark repaint the whole list; ``show_row`` touches one row's cells, and only
when their text or colour differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.model import Participant
from app.domain.projection import RoomState
from app.i18n import _
from ui.qt import Qt, QtGui, QtWidgets
from ui.theme import STATUS_TITLES, Theme, display_status, seat_colours


class ParticipantTable(QtWidgets.QTableWidget):
    """One row per participant of the room, in list order; the code is each item's UserRole."""

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(0, 3, parent)
        self.rows: dict[str, int] = {}
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)  # names keep their width

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_("Seat"), _("Participant"), _("Status")])
        self.setAccessibleName(_("The room's list"))

    def load(self, people: list[Participant]) -> None:
        self.setRowCount(len(people))
        self.rows = {}
        for i, p in enumerate(people):
            for j, text in enumerate((p.seat, p.short_name, "")):
                it = QtWidgets.QTableWidgetItem(text)
                it.setData(Qt.ItemDataRole.UserRole, p.code)
                if j == 1:  # for the ID check at the door: full name, document and code on hover
                    it.setToolTip(f"{p.full_name}\n{p.document}\n{p.code}")
                self.setItem(i, j, it)
            self.rows[p.code] = i
        self.fit_columns()

    def fit_columns(self) -> None:
        """Seat and name columns as wide as their longest text over *all* rows, fixed.

        Why: with «resize to contents» a search that left one short name visible narrowed the name
        column, and when the search was cleared every longer name showed cut («Морозова …») until
        the header re-measured itself a moment later."""
        self.ensurePolished()
        fm = self.fontMetrics()
        hh = self.horizontalHeader()
        for col in (0, 1):
            texts = [self.item(i, col).text() for i in range(self.rowCount()) if self.item(i, col) is not None]
            width = max([fm.horizontalAdvance(t) for t in texts] + [0]) + 3 * fm.averageCharWidth()
            hh.setSectionResizeMode(col, QtWidgets.QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, max(width, hh.sectionSizeHint(col)))

    def show_all(self, state: RoomState, theme: Theme) -> None:
        self.show_rows(state, self.rows, theme)

    def show_rows(self, state: RoomState, codes: Iterable[str], theme: Theme) -> None:
        """The status cell of each of ``codes`` from the room state."""
        for code in codes:
            i = self.rows.get(code)
            p = state.participants.get(code)
            if i is None or p is None:
                continue
            key = display_status(p.status, p.late)
            text = _(STATUS_TITLES.get(key, key))
            if p.seat_changed:
                text += " · " + _("sits at {seat}").format(seat=p.seat)
            if p.ovz:
                text += " · ОВЗ"
            it = self.item(i, 2)
            if it.text() != text:
                it.setText(text)
            bg, fg = seat_colours(theme, key)
            if it.background().color().name() != bg:
                it.setBackground(QtGui.QColor(bg))
                it.setForeground(QtGui.QColor(fg))

    def select_code(self, code: str) -> None:
        """Show ``code``'s row as chosen without telling the window again (no selection signal)."""
        self.blockSignals(True)
        if code in self.rows:
            self.selectRow(self.rows[code])
        else:
            self.clearSelection()
        self.blockSignals(False)

    def visible_codes(self) -> list[str]:
        return [c for c, i in sorted(self.rows.items(), key=lambda r: r[1]) if not self.isRowHidden(i)]

    def show_only(self, codes: set[str]) -> None:
        for code, i in self.rows.items():
            hidden = code not in codes
            if self.isRowHidden(i) != hidden:
                self.setRowHidden(i, hidden)
