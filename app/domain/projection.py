"""Room state as a pure function of events.

The same set of events gives the same state on every station, whatever order they arrived
in: voids are resolved first (a void can itself be voided), then the remaining events are
folded in their domain order (stated time, station, sequence).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.event import Event, parse_utc
from app.domain.kinds import KINDS
from app.domain.model import DayPlan, normalize_seat
from app.domain.reference import Reference
from app.i18n import _, ngettext

PRESENT_STATUSES = ("present", "out_of_room", "finished", "removed", "finished_early")
STATUSES = ("expected", "present", "out_of_room", "finished", "removed", "finished_early", "absent",
            "transferred_out")
TRANSFER = "transfer-in"  # the catalog's kind (app/domain/transfer.py holds its rules)


def effective_events(events: Iterable[Event]) -> tuple[list[Event], dict[str, Event]]:
    """Return (events that count, sorted in domain order; {voided id: the void that voided it})."""
    by_id = {e.id: e for e in events}
    voids_of: dict[str, list[Event]] = {}
    for e in by_id.values():
        if e.kind == "void":
            voids_of.setdefault(str(e.payload.get("target", "")), []).append(e)
    memo: dict[str, Event | None] = {}

    def voided_by(eid: str, depth: int = 0) -> Event | None:
        if eid in memo:
            return memo[eid]
        memo[eid] = None  # guards against a malicious cycle
        result = None
        if depth < 64:
            for v in sorted(voids_of.get(eid, ()), key=Event.order_key):
                if voided_by(v.id, depth + 1) is None:
                    result = v
                    break
        memo[eid] = result
        return result

    voided = {eid: v for eid in by_id if (v := voided_by(eid)) is not None}
    live = sorted((e for e in by_id.values() if e.id not in voided and e.kind != "void"), key=Event.order_key)
    return live, voided


@dataclass
class ExitRecord:
    out_at: datetime
    out_event: str
    back_at: datetime | None = None
    back_event: str | None = None
    closed_by: str = ""  # "return", or the kind that explains an exit without return

    def minutes(self, until: datetime | None = None) -> float:
        end = self.back_at or until
        return 0.0 if end is None else max(0.0, (end - self.out_at).total_seconds() / 60)


@dataclass
class ParticipantState:
    code: str
    assigned_seat: str
    ovz: bool = False
    on_list: bool = True
    status: str = "expected"
    late: bool = False
    seat: str = ""
    identity: str = ""
    admitted_at: datetime | None = None
    finished_at: datetime | None = None
    removed_at: datetime | None = None
    early_at: datetime | None = None
    reason: str = ""
    end: datetime | None = None
    exits: list[ExitRecord] = field(default_factory=list)
    extra_sheets: list[tuple[str, datetime, str]] = field(default_factory=list)
    corrections: list[Event] = field(default_factory=list)
    desk_checks: list[Event] = field(default_factory=list)
    appeals: list[Event] = field(default_factory=list)
    # the participant's own subject when it is not the room's (a room whose list names two subjects)
    subject: str = ""
    minutes: int | None = None
    ovz_extra: int | None = None
    # the transfer mark (transfer-in): the room they came from (here), or the room they went to (source room)
    transferred_from: str = ""
    transferred_to: str = ""
    transfer: Event | None = None

    @property
    def present(self) -> bool:
        return self.status in PRESENT_STATUSES

    @property
    def in_room(self) -> bool:
        return self.status == "present"

    @property
    def seat_changed(self) -> bool:
        return bool(self.seat) and normalize_seat(self.seat) != normalize_seat(self.assigned_seat)

    @property
    def open_exit(self) -> ExitRecord | None:
        return self.exits[-1] if self.exits and self.exits[-1].back_at is None and not self.exits[-1].closed_by \
            else None


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    message: str


@dataclass
class RoomState:
    day: str
    room: str
    tz: str
    subject: str
    minutes: int
    ovz_extra: int
    opened_at: datetime | None = None
    organizers: list[str] = field(default_factory=list)
    clock_offset_s: int = 0
    instruction_at: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    audio_start: datetime | None = None
    audio_end: datetime | None = None
    stopped_at: datetime | None = None
    stop_reason: str = ""
    evacuations: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    closed_at: datetime | None = None
    materials: dict[str, int] = field(default_factory=dict)
    participants: dict[str, ParticipantState] = field(default_factory=dict)
    incidents: list[Event] = field(default_factory=list)
    notes: list[Event] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # effective, in domain order
    voided: dict[str, Event] = field(default_factory=dict)
    last_at: datetime | None = None
    sheet_holders: dict[str, list[str]] = field(default_factory=dict)  # extra sheet № -> participants
    # the date's list beyond this room (HQ): a participant transferred in keeps their ОВЗ from it
    plan_people: dict = field(default_factory=dict, repr=False, compare=False)

    # --- derived views -------------------------------------------------------------------
    @property
    def audio_active(self) -> bool:
        return self.audio_start is not None and self.audio_end is None

    @property
    def evacuating(self) -> bool:
        return bool(self.evacuations) and self.evacuations[-1][1] is None

    @property
    def phase(self) -> str:
        if self.closed_at:
            return "closed"
        if self.stopped_at:
            return "stopped"
        if self.evacuating:
            return "evacuation"
        if self.start:
            return "audio" if self.audio_active else "in-progress"
        if self.opened_at or any(p.status != "expected" for p in self.participants.values()):
            return "admission"
        return "not-opened"

    def listed(self) -> list[ParticipantState]:
        """The room's roll now: its list and those transferred in, without those transferred out."""
        return [p for p in self.participants.values()
                if (p.on_list or p.transferred_from) and p.status != "transferred_out"]

    def transfers_in(self) -> list[ParticipantState]:
        return [p for p in self.participants.values() if p.transferred_from and p.transfer is not None]

    def transfers_out(self) -> list[ParticipantState]:
        return [p for p in self.participants.values() if p.status == "transferred_out"]

    def personal_end(self, p: ParticipantState) -> datetime | None:
        if self.start is None:
            return None
        base = self.end or (self.start + timedelta(minutes=self.minutes))
        if p.minutes is not None and p.minutes != self.minutes:
            base += timedelta(minutes=p.minutes - self.minutes)  # another subject's duration, same start
        extra = self.ovz_extra if p.ovz_extra is None else p.ovz_extra
        return base + timedelta(minutes=extra) if p.ovz else base

    def ends(self) -> list[datetime]:
        """Distinct end times in this room (general, and ОВЗ where someone has it)."""
        out = {self.personal_end(p) for p in self.listed() if p.present}
        if self.start:
            out.add(self.personal_end(ParticipantState("", "")))
        return sorted(e for e in out if e is not None)

    def exit_log(self) -> list[tuple[str, ExitRecord]]:
        rows = [(p.code, x) for p in self.participants.values() for x in p.exits]
        return sorted(rows, key=lambda r: (r[1].out_at, r[0]))

    def extra_sheet_log(self) -> list[tuple[str, str, datetime, str]]:
        rows = [(p.code, s, at, eid) for p in self.participants.values() for s, at, eid in p.extra_sheets]
        return sorted(rows, key=lambda r: (r[2], r[0], r[1]))

    def corrections_log(self) -> list[Event]:
        return sorted((e for p in self.participants.values() for e in p.corrections), key=Event.order_key)

    def counts(self) -> dict[str, int]:
        ps = self.listed()
        return {
            "assigned": sum(p.on_list for p in self.participants.values()),
            "transferred_in": sum(bool(p.transferred_from) for p in ps),
            "transferred_out": len(self.transfers_out()),
            "present": sum(p.present for p in ps),
            "absent": sum(p.status == "absent" for p in ps),
            "unmarked": sum(p.status == "expected" for p in ps),
            "late": sum(p.late and p.present for p in ps),
            "in_room": sum(p.status == "present" for p in ps),
            "out_of_room": sum(p.status == "out_of_room" for p in ps),
            "removed": sum(p.status == "removed" for p in ps),
            "finished_early": sum(p.status == "finished_early" for p in ps),
            "finished": sum(p.status == "finished" for p in ps),
            "extra_sheets": sum(len(p.extra_sheets) for p in ps),
            "exits": sum(len(p.exits) for p in ps),
            "corrections": sum(len(p.corrections) for p in ps),
            "appeals": sum(len(p.appeals) for p in ps),
            "seat_changes": sum(p.seat_changed for p in ps),
            "no_document": sum(p.identity == "no-document" for p in ps),
            "ovz": sum(p.ovz for p in ps),
        }

    def exit_minutes(self, until: datetime | None = None) -> float:
        return sum(x.minutes(until) for _, x in self.exit_log())

    def _checks(self) -> list[tuple[str, bool, Callable[[], str]]]:
        """Consistency checks of the ППЭ-05-02 figures against the log: (code, ok, message maker). The one
        definition of the checks; the message is made only when asked for (``checks``), because the
        server's ingest stores the codes of the failed ones for every room of every batch and formatting
        the messages cost more than the checks themselves (issue 13)."""
        c = self.counts()
        out: list[tuple[str, bool, Callable[[], str]]] = []
        roll = c["assigned"] - c["transferred_out"] + c["transferred_in"]

        def balance() -> str:
            text = _("admitted {present} + absent {absent} + unmarked {unmarked} = assigned {assigned}") \
                if not (c["transferred_in"] or c["transferred_out"]) else \
                _("admitted {present} + absent {absent} + unmarked {unmarked} = assigned {assigned} − transferred out "
                  "{transferred_out} + transferred in {transferred_in}")
            return text.format(**c)

        out.append(("assigned-balance", c["present"] + c["absent"] + c["unmarked"] == roll, balance))
        closing = self.closed_at is not None or self.materials != {}
        out.append(("all-marked", not closing or c["unmarked"] == 0,
                    lambda: ngettext("{n} participant neither admitted nor marked absent",
                                     "{n} participants neither admitted nor marked absent", c["unmarked"])
                    .format(n=c["unmarked"])))
        out.append(("present-balance",
                    c["finished"] + c["removed"] + c["finished_early"] + c["in_room"] + c["out_of_room"]
                    == c["present"],
                    lambda: _("finished + removed + early completion + in room + out of room = present")))
        writing = c["in_room"] + c["out_of_room"]
        out.append(("all-handed-in", not closing or writing == 0,
                    lambda: ngettext("{n} participant has not handed in", "{n} participants have not handed in",
                                     writing).format(n=writing)))
        open_exits = [code for code, x in self.exit_log() if x.back_at is None and not x.closed_by]
        out.append(("exits-closed", not closing or not open_exits,
                    lambda: _("exits without a return or explanation: {codes}").format(
                        codes=", ".join(open_exits) or _("none"))))
        sheets = [s for _c, s, _t, _e in self.extra_sheet_log()]
        dup = sorted(s for s, n in Counter(sheets).items() if n > 1)
        out.append(("sheets-unique", not dup, lambda: _("extra sheet numbers used twice: {numbers}").format(
            numbers=", ".join(dup) or _("none"))))
        strangers = [p.code for p in self.participants.values() if not p.on_list and not p.transferred_from]
        out.append(("on-list", not strangers, lambda: _("marks for codes not on the list: {codes}").format(
            codes=", ".join(strangers) or _("none"))))
        if "extra_sheets" in self.materials:
            n_sheets = self.materials["extra_sheets"]
            out.append(("materials-extra-sheets", n_sheets == c["extra_sheets"],
                        lambda: _("extra sheets collected {n}, issued {issued}").format(
                            n=n_sheets, issued=c["extra_sheets"])))
        if "blanks" in self.materials:
            n_blanks = self.materials["blanks"]
            handed = c["finished"] + c["removed"] + c["finished_early"]
            out.append(("materials-blanks", n_blanks == handed,
                        lambda: _("registration blanks collected {n}, participants who handed in {handed}").format(
                            n=n_blanks, handed=handed)))
        return out

    def checks(self) -> list[Check]:
        """Consistency checks of the ППЭ-05-02 figures against the log, with their messages."""
        return [Check(code, ok, message()) for code, ok, message in self._checks()]

    def problems(self) -> list[Check]:
        return [c for c in self.checks() if not c.ok]

    def problem_codes(self) -> list[str]:
        """The codes of ``problems()`` without making their messages (the stored figures keep only codes)."""
        return [code for code, ok, _m in self._checks() if not ok]


def _close_exit(p: ParticipantState, at: datetime, by: str, eid: str | None = None) -> None:
    x = p.open_exit
    if x is not None:
        if by == "return":
            x.back_at, x.back_event = at, eid
        x.closed_by = by


def project_room(plan: DayPlan, ref: Reference, room: str, events: Iterable[Event]) -> RoomState:
    """Fold the events of one room of the plan's day into its state."""
    subject = ref.subject(plan.room_subject(room) or (plan.subjects or ["01"])[0])
    state = RoomState(day=plan.day.key, room=room, tz=plan.point.tz, subject=subject.code,
                      minutes=subject.minutes, ovz_extra=subject.ovz_extra_minutes)
    for pt in plan.room_participants(room):
        ps = ParticipantState(pt.code, pt.seat, ovz=pt.ovz)
        if pt.subject_code and pt.subject_code != subject.code:
            own = ref.subject(pt.subject_code)
            ps.subject, ps.minutes, ps.ovz_extra = own.code, own.minutes, own.ovz_extra_minutes
        state.participants[pt.code] = ps
    state.plan_people = plan.participants
    day = plan.day.key
    evs = [e for e in events if e.day is None or e.day[:10] == day]
    mine = [e for e in evs if e.room == room]
    live, voided = effective_events(mine)
    state.events, state.voided = live, voided
    fold = live
    # HQ holds the other rooms' logs too: a transfer-in elsewhere that names this room takes the participant
    # out of it (voids of it live in the receiving room, so they are resolved among those rooms' events)
    outs = [e for e in evs if e.room != room and e.kind in (TRANSFER, "void")]
    if any(e.kind == TRANSFER and e.payload.get("from_room") == room for e in outs):
        gone = [e for e in effective_events(outs)[0] if e.kind == TRANSFER and e.payload.get("from_room") == room]
        fold = sorted(live + gone, key=Event.order_key)
    for e in fold:
        _apply(state, e)
    _refresh_ends(state)
    return state


def _refresh_ends(state: RoomState) -> None:
    for p in state.participants.values():
        p.end = state.personal_end(p) if p.present else None


def apply_new(state: RoomState, e: Event, at: datetime | None = None) -> bool:
    """Fold one new event into a state in place, if it can be (it sorts last and voids nothing).

    ``at`` is ``e.at`` as the UTC instant it was written from, when the caller holds it (the record path:
    no parsing back of the text it has just made). Returns False when the caller must rebuild the state
    from all events instead.
    """
    if e.kind == "void":
        return False
    evs = state.events
    if evs:  # Event.order_key of both, compared without making the two tuples through a call each
        last = evs[-1]
        if (e.at, e.station, e.seq) < (last.at, last.station, last.seq):
            return False
    if state.voided and any(v.payload.get("target") == e.id for v in state.voided.values()):
        return False
    evs.append(e)
    _apply(state, e, at)
    p = state.participants.get(e.participant or "") if e.kind not in _ROOM_TIMES else None
    if p is not None:  # only this participant's end can have moved
        p.end = state.personal_end(p) if p.present else None
    else:
        _refresh_ends(state)
    return True


_ROOM_TIMES = frozenset({"exam-start", "evacuation-start", "evacuation-end", "exam-stopped"})


def _apply(s: RoomState, e: Event, at: datetime | None = None) -> None:
    """Fold one event into the state: the room's own steps, else the participant's (one table look-up each,
    not a chain of comparisons: every mark is folded on the record path). ``at``: see ``apply_new``."""
    if at is None:
        at = parse_utc(e.at)
    if e.room != s.room:  # only another room's transfer-in naming this one is folded here (HQ)
        p = s.participants.get(e.participant or "")
        if e.kind == TRANSFER and p is not None:
            _apply_transfer(s, p, e, at)
        return
    s.last_at = at
    k = e.kind
    if k in _INCIDENTS:
        s.incidents.append(e)
    step = _ROOM_STEPS.get(k)
    if step is not None:
        step(s, e, at)
        return
    code = e.participant
    if not code:
        return
    p = s.participants.get(code)
    if p is None:
        p = s.participants[code] = ParticipantState(code, "", on_list=False)
    pstep = _PARTICIPANT_STEPS.get(k)
    if pstep is not None:
        pstep(s, p, e, at)


_INCIDENTS = frozenset(name for name, kind in KINDS.items() if kind.incident)


def _room_opened(s: RoomState, e: Event, at: datetime) -> None:
    s.opened_at = s.opened_at or at
    s.organizers = list(e.payload.get("organizers", s.organizers))
    s.clock_offset_s = int(e.payload.get("clock_offset_s", s.clock_offset_s))


def _instruction_given(s: RoomState, e: Event, at: datetime) -> None:
    s.instruction_at = s.instruction_at or at


def _exam_start(s: RoomState, e: Event, at: datetime) -> None:
    if s.start is None:
        s.start = at
        end = e.payload.get("end")
        s.end = parse_utc(end) if end else at + timedelta(minutes=s.minutes)


def _audio_start(s: RoomState, e: Event, at: datetime) -> None:
    s.audio_start, s.audio_end = at, None


def _audio_end(s: RoomState, e: Event, at: datetime) -> None:
    s.audio_end = at


def _exam_stopped(s: RoomState, e: Event, at: datetime) -> None:
    s.stopped_at, s.stop_reason = at, str(e.payload.get("reason", ""))


def _evacuation_start(s: RoomState, e: Event, at: datetime) -> None:
    s.evacuations.append((at, None))


def _evacuation_end(s: RoomState, e: Event, at: datetime) -> None:
    if s.evacuations and s.evacuations[-1][1] is None:
        s.evacuations[-1] = (s.evacuations[-1][0], at)


def _materials_collected(s: RoomState, e: Event, at: datetime) -> None:
    s.materials.update({key: int(v) for key, v in e.payload.items()})


def _room_closed(s: RoomState, e: Event, at: datetime) -> None:
    s.closed_at = at


def _note(s: RoomState, e: Event, at: datetime) -> None:
    s.notes.append(e)


_ROOM_STEPS: dict[str, Callable[[RoomState, Event, datetime], None]] = {
    "room-opened": _room_opened, "instruction-given": _instruction_given, "exam-start": _exam_start,
    "audio-start": _audio_start, "audio-end": _audio_end, "exam-stopped": _exam_stopped,
    "evacuation-start": _evacuation_start, "evacuation-end": _evacuation_end,
    "materials-collected": _materials_collected, "room-closed": _room_closed, "note": _note,
}
"""The kinds that concern the room: folded by these steps, never touching a participant."""


def _admitted(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:  # admitted, late
    if p.status in ("expected", "absent"):
        p.status = "present"
        p.admitted_at = at
    p.identity = str(e.payload.get("identity", p.identity or "document"))
    p.late = p.late or e.kind == "late" or (s.start is not None and at > s.start)


def _seated(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    p.seat = normalize_seat(str(e.payload.get("seat", "")))
    if p.status in ("expected", "absent"):
        p.status, p.admitted_at = "present", at
        p.late = p.late or (s.start is not None and at > s.start)


def _absent(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    if p.status == "expected":
        p.status = "absent"


def _exit(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    if p.status == "present":
        p.status = "out_of_room"
        p.exits.append(ExitRecord(at, e.id))


def _return(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    if p.status == "out_of_room":
        p.status = "present"
        _close_exit(p, at, "return", e.id)


def _extra_sheet(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    sheet = str(e.payload.get("sheet", ""))
    p.extra_sheets.append((sheet, at, e.id))
    s.sheet_holders.setdefault(sheet, []).append(p.code)


def _correction(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    p.corrections.append(e)


def _desk_check(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    p.desk_checks.append(e)


def _appeal(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    p.appeals.append(e)


def _identity_confirmed(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    p.identity = "no-document"


def _removal(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    if p.status in ("present", "out_of_room"):
        _close_exit(p, at, "removal")
        p.status, p.removed_at, p.reason = "removed", at, str(e.payload.get("reason", ""))


def _early_completion(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    if p.status in ("present", "out_of_room"):
        _close_exit(p, at, "early-completion")
        p.status, p.early_at, p.reason = "finished_early", at, str(e.payload.get("reason", ""))


def _finished(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    if p.status in ("present", "out_of_room"):
        _close_exit(p, at, "finished")
        p.status, p.finished_at = "finished", at


def _apply_transfer(s: RoomState, p: ParticipantState, e: Event, at: datetime) -> None:
    """A transfer-in: admits the participant here, or (in the room they came from) takes them out of it."""
    if e.room != s.room:  # the source room, folded at HQ from the receiving room's log
        if p.status in ("expected", "absent", "present", "out_of_room"):
            _close_exit(p, at, "transfer")
            p.status, p.transferred_to, p.transfer = "transferred_out", str(e.room or ""), e
        return
    p.transferred_from, p.transfer = str(e.payload.get("from_room", "")), e
    seat = normalize_seat(str(e.payload.get("seat", "")))
    if seat:
        p.assigned_seat = p.assigned_seat or seat
        p.seat = seat
    listed = s.plan_people.get(p.code)
    p.ovz = p.ovz or bool(listed.ovz if listed is not None else e.payload.get("ovz", False))
    if p.status in ("expected", "absent"):
        p.status, p.admitted_at = "present", at
        p.identity = "document"
        p.late = p.late or (s.start is not None and at > s.start)


_PARTICIPANT_STEPS: dict[str, Callable[[RoomState, ParticipantState, Event, datetime], None]] = {
    "admitted": _admitted, "late": _admitted, "seated": _seated, "absent": _absent, "exit": _exit,
    "return": _return, "extra-sheet": _extra_sheet, "correction": _correction, "desk-check": _desk_check,
    "appeal": _appeal, "identity-confirmed": _identity_confirmed, "removal": _removal,
    "early-completion": _early_completion, "finished": _finished, TRANSFER: _apply_transfer,
}
"""The kinds that concern one participant (made on the fly when not on the list); other kinds change nothing."""


def participant_timeline(events: Iterable[Event], code: str) -> list[tuple[Event, Event | None]]:
    """Every event about one participant, voided ones included, with the void that struck each."""
    evs = list(events)
    _, voided = effective_events(evs)
    mine = [e for e in evs if e.participant == code]
    targets = {e.id for e in mine}
    voids = [e for e in evs if e.kind == "void" and e.payload.get("target") in targets]
    return [(e, voided.get(e.id)) for e in sorted(mine + voids, key=Event.order_key)]
