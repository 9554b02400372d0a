"""Guided incident dialogs: what to do, who is called, which act HQ draws up, and a countersign.

One dialog class driven by a spec per incident (the fields it asks and the guidance it shows).
The act comes from the kinds catalog; the advice after recording comes from the rules.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from app.domain.kinds import KINDS
from app.i18n import N_, _
from ui.qt import Qt, QtWidgets


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, msgid)
    multiline: bool = False
    required: bool = False


@dataclass(frozen=True)
class IncidentSpec:
    key: str
    kind: str
    title: str
    guidance: str
    call: str
    participant: bool
    fields: tuple[FieldSpec, ...] = ()
    shortcut: str = ""
    roll_call: bool = False


REASON = FieldSpec("reason", N_("Reason"), required=True)
GEK = N_("the GEK member")
MEDIC = N_("the medic and the GEK member")

INCIDENTS: tuple[IncidentSpec, ...] = (
    IncidentSpec("removal", "removal", N_("Removal for a violation"),
                 N_("Stop the violation, keep the item as evidence, call the GEK member. The GEK member decides and "
                    "draws up the act in HQ with the PPE head, an organizer and (if present) an observer. Mark the "
                    "participant's blank and the protocol ППЭ-05-02."),
                 GEK, True, (REASON, FieldSpec("item", N_("Item found")), FieldSpec("gek_member", N_("GEK member")))),
    IncidentSpec("early", "early-completion", N_("Early completion (medical)"),
                 N_("Accompany the participant to the medic. If the medic confirms and the participant agrees, the "
                    "GEK member draws up the act. The participant may refuse and return to the room."),
                 MEDIC, True, (REASON, FieldSpec("medic", N_("Medic")), FieldSpec("gek_member", N_("GEK member")))),
    IncidentSpec("correction", "correction", N_("Personal data correction"),
                 N_("When the document differs from the list or the blank, write the field, the old and the new "
                    "value; the participant signs the form."),
                 "", True, (FieldSpec("field", N_("Field"), (
                     ("last_name", N_("surname")), ("first_name", N_("first name")),
                     ("middle_name", N_("patronymic")), ("document_series", N_("document series")),
                     ("document_number", N_("document number")), ("document_type", N_("document type")),
                     ("sex", N_("sex"))), required=True),
                     FieldSpec("old", N_("Old value"), required=True), FieldSpec("new", N_("New value"), required=True))),
    IncidentSpec("appeal", "appeal", N_("Appeal on the procedure"),
                 N_("Give the participant the appeal form before they leave the PPE; it is written in two copies and "
                    "handed to the GEK member, who organises the check the same day."),
                 GEK, True, (FieldSpec("text", N_("Summary"), multiline=True),)),
    IncidentSpec("identity", "identity-confirmed", N_("Identity without a document"),
                 N_("A current-year student without a document is admitted after the accompanying person from "
                    "their school confirms identity in writing."),
                 GEK, True, (FieldSpec("confirmed_by", N_("Confirmed by"), required=True),
                             FieldSpec("note", N_("Note")))),
    IncidentSpec("stopped", "exam-stopped", N_("Exam stopped"),
                 N_("The exam in the room is stopped only by the GEK members (no-show: two hours after the start, "
                    "with the GEK chair's agreement). Participants get a reserve day."),
                 GEK, False, (FieldSpec("reason", N_("Reason"), (("no-show", N_("no-show")),
                                                                 ("emergency", N_("emergency")),
                                                                 ("other", N_("other"))), required=True),
                              FieldSpec("note", N_("Note"), multiline=True))),
    IncidentSpec("evacuation", "evacuation-start", N_("Evacuation"),
                 N_("Lead the participants out; the materials stay on the desks. Take the roll call below; record the "
                    "end of the evacuation when you are back — both times go into the report."),
                 GEK, False, (FieldSpec("note", N_("Note")),), roll_call=True),
    IncidentSpec("kit", "kit-replaced", N_("Examination kit replaced"),
                 N_("A defective (misprinted, pages missing) or spoiled kit is replaced from the reserve in the "
                    "room: write both kit numbers; the old kit goes back to HQ with the materials."),
                 "", True, (FieldSpec("kit", N_("Kit replaced (number)"), required=True),
                            FieldSpec("new_kit", N_("Reserve kit given (number)"), required=True),
                            FieldSpec("reason", N_("Reason"), (("defect", N_("defect (брак)")),
                                                               ("spoiled", N_("spoiled (порча)"))), required=True))),
    IncidentSpec("note", "note", N_("Note"),
                 N_("Anything worth recording that has no form of its own."),
                 "", False, (FieldSpec("text", N_("Text"), multiline=True, required=True),)),
)
INCIDENT_BY_KEY = {s.key: s for s in INCIDENTS}


class IncidentDialog(QtWidgets.QDialog):
    def __init__(self, spec: IncidentSpec, who: str, organizers: list[tuple[str, str]],
                 roll: list[tuple[str, str]] | None = None, prefill: dict | None = None, parent=None,
                 item_choices: list[tuple[str, str]] | None = None):
        super().__init__(parent)
        self.spec = spec
        self.setWindowTitle(_(spec.title))
        self.setMinimumWidth(760)
        lay = QtWidgets.QVBoxLayout(self)
        head = f"<h2>{html.escape(_(spec.title))}</h2>"
        if who:
            head += f"<p><b>{html.escape(_('Participant'))}:</b> {html.escape(who)}</p>"
        act = KINDS[spec.kind].act
        lines = [f"<p>{html.escape(_(spec.guidance))}</p>"]
        if spec.call:
            lines.append(f"<p><b>{html.escape(_('Call'))}:</b> {html.escape(_(spec.call))}</p>")
        if act:
            lines.append(f"<p><b>{html.escape(_('HQ draws up'))}:</b> {html.escape(act)}</p>")
        self.guide = QtWidgets.QLabel(head + "".join(lines), self)
        self.guide.setWordWrap(True)
        self.guide.setTextFormat(Qt.TextFormat.RichText)
        self.guide.setAccessibleName(_("Guidance"))
        lay.addWidget(self.guide)
        form = QtWidgets.QFormLayout()
        self.inputs: dict[str, QtWidgets.QWidget] = {}
        prefill = prefill or {}
        for f in spec.fields:
            if f.name == "item" and item_choices:
                w = QtWidgets.QComboBox(self)
                w.setEditable(True)
                w.addItem("", "")
                for value, label in item_choices:
                    w.addItem(label, value)
                found = w.findData(prefill.get("item", ""))
                if found >= 0:
                    w.setCurrentIndex(found)
                else:
                    w.setEditText(str(prefill.get("item", "")))
            elif f.choices:
                w: QtWidgets.QWidget = QtWidgets.QComboBox(self)
                for value, label in f.choices:
                    w.addItem(_(label), value)
                if f.name in prefill:
                    w.setCurrentIndex(max(0, w.findData(prefill[f.name])))
            elif f.multiline:
                w = QtWidgets.QPlainTextEdit(self)
                w.setMaximumHeight(90)
                w.setPlainText(str(prefill.get(f.name, "")))
                w.setTabChangesFocus(True)
            else:
                w = QtWidgets.QLineEdit(self)
                w.setText(str(prefill.get(f.name, "")))
            w.setAccessibleName(_(f.label))
            form.addRow(_(f.label) + (" *" if f.required else "") + ":", w)
            self.inputs[f.name] = w
        lay.addLayout(form)
        self.roll: QtWidgets.QListWidget | None = None
        if spec.roll_call and roll is not None:
            lay.addWidget(QtWidgets.QLabel(_("Roll call — tick everyone who is out:"), self))
            self.roll = QtWidgets.QListWidget(self)
            self.roll.setAccessibleName(_("Roll call"))
            self.roll.setMaximumHeight(170)
            for code, label in roll:
                it = QtWidgets.QListWidgetItem(label)
                it.setData(Qt.ItemDataRole.UserRole, code)
                it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                it.setCheckState(Qt.CheckState.Unchecked)
                self.roll.addItem(it)
            lay.addWidget(self.roll)
        row = QtWidgets.QHBoxLayout()
        self.countersign = QtWidgets.QComboBox(self)
        self.countersign.addItem(_("— no countersign —"), "")
        for code, name in organizers:
            self.countersign.addItem(f"{code} — {name}", code)
        self.countersign.setAccessibleName(_("Countersigned by the second organizer"))
        row.addWidget(QtWidgets.QLabel(_("Countersigned by:"), self))
        row.addWidget(self.countersign, 1)
        lay.addLayout(row)
        self.error = QtWidgets.QLabel("", self)
        self.error.setObjectName("warning")
        self.error.hide()
        lay.addWidget(self.error)
        box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                         | QtWidgets.QDialogButtonBox.StandardButton.Cancel, self)
        box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(_("Record"))
        box.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay.addWidget(box)

    def value(self, name: str) -> str:
        w = self.inputs[name]
        if isinstance(w, QtWidgets.QComboBox):
            if w.isEditable() and w.currentText() != w.itemText(w.currentIndex()):
                return w.currentText().strip()  # free text typed by the organizer
            return str(w.currentData() or (w.currentText().strip() if w.isEditable() else ""))
        if isinstance(w, QtWidgets.QPlainTextEdit):
            return w.toPlainText().strip()
        return w.text().strip()

    def payload(self) -> dict:
        d = {f.name: self.value(f.name) for f in self.spec.fields if self.value(f.name)}
        if self.roll is not None:
            out = [self.roll.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.roll.count())
                   if self.roll.item(i).checkState() == Qt.CheckState.Checked]
            missing = self.roll.count() - len(out)
            note = d.get("note", "")
            d["note"] = (note + "; " if note else "") + f"roll call {len(out)}/{self.roll.count()}" + (
                f", missing {missing}" if missing else "")
        return d

    def countersigner(self) -> str:
        return str(self.countersign.currentData() or "")

    def accept(self) -> None:
        missing = [_(f.label) for f in self.spec.fields if f.required and not self.value(f.name)]
        if missing:
            self.error.setText(_("Fill in: {fields}").format(fields=", ".join(missing)))
            self.error.show()
            return
        super().accept()
