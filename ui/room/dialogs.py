"""Dialogs of the room station: start of day, admission without a document, seat, extra sheet
(barcode scanner), desk check, undo, timeline, end of exam.

Dialogs collect input and call app/ services; they hold no rules. Advice comes back from
``Station.record`` and is shown by the main window. Each takes the data it shows (names, the
station for reference data), never the window. The end of the exam is in ``end_of_exam``, the
record in words (``describe``, timeline, room log) in ``journal``.
"""

from __future__ import annotations

import html
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from app.i18n import _, current_language, ngettext
from app.services import room_ops
from app.services.station import Station
from ui.qt import Qt, QtCore, QtGui, QtWidgets


def _buttons(dlg: QtWidgets.QDialog, ok_text: str) -> QtWidgets.QDialogButtonBox:
    box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                     | QtWidgets.QDialogButtonBox.StandardButton.Cancel, dlg)
    ok = box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setAccessibleName(ok_text)
    box.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
    box.accepted.connect(dlg.accept)
    box.rejected.connect(dlg.reject)
    return box


def _title(text: str) -> str:
    return text


class StartOfDayDialog(QtWidgets.QDialog):
    """Room, organizers on duty, room-clock time, and the room's list (ППЭ-05-01)."""

    def __init__(self, station: Station, room: str, parent=None):
        super().__init__(parent)
        self.station = station
        self.setWindowTitle(_("Start of the day"))
        self.setMinimumSize(900, 600)
        lay = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        # the clock first: every mark after it (the room's opening too) is stamped from this clock
        self.clock = RoomClockEdit(station, self)
        form.addRow(_("Date and time on the room &clock:"), self.clock)
        form.addRow("", self.clock.warning)
        self.room = QtWidgets.QComboBox(self)
        for num, r in sorted(station.plan.rooms.items()):
            self.room.addItem(f"{num} — {r.name}", num)
        self.room.setCurrentIndex(max(0, self.room.findData(room)))
        self.room.setAccessibleName(_("Room"))
        form.addRow(_("&Room:"), self.room)
        self.organizers = QtWidgets.QListWidget(self)
        self.organizers.setAccessibleName(_("Organizers on duty"))
        self.organizers.setMaximumHeight(150)
        form.addRow(_("&Organizers on duty:"), self.organizers)
        lay.addLayout(form)
        self.list_title = QtWidgets.QLabel(_("The room's list (ППЭ-05-01)"), self)
        lay.addWidget(self.list_title)
        self.people = QtWidgets.QTableWidget(0, 4, self)
        self.people.setHorizontalHeaderLabels([_("Seat"), _("Participant"), _("Document"), _("Code")])
        self.people.setAccessibleName(_("The room's list"))
        self.people.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.people, 1)
        lay.addWidget(_buttons(self, _("Open the room")))
        self.room.currentIndexChanged.connect(self._fill)
        self._fill()

    def _fill(self) -> None:
        num = self.room.currentData()
        self.organizers.clear()
        for s in room_ops.room_organizers(self.station.plan, num):
            where = _("lead") if s.lead and s.room == num else ""
            if s.room != num:
                where = _("room {room}").format(room=s.room) if s.room else _("no room")
            it = QtWidgets.QListWidgetItem(f"{s.code} — {s.full_name}" + (f" ({where})" if where else ""))
            it.setData(Qt.ItemDataRole.UserRole, s.code)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if s.room == num else Qt.CheckState.Unchecked)
            self.organizers.addItem(it)
        people = self.station.plan.room_participants(num)
        self.people.setRowCount(len(people))
        for i, p in enumerate(people):
            for j, text in enumerate((p.seat, p.full_name, p.document, p.code)):
                self.people.setItem(i, j, QtWidgets.QTableWidgetItem(text))
        self.people.resizeColumnsToContents()

    def chosen_room(self) -> str:
        return self.room.currentData()

    def chosen_organizers(self) -> list[str]:
        out = []
        for i in range(self.organizers.count()):
            it = self.organizers.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.append(it.data(Qt.ItemDataRole.UserRole))
        return out

    def room_clock(self) -> datetime:
        """The room-clock instant (date and time) the organizer confirmed, advanced by the time since."""
        return self.clock.room_clock()


class ChooseParticipantDialog(QtWidgets.QDialog):
    """Several people match what was typed: pick the one meant (nobody is chosen for the organizer)."""

    def __init__(self, text: str, rows: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Who is it?"))
        lay = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QLabel(ngettext("«{text}» matches {n} participant: choose one.",
                                         "«{text}» matches {n} participants: choose one.",
                                         len(rows)).format(text=text, n=len(rows)), self)
        head.setWordWrap(True)
        lay.addWidget(head)
        self.list = QtWidgets.QListWidget(self)
        self.list.setAccessibleName(_("Matching participants"))
        for code, label in rows:
            it = QtWidgets.QListWidgetItem(label)
            it.setData(Qt.ItemDataRole.UserRole, code)
            self.list.addItem(it)
        self.list.itemActivated.connect(lambda _it: self.accept())
        lay.addWidget(self.list, 1)
        self.box = _buttons(self, _("Admit"))
        ok = self.box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.list.currentRowChanged.connect(lambda r: ok.setEnabled(r >= 0))
        lay.addWidget(self.box)
        self.list.setFocus()

    def chosen(self) -> str:
        it = self.list.currentItem()
        return it.data(Qt.ItemDataRole.UserRole) if it is not None and self.list.currentRow() >= 0 else ""


class RoomClockEdit(QtWidgets.QDateTimeEdit):
    """Date and time on the room clock, with a warning when the date is not the exam's.

    A laptop dated 1 December running the 4 June exam would stamp every mark with 1 December; the
    organizer sees the date here and the warning under it.
    """

    def __init__(self, station: Station, parent=None):
        tz = ZoneInfo(station.point.tz)
        now = station.now().astimezone(tz)
        super().__init__(QtCore.QDateTime(QtCore.QDate(now.year, now.month, now.day),
                                          QtCore.QTime(now.hour, now.minute, now.second)), parent)
        self.station = station
        self.setDisplayFormat("dd.MM.yyyy  HH:mm:ss")
        self.setCalendarPopup(True)
        self.setAccessibleName(_("Date and time on the room clock"))
        self.warning = QtWidgets.QLabel(parent)
        self.warning.setObjectName("warning")
        self.warning.setWordWrap(True)
        self._shown_at = time.monotonic()
        self.dateTimeChanged.connect(lambda _dt: self._check())
        self._check()

    def _check(self) -> None:
        from app.domain import rules

        d = self.date()
        advice = rules.clock_date_advice(self.station.day.date, datetime(d.year(), d.month(), d.day()).date())
        self.warning.setText(advice.text() if advice else "")
        self.warning.setVisible(advice is not None)

    def room_clock(self) -> datetime:
        from datetime import timedelta

        d, t = self.date(), self.time()
        dt = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(),
                      tzinfo=ZoneInfo(self.station.point.tz))
        return dt + timedelta(seconds=time.monotonic() - self._shown_at)


class ClockDialog(QtWidgets.QDialog):
    """Set the station clock to the room clock, date and time (the laptop's may be wrong; there is no
    network time)."""

    def __init__(self, station: Station, parent=None):
        super().__init__(parent)
        self.station = station
        self.setWindowTitle(_("Room clock"))
        lay = QtWidgets.QFormLayout(self)
        self.clock = RoomClockEdit(station, self)
        lay.addRow(QtWidgets.QLabel(_("Type the date and time the room clock shows now."), self))
        lay.addRow(_("Date and time on the room &clock:"), self.clock)
        lay.addRow(self.clock.warning)
        lay.addRow(_buttons(self, _("Set")))

    def room_clock(self) -> datetime:
        return self.clock.room_clock()


class NoDocumentDialog(QtWidgets.QDialog):
    """Admission without an identity document: who confirmed in writing (→ ППЭ-20 in HQ)."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Admission without a document"))
        lay = QtWidgets.QVBoxLayout(self)
        info = QtWidgets.QLabel(_("{name}: no identity document. A current-year student is admitted after the person "
                                  "accompanying them from school confirms identity in writing; HQ draws up "
                                  "ППЭ-20. A previous-year graduate without a document is not admitted.")
                                .format(name=name), self)
        info.setWordWrap(True)
        lay.addWidget(info)
        form = QtWidgets.QFormLayout()
        self.confirmed_by = QtWidgets.QLineEdit(self)
        self.confirmed_by.setAccessibleName(_("Confirmed in writing by"))
        form.addRow(_("Confirmed in writing &by:"), self.confirmed_by)
        self.graduate = QtWidgets.QComboBox(self)
        self.graduate.addItem(_("current-year student"), "current")
        self.graduate.addItem(_("previous-year graduate"), "previous")
        self.graduate.setAccessibleName(_("Participant is"))
        form.addRow(_("Participant &is:"), self.graduate)
        lay.addLayout(form)
        lay.addWidget(_buttons(self, _("Record")))

    def payload(self) -> dict:
        d = {"identity": "no-document", "graduate": self.graduate.currentData()}
        if self.confirmed_by.text().strip():
            d["confirmed_by"] = self.confirmed_by.text().strip()
        return d


class SeatDialog(QtWidgets.QDialog):
    """Record where a participant actually sits (advice if it differs from the list)."""

    def __init__(self, name: str, assigned: str, labels: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Seat"))
        lay = QtWidgets.QFormLayout(self)
        lay.addRow(QtWidgets.QLabel(_("{name}: seat {seat} on the list").format(name=name, seat=assigned), self))
        self.seat = QtWidgets.QComboBox(self)
        self.seat.setEditable(True)
        self.seat.addItems(labels)
        self.seat.setCurrentText(assigned)
        self.seat.setAccessibleName(_("Actual seat"))
        lay.addRow(_("&Actual seat:"), self.seat)
        lay.addRow(_buttons(self, _("Record")))

    def value(self) -> str:
        return self.seat.currentText().strip()


class ScannerLineEdit(QtWidgets.QLineEdit):
    """A line edit that tells a barcode scanner's burst (keys < 60 ms apart) from typing.

    A scanner is a keyboard: it types the digits fast and presses Enter. Non-digits are refused.
    """

    BURST_MS = 60

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setValidator(QtGui.QRegularExpressionValidator(QtCore.QRegularExpression(r"\d{0,20}"), self))
        self._last = 0.0
        self._gaps: list[float] = []

    def keyPressEvent(self, e):  # noqa: N802 - Qt override
        now = time.monotonic() * 1000
        if e.text().isdigit():
            if self._last and not self.text():
                self._gaps = []
            if self._last:
                self._gaps.append(now - self._last)
            self._last = now
        super().keyPressEvent(e)

    @property
    def scanned(self) -> bool:
        gaps = self._gaps[1:] if len(self._gaps) > 1 else self._gaps
        return len(self.text()) >= 6 and bool(gaps) and max(gaps) < self.BURST_MS


class ExtraSheetDialog(QtWidgets.QDialog):
    """Issue an extra answer sheet №2: type the number or scan it (digits + Enter)."""

    def __init__(self, name: str, previous: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Extra answer sheet No. 2"))
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(QtWidgets.QLabel(_("{name}: scan the sheet's barcode or type its number, then Enter.")
                                       .format(name=name), self))
        if previous:
            lay.addWidget(QtWidgets.QLabel(_("Previous sheet: {sheet}").format(sheet=previous), self))
        self.previous = previous
        self.sheet = ScannerLineEdit(self)
        self.sheet.setAccessibleName(_("Extra sheet number"))
        f = self.sheet.font()
        f.setPointSize(f.pointSize() + 8)
        self.sheet.setFont(f)
        lay.addWidget(self.sheet)
        self.how = QtWidgets.QLabel("", self)
        lay.addWidget(self.how)
        self.sheet.textChanged.connect(lambda _t: self.how.setText(
            _("read by the scanner") if self.sheet.scanned else ""))
        lay.addWidget(_buttons(self, _("Issue")))
        self.sheet.returnPressed.connect(self._enter)

    def _enter(self) -> None:
        if self.sheet.text():
            self.accept()

    def accept(self) -> None:
        if not self.sheet.text():
            self.how.setText(_("Type or scan the sheet number."))
            return
        super().accept()

    def payload(self) -> dict:
        d = {"sheet": self.sheet.text()}
        if self.previous:
            d["previous"] = self.previous
        return d


class DeskCheckDialog(QtWidgets.QDialog):
    """What may lie on the desk (subject aids + general list) and a forbidden item found."""

    def __init__(self, station: Station, name: str, ovz: bool, parent=None, subject: str = ""):
        super().__init__(parent)
        self.setWindowTitle(_("Desk and permitted items"))
        self.setMinimumWidth(720)
        permitted, forbidden = room_ops.desk_items(station.ref, subject, ovz)
        en = current_language() == "en"
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(QtWidgets.QLabel(_("{name}: check the desk.").format(name=name), self))
        lay.addWidget(QtWidgets.QLabel("<b>" + html.escape(_("Permitted on the desk")) + "</b>", self))
        self.items = QtWidgets.QListWidget(self)
        self.items.setAccessibleName(_("Permitted on the desk"))
        self.items.setWordWrap(True)  # long aid titles wrap instead of a horizontal scrollbar
        self.items.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        for key, ru, title_en in permitted:
            it = QtWidgets.QListWidgetItem(title_en if en else ru)
            it.setData(Qt.ItemDataRole.UserRole, key)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked)
            self.items.addItem(it)
        lay.addWidget(self.items, 1)
        self.note = QtWidgets.QLineEdit(self)
        self.note.setPlaceholderText(_("Exception (e.g. ОВЗ technical means), optional"))
        self.note.setAccessibleName(_("Exception"))
        lay.addWidget(self.note)
        lay.addWidget(QtWidgets.QLabel("<b>" + html.escape(_("Forbidden item found")) + "</b>", self))
        self.forbidden = QtWidgets.QComboBox(self)
        self.forbidden.addItem(_("— none —"), "")
        for d in forbidden:
            self.forbidden.addItem(d.title_en if en else d.title, d.key)
        self.forbidden.setAccessibleName(_("Forbidden item found"))
        lay.addWidget(self.forbidden)
        lay.addWidget(_buttons(self, _("Record")))

    def payloads(self) -> list[dict]:
        out = []
        keys = [self.items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.items.count())
                if self.items.item(i).checkState() == Qt.CheckState.Checked]
        if keys or self.note.text().strip():
            d = {"verdict": "permitted", "item": ",".join(keys)}
            if self.note.text().strip():
                d["note"] = self.note.text().strip()
            out.append(d)
        if self.forbidden.currentData():
            out.append({"verdict": "forbidden", "item": self.forbidden.currentData()})
        return out


class VoidDialog(QtWidgets.QDialog):
    """Ctrl+Z: void the last mark with a reason. Nothing is deleted."""

    def __init__(self, description: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Void the last mark"))
        lay = QtWidgets.QVBoxLayout(self)
        lab = QtWidgets.QLabel(_("The mark stays in the record, struck through:") + "\n" + description, self)
        lab.setWordWrap(True)
        lay.addWidget(lab)
        self.reason = QtWidgets.QLineEdit(self)
        self.reason.setPlaceholderText(_("Reason (required)"))
        self.reason.setAccessibleName(_("Reason"))
        lay.addWidget(self.reason)
        self.box = _buttons(self, _("Void the mark"))
        lay.addWidget(self.box)
        ok = self.box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.reason.textChanged.connect(lambda t: ok.setEnabled(bool(t.strip())))
