"""The HQ *Papers* tab: per room, the printed forms it owes and which came back (app.forms.papers).

A handheld 2D scanner types the QR text into the field and ends with Enter (keyboard wedge); an
image or a scanned PDF can be opened instead. The rules (what is owed, what matches) live in app/.
"""

from __future__ import annotations

import html

from app.errors import UserError
from app.forms.papers import STATE_TITLES, STATES, mark_returned, papers_by_room
from app.i18n import _
from ui import popups
from ui.qt import QtGui, QtWidgets

COLOURS = {"not_printed": QtGui.QColor(255, 224, 224), "printed": QtGui.QColor(255, 240, 200),
           "returned": QtGui.QColor(214, 240, 214), "superseded": QtGui.QColor(255, 200, 170)}


def _cell(text, bg: QtGui.QColor | None = None) -> QtWidgets.QTableWidgetItem:
    it = QtWidgets.QTableWidgetItem(str(text))
    if bg is not None:
        it.setBackground(bg)
    return it


class PapersPanel(QtWidgets.QWidget):
    def __init__(self, station, parent=None):
        super().__init__(parent)
        self.station = station
        self.rooms: list = []
        self.last: list = []
        lay = QtWidgets.QVBoxLayout(self)
        row = QtWidgets.QHBoxLayout()
        self.scan_field = QtWidgets.QLineEdit()
        self.scan_field.setPlaceholderText(_("Scan the QR code of a returned form here (the scanner ends with Enter)"))
        self.scan_field.setAccessibleName(_("QR code of a returned form"))
        self.scan_field.returnPressed.connect(lambda: self.scan(self.scan_field.text()))
        row.addWidget(self.scan_field, 1)
        self.file_button = QtWidgets.QPushButton(_("From an image or a scanned PDF…"))
        self.file_button.clicked.connect(self.choose_file)
        row.addWidget(self.file_button)
        lay.addLayout(row)
        self.result = QtWidgets.QLabel()
        self.result.setWordWrap(True)
        lay.addWidget(self.result)
        heads = [_("Room"), _("Owed"), *(_(STATE_TITLES[s]) for s in STATES), _("All papers in")]
        self.summary = QtWidgets.QTableWidget(0, len(heads))
        self.summary.setHorizontalHeaderLabels(heads)
        self.summary.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary.verticalHeader().setVisible(False)
        self.summary.itemSelectionChanged.connect(self._fill_detail)
        lay.addWidget(self.summary, 1)
        dheads = [_("Room"), _("Form"), _("Document"), _("Participant"), _("Status")]
        self.detail = QtWidgets.QTableWidget(0, len(dheads))
        self.detail.setHorizontalHeaderLabels(dheads)
        self.detail.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.detail.verticalHeader().setVisible(False)
        lay.addWidget(self.detail, 1)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.rooms = papers_by_room(self.station)
        except UserError as e:
            self.result.setText(html.escape(str(e)))
            return
        self.summary.setRowCount(len(self.rooms))
        for i, r in enumerate(self.rooms):
            vals = [r.room, len(r.papers), *(r.count(s) for s in STATES), _("yes") if r.all_in else _("no")]
            for j, v in enumerate(vals):
                bg = None
                if j == len(vals) - 1:
                    bg = COLOURS["returned"] if r.all_in else COLOURS["not_printed"]
                elif 2 <= j < 2 + len(STATES) and v:
                    bg = COLOURS[STATES[j - 2]]
                self.summary.setItem(i, j, _cell(v, bg))
        self.summary.resizeColumnsToContents()
        self._fill_detail()

    def _fill_detail(self) -> None:
        sel = {i.row() for i in self.summary.selectedIndexes()}
        rooms = [r for i, r in enumerate(self.rooms) if i in sel] or self.rooms
        rows = [p for r in rooms for p in r.papers]
        self.detail.setRowCount(len(rows))
        for i, p in enumerate(rows):
            for j, v in enumerate((p.room, p.form, p.document, p.participant, _(STATE_TITLES[p.state]))):
                self.detail.setItem(i, j, _cell(v, COLOURS[p.state] if j == 4 else None))
        self.detail.resizeColumnsToContents()

    def scan(self, source: str) -> list:
        """Read a returned paper's QR (scanner text, image or scanned PDF) and show what happened."""
        source = source.strip()
        self.scan_field.clear()
        if not source:
            return []
        try:
            self.last = mark_returned(self.station, source)
        except UserError as e:
            self.last = []
            self.result.setText("✘ " + html.escape(str(e)))
            return []
        lines = []
        for r in self.last:
            mark = "✔" if r.outcome in ("returned", "already") else "✘"
            lines.append(f"{mark} {html.escape(r.form)} {html.escape(r.room)} {html.escape(r.document)}: "
                         f"{html.escape(r.message)}")
        self.result.setText("<br>".join(lines))
        self.refresh()
        return self.last

    def choose_file(self) -> None:
        path = popups.choose_open_file(
            self, _("A returned form: image or scanned PDF"), "",
            _("Images and PDF (*.png *.jpg *.jpeg *.tif *.tiff *.pdf)"))
        if path:
            self.scan(path)
