"""Room station main window (minimal: the room's list with live statuses)."""

from __future__ import annotations

from app.i18n import _
from ui.qt import QtWidgets


class RoomWindow(QtWidgets.QMainWindow):
    def __init__(self, station, room: str | None = None):
        super().__init__()
        self.station = station
        self.room = room or station.home_room or sorted(station.plan.rooms)[0]
        plan = station.plan
        self.setWindowTitle(f"Auditoria — {_('Room')} {self.room}")
        table = QtWidgets.QTableWidget(self)
        people = plan.room_participants(self.room)
        state = station.room_state(self.room)
        table.setColumnCount(4)
        table.setHorizontalHeaderLabels([_("Seat"), _("Participant"), _("Code"), _("Status")])
        table.setRowCount(len(people))
        for i, p in enumerate(people):
            for j, text in enumerate((p.seat, p.full_name, p.code, state.participants[p.code].status)):
                table.setItem(i, j, QtWidgets.QTableWidgetItem(text))
        table.resizeColumnsToContents()
        self.table = table
        self.setCentralWidget(table)
        self.resize(1200, 700)
