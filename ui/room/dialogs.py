"""Dialogs of the room station: start of day, admission without a document, seat, extra sheet
(barcode scanner), desk check, undo, timeline, end of exam.

Dialogs collect input and call app/ services; they hold no rules. Advice comes back from
``Station.record`` and is shown by the main window.
"""

from __future__ import annotations

import html
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from app.domain.kinds import KINDS
from app.i18n import N_, _, current_language, format_time, ngettext
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
        now = station.now().astimezone(ZoneInfo(station.point.tz))
        self.clock = QtWidgets.QTimeEdit(QtCore.QTime(now.hour, now.minute, now.second), self)
        self.clock.setDisplayFormat("HH:mm:ss")
        self.clock.setAccessibleName(_("Time on the room clock"))
        form.addRow(_("Time on the room &clock:"), self.clock)
        self._shown_at = time.monotonic()
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
        """The room-clock instant the organizer typed, advanced by the time the dialog was open."""
        t = self.clock.time()
        dt = room_ops.local_on_day(self.station, t.hour(), t.minute(), t.second())
        # keep the date of "today" on the room clock as the station's current local date
        today = self.station.now().astimezone(ZoneInfo(self.station.point.tz)).date()
        dt = dt.replace(year=today.year, month=today.month, day=today.day)
        from datetime import timedelta

        return dt + timedelta(seconds=time.monotonic() - self._shown_at)


class ClockDialog(QtWidgets.QDialog):
    """Set the station clock to the room clock (the laptop's may be wrong; there is no network time)."""

    def __init__(self, station: Station, parent=None):
        super().__init__(parent)
        self.station = station
        self.setWindowTitle(_("Room clock"))
        lay = QtWidgets.QFormLayout(self)
        now = station.now().astimezone(ZoneInfo(station.point.tz))
        self.clock = QtWidgets.QTimeEdit(QtCore.QTime(now.hour, now.minute, now.second), self)
        self.clock.setDisplayFormat("HH:mm:ss")
        self.clock.setAccessibleName(_("Time on the room clock"))
        lay.addRow(QtWidgets.QLabel(_("Type the time the room clock shows now."), self))
        lay.addRow(_("Time on the room &clock:"), self.clock)
        lay.addRow(_buttons(self, _("Set")))
        self._shown_at = time.monotonic()

    def room_clock(self) -> datetime:
        from datetime import timedelta

        t = self.clock.time()
        today = self.station.now().astimezone(ZoneInfo(self.station.point.tz))
        dt = today.replace(hour=t.hour(), minute=t.minute(), second=t.second(), microsecond=0)
        return dt + timedelta(seconds=time.monotonic() - self._shown_at)


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


PAYLOAD_LABELS = {"seat": N_("seat"), "sheet": N_("sheet"), "reason": N_("reason"), "identity": N_("identity"),
                  "field": N_("field"), "new": N_("new value"), "verdict": N_("verdict"), "item": N_("item"),
                  "text": N_("text"), "organizer": N_("organizer"), "note": N_("note")}
PAYLOAD_VALUES = {"document": N_("document checked"), "no-document": N_("no document"),
                  "permitted": N_("permitted"), "forbidden": N_("forbidden")}


def item_titles(station: Station, keys: str) -> str:
    """Desk-item keys ("phone,pen") as their titles in the current language; free text stays as typed."""
    ref = station.ref
    en = current_language() == "en"
    titles = {a.key: (a.title_en if en else a.title) for a in ref.aids.values()}
    titles.update({d.key: (d.title_en if en else d.title) for d in (*ref.desk_general, *ref.forbidden)})
    return ", ".join(titles.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip())


def describe(station: Station, e, names: dict[str, str]) -> str:
    """One line for an event: time, what, who."""
    from app.domain.event import parse_utc

    when = format_time(parse_utc(e.at), station.point.tz)
    title = _(KINDS[e.kind].title) if e.kind in KINDS else e.kind
    who = names.get(e.participant or "", e.participant or "")
    bits = [b for b in (when, title, who) if b]
    detail = [(_(PAYLOAD_LABELS[k]), item_titles(station, str(v)) if k == "item" else
               _(PAYLOAD_VALUES.get(str(v), str(v)))) for k, v in e.payload.items() if k in PAYLOAD_LABELS]
    if detail:
        bits.append(", ".join(f"{k}: {v}" for k, v in detail))
    return " · ".join(str(b) for b in bits)


class TimelineDialog(QtWidgets.QDialog):
    """Every event about one participant, in order; voided ones struck through."""

    def __init__(self, station: Station, room: str, code: str, names: dict[str, str], parent=None):
        super().__init__(parent)
        p = station.plan.participants.get(code)
        self.setWindowTitle(_("Timeline: {name}").format(name=p.full_name if p else code))
        self.resize(760, 460)
        lay = QtWidgets.QVBoxLayout(self)
        self.view = QtWidgets.QTextBrowser(self)
        self.view.setAccessibleName(_("Timeline"))
        rows = []
        for e, voided_by in station.timeline(room, code):
            text = html.escape(describe(station, e, names))
            if voided_by is not None:
                why = html.escape(str(voided_by.payload.get("reason", "")))
                rows.append(f"<li><s>{text}</s> — <i>{html.escape(_('voided'))}: {why}</i></li>")
            else:
                rows.append(f"<li>{text}</li>")
        head = html.escape(f"{p.full_name} · {p.seat} · {p.code}" if p else code)
        self.view.setHtml(f"<h3>{head}</h3><ol>{''.join(rows) or html.escape(_('No marks yet.'))}</ol>")
        lay.addWidget(self.view)
        close = QtWidgets.QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        lay.addWidget(close)


class RoomLogDialog(QtWidgets.QDialog):
    """Every mark in the room in the order recorded; voided ones struck through with the reason."""

    def __init__(self, station: Station, room: str, names: dict[str, str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Room log"))
        self.resize(900, 560)
        lay = QtWidgets.QVBoxLayout(self)
        self.view = QtWidgets.QTextBrowser(self)
        self.view.setAccessibleName(_("Room log"))
        state = station.room_state(room)
        rows = []
        for e in sorted(station.log.for_room(station.day.key, room), key=lambda e: (e.station, e.seq)):
            text = html.escape(describe(station, e, names))
            v = state.voided.get(e.id)
            if v is not None:
                why = html.escape(str(v.payload.get("reason", "")))
                rows.append(f"<li><s>{text}</s> — <i>{html.escape(_('voided'))}: {why}</i></li>")
            else:
                rows.append(f"<li>{text}</li>")
        self.view.setHtml(f"<ol>{''.join(rows) or html.escape(_('No marks yet.'))}</ol>")
        lay.addWidget(self.view)
        close = QtWidgets.QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        lay.addWidget(close)


class EndOfExamDialog(QtWidgets.QDialog):
    """Collection checklist, materials counts, the ППЭ-05-02 checks, finished per participant, room closed."""

    CHECKLIST = (
        "Announced the end of the exam",
        "Collected answer sheets, KIM and drafts from every desk",
        "Cancelled empty answer fields with «Z»",
        "Counted and packed the materials into return envelopes in view of the camera",
        "Participants signed ППЭ-05-02",
    )

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.w = window
        st, room = window.station, window.room
        self.setWindowTitle(_("End of the exam"))
        self.resize(980, 660)
        lay = QtWidgets.QHBoxLayout(self)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(QtWidgets.QLabel("<b>" + html.escape(_("Collection checklist")) + "</b>", self))
        self.checklist = QtWidgets.QListWidget(self)
        self.checklist.setAccessibleName(_("Collection checklist"))
        self.checklist.setWordWrap(True)
        self.checklist.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for text in self.CHECKLIST:
            it = QtWidgets.QListWidgetItem(_(text))
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked)
            self.checklist.addItem(it)
        left.addWidget(self.checklist)
        self.still_in = QtWidgets.QListWidget(self)
        self.still_in.setAccessibleName(_("Participants who have not handed in"))
        left.addWidget(QtWidgets.QLabel(_("Not handed in yet (select, then «Handed in»):"), self))
        left.addWidget(self.still_in, 1)
        hb = QtWidgets.QHBoxLayout()
        self.hand_one = QtWidgets.QPushButton(_("&Handed in"), self)
        self.hand_all = QtWidgets.QPushButton(_("All in the room handed &in"), self)
        hb.addWidget(self.hand_one)
        hb.addWidget(self.hand_all)
        left.addLayout(hb)
        lay.addLayout(left, 1)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(QtWidgets.QLabel("<b>" + html.escape(_("Materials collected")) + "</b>", self))
        form = QtWidgets.QFormLayout()
        self.counts: dict[str, QtWidgets.QSpinBox] = {}
        for key, label in (("blanks", _("Registration blanks")), ("extra_sheets", _("Extra answer sheets No. 2")),
                           ("kim", _("KIM")), ("drafts", _("Drafts")), ("spoiled", _("Spoiled sets"))):
            sb = QtWidgets.QSpinBox(self)
            sb.setRange(0, 999)
            sb.setAccessibleName(label)
            form.addRow(label + ":", sb)
            self.counts[key] = sb
        right.addLayout(form)
        self.record_materials = QtWidgets.QPushButton(_("Record &materials collected"), self)
        right.addWidget(self.record_materials)
        right.addWidget(QtWidgets.QLabel("<b>" + html.escape(_("Checks (ППЭ-05-02)")) + "</b>", self))
        self.checks = QtWidgets.QTextBrowser(self)
        self.checks.setAccessibleName(_("Checks (ППЭ-05-02)"))
        right.addWidget(self.checks, 1)
        self.close_room = QtWidgets.QPushButton(_("&Close the room"), self)
        right.addWidget(self.close_room)
        self.export = QtWidgets.QPushButton(_("&Export results to stick…") + "  [F12]", self)
        self.export.setAccessibleName(_("Export results to stick"))
        self.export.setEnabled(window.can_export())
        if not self.export.isEnabled():
            self.export.setToolTip(_("This station was not set up from an HQ package, so it has no HQ to write "
                                     "results for."))
        self.export.clicked.connect(lambda: window.export_to_stick())
        right.addWidget(self.export)
        done = QtWidgets.QPushButton(_("Done"), self)
        done.clicked.connect(self.accept)
        right.addWidget(done)
        lay.addLayout(right, 1)
        self.hand_one.clicked.connect(self._hand_one)
        self.hand_all.clicked.connect(self._hand_all)
        self.record_materials.clicked.connect(self._materials)
        self.close_room.clicked.connect(self._close)
        self._st, self._room = st, room
        self.refresh()

    def refresh(self) -> None:
        state = self._st.room_state(self._room)
        c = state.counts()
        self.counts["blanks"].setValue(state.materials.get("blanks", c["finished"] + c["removed"]
                                                           + c["finished_early"] + c["in_room"]
                                                           + c["out_of_room"]))
        self.counts["extra_sheets"].setValue(state.materials.get("extra_sheets", c["extra_sheets"]))
        for k in ("kim", "drafts", "spoiled"):
            if k in state.materials:
                self.counts[k].setValue(state.materials[k])
        self.still_in.clear()
        for p in sorted(state.listed(), key=lambda p: p.assigned_seat):
            if p.status in ("present", "out_of_room"):
                it = QtWidgets.QListWidgetItem(f"{p.assigned_seat} {self.w.names.get(p.code, p.code)}")
                it.setData(Qt.ItemDataRole.UserRole, p.code)
                self.still_in.addItem(it)
        rows = [f"<li>{html.escape(k)}: <b>{v}</b></li>" for k, v in (
            (_("assigned"), c["assigned"]), (_("present"), c["present"]), (_("absent"), c["absent"]),
            (_("not marked"), c["unmarked"]), (_("handed in"), c["finished"]), (_("removed"), c["removed"]),
            (_("early completion"), c["finished_early"]), (_("still in the room"), c["in_room"] + c["out_of_room"]),
            (_("extra sheets"), c["extra_sheets"]), (_("exits"), c["exits"]))]
        checks = [f"<li>{'✔' if ch.ok else '✘ <b>'}{html.escape(ch.message)}{'' if ch.ok else '</b>'}</li>"
                  for ch in state.checks()]
        self.checks.setHtml(f"<ul>{''.join(rows)}</ul><ul>{''.join(checks)}</ul>"
                            + (f"<p><b>{html.escape(_('Room closed'))}</b></p>" if state.closed_at else ""))

    def _hand_one(self) -> None:
        it = self.still_in.currentItem() or self.still_in.item(0)
        if it is not None:
            self.w.mark("finished", it.data(Qt.ItemDataRole.UserRole))
        self.refresh()

    def _hand_all(self) -> None:
        for i in range(self.still_in.count()):
            self.w.mark("finished", self.still_in.item(i).data(Qt.ItemDataRole.UserRole))
        self.refresh()

    def _materials(self) -> None:
        self.w.mark("materials-collected", None, {k: sb.value() for k, sb in self.counts.items()})
        self.refresh()

    def unticked(self) -> int:
        return sum(self.checklist.item(i).checkState() != Qt.CheckState.Checked for i in range(self.checklist.count()))

    def _close(self) -> None:
        rec = self.w.mark("room-closed", None)
        self.refresh()
        if self.unticked():  # advice, not a block: the organizer decides
            n = self.unticked()
            self.checks.append(ngettext("Collection checklist: {n} item not ticked.",
                                        "Collection checklist: {n} items not ticked.", n).format(n=n))
        if rec is not None:
            self.w.offer_export(self)

