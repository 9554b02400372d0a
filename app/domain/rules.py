"""Rules of the exam procedure, as advice: the organizer decides, the app advises.

``advise`` looks at a mark before it is recorded and says what the procedure requires
(and which act HQ will need). ``due`` says what the clock calls for now: the 30- and
5-minute warnings before each end, and the no-show rule two hours after the start.
Nothing here refuses a mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.domain.model import DayPlan, normalize_seat
from app.domain.projection import ParticipantState, RoomState
from app.domain.reference import DeskItem, Reference
from app.i18n import N_, _


@dataclass(frozen=True)
class Advice:
    code: str
    level: str  # "info" | "warning"
    message: str  # English msgid with {placeholders}
    params: tuple[tuple[str, str], ...] = ()
    act: str = ""  # the official act this calls for, if any
    call: str = ""  # who must be called (GEK member, medic)
    lasting: bool = False  # a condition (shown while it holds), not a moment (30 minutes left)

    def text(self) -> str:
        """The message in the current language."""
        return _(self.message).format(**dict(self.params))

    def to_dict(self) -> dict[str, str]:
        d = {"code": self.code, "level": self.level, "message": self.text()}
        if self.act:
            d["act"] = self.act
        if self.call:
            d["call"] = _(self.call)
        return d


def _a(ident: str, level: str, message: str, act: str = "", call: str = "", lasting: bool = False,
       **params: object) -> Advice:
    if not params:  # nothing but the form: the same (immutable) advice every time, made once
        key = (ident, level, message, act, call, lasting)
        held = _FIXED.get(key)
        if held is None:
            held = _FIXED[key] = Advice(ident, level, message, (("form", act),) if act else (), act, call, lasting)
        return held
    if act:
        params.setdefault("form", act)
    return Advice(ident, level, message, tuple((k, str(v)) for k, v in params.items()), act, call, lasting)


_FIXED: dict[tuple[str, str, str, str, str, bool], Advice] = {}


# The first part of the instruction begins not earlier than 09:50 for a 10:00 start (the procedure).
INSTRUCTION_BEFORE_START_MINUTES = 10

GEK = N_("GEK member")
MEDIC = N_("medic")


# Grounds for removal (ППЭ-21) beyond the forbidden items: the methodical recommendations name taking
# the examination materials out of the room and photographing them. The registration notice is on the
# forbidden-on-the-desk list (it stays with the belongings) but is no ground for removal.
EM_REMOVAL_GROUNDS = (
    DeskItem("em-takeout", "Вынос ЭМ из аудитории", "Taking examination materials out of the room"),
    DeskItem("em-photo", "Фотографирование ЭМ", "Photographing examination materials"),
)
NOT_REMOVAL_GROUNDS = frozenset({"notice"})


def removal_grounds(ref: Reference) -> list[DeskItem]:
    """What a removal (ППЭ-21) may be for: the forbidden means that are grounds, then вынос/фото ЭМ."""
    return [d for d in ref.forbidden if d.key not in NOT_REMOVAL_GROUNDS] + list(EM_REMOVAL_GROUNDS)


def _local(dt: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def advise(state: RoomState, plan: DayPlan, ref: Reference, kind: str, participant: str | None,
           payload: dict, at: datetime) -> list[Advice]:
    """What the procedure says about recording ``kind`` at ``at`` in this room state."""
    out: list[Advice] = []
    tz = plan.point.tz
    p = state.participants.get(participant) if participant else None

    if kind == "transfer-in":
        out.append(_a("transfer-in", "info",
                      N_("Participant {code} is admitted here from room {room} by the PPE head's decision; the "
                         "transfer is printed on ППЭ-05-02 of both rooms (the other room's once HQ has both "
                         "logs)."), act="ППЭ-05-02", code=participant, room=payload.get("from_room", "")))
    elif participant and p is None:
        out.append(_a("not-on-list", "warning",
                      N_("Participant {code} is not on this room's list: check the distribution list and the "
                         "document; admit only to the room on the list."), code=participant))
    if p is not None and kind in ("admitted", "late", "seated", "exit", "return", "extra-sheet") and \
            p.status in ("finished", "removed", "finished_early"):
        out.append(_a("already-left", "warning",
                      N_("Participant {code} has already handed in or left the exam (status: {status})."),
                      code=participant, status=p.status))

    # then what the procedure says of this kind (one look-up: a mark is on the durable record path; the day's
    # times and the subject are worked out only by the kinds judged against them)
    step = _ADVICE.get(kind)
    if step is not None:
        step(out, state, plan, ref, kind, participant, p, payload, at, tz)
    return out


def _advise_admitted(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                     participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                     tz: str) -> None:
    subject = ref.subject(state.subject)
    admission_opens = plan.day.local(ref.admission_local, tz)
    if at < admission_opens:
        out.append(_a("admission-early", "info",
                      N_("Admission to the exam point starts at {time} local time."), time=ref.admission_local))
    if p is not None and p.present:
        out.append(_a("already-admitted", "warning", N_("Participant {code} is already admitted."),
                      code=participant))
    if p is not None and p.status == "absent":
        out.append(_a("was-absent", "info",
                      N_("Participant {code} was marked absent; admitting now supersedes that mark."),
                      code=participant))
    late = kind == "late" or (state.start is not None and at > state.start)
    if late:
        end = state.end or (at + timedelta(minutes=subject.minutes))
        out.append(_a("late", "warning",
                      N_("Late arrival: the end time is not extended ({end}) and the general instruction is "
                         "not repeated; the organizer gives only the brief information needed to fill in the "
                         "blanks."), end=_local(end, tz) if state.start else "—"))
    if state.audio_active:
        others_in = [q for q in state.listed() if q.code != participant and q.status in ("present", "out_of_room")]
        if others_in:
            out.append(_a("audio-lockout", "warning",
                          N_("The listening part is in progress: nobody is admitted until it is over, unless "
                             "the room is otherwise empty. There is no personal replay.")))
    identity = payload.get("identity", "document")
    if identity == "no-document":
        if payload.get("graduate") == "previous":
            out.append(_a("no-document-graduate", "warning",
                          N_("A previous-year graduate without an identity document is not admitted to the "
                             "exam.")))
        elif not payload.get("confirmed_by"):
            out.append(_a("no-document", "warning",
                          N_("No identity document: a current-year student is admitted only after a person "
                             "accompanying them from their school confirms identity in writing; HQ draws up "
                             "{form}."), act="ППЭ-20", call=GEK))
        else:
            out.append(_a("no-document-confirmed", "info",
                          N_("Identity confirmed in writing by {who}: HQ draws up {form} (2 copies)."),
                          act="ППЭ-20", call=GEK, who=payload.get("confirmed_by")))


def _advise_seated(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                   participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                   tz: str) -> None:
    if p is not None:
        seat = normalize_seat(str(payload.get("seat", "")))
        if p.assigned_seat and seat != normalize_seat(p.assigned_seat):
            out.append(_a("seat-change", "warning",
                          N_("Changing the seat is prohibited: participant {code} must sit at seat {assigned} per "
                             "the distribution list (not {seat})."), code=participant, assigned=p.assigned_seat,
                          seat=seat))
        taken = [q.code for q in state.participants.values()
                 if q.code != participant and q.seat == seat and q.present]
        if taken:
            out.append(_a("seat-taken", "warning", N_("Seat {seat} is already taken by {other}."),
                          seat=seat, other=", ".join(taken)))


def _advise_instruction_given(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                              participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                              tz: str) -> None:
    scheduled_start = plan.day.local(ref.start_local, tz)
    opens = scheduled_start - timedelta(minutes=INSTRUCTION_BEFORE_START_MINUTES)
    if at < opens:
        out.append(_a("instruction-early", "warning",
                      N_("The instruction begins not earlier than {time} local time; it is recorded at "
                         "{actual}."), time=_local(opens, tz), actual=_local(at, tz)))
    if not any(q.present for q in state.listed()):
        out.append(_a("instruction-nobody", "warning",
                      N_("Nobody is admitted in this room yet: the instruction is given to the participants "
                         "present.")))


def _advise_absent(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                   participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                   tz: str) -> None:
    if state.start is None and state.stopped_at is None:
        out.append(_a("absent-before-start", "warning",
                      N_("The exam has not started: «did not come» is marked after the start ({time}); until then "
                         "the participant may still come, and after it they are admitted as late."),
                      time=ref.start_local))


def _advise_materials_collected(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                                participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                                tz: str) -> None:
    kim, blanks = payload.get("kim"), payload.get("blanks")
    if kim is not None and blanks is not None and int(kim) != int(blanks):
        out.append(_a("materials-kim", "warning",
                      N_("KIM {kim} against {blanks} registration blanks: each participant's set holds one KIM "
                         "and one registration blank; count again."), kim=kim, blanks=blanks))


def _advise_exam_start(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                       participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                       tz: str) -> None:
    subject = ref.subject(state.subject)
    scheduled_start = plan.day.local(ref.start_local, tz)
    if not any(q.present for q in state.listed()):
        out.append(_a("start-nobody", "warning",
                      N_("Nobody is admitted in this room: check the admissions before starting the exam.")))
    if state.start is not None:
        out.append(_a("already-started", "warning", N_("The exam has already started in this room.")))
    if at < scheduled_start - timedelta(minutes=1):
        out.append(_a("start-early", "warning",
                      N_("All exams start at {time} local time; the start is recorded earlier ({actual})."),
                      time=ref.start_local, actual=_local(at, tz)))
    if state.instruction_at is None:
        out.append(_a("no-instruction", "info",
                      N_("The instruction has not been recorded; the start time is written after the "
                         "instruction (instruction time is not counted).")))
    end = at + timedelta(minutes=subject.minutes)
    out.append(_a("board", "info", N_("Write on the board: start {start}, end {end}."),
                  start=_local(at, tz), end=_local(end, tz)))
    if any(q.ovz for q in state.listed()):
        out.append(_a("board-ovz", "info",
                      N_("Participants with special conditions (ОВЗ) finish at {end}."),
                      end=_local(end + timedelta(minutes=subject.ovz_extra_minutes), tz)))


def _advise_audio_start(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                        participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                        tz: str) -> None:
    subject = ref.subject(state.subject)
    if not subject.audio:
        out.append(_a("no-audio-part", "info", N_("This subject has no listening part.")))


def _advise_exit(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                 participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                 tz: str) -> None:
    if p is not None and p.status == "out_of_room":
        out.append(_a("already-out", "warning", N_("Participant {code} is already out of the room."),
                      code=participant))
    out.append(_a("exit-rules", "info",
                  N_("The participant leaves only accompanied by an organizer outside the room; exam "
                     "materials and drafts stay on the desk. Time out goes into {form}."), act="ППЭ-12-04-МАШ"))
    if state.audio_active:
        out.append(_a("exit-audio", "warning",
                      N_("The listening part is in progress: a participant who leaves now cannot hear it "
                         "again.")))


def _advise_return(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                   participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                   tz: str) -> None:
    if p is not None and p.status != "out_of_room":
        out.append(_a("not-out", "warning", N_("Participant {code} is not recorded as out of the room."),
                      code=participant))


def _advise_extra_sheet(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                        participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                        tz: str) -> None:
    sheet = str(payload.get("sheet", ""))
    used = state.sheet_holders.get(sheet, [])
    if used:
        out.append(_a("sheet-duplicate", "warning",
                      N_("Extra sheet {sheet} was already issued to {other}."), sheet=sheet,
                      other=", ".join(used)))
    out.append(_SHEET_CHAIN)


_SHEET_CHAIN = _a("sheet-chain", "info",
                  N_("Write the new sheet's code in the field «Следующий дополнительный бланк ответов № 2» "
                     "of the previous sheet and fill in «Лист №» on the new one; recorded in {form}."),
                  act="ППЭ-12-03")
"""Every extra sheet's own advice: the same frozen object each time, made once (not looked up per mark)."""


def _advise_desk_check(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                       participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                       tz: str) -> None:
    if payload.get("verdict") == "forbidden":
        out.append(_a("forbidden-item", "warning",
                      N_("A forbidden item is a violation of the procedure: call the GEK member, who decides on "
                         "removal and draws up {form} in HQ."), act="ППЭ-21", call=GEK))


_FIXED_ADVICE = {
    "removal": Advice("removal-act", "info",
                      N_("The GEK member draws up the removal act ППЭ-21 in HQ (2 copies) in the presence of "
                         "the PPE head and an organizer; mark the participant's blank and the protocol "
                         "ППЭ-05-02."), (), "ППЭ-21", GEK),
    "early-completion": Advice("early-act", "info",
                               N_("Accompany the participant to the medic and call the GEK member; if the "
                                  "participant agrees, they draw up ППЭ-22. Mark the blank and ППЭ-05-02. A reserve "
                                  "day is possible by GEK decision."), (), "ППЭ-22", MEDIC),
    "appeal": Advice("appeal-act", "info",
                     N_("The appeal is written on ППЭ-02 in two copies before the participant leaves the PPE; "
                        "the GEK member organises the check and the conclusion on ППЭ-03."), (), "ППЭ-02", GEK),
    "kit-replaced": Advice("kit-replaced", "info",
                           N_("Give the participant the reserve kit and let them fill in the new registration "
                              "blank; the defective or spoiled kit goes back to HQ with the materials. The "
                              "replacement is counted in ППЭ-05-02 and ППЭ-13-02-МАШ."), (), "ППЭ-05-02"),
    "correction": Advice("correction-form", "info",
                         N_("Record the correction in ППЭ-12-02; the participant signs it."), (), "ППЭ-12-02"),
}
"""Kinds whose advice is always the same (the act to draw up and whom to call); Advice is frozen, so one
instance serves every mark."""


def _fixed(advice: Advice):
    def add(out: list[Advice], *_args) -> None:
        out.append(advice)
    return add


def _advise_exam_stopped(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                         participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                         tz: str) -> None:
    scheduled_start = plan.day.local(ref.start_local, tz)
    if payload.get("reason") == "no-show":
        limit = scheduled_start + timedelta(minutes=ref.no_show_stop_after_minutes)
        if at < limit:
            out.append(_a("no-show-early", "warning",
                          N_("The exam may be stopped for a no-show only {minutes} minutes after the start "
                             "({time})."), minutes=ref.no_show_stop_after_minutes, time=_local(limit, tz)))
        if any(q.present for q in state.listed()):
            out.append(_a("no-show-present", "warning",
                          N_("Some participants are present: the no-show rule does not apply.")))


def _advise_finished(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                     participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                     tz: str) -> None:
    if p is not None and p.open_exit is not None:
        out.append(_a("finished-while-out", "warning",
                      N_("Participant {code} is recorded as out of the room."), code=participant))


def _advise_room_closed(out: list[Advice], state: RoomState, plan: DayPlan, ref: Reference, kind: str,
                        participant: str | None, p: ParticipantState | None, payload: dict, at: datetime,
                        tz: str) -> None:
    for c in state.problems():
        out.append(_a("check-" + c.code, "warning", N_("Check before closing: {detail}"), detail=c.message))


_ADVICE = {
    "admitted": _advise_admitted,
    "late": _advise_admitted,
    "seated": _advise_seated,
    "instruction-given": _advise_instruction_given,
    "absent": _advise_absent,
    "materials-collected": _advise_materials_collected,
    "exam-start": _advise_exam_start,
    "audio-start": _advise_audio_start,
    "exit": _advise_exit,
    "return": _advise_return,
    "extra-sheet": _advise_extra_sheet,
    "desk-check": _advise_desk_check,
    "exam-stopped": _advise_exam_stopped,
    "finished": _advise_finished,
    "room-closed": _advise_room_closed,
    **{k: _fixed(a) for k, a in _FIXED_ADVICE.items()},
}
"""The advice of each kind that has its own (the others get only the participant's above)."""


def clock_date_advice(exam_date: date, local_date: date) -> Advice | None:
    """The station's date is not the exam's: every mark would carry the wrong date (set the room clock)."""
    if local_date == exam_date:
        return None
    return _a("clock-date", "warning",
              N_("The date on this station is {today}, but the exam is on {exam}: set the room clock with the "
                 "right date (Ctrl+K) before marking."), lasting=True, today=local_date.strftime("%d.%m.%Y"),
              exam=exam_date.strftime("%d.%m.%Y"))


def due(state: RoomState, plan: DayPlan, ref: Reference, now: datetime) -> list[Advice]:
    """What the clock calls for at ``now``: a wrong date, end warnings and the no-show rule."""
    out: list[Advice] = []
    tz = plan.point.tz
    from zoneinfo import ZoneInfo

    wrong_date = clock_date_advice(plan.day.date, now.astimezone(ZoneInfo(tz)).date())
    if wrong_date is not None:
        out.append(wrong_date)
    if state.start is not None and state.closed_at is None and state.stopped_at is None:
        for end in state.ends():
            left = end - now
            for m in ref.warnings_before_end_minutes:
                if timedelta(0) < left <= timedelta(minutes=m) and left > timedelta(minutes=m) - timedelta(minutes=1):
                    out.append(_a(f"end-in-{m}", "warning",
                                  N_("{minutes} minutes to the end ({end}): remind participants to copy answers "
                                     "from drafts and KIM to the blanks."), minutes=m, end=_local(end, tz)))
            if timedelta(0) >= left > timedelta(minutes=-1):
                out.append(_a("end-now", "warning",
                              N_("Time is over ({end}): announce the end of the exam and collect the materials."),
                              end=_local(end, tz)))
    start = plan.day.local(ref.start_local, tz)
    limit = start + timedelta(minutes=ref.no_show_stop_after_minutes)
    if wrong_date is None and now >= limit and state.stopped_at is None and state.closed_at is None and state.listed() and \
            not any(p.present for p in state.listed()):
        out.append(_a("no-show", "warning",
                      N_("Nobody has appeared {minutes} minutes after the start: the GEK members may stop the exam "
                         "in this room with the GEK chair's agreement; the act goes to the chair and the "
                         "participants get a reserve day."), minutes=ref.no_show_stop_after_minutes, call=GEK,
                      lasting=True))
    return out


def end_of_exam_early(state: RoomState, plan: DayPlan, now: datetime) -> Advice | None:
    """The end-of-exam work (collection, closing) opened before the exam's time is over."""
    if state.closed_at is not None or state.stopped_at is not None:
        return None
    if state.start is None:
        return _a("end-not-started", "warning", N_("The exam has not started in this room yet."))
    if state.end is not None and now < state.end:
        return _a("end-early", "warning",
                  N_("The exam time is not over: the end is at {end}. Collection starts at the end; a participant "
                     "who finishes early hands in alone (Ctrl+H)."), end=_local(state.end, plan.point.tz))
    return None
