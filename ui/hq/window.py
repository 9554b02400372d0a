"""HQ station main window (minimal: every room of the exam point with its counts)."""

from __future__ import annotations

from app.i18n import _
from ui.qt import QtWidgets


class HqWindow(QtWidgets.QMainWindow):
    def __init__(self, station):
        super().__init__()
        self.station = station
        self.setWindowTitle(f"Auditoria — {_('Exam point HQ')} {station.point.code}")
        rooms = station.rooms_summary()
        table = QtWidgets.QTableWidget(len(rooms), 5, self)
        table.setHorizontalHeaderLabels([_("Room"), _("Phase"), _("Assigned"), _("Present"), _("Absent")])
        for i, r in enumerate(rooms):
            for j, key in enumerate(("room", "phase", "assigned", "present", "absent")):
                table.setItem(i, j, QtWidgets.QTableWidgetItem(str(r[key])))
        self.table = table
        self.setCentralWidget(table)
        self.resize(1200, 700)
