"""Room-station use cases the screen needs beyond ``Station.record``: opening the room,
finding a participant, countersigning, voiding the last mark, and a scripted exam morning.

Everything still goes through ``Station.record`` so each mark is durable before it returns;
this module only gathers the small decisions (which organizers, what offset, which event is
"last") so the UI holds none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.model import DayPlan, Participant, StaffMember, normalize_seat
from app.domain.projection import RoomState
from app.domain.reference import DeskItem, Reference
from app.errors import UserError
from app.i18n import _, format_time, ngettext
from app.services.station import Recorded, Station

ORGANIZER_ROLES = ("organizer-room",)


def room_organizers(plan: DayPlan, room: str) -> list[StaffMember]:
    """Room organizers of the day: those assigned to ``room`` first (lead first), then the rest."""
    staff = [s for s in plan.staff.values() if s.role in ORGANIZER_ROLES]
    return sorted(staff, key=lambda s: (s.room != room, not s.lead, s.last_name, s.code))


def staff_by_role(plan: DayPlan, role: str) -> list[StaffMember]:
    return sorted((s for s in plan.staff.values() if s.role == role), key=lambda s: s.code)


def _fold(text: str) -> str:
    """Case- and ё-insensitive form: organizers type «Соловьев» for «Соловьёв»."""
    return text.strip().casefold().replace("ё", "е")


def search(plan: DayPlan, room: str, text: str) -> list[Participant]:
    """Participants of the room whose surname starts with ``text`` (case- and ё-insensitive), whose code
    starts with it, or whose seat equals it. Exact code/seat matches come first."""
    return _search(plan.room_participants(room), text)


def _search(people: list[Participant], text: str) -> list[Participant]:
    """``search`` over the room's list read once (a keystroke in the room window reads it once, not
    twice, and normalizes the typed seat once, not once per participant)."""
    q = _fold(text)
    if not q:
        return people
    code, seat = text.strip(), normalize_seat(text)
    exact = [p for p in people if p.code == code or normalize_seat(p.seat) == seat]
    rest = [p for p in people if p not in exact and (
        _fold(p.last_name).startswith(q) or p.code.startswith(q) or _fold(p.full_name).startswith(q))]
    return exact + rest


@dataclass(frozen=True)
class SearchAnswer:
    """What Enter in the search means: one participant to mark (``code``), or a choice to ask for."""

    code: str
    matches: tuple[Participant, ...]

    @property
    def unique(self) -> bool:
        return bool(self.code)


def resolve_search(plan: DayPlan, room: str, text: str) -> SearchAnswer:
    """The one participant ``text`` names, or none (then the window asks which one was meant).

    A participant is named by an exact code, an exact seat, a surname (or full name) that only one
    person has, or a prefix only one person's surname or code starts with. A prefix shared by several
    people names nobody: admitting "the first «С»" recorded the wrong person (issue 12).
    """
    q = _fold(text)
    if not q:
        return SearchAnswer("", ())
    people = plan.room_participants(room)
    matches = tuple(_search(people, text))
    code, seat = text.strip(), normalize_seat(text)
    for exact in ([p for p in people if p.code == code],
                  [p for p in people if normalize_seat(p.seat) == seat],
                  [p for p in people if _fold(p.full_name) == q],
                  [p for p in people if _fold(p.last_name) == q]):
        if len(exact) == 1:
            return SearchAnswer(exact[0].code, matches)
        if len(exact) > 1:
            return SearchAnswer("", tuple(exact))
    if len(matches) == 1:
        return SearchAnswer(matches[0].code, matches)
    return SearchAnswer("", matches)


def clock_offset_for(station: Station, room_clock: datetime, laptop_now: datetime | None = None) -> float:
    """Seconds to add to the laptop clock so it reads ``room_clock`` now."""
    base = laptop_now or datetime.now(UTC)
    return round((room_clock - base).total_seconds(), 3)


def local_on_day(station: Station, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(station.day.date, datetime.min.time().replace(hour=hh, minute=mm, second=ss),
                            tzinfo=ZoneInfo(station.point.tz))


def set_room_clock(station: Station, room_clock: datetime) -> float:
    """Make the station clock read ``room_clock`` now; remembered in the database."""
    offset = clock_offset_for(station, room_clock)
    station.set_clock_offset(offset)
    return offset


def adjust_clock(station: Station, room: str, room_clock: datetime, author: str = "") -> Recorded:
    """Set the station clock to the room clock mid-day; the change is noted in the log (no silent edits)."""
    before = station.now()
    offset = set_room_clock(station, room_clock)
    shift = round((station.now() - before).total_seconds())
    return station.record("note", room, payload={"text": clock_note(shift, round(offset)), "clock_shift_s": shift,
                                                 "clock_offset_s": round(offset)}, author=author)


def clock_note(shift_s: int, offset_s: int) -> str:
    """The room-clock note in the current language (the window re-reads it from the numbers)."""
    return _("Room clock set: the station clock moved by {shift}; it runs {offset} from the laptop clock.").format(
        shift=_signed_duration(shift_s), offset=_signed_duration(offset_s))


def _signed_duration(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "−"
    s = abs(int(seconds))
    h, m, sec = s // 3600, (s % 3600) // 60, s % 60
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"


def open_room(station: Station, room: str, organizers: list[str], author: str = "") -> Recorded:
    """Record the start of the day in the room: organizers on duty and the clock offset in use."""
    known = station.plan.staff
    unknown = [c for c in organizers if c not in known]
    if unknown:
        raise UserError(f"unknown organizer code(s): {', '.join(unknown)}")
    offset = 0
    clock = station.clock
    if hasattr(clock, "offset"):
        offset = int(clock.offset.total_seconds())
    return station.record("room-opened", room, payload={"organizers": list(organizers), "clock_offset_s": offset},
                          author=author or (organizers[0] if organizers else ""))


def countersign(station: Station, room: str, target_id: str, organizer: str) -> Recorded:
    """A second organizer confirms a mark (for incidents)."""
    if organizer not in station.plan.staff:
        raise UserError(f"unknown organizer code {organizer!r}")
    return station.record("countersign", room, payload={"target": target_id, "organizer": organizer},
                          author=organizer)


def undo_last(station: Station, room: str, reason: str, author: str = "") -> Recorded:
    """Void this station's newest effective mark in the room (Ctrl+Z), with a reason."""
    last = station.last_mark(room)
    if last is None:
        raise UserError("nothing to undo in this room")
    return station.void(room, last.id, reason, author=author)


def desk_items(ref: Reference, subject_code: str, ovz: bool) -> tuple[list[tuple[str, str, str]], list[DeskItem]]:
    """The permitted checklist for one participant — (key, title_ru, title_en) of the subject's aids and
    the general list (ОВЗ-only items only for ОВЗ participants) — and the forbidden list."""
    permitted = [(a.key, a.title, a.title_en) for a in ref.subject_aids(subject_code)]
    permitted += [(d.key, d.title, d.title_en) for d in ref.desk_general if ovz or not d.ovz_only]
    return permitted, list(ref.forbidden)


def remaining(station: Station, room: str, now: datetime | None = None) -> timedelta | None:
    """Time left to the general end in the room (None before the start)."""
    state = station.room_state(room)
    if state.end is None:
        return None
    return state.end - (now or station.now())


@dataclass(frozen=True)
class ScriptStep:
    at: str  # local HH:MM
    kind: str
    index: int | None = None  # participant by position in the room list
    payload: tuple[tuple[str, object], ...] = ()


# A plausible exam morning in one room of 15: used by the demo screenshots and the benchmark.
MORNING: tuple[ScriptStep, ...] = (
    *(ScriptStep(f"09:{5 + i:02d}", "admitted", i) for i in range(12)),
    ScriptStep("09:20", "admitted", 12, (("identity", "no-document"), ("confirmed_by", "Завуч Петрова"),
                                         ("graduate", "current"))),
    ScriptStep("09:25", "seated", 3, (("seat", "2Б"),)),
    ScriptStep("09:50", "instruction-given"),
    ScriptStep("10:00", "exam-start"),
    ScriptStep("10:07", "late", 13),
    ScriptStep("10:40", "exit", 2),
    ScriptStep("10:46", "return", 2),
    ScriptStep("11:30", "extra-sheet", 5, (("sheet", "4012345678901"),)),
    ScriptStep("12:10", "exit", 7),
)


def play(station: Station, room: str, steps: tuple[ScriptStep, ...] = MORNING, until: str = "23:59") -> int:
    """Record the scripted steps up to local time ``until``; returns how many were recorded."""
    people = station.plan.room_participants(room)
    organizers = [s.code for s in room_organizers(station.plan, room)[:2]]
    n = 0
    if station.room_state(room).opened_at is None:
        station.record("room-opened", room, at="08:40", payload={"organizers": organizers, "clock_offset_s": 0},
                       author=organizers[0] if organizers else "")
        n += 1
    for s in steps:
        if s.at > until:
            break
        code = people[s.index].code if s.index is not None and s.index < len(people) else None
        station.record(s.kind, room, code, at=s.at, payload=dict(s.payload),
                       author=organizers[0] if organizers else "")
        n += 1
    return n


LONG_EXIT_MINUTES = 10  # an exit longer than this is highlighted on the room screen


@dataclass(frozen=True)
class OpenExit:
    code: str
    since: datetime
    minutes: float
    long: bool


def open_exits(station: Station, room: str, now: datetime | None = None, state: RoomState | None = None) \
        -> list[OpenExit]:
    """Who is out of the room right now and for how long (longest first)."""
    state = state or station.room_state(room)
    t = now or station.now()
    out = []
    for p in state.listed():
        x = p.open_exit
        if x is not None:
            m = x.minutes(t)
            out.append(OpenExit(p.code, x.out_at, m, m >= LONG_EXIT_MINUTES))
    return sorted(out, key=lambda e: -e.minutes)


# --- the end of the exam -------------------------------------------------------------------------

@dataclass(frozen=True)
class OpenItem:
    """Something still open when the room is about to close (or everyone to be marked handed in).

    ``code`` is what goes into the event's ``confirmed_open`` when the organizer closes anyway;
    ``participants`` are codes (names are looked up by whoever shows the item). The message is
    made in the current language when the guard runs (the guard runs each time it is shown).
    """

    code: str
    message: str
    participants: tuple[str, ...] = ()

    def text(self) -> str:
        return self.message


def _item(code: str, message: str, participants: list[str] | tuple[str, ...] = ()) -> OpenItem:
    return OpenItem(code, message, tuple(participants))


def end_of_exam_guard(station: Station, room: str, now: datetime | None = None,
                      state: RoomState | None = None, unticked: int = 0) -> list[OpenItem]:
    """What is still open at the end of the exam in ``room``: closing needs a confirmation that names these.

    Who is still writing (and until when: ОВЗ ends are per participant), whose end is not reached,
    who was neither admitted nor marked absent, and materials counts that disagree with the record.
    An empty list means the room may be closed without asking.
    """
    state = state or station.room_state(room)
    t = now or station.now()
    tz = station.point.tz
    out: list[OpenItem] = []
    ps = sorted(state.listed(), key=lambda p: (p.assigned_seat, p.code))
    if state.start is None and state.stopped_at is None:
        out.append(_item("not-started", _("The exam has not started in this room.")))
    elif state.end is not None and t < state.end and state.stopped_at is None:
        out.append(_item("end-not-reached", _("The exam time is not over: the end is at {end}.").format(
            end=format_time(state.end, tz))))
    writing = [p for p in ps if p.status in ("present", "out_of_room")]
    if writing:
        out.append(_item("still-writing", ngettext("{n} participant has not handed in.",
                                                   "{n} participants have not handed in.", len(writing)).format(
            n=len(writing)), [p.code for p in writing]))
    ovz = [p for p in writing if p.ovz and p.end is not None and t < p.end and p.end != state.end]
    if ovz:
        ends = sorted({p.end for p in ovz if p.end is not None})
        out.append(_item("ovz-end-not-reached", ngettext(
            "{n} participant with special conditions (ОВЗ) writes until {end}.",
            "{n} participants with special conditions (ОВЗ) write until {end}.", len(ovz)).format(
            n=len(ovz), end=", ".join(format_time(e, tz) for e in ends)), [p.code for p in ovz]))
    out_now = [p for p in ps if p.status == "out_of_room"]
    if out_now:
        out.append(_item("out-of-room", ngettext("{n} participant is out of the room.",
                                                 "{n} participants are out of the room.", len(out_now)).format(
            n=len(out_now)), [p.code for p in out_now]))
    unmarked = [p for p in ps if p.status == "expected"]
    if unmarked:
        out.append(_item("unmarked", ngettext("{n} participant is neither admitted nor marked absent.",
                                              "{n} participants are neither admitted nor marked absent.",
                                              len(unmarked)).format(n=len(unmarked)), [p.code for p in unmarked]))
    if not state.materials:
        out.append(_item("materials-not-recorded", _("The materials collected are not recorded.")))
    out.extend(materials_disagreements(state))
    if unticked:
        out.append(_item("checklist", ngettext("Collection checklist: {n} item not ticked.",
                                               "Collection checklist: {n} items not ticked.", unticked).format(
            n=unticked)))
    return out


def materials_disagreements(state: RoomState) -> list[OpenItem]:
    """Materials counts recorded at collection that disagree with the marks (and with each other)."""
    m = state.materials
    if not m:
        return []
    c = state.counts()
    handed = c["finished"] + c["removed"] + c["finished_early"]
    out: list[OpenItem] = []
    if "blanks" in m and m["blanks"] != handed:
        out.append(_item("materials-blanks", _("Registration blanks collected: {got}; participants who handed "
                                               "in: {want}.").format(got=m["blanks"], want=handed)))
    if "extra_sheets" in m and m["extra_sheets"] != c["extra_sheets"]:
        out.append(_item("materials-extra-sheets", _("Extra answer sheets collected: {got}; issued: {want}.").format(
            got=m["extra_sheets"], want=c["extra_sheets"])))
    if "kim" in m and "blanks" in m and m["kim"] != m["blanks"]:
        out.append(_item("materials-kim", _("KIM collected: {got}; registration blanks: {want} (one KIM per "
                                            "participant's set).").format(got=m["kim"], want=m["blanks"])))
    return out


class OpenItemsError(UserError):
    """Closing was asked for without confirming the open items: the caller shows them and asks."""

    def __init__(self, items: list[OpenItem]):
        super().__init__("; ".join(i.text() for i in items))
        self.items = items


def close_room(station: Station, room: str, confirmed: list[str] | tuple[str, ...] = (), author: str = "",
               now: datetime | None = None, unticked: int = 0) -> Recorded:
    """Record «Аудитория закрыта». With open items, only if every one was confirmed (by code); the
    confirmation goes into the event (``confirmed_open``), so the record shows what was still open."""
    items = end_of_exam_guard(station, room, now, unticked=unticked)
    unconfirmed = [i for i in items if i.code not in confirmed]
    if unconfirmed:
        raise OpenItemsError(unconfirmed)
    payload = {"confirmed_open": [i.code for i in items]} if items else {}
    return station.record("room-closed", room, payload=payload, author=author)


@dataclass(frozen=True)
class HandIn:
    """Who "everyone in the room handed in" would mark: those whose time is over, and those still
    within their time (ОВЗ, or the general end not reached) who are marked only if confirmed."""

    due: tuple[str, ...]
    before_end: tuple[str, ...]


def hand_in_candidates(station: Station, room: str, now: datetime | None = None) -> HandIn:
    state = station.room_state(room)
    t = now or station.now()
    writing = sorted((p for p in state.listed() if p.status in ("present", "out_of_room")),
                     key=lambda p: (p.assigned_seat, p.code))
    due = tuple(p.code for p in writing if p.end is not None and t >= p.end)
    early = tuple(p.code for p in writing if p.code not in due)
    return HandIn(due, early)


def hand_in_all(station: Station, room: str, confirm_before_end: bool = False, author: str = "",
                now: datetime | None = None) -> list[Recorded]:
    """Mark handed in everyone still in the room whose time is over; those still within their time only
    when ``confirm_before_end`` (each such mark carries ``confirmed_open: [before-end]``)."""
    c = hand_in_candidates(station, room, now)
    out = [station.record("finished", room, code, author=author) for code in c.due]
    if confirm_before_end:
        out += [station.record("finished", room, code, payload={"confirmed_open": ["before-end"]}, author=author)
                for code in c.before_end]
    return out


def open_like(station: Station) -> Station:
    """Another ``Station`` on the same database, exam date and clock, for a worker thread: a background
    job (printing, the stick export) must not read the GUI station's cached room state while a mark
    made meanwhile changes it in place. The caller closes it."""
    from app.clock import SystemClock

    clock = None if isinstance(station.clock, SystemClock) else station.clock  # the offset is read from the db
    other = Station.open(station.path, clock=clock)
    other.use_day(station.day.key)
    return other


def room_events(station: Station, room: str) -> list:
    """Every event of the room on the station's date, voided ones included, in the order recorded
    (station, then sequence): the room log. The window reads this, not ``station.log``."""
    return sorted(station.log.for_room(station.day.key, station.room(room).number), key=lambda e: (e.station, e.seq))


def has_marks(station: Station, room: str) -> bool:
    """Whether anything was recorded in the room on the station's date (a fresh demo starts its clock)."""
    return bool(station.log.for_room(station.day.key, station.room(room).number))


def events_held(station: Station) -> int:
    """How many events this station holds (its own and those imported): the sync tab's count."""
    return station.log.count()


# --- small decisions the window used to make itself ----------------------------------------------

class AlreadyMarked(UserError):
    """An admission asked for someone already admitted (or handed in, removed…): nothing recorded."""

    def __init__(self, code: str, status: str):
        super().__init__(f"participant {code} is already marked: {status}")
        self.code, self.status = code, status


def admission_kind(state: RoomState) -> str:
    """«Допущен» before the exam starts, «Опоздание» after it (the rules then advise on the end time)."""
    return "late" if state.start is not None else "admitted"


def admit(station: Station, room: str, code: str, payload: dict | None = None, author: str = "") -> Recorded:
    """Admit a participant (document checked unless ``payload`` says otherwise): late after the start;
    refused with AlreadyMarked for anyone not expected or absent."""
    state = station.room_state(room)
    p = state.participants.get(code)
    if p is not None and p.status not in ("expected", "absent"):
        raise AlreadyMarked(code, p.status)
    return station.record(admission_kind(state), room, code, payload=payload or {"identity": "document"},
                          author=author)


def quick_payload(kind: str) -> dict:
    """The payload of a one-key mark: a late arrival by key is one whose document was checked."""
    return {"identity": "document"} if kind == "late" else {}


def forbidden_found(payloads: list[dict]) -> str | None:
    """The forbidden item a desk check recorded, if any: it calls for the removal dialog."""
    return next((str(d.get("item", "")) for d in payloads if d.get("verdict") == "forbidden"), None)


def countersigners(station: Station, room: str, author: str) -> list[tuple[str, str]]:
    """Who may countersign an incident: the other organizers on duty, else the room's other organizers."""
    staff = station.plan.staff
    state = station.room_state(room)
    codes = [c for c in state.organizers if c != author] or \
        [s.code for s in room_organizers(station.plan, room) if s.code != author]
    return [(c, staff[c].short_name) for c in codes if c in staff]


def roll_call(state: RoomState) -> list[str]:
    """Codes of those in the room now (in or briefly out), by seat: the evacuation's roll call."""
    return [p.code for p in sorted(state.listed(), key=lambda p: p.assigned_seat)
            if p.status in ("present", "out_of_room")]


def default_blanks(state: RoomState) -> int:
    """Registration blanks to expect at collection: one per participant admitted (handed in, removed,
    finished early, or still in the room) unless a count was already recorded."""
    c = state.counts()
    return state.materials.get("blanks", c["finished"] + c["removed"] + c["finished_early"] + c["in_room"]
                               + c["out_of_room"])


def room_roll(station: Station, room: str) -> list[Participant]:
    """The room's list and, after it, those admitted here on transfer from another room: their details
    from the transfer mark (a room laptop's list has no row for them), HQ's list row where it has one."""
    plan = station.plan
    people = plan.room_participants(room)
    have = {p.code for p in people}
    for ps in station.room_state(room).transfers_in():
        if ps.code in have or ps.transfer is None:
            continue
        d = ps.transfer.payload
        listed = plan.participants.get(ps.code)
        people.append(replace(listed, room=room, seat=ps.assigned_seat) if listed is not None else Participant(
            code=ps.code, last_name=str(d.get("last_name", "")), first_name=str(d.get("first_name", "")),
            middle_name=str(d.get("middle_name", "")), document_series=str(d.get("document_series", "")),
            document_number=str(d.get("document_number", "")), school_code="", room=room,
            seat=ps.assigned_seat, day=plan.day.key, ovz=ps.ovz))
        have.add(ps.code)
    return people


def transfer_source(station: Station, code: str) -> str:
    """The room whose list holds ``code`` on this date ('' if this station does not know)."""
    from app.domain.transfer import planned_room

    return planned_room(station.plan, station.roster(), code.strip()) or ""


def transfer_in(station: Station, room: str, code: str, payload: dict, author: str = "") -> Recorded:
    """Admit someone the PPE head sent from another room (the transfer mark; rules in app/domain/transfer.py)."""
    return station.record("transfer-in", room, code.strip(), payload=payload, author=author)
