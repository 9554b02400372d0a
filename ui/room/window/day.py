"""The room's day as the organizer goes through it: the start of the day (room, organizers, the room
clock), another exam date, the end of the exam, the timeline and the room log, and the question
before quitting mid-exam.

Why apart from the window: these are the dialogs of the procedure's milestones, each a few lines of
asking and one service call; the window only lays out and repaints. The end-of-exam dialog gets
data, the «record changed» signal and ``RoomHooks`` (never the window).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import UserError
from app.i18n import _, current_language, format_date
from app.services import room_ops
from app.services.station import Recorded
from ui import popups
from ui.qt import QtWidgets
from ui.widgets import clear_behind, exec_dialog

if TYPE_CHECKING:  # the dialogs are imported when first opened: the first paint does not need them
    from ui.room.dialogs import StartOfDayDialog


class RoomDay:
    """The milestones of the day for the room window ``w`` (its ``station``, ``room``, ``day``,
    ``names``, ``changed``, ``hooks()``, ``load_room``, ``refresh``, ``show_recorded``)."""

    def __init__(self, window):
        self.w = window

    def show_timeline(self, code: str) -> None:
        if not code:
            self.w.need_participant()
            return
        from ui.room.journal import TimelineDialog

        dlg = TimelineDialog(self.w.station, self.w.room, code, self.w.names, self.w)
        self.w.open_dialog = dlg
        exec_dialog(dlg)

    def choose_date(self, key: str | None = None, confirm: bool = True) -> bool:
        """Work on another exam date of this station's lists: asks which, and asks to confirm.

        Marks stay with the date they were made on; the window then shows the room on the new date."""
        days = self.w.station.days()
        if len(days) < 2:
            self.w.show_message(_("This station has a list for one exam date only: {date}.").format(
                date=format_date(self.w.day.date)))
            return False
        labels = [f"{format_date(d.date)} · " + ", ".join(
            self.w.station.ref.subject(c).local_title(current_language()) for c in d.subjects) for d in days]
        if key is None:
            current = next((i for i, d in enumerate(days) if d.key == self.w.day.key), 0)
            text = popups.choose_item(self.w, _("Exam date"), _("Exam date of this station:"), labels, current)
            if text is None:
                return False
            key = days[labels.index(text)].key
        target = next((d for d in days if d.key == key), None)
        if target is None or target.key == self.w.day.key:
            return False
        if confirm and not popups.ask(
                self.w, _("Exam date"),
                _("Switch this station from {old} to {new}? Marks already made stay with their date.").format(
                    old=format_date(self.w.day.date), new=format_date(target.date))):
            return False
        try:
            self.w.station.set_day(target.key)
        except UserError as e:
            self.w.show_message(str(e), warning=True)
            return False
        plan = self.w.station.plan
        if self.w.room not in plan.rooms:  # the room holds no exam that date: show the first room that does
            self.w.show_message(_("Room {room} holds no exam on {date}; showing room {other}.").format(
                room=self.w.room, date=format_date(target.date), other=sorted(plan.rooms)[0]), warning=True)
            self.w.room = sorted(plan.rooms)[0]
        self.w.banners.forget_seen()
        self.w.load_room()
        self.w.refresh()
        return True

    def show_room_log(self) -> None:
        from ui.room.journal import RoomLogDialog

        dlg = RoomLogDialog(self.w.station, self.w.room, self.w.names, self.w)
        self.w.open_dialog = dlg
        exec_dialog(dlg)

    def start_of_day(self, blocking: bool = True) -> Recorded | None:
        """Room, organizers on duty, room clock. At start-up it opens without blocking (window-modal),
        so nothing that pumps events (self-test, benchmark) waits on it."""
        from ui.room.dialogs import StartOfDayDialog

        dlg = StartOfDayDialog(self.w.station, self.w.room, self.w)
        self.w.open_dialog = dlg
        if not blocking:
            dlg.accepted.connect(lambda: self._open_day(dlg))
            dlg.finished.connect(lambda _r: self._forget(dlg))  # after «accepted»'s work: deleteLater defers
            dlg.open()
            return None
        if exec_dialog(dlg) != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return self._open_day(dlg)

    def _forget(self, dlg: QtWidgets.QDialog) -> None:
        """A dialog opened without ``exec_dialog`` (window-modal at start-up) is deleted after use too."""
        if getattr(self.w, "open_dialog", None) is dlg:
            self.w.open_dialog = None
        dlg.deleteLater()

    def _open_day(self, dlg: StartOfDayDialog) -> Recorded | None:
        clear_behind(dlg)  # the non-blocking path: no exec_dialog to do it
        room = dlg.chosen_room()
        if room != self.w.room:
            self.w.room = room
            self.w.load_room()
        room_ops.set_room_clock(self.w.station, dlg.room_clock())
        try:
            rec = room_ops.open_room(self.w.station, self.w.room, dlg.chosen_organizers())
        except UserError as e:
            self.w.show_message(str(e), warning=True)
            return None
        self.w.retranslate()
        self.w.show_recorded(rec)
        return rec

    def end_of_exam(self) -> None:
        from ui.room.end_of_exam import EndOfExamDialog

        dlg = EndOfExamDialog(self.w.station, self.w.room, self.w.names, self.w.changed, self.w.hooks(), self.w)
        self.w.open_dialog = dlg
        exec_dialog(dlg)
        self.w.refresh()

    def needs_close_confirmation(self) -> bool:
        """Mid-exam (the room opened or started, not closed) closing the program is asked about."""
        state = self.w.state()
        return (state.opened_at is not None or state.start is not None) and state.closed_at is None

    def confirm_close(self) -> bool:
        if not self.needs_close_confirmation():
            return True
        return popups.ask(self.w, _("Quit"), _("The exam is not over in this room. Quit the program? Every mark is "
                                               "saved; open it again to go on."))
