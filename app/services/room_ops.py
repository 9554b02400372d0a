"""Room-station use cases the screen needs beyond ``Station.record``: opening the room,
finding a participant, countersigning, voiding the last mark, and a scripted exam morning.

Everything still goes through ``Station.record`` so each mark is durable before it returns;
this module only gathers the small decisions (which organizers, what offset, which event is
"last") so the UI holds none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.model import DayPlan, Participant, StaffMember, normalize_seat
from app.domain.projection import RoomState
from app.domain.reference import DeskItem, Reference
from app.errors import UserError
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
    q = _fold(text)
    people = plan.room_participants(room)
    if not q:
        return people
    exact = [p for p in people if p.code == text.strip() or normalize_seat(p.seat) == normalize_seat(text)]
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
    matches = tuple(search(plan, room, text))
    for exact in ([p for p in people if p.code == text.strip()],
                  [p for p in people if normalize_seat(p.seat) == normalize_seat(text)],
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
    return station.record("note", room, payload={"text": f"room clock set: shift {shift:+d} s, offset {offset:+.0f} s"},
                          author=author)


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
