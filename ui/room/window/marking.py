"""The marking controller: every mark the organizer makes from the room window, with its dialog.

Why apart from the window: this is where a keypress becomes an event on disk. Each method asks
``app.services.room_ops`` what the mark is (late or admitted, already marked, the payload, who may
countersign), records it through the ``Station`` (durable before it returns), and hands the
``Recorded`` to the window, which repaints. The window's layout and selection stay out of it; what
the controller needs from the window is the small ``MarkingHost`` below.
"""

from __future__ import annotations

from typing import Protocol

from app.domain.projection import RoomState
from app.domain.rules import removal_grounds
from app.errors import UserError
from app.i18n import _, current_language
from app.logs import get_logger
from app.services import room_ops
from app.services.station import Recorded, Station
from ui.qt import QtWidgets
from ui.room.incidents import INCIDENT_BY_KEY, IncidentDialog
from ui.room.journal import describe, participant_gender
from ui.room.window.actions import PARTICIPANT_KINDS
from ui.room.window.header import Banners
from ui.theme import STATUS_TITLES
from ui.widgets import exec_dialog

log = get_logger("ui.room")


def dialogs():
    """ui.room.dialogs, imported when a dialog first opens (the window's first paint needs none)."""
    from ui.room import dialogs as module

    return module


class MarkingHost(Protocol):
    """What the controller uses of the window (a QWidget: the dialogs' parent)."""

    station: Station
    room: str
    names: dict[str, str]
    subject: object
    banners: Banners
    open_dialog: QtWidgets.QWidget | None

    def state(self) -> RoomState: ...
    def need_participant(self) -> str: ...
    def show_message(self, text: str, warning: bool = False) -> None: ...
    def after_mark(self, rec: Recorded) -> Recorded: ...


class MarkingController:
    """Marks for the window ``w``: each returns the ``Recorded`` (or None when nothing was recorded)."""

    def __init__(self, window: MarkingHost):
        self.w = window

    def author(self) -> str:
        orgs = self.w.state().organizers
        return orgs[0] if orgs else ""

    def mark(self, kind: str, code: str | None = None, payload: dict | None = None) -> Recorded | None:
        """Record one mark, repaint, and show the rules' advice. Returns None if it was not recorded."""
        try:
            rec = self.w.station.record(kind, self.w.room, code, payload=payload or {}, author=self.author())
        except UserError as e:
            self.w.show_message(str(e), warning=True)
            return None
        log.info("mark %s recorded (advice %d)", kind, len(rec.advice))
        return self.w.after_mark(rec)

    def participant_state(self, code: str):
        return self.w.state().participants.get(code)

    def admit(self) -> Recorded | None:
        code = self.w.need_participant()
        if not code:
            return None
        try:
            rec = room_ops.admit(self.w.station, self.w.room, code, author=self.author())
        except room_ops.AlreadyMarked as e:
            from app.domain.grammar import FEMININE

            feminine = participant_gender(self.w.station, code) == FEMININE
            self.w.show_message((_("{name} is already marked: {status}. (feminine)") if feminine else
                               _("{name} is already marked: {status}.")).format(
                name=self.w.names.get(code, code), status=_(STATUS_TITLES.get(e.status, e.status))))
            return None
        except UserError as e:
            self.w.show_message(str(e), warning=True)
            return None
        return self.w.after_mark(rec)

    def admit_no_document(self) -> Recorded | None:
        code = self.w.need_participant()
        if not code:
            return None
        dlg = dialogs().NoDocumentDialog(self.w.names.get(code, code), self.w)
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self.mark(room_ops.admission_kind(self.w.state()), code, dlg.payload())

    def quick(self, name: str) -> Recorded | None:
        code = self.w.need_participant()
        if not code:
            return None
        kind = PARTICIPANT_KINDS[name]
        return self.mark(kind, code, room_ops.quick_payload(kind))

    def change_seat(self) -> Recorded | None:
        code = self.w.need_participant()
        if not code:
            return None
        p = self.participant_state(code)
        dlg = dialogs().SeatDialog(self.w.names.get(code, code), p.assigned_seat, self.w.station.plan.rooms[self.w.room].seat_labels(),
                         self.w)
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self.mark("seated", code, {"seat": dlg.value()})

    def extra_sheet(self) -> Recorded | None:
        code = self.w.need_participant()
        if not code:
            return None
        p = self.participant_state(code)
        previous = p.extra_sheets[-1][0] if p.extra_sheets else ""
        dlg = dialogs().ExtraSheetDialog(self.w.names.get(code, code), previous, self.w)
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self.mark("extra-sheet", code, dlg.payload())

    def desk_check(self) -> list[Recorded]:
        code = self.w.need_participant()
        if not code:
            return []
        p = self.participant_state(code)
        dlg = dialogs().DeskCheckDialog(self.w.station, self.w.names.get(code, code), p.ovz, self.w,
                              subject=p.subject or self.w.subject.code)  # the participant's own subject's aids
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return []
        out = [r for d in dlg.payloads() if (r := self.mark("desk-check", code, d)) is not None]
        item = room_ops.forbidden_found([r.event.payload for r in out])
        if item is not None:
            self.incident("removal", prefill={"item": item, "reason": _("forbidden item on the desk")})
        return out

    def organizers_for_countersign(self) -> list[tuple[str, str]]:
        return room_ops.countersigners(self.w.station, self.w.room, self.author())

    def incident(self, key: str, prefill: dict | None = None) -> Recorded | None:
        spec = INCIDENT_BY_KEY[key]
        code = ""
        if spec.participant:
            code = self.w.need_participant()
            if not code:
                return None
        prefill = dict(prefill or {})
        if key == "correction" and code:
            pt = self.w.station.plan.participants.get(code)
            if pt is not None:
                prefill.setdefault("old", pt.last_name)
        roll = None
        if spec.roll_call:
            state = self.w.state()
            roll = [(c, f"{state.participants[c].assigned_seat} {self.w.names.get(c, c)}")
                    for c in room_ops.roll_call(state)]
        grounds = removal_grounds(self.w.station.ref) if key == "removal" else self.w.station.ref.forbidden
        items = [(d.key, d.title_en if current_language() == "en" else d.title) for d in grounds]
        gek = [(m.code, f"{m.code} — {m.short_name}") for m in room_ops.staff_by_role(self.w.station.plan, "gek")]
        dlg = IncidentDialog(spec, self.w.names.get(code, ""), self.organizers_for_countersign(), roll, prefill, self.w,
                             item_choices=items, gek_choices=gek)
        self.w.open_dialog = dlg
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        rec = self.mark(spec.kind, code or None, dlg.payload())
        if rec is not None and dlg.countersigner():
            try:
                room_ops.countersign(self.w.station, self.w.room, rec.event.id, dlg.countersigner())
            except UserError as e:
                self.w.show_message(str(e), warning=True)
        return rec

    def evacuation_end(self) -> Recorded | None:
        return self.mark("evacuation-end")

    def undo(self) -> Recorded | None:
        last = self.w.station.last_mark(self.w.room)
        if last is None:
            self.w.show_message(_("Nothing to void in this room."))
            return None
        dlg = dialogs().VoidDialog(describe(self.w.station, last, self.w.names), self.w)
        self.w.open_dialog = dlg
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        try:
            rec = room_ops.undo_last(self.w.station, self.w.room, dlg.reason.text().strip(), author=self.author())
        except UserError as e:
            self.w.show_message(str(e), warning=True)
            return None
        return self.w.after_mark(rec)

    def set_clock(self) -> Recorded | None:
        dlg = dialogs().ClockDialog(self.w.station, self.w)
        self.w.open_dialog = dlg
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        rec = room_ops.adjust_clock(self.w.station, self.w.room, dlg.room_clock(), author=self.author())
        self.w.banners.forget_seen()
        return self.w.after_mark(rec)
