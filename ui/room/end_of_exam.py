"""The end of the exam in the room: hand-ins, materials, the ППЭ-05-02 checks, closing the room.

Why its own module: closing the room is the one irreversible step of the day, and it is guarded
(``room_ops.end_of_exam_guard``: who is still writing, ОВЗ ends, unmarked participants, counts that
disagree); anything open is listed and must be confirmed, and the confirmation is recorded. The
dialog takes data, the «record changed» signal and ``RoomHooks``, never the window itself.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import UserError
from app.i18n import N_, _, format_time, ngettext
from app.services import room_ops
from app.services.station import Recorded, Station
from ui.qt import Qt, QtCore, QtWidgets
from ui.widgets import exec_dialog


@dataclass(frozen=True)
class RoomHooks:
    """What a room dialog may ask of the room window: record a mark, report one recorded through a
    service (``after_mark(rec, codes)``: the participants it changed, None for the whole room), say
    something, who is recording, and the export to the stick (``export`` None: no HQ to write for)."""

    mark: Callable[[str, str | None, dict | None], Recorded | None]
    after_mark: Callable[[Recorded, list[str] | None], object]
    show_message: Callable[[str, bool], None]
    author: Callable[[], str]
    export: Callable[[], object] | None
    offer_export: Callable[[QtWidgets.QWidget], object]


class ConfirmOpenDialog(QtWidgets.QDialog):
    """Lists what is still open and asks for an explicit confirmation (Enter and Esc cancel).

    ``exec()`` returns ``CONFIRMED`` (go ahead with everything), ``WITHOUT`` (offered with
    ``keep_text``: go ahead, leaving the listed ones out) or 0 (cancelled: do nothing).
    """

    CONFIRMED = 1
    WITHOUT = 3

    def __init__(self, title: str, intro: str, rows: list[str], confirm_text: str, parent=None,
                 keep_text: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QLabel(intro, self)
        head.setWordWrap(True)
        lay.addWidget(head)
        self.list = QtWidgets.QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAccessibleName(title)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for r in rows:
            self.list.addItem(r)
        lay.addWidget(self.list, 1)
        box = QtWidgets.QDialogButtonBox(self)
        self.confirm = box.addButton(confirm_text, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.confirm.setAutoDefault(False)
        self.confirm.clicked.connect(lambda: self.done(self.CONFIRMED))
        self.keep = None
        if keep_text:
            self.keep = box.addButton(keep_text, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
            self.keep.setAutoDefault(False)
            self.keep.clicked.connect(lambda: self.done(self.WITHOUT))
        self.cancel = box.addButton(_("Cancel"), QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel.setDefault(True)  # Enter does not confirm by accident
        self.cancel.clicked.connect(self.reject)
        lay.addWidget(box)
        self.resize(620, 360)

    def rows(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


class EndOfExamDialog(QtWidgets.QDialog):
    """Collection checklist, materials counts, the ППЭ-05-02 checks, finished per participant, room closed."""

    CHECKLIST = (
        N_("Announced the end of the exam"),
        N_("Collected answer sheets, KIM and drafts from every desk"),
        N_("Cancelled empty answer fields with «Z»"),
        N_("Counted and packed the materials into return envelopes in view of the camera"),
        N_("Participants signed ППЭ-05-02"),
    )

    def __init__(self, station: Station, room: str, names: dict[str, str], changed: QtCore.SignalInstance,
                 hooks: RoomHooks, parent: QtWidgets.QWidget | None = None):
        """``changed``: the room window's «record changed» signal (a mark made anywhere repaints this
        dialog); ``hooks``: how it records and reports through the window."""
        super().__init__(parent)
        self.names, self.hooks = names, hooks
        st = station
        self.setWindowTitle(_("End of the exam"))
        self.resize(980, 660)
        outer = QtWidgets.QVBoxLayout(self)
        from app.domain import rules

        early = rules.end_of_exam_early(st.room_state(room), st.plan, st.now())
        self.early = QtWidgets.QLabel(early.text() if early else "", self)
        self.early.setObjectName("warning")
        self.early.setWordWrap(True)
        self.early.setVisible(early is not None)
        outer.addWidget(self.early)
        lay = QtWidgets.QHBoxLayout()
        outer.addLayout(lay, 1)
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
        self.export.setEnabled(hooks.export is not None)
        if not self.export.isEnabled():
            self.export.setToolTip(_("This station was not set up from an HQ package, so it has no HQ to write "
                                     "results for."))
        self.export.clicked.connect(lambda: hooks.export() if hooks.export is not None else None)
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
        changed.connect(self.refresh)  # every mark, wherever made, repaints this dialog
        self.finished.connect(lambda _r: changed.disconnect(self.refresh))
        self.refresh()

    def refresh(self) -> None:
        state = self._st.room_state(self._room)
        c = state.counts()
        self.counts["blanks"].setValue(room_ops.default_blanks(state))
        self.counts["extra_sheets"].setValue(state.materials.get("extra_sheets", c["extra_sheets"]))
        for k in ("kim", "drafts", "spoiled"):
            if k in state.materials:
                self.counts[k].setValue(state.materials[k])
        self.still_in.clear()
        for p in sorted(state.listed(), key=lambda p: p.assigned_seat):
            if p.status in ("present", "out_of_room"):
                it = QtWidgets.QListWidgetItem(f"{p.assigned_seat} {self.names.get(p.code, p.code)}")
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
            self.hooks.mark("finished", it.data(Qt.ItemDataRole.UserRole))

    def _hand_all(self) -> None:
        """Everyone whose time is over; those still within it (ОВЗ) only if the organizer confirms them."""
        c = room_ops.hand_in_candidates(self._st, self._room)
        confirm = False
        if c.before_end:
            state = self._st.room_state(self._room)
            tz = self._st.point.tz
            rows = [f"{self.names.get(code, code)} — {_('until {end}').format(end=format_time(e, tz))}"
                    if (e := state.participants[code].end) is not None else self.names.get(code, code)
                    for code in c.before_end]
            dlg = ConfirmOpenDialog(
                _("Time not over"),
                ngettext("{n} participant is still within their time and is left out:",
                         "{n} participants are still within their time and are left out:",
                         len(c.before_end)).format(n=len(c.before_end)), rows,
                _("Mark them handed in too"), self, keep_text=_("Leave them writing"))
            self.confirm_dialog = dlg
            answer = exec_dialog(dlg)
            if answer not in (ConfirmOpenDialog.CONFIRMED, ConfirmOpenDialog.WITHOUT):
                return
            confirm = answer == ConfirmOpenDialog.CONFIRMED
        recs = room_ops.hand_in_all(self._st, self._room, confirm_before_end=confirm, author=self.hooks.author())
        if recs:  # every one of them changed: their tiles and rows are repainted
            self.hooks.after_mark(recs[-1], [r.event.participant for r in recs if r.event.participant])

    def _materials(self) -> None:
        self.hooks.mark("materials-collected", None, {k: sb.value() for k, sb in self.counts.items()})

    def unticked(self) -> int:
        return sum(self.checklist.item(i).checkState() != Qt.CheckState.Checked for i in range(self.checklist.count()))

    def _close(self) -> None:
        """Close the room; anything still open is listed and must be confirmed, and the confirmation
        is recorded with the event (``confirmed_open``)."""
        items = room_ops.end_of_exam_guard(self._st, self._room, unticked=self.unticked())
        if items:
            dlg = ConfirmOpenDialog(_("Close the room?"), _("Not everything is finished in this room:"),
                                    [self._item_text(i) for i in items], _("Close the room anyway"), self)
            self.confirm_dialog = dlg
            if exec_dialog(dlg) != ConfirmOpenDialog.CONFIRMED:
                return
        try:
            rec = room_ops.close_room(self._st, self._room, [i.code for i in items], author=self.hooks.author(),
                                      unticked=self.unticked())
        except UserError as e:
            self.hooks.show_message(str(e), True)
            return
        self.hooks.after_mark(rec, None)
        self.hooks.offer_export(self)

    def _item_text(self, item) -> str:
        names = [self.names.get(c, c) for c in item.participants]
        if not names:
            return item.text()
        joined = ", ".join(names)
        return f"{item.text().rstrip('.')}: {joined}" + ("" if joined.endswith(".") else ".")  # «Титова П.А.»
