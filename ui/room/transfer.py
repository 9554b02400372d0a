"""The transfer dialog: admit someone the PPE head sent here from another room (Ctrl+Shift+T).

It collects the code, the room they came from (filled in from the date's roster when the station knows
it), the ground, the PPE head who decided, and the details from the document, and records them through
``room_ops.transfer_in``; the rules (and their refusals) live in app/domain/transfer.py. Kept apart from
the main window so the window needs only ``install`` and ``retranslate``.
"""

from __future__ import annotations

from app.errors import UserError
from app.i18n import N_, _
from app.services import room_ops
from app.services.station import Recorded
from ui.qt import QtGui, QtWidgets
from ui.widgets import exec_dialog

SHORTCUT = "Ctrl+Shift+T"
TEXT = N_("Admit on transfer from another room…")


class TransferDialog(QtWidgets.QDialog):
    """The transfer mark's fields; ``payload()`` is what goes into the event."""

    FIELDS = (("last_name", N_("Last name")), ("first_name", N_("First name")), ("middle_name", N_("Middle name")),
              ("document_series", N_("Document series")), ("document_number", N_("Document number")))

    def __init__(self, station, room: str, code: str = "", parent=None):
        super().__init__(parent)
        self.station, self.room = station, room
        self.setWindowTitle(_("Admit on transfer from another room"))
        lay = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel(_("Only on the PPE head's decision. The transfer is printed on ППЭ-05-02 of both "
                                  "rooms."), self)
        note.setWordWrap(True)
        lay.addWidget(note)
        form = QtWidgets.QFormLayout()
        self.code = QtWidgets.QLineEdit(code, self)
        self.code.setAccessibleName(_("Participant code"))
        self.code.textChanged.connect(self._code_changed)
        form.addRow(_("Participant &code:"), self.code)
        self.from_room = QtWidgets.QLineEdit(self)
        self.from_room.setAccessibleName(_("From room"))
        form.addRow(_("From &room:"), self.from_room)
        self.reason = QtWidgets.QLineEdit(self)
        self.reason.setAccessibleName(_("Ground"))
        form.addRow(_("&Ground:"), self.reason)
        self.decided_by = QtWidgets.QComboBox(self)
        self.decided_by.setEditable(True)
        for s in sorted(station.plan.staff.values(), key=lambda s: s.code):
            if s.role == "ppe-head":
                self.decided_by.addItem(f"{s.code} — {s.short_name}", s.code)
        self.decided_by.setAccessibleName(_("Decided by (PPE head)"))
        form.addRow(_("&Decided by (PPE head):"), self.decided_by)
        self.edits: dict[str, QtWidgets.QLineEdit] = {}
        for key, label in self.FIELDS:
            e = QtWidgets.QLineEdit(self)
            e.setAccessibleName(_(label))
            form.addRow(_(label) + ":", e)
            self.edits[key] = e
        self.seat = QtWidgets.QComboBox(self)
        self.seat.addItem("", "")
        for label in station.plan.rooms[room].seat_labels():
            self.seat.addItem(label, label)
        self.seat.setAccessibleName(_("Seat"))
        form.addRow(_("&Seat:"), self.seat)
        lay.addLayout(form)
        box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                         | QtWidgets.QDialogButtonBox.StandardButton.Cancel, self)
        box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(_("Admit on transfer"))
        box.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self._code_changed(code)

    def _code_changed(self, text: str) -> None:
        source = room_ops.transfer_source(self.station, text) if text.strip() else ""
        if source and not self.from_room.text().strip():
            self.from_room.setText(source)

    def payload(self) -> dict:
        decided = self.decided_by.currentData() if self.decided_by.currentIndex() >= 0 and \
            self.decided_by.currentText() == self.decided_by.itemText(self.decided_by.currentIndex()) \
            else self.decided_by.currentText().strip()
        out = {"from_room": self.from_room.text().strip(), "reason": self.reason.text().strip(),
               "decided_by": decided or ""}
        out.update({k: e.text().strip() for k, e in self.edits.items() if e.text().strip()})
        if self.seat.currentData():
            out["seat"] = self.seat.currentData()
        return out


def transfer_in(window, code: str = "") -> Recorded | None:
    """Ask for the transfer and record it; the window then lists the participant (its roll is rebuilt)."""
    dlg = TransferDialog(window.station, window.room, code, window)
    if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return record(window, dlg.code.text(), dlg.payload())


def record(window, code: str, payload: dict) -> Recorded | None:
    """Record the transfer mark from the dialog's fields (tests call this with the fields set)."""
    try:
        rec = room_ops.transfer_in(window.station, window.room, code, payload, author=window.author())
    except UserError as e:
        window.show_message(str(e), warning=True)
        return None
    window.load_room()  # the roll now holds the participant (room_ops.room_roll)
    return window.after_mark(rec)


def install(window) -> QtGui.QAction:
    """The one action the window needs: in the Participant menu, with its shortcut."""
    a = QtGui.QAction(_(TEXT), window)
    a.setShortcut(QtGui.QKeySequence(SHORTCUT))
    a.triggered.connect(lambda _c=False: transfer_in(window))
    menu = window.menus.get(N_("&Participant"))
    if menu is not None:
        menu.addAction(a)
    window.addAction(a)
    window.actions["transfer"] = a
    return a


def retranslate(window) -> None:
    a = window.actions.get("transfer")
    if a is not None:
        a.setText(_(TEXT))
        a.setToolTip(f"{_(TEXT)} ({SHORTCUT})")
