"""The HQ's public-observer panel: check an observer in (listed, or new from their certificate) and out.

A thin view over app.services.observers; the panel reports through ``say`` and asks the window to
refresh through ``changed``, so it needs nothing else of the window.
"""

from __future__ import annotations

from collections.abc import Callable

from app.errors import UserError
from app.i18n import _, format_time
from app.services import observers
from ui.qt import QtWidgets

NEW = "__new__"


class ObserversPanel(QtWidgets.QGroupBox):
    def __init__(self, station, say: Callable[[str, bool], None], changed: Callable[[], None]):
        super().__init__(_("Public observers"))
        self.station, self._say, self._changed = station, say, changed
        lay = QtWidgets.QVBoxLayout(self)
        row = QtWidgets.QHBoxLayout()
        self.who = QtWidgets.QComboBox()
        self.who.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.who.setMinimumContentsLength(24)
        self.who.currentIndexChanged.connect(self._toggle_new)
        self.last, self.first, self.middle = (QtWidgets.QLineEdit() for _i in range(3))
        for w, hint in ((self.last, _("surname")), (self.first, _("first name")), (self.middle, _("patronymic"))):
            w.setPlaceholderText(hint)
        self.arrive_button = QtWidgets.QPushButton(_("Arrived"))
        self.arrive_button.clicked.connect(self.arrive)
        self.leave_button = QtWidgets.QPushButton(_("Left"))
        self.leave_button.setToolTip(_("the observer selected in the table left the exam point"))
        self.leave_button.clicked.connect(self.leave)
        for w in (self.who, self.last, self.first, self.middle, self.arrive_button, self.leave_button):
            row.addWidget(w)
        lay.addLayout(row)
        self.table = QtWidgets.QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Code"), _("Name"), _("Arrived"), _("Left")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.table)
        self.fill()

    def _toggle_new(self) -> None:
        new = self.who.currentData() == NEW
        for w in (self.last, self.first, self.middle):
            w.setEnabled(new)

    def fill(self) -> None:
        current = self.who.currentData()
        self.who.blockSignals(True)
        self.who.clear()
        for s in sorted(self.station.plan.staff.values(), key=lambda s: s.code):
            if s.role == observers.ROLE:
                self.who.addItem(f"{s.code} — {s.short_name}", s.code)
        self.who.addItem(_("new observer (from the certificate)…"), NEW)
        i = self.who.findData(current)
        self.who.setCurrentIndex(i if i >= 0 else 0)
        self.who.blockSignals(False)
        self._toggle_new()
        tz = self.station.point.tz
        vs = observers.visits(self.station)
        self.table.setRowCount(len(vs))
        for i, v in enumerate(vs):
            vals = (v.code, v.name, format_time(v.arrived, tz), format_time(v.left, tz) if v.left else "")
            for j, text in enumerate(vals):
                self.table.setItem(i, j, QtWidgets.QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def arrive(self) -> None:
        try:
            code = self.who.currentData()
            if code == NEW:
                code = observers.add_observer(self.station, self.last.text(), self.first.text(),
                                              self.middle.text()).code
            observers.arrived(self.station, code)
        except UserError as e:
            self._say(str(e), True)
            return
        for w in (self.last, self.first, self.middle):
            w.clear()
        self._say(_("observer {code} checked in").format(code=code), False)
        self._changed()
        i = self.who.findData(code)
        if i >= 0:
            self.who.setCurrentIndex(i)

    def leave(self) -> None:
        row = self.table.currentRow()
        code = self.table.item(row, 0).text() if row >= 0 and self.table.item(row, 0) else self.who.currentData()
        try:
            observers.left(self.station, str(code))
        except UserError as e:
            self._say(str(e), True)
            return
        self._say(_("observer {code} checked out").format(code=code), False)
        self._changed()
