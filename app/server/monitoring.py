"""Monitoring figures for the authority, computed by the stations' own projection.

Each room is folded with ``app.domain.projection.project_room`` over the events the server
holds and the plan of that day, so every figure equals what the exam point's stations show.
Figures are kept per room and per school and summed upward (exam point, day/subject); every
figure can list the events it was counted from (``metric_events``).
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from app.domain.event import Event
from app.domain.kinds import KINDS
from app.domain.projection import ParticipantState, RoomState, project_room
from app.domain.reference import load_reference
from app.i18n import N_
from app.server import schema as t
from app.server.db import read_connection
from app.server.plans import load_plan
from app.server.validate import event_problem

METRICS: tuple[tuple[str, str], ...] = (
    ("assigned", N_("Assigned")),
    ("present", N_("Present")),
    ("absent", N_("Absent")),
    ("unmarked", N_("Unmarked")),
    ("in_room", N_("Still in the room")),
    ("late", N_("Late")),
    ("removed", N_("Removed")),
    ("finished_early", N_("Early completions")),
    ("exits", N_("Exits")),
    ("exit_minutes", N_("Minutes out")),
    ("extra_sheets", N_("Extra sheets")),
    ("corrections", N_("Corrections")),
    ("appeals", N_("Appeals")),
    ("incidents", N_("Incidents")),
)
METRIC_KEYS = tuple(k for k, _ in METRICS)
# A personal-data correction is counted apart ("corrections"), not among the incidents of the exam.
INCIDENT_KINDS = tuple(k for k, v in KINDS.items() if v.incident and k != "correction")

# Which events each figure is counted from (effective events only; voided ones are listed apart).
_MARKS = ("admitted", "late", "absent")
METRIC_KINDS: dict[str, tuple[str, ...]] = {
    "assigned": _MARKS, "unmarked": (), "in_room": ("admitted", "late"), "present": ("admitted", "late"), "absent": ("absent",), "late": ("late",),
    "removed": ("removal",), "finished_early": ("early-completion",), "exits": ("exit", "return"),
    "exit_minutes": ("exit", "return"), "extra_sheets": ("extra-sheet",), "corrections": ("correction",),
    "appeals": ("appeal",), "incidents": INCIDENT_KINDS,
}


def _counted(metric: str, p: ParticipantState) -> bool:
    """Whether a participant contributes to a status figure (event figures: every listed participant)."""
    return {
        "present": p.present, "absent": p.status == "absent", "late": p.late and p.present,
        "removed": p.status == "removed", "finished_early": p.status == "finished_early",
        "in_room": p.in_room, "unmarked": _unmarked(p),
    }.get(metric, True)


def _unmarked(p: ParticipantState) -> bool:
    """Neither present nor absent: assigned − present − absent, what the HQ still has to explain."""
    return not p.present and p.status != "absent"


def participant_metrics(p: ParticipantState) -> dict[str, float]:
    return {
        "assigned": 1, "present": int(p.present), "absent": int(p.status == "absent"),
        "unmarked": int(_unmarked(p)), "in_room": int(p.in_room),
        "late": int(p.late and p.present), "removed": int(p.status == "removed"),
        "finished_early": int(p.status == "finished_early"), "exits": len(p.exits),
        "exit_minutes": round(sum(x.minutes() for x in p.exits), 1), "extra_sheets": len(p.extra_sheets),
        "corrections": len(p.corrections), "appeals": len(p.appeals), "incidents": 0,
    }


def zero() -> dict[str, float]:
    return dict.fromkeys(METRIC_KEYS, 0)


def add(into: dict[str, float], more: dict[str, float]) -> None:
    """Sum ``more`` into ``into``, minutes rounded to 0.1 at every step (counts are ints: ``round(n, 1)`` of
    an int is that int, so it is skipped; a season's report adds ~300 exam-point days at three levels)."""
    for k, v in more.items():
        s = into.get(k, 0) + v
        into[k] = s if type(s) is int else round(s, 1)


@dataclass
class RoomFigures:
    room: str
    metrics: dict[str, float]
    incidents: Counter
    problems: list[str]
    state: RoomState

    @property
    def phase(self) -> str:
        return self.state.phase


@dataclass
class PpeDay:
    """Figures of one exam point on one exam day."""

    ppe: str
    ppe_name: str
    day: str
    subject: str
    subject_title: str
    rooms: dict[str, RoomFigures] = field(default_factory=dict)
    schools: dict[str, dict[str, float]] = field(default_factory=dict)
    school_incidents: dict[str, Counter] = field(default_factory=dict)
    school_of: dict[str, str] = field(default_factory=dict)
    events_total: int = 0
    unreadable: int = 0  # stored events no projection could fold (skipped; shown to an admin)
    tz: str = "UTC"  # the exam point's zone: times on the pages are its local times
    papers: dict[str, int] = field(default_factory=dict)  # printed / returned / out (app.forms.papers)
    # what the stored figures are made of (app.server.figures): each room's share of each school
    room_schools: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    room_school_incidents: dict[str, dict[str, Counter]] = field(default_factory=dict)
    room_events: dict[str, list[Event]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # rooms whose events no projection could fold
    legacy: bool = False  # no plan rows: its rooms are those its legacy-keyed events name

    @property
    def metrics(self) -> dict[str, float]:
        out = zero()
        for r in self.rooms.values():
            add(out, r.metrics)
        return out

    @property
    def incidents(self) -> Counter:
        c: Counter = Counter()
        for r in self.rooms.values():
            c.update(r.incidents)
        return c


def _event(row, rooms: set[str] | None = None) -> Event | None:
    """The stored row as an Event, or ``None`` when a projection could not fold it.

    Ingest refuses such events; one may still be in the database (stored by an older server, or
    written there by hand). It is skipped and counted as unreadable, never allowed to fail a page."""
    try:
        payload = json.loads(row.payload)
    except (ValueError, TypeError, RecursionError):
        return None
    d = {"kind": row.kind, "at": row.at, "recorded_at": row.recorded_at, "tz": row.tz, "day": row.day,
         "room": row.room, "participant": row.participant, "author": row.author, "payload": payload}
    if event_problem(d, rooms or None) is not None:
        return None
    return Event(id=row.id, station=row.station, seq=row.seq, at=row.at, recorded_at=row.recorded_at, tz=row.tz,
                 author=row.author, kind=row.kind, day=row.day, room=row.room, participant=row.participant,
                 payload=payload, prev_hash=row.prev_hash, hash=row.hash)


_cache: OrderedDict[tuple[str, str], tuple[tuple, PpeDay]] = OrderedDict()
_cache_lock = threading.Lock()


def day_filter(ppe: str, date: str):
    """The events of an exam point's date: new ones carry 'YYYY-MM-DD', older ones 'YYYY-MM-DD/SS'
    ('/' sorts before '0'), and an event without a day belongs to every date."""
    return and_(t.events.c.ppe == ppe, or_(and_(t.events.c.day >= date, t.events.c.day < date + "0"),
                                           t.events.c.day.is_(None)))


def ppe_day(engine: Engine, ppe: str, day: str) -> PpeDay | None:
    """Project every room of an exam point's day from its events (cached until events or the plan change).

    The from-scratch computation: the pages read the stored figures (``app.server.figures``) instead;
    this one serves the drill-down lists of events, the ОВЗ report and ``rebuild-figures``."""
    ev_filter = day_filter(ppe, day[:10])
    with read_connection(engine) as conn:
        n = conn.execute(select(func.count()).select_from(t.events).where(ev_filter)).scalar() or 0
        stamp = conn.execute(select(t.days.c.updated_at).where(and_(t.days.c.ppe == ppe, t.days.c.key == day))).scalar()
        key = (n, stamp)
        with _cache_lock:
            hit = _cache.get((ppe, day))
        if hit and hit[0] == key:
            return hit[1]
        out = compute_day(conn, ppe, day)
    if out is None:
        return None
    with _cache_lock:
        _cache[(ppe, day)] = (key, out)
        _cache.move_to_end((ppe, day))
        while len(_cache) > 64:
            _cache.popitem(last=False)
    return out


def room_figures(state: RoomState, school_of: dict[str, str]
                 ) -> tuple[RoomFigures, dict[str, dict[str, float]], dict[str, Counter]]:
    """One room's figures, and its share of each school's (participants by their school, incidents by
    the school of the participant they name). The one definition, for the stored and the scratch path."""
    c = state.counts()
    m = {k: c.get(k, 0) for k in METRIC_KEYS if k in c}
    m["exit_minutes"] = round(state.exit_minutes(), 1)
    m["unmarked"] = sum(1 for p in state.listed() if _unmarked(p))
    m["in_room"] = sum(1 for p in state.listed() if p.in_room)
    incidents = [e for e in state.incidents if e.kind in INCIDENT_KINDS]
    m["incidents"] = len(incidents)
    inc = Counter(e.kind for e in incidents)
    schools: dict[str, dict[str, float]] = {}
    school_inc: dict[str, Counter] = {}
    for p in state.listed():
        school = school_of.get(p.code, "") or "—"
        add(schools.setdefault(school, zero()), participant_metrics(p))
    for e in incidents:
        school = school_of.get(e.participant or "", "")
        if school:
            schools.setdefault(school, zero())["incidents"] += 1
            school_inc.setdefault(school, Counter())[e.kind] += 1
    return (RoomFigures(state.room, {**zero(), **m}, inc, state.problem_codes(), state),
            schools, school_inc)


def compute_day(conn, ppe: str, day: str) -> PpeDay | None:
    """Every room of an exam point's day projected from the events on ``conn`` (no cache)."""
    ev_filter = day_filter(ppe, day[:10])
    plan = load_plan(conn, ppe, day)
    if plan is None:
        return None
    # rooms are not checked here: another subject's rooms of the same date are simply not folded
    evs, unreadable = [], 0
    for r in conn.execute(select(t.events).where(ev_filter)):
        e = _event(r)
        if e is None:
            unreadable += 1
        else:
            evs.append(e)
    try:
        ref = load_reference(plan.day.date.year)
    except (KeyError, ValueError, OSError):
        return None
    try:
        subj = ref.subject(plan.day.subjects[0])
        title = subj.title
    except (KeyError, IndexError):
        return None
    # the rooms of this subject on this date: those of its plan, or (no plan rows yet) those its
    # legacy-keyed events name; other subjects' rooms of the same date are theirs
    rooms = sorted(set(plan.rooms) | {p.room for p in plan.participants.values()})
    legacy = not rooms
    if not rooms:
        rooms = sorted({e.room for e in evs if e.room and e.day == day})
    mine = set(rooms)
    by_room: dict[str, list[Event]] = {}
    for e in evs:
        if e.room in mine:
            by_room.setdefault(e.room, []).append(e)
    evs = [e for e in evs if e.room in mine or e.room is None]
    # a transfer-in names the room the participant left: that room folds it too (app/domain/transfer.py)
    moves = [e for e in evs if e.kind in ("transfer-in", "void") and e.room] \
        if any(e.kind == "transfer-in" for e in evs) else []
    out = PpeDay(ppe, plan.point.name, day, subj.code, title, events_total=len(evs), unreadable=unreadable,
                 tz=plan.point.tz)
    out.legacy = legacy
    out.room_events = by_room
    out.school_of = {p.code: p.school_code for p in plan.participants.values()}
    from app.forms.papers import paper_figures

    out.papers = paper_figures(evs)
    for room in rooms:
        try:
            state = project_room(plan, ref, room, by_room.get(room, []) + [e for e in moves if e.room != room])
        except Exception:  # noqa: BLE001 - one room the projection cannot fold must not hide the others
            out.unreadable += len(by_room.get(room, []))
            state = project_room(plan, ref, room, [])
            out.broken.add(room)
        rf, schools, school_inc = room_figures(state, out.school_of)
        out.rooms[room] = rf
        out.room_schools[room] = schools
        out.room_school_incidents[room] = school_inc
        for school, sm in schools.items():
            add(out.schools.setdefault(school, zero()), sm)
        for school, c in school_inc.items():
            out.school_incidents.setdefault(school, Counter()).update(c)
    return out


def _days(engine: Engine, day: str | None, ppe: str | None, date_from: str | None = None,
          date_to: str | None = None, subject: str | None = None, allowed: frozenset[str] | None = None
          ) -> list[tuple[str, str]]:
    """(exam point, 'YYYY-MM-DD/SS') pairs of the filters: a key or a date in ``day``, a date range, a subject;
    ``allowed``: only these exam points (a viewer's municipality)."""
    q = select(t.days.c.ppe, t.days.c.key).order_by(t.days.c.key, t.days.c.ppe)
    if allowed is not None:
        q = q.where(t.days.c.ppe.in_(sorted(allowed)))
    if day:
        q = q.where(t.days.c.key == day) if len(day) > 10 else q.where(t.days.c.date == day)
    if date_from:
        q = q.where(t.days.c.date >= date_from)
    if date_to:
        q = q.where(t.days.c.date <= date_to)
    if subject:
        q = q.where(t.days.c.subject_code == subject)
    if ppe:
        q = q.where(t.days.c.ppe == ppe)
    with read_connection(engine) as conn:
        return [(r[0], r[1]) for r in conn.execute(q)]


SILENT_AFTER_MIN = 30


def _silent(day: str, tz: str, last: str) -> bool:
    """On its exam date, an exam point that has not synced for ``SILENT_AFTER_MIN`` minutes is flagged."""
    return silent_now()(day, tz, last)


def silent_now():
    """``_silent`` at one instant, the local date of each zone worked out once (a season's report asks it
    for ~300 exam-point days of a handful of zones)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from app.domain.event import parse_utc

    now = datetime.now(UTC)
    today: dict[str, str] = {}

    def silent(day: str, tz: str, last: str) -> bool:
        local = today.get(tz)
        if local is None:
            local = today[tz] = now.astimezone(ZoneInfo(tz)).date().isoformat()
        if local != day[:10]:
            return False
        return not last or now - parse_utc(last) > timedelta(minutes=SILENT_AFTER_MIN)

    return silent


def last_syncs(engine: Engine) -> dict[str, str]:
    """When each exam point's HQ last delivered an accepted batch (UTC ISO)."""
    with read_connection(engine) as conn:
        return {r[0]: r[1] for r in conn.execute(select(t.ingests.c.ppe, func.max(t.ingests.c.at))
                                                 .where(t.ingests.c.outcome == "accepted").group_by(t.ingests.c.ppe))}


def report(engine: Engine, day: str | None = None, ppe: str | None = None, rooms: bool = True,
           date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
           school: str | None = None, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """Every figure at every level, read from the figures stored at ingest (``app.server.figures``):
    the same dict as ``scratch_report``, without folding a single event."""
    from app.server.figures import stored_report

    return stored_report(engine, day=day, ppe=ppe, rooms=rooms, date_from=date_from, date_to=date_to,
                         subject=subject, school=school, allowed=allowed)


def scratch_report(engine: Engine, day: str | None = None, ppe: str | None = None, rooms: bool = True,
                   date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                   school: str | None = None, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """Every figure at every level: day (date and subject), date, exam point, room, school, and the
    whole period of the filters. The JSON the API returns.

    Filters: ``day`` (a 'YYYY-MM-DD/SS' key or a date), ``date_from``/``date_to`` (a range of the
    period), ``subject``, ``ppe``, ``school`` (only that school's figures at the school level, and the
    exam points and days computed over its participants only). ``allowed``: the exam points the caller
    may see (a viewer's municipality); ``None`` for all.
    """
    synced = last_syncs(engine)
    days: dict[str, dict] = {}
    ppe_rows: list[dict] = []
    room_rows: list[dict] = []
    school_rows: dict[tuple[str, str], dict] = {}
    school_inc: dict[tuple[str, str], Counter] = {}
    unreadable = 0
    dates: dict[str, dict] = {}
    period = {"level": "period", "day": "", "subject": subject or "", "subject_title": "", "ppe": "", "room": "",
              "school": school or "", **zero(), "incidents_by_kind": Counter()}
    for p, d in _days(engine, day, ppe, date_from, date_to, subject, allowed):
        fig = ppe_day(engine, p, d)
        if fig is None:
            continue
        base = {"day": d, "date": d[:10], "subject": fig.subject, "subject_title": fig.subject_title}
        if school:
            m = dict(fig.schools.get(school, zero()))
            incidents = fig.school_incidents.get(school, Counter())
        else:
            m, incidents = fig.metrics, fig.incidents
        fold_levels(days, dates, period, base, m, incidents)
        if school:
            for sk, sm in fig.schools.items():
                if sk == school:
                    row = school_rows.setdefault((d, sk), {"level": "school", **base, "ppe": "", "room": "",
                                                           "school": sk, **zero()})
                    add(row, sm)
                    school_inc.setdefault((d, sk), Counter()).update(fig.school_incidents.get(sk, Counter()))
            continue
        ppe_rows.append({"level": "ppe", **base, "ppe": p, "ppe_name": fig.ppe_name, "room": "", "school": "", **m,
                         "incidents_by_kind": dict(fig.incidents), "events": fig.events_total,
                         "unreadable": fig.unreadable, "last_sync": synced.get(p, ""), "tz": fig.tz,
                         "silent": _silent(d, fig.tz, synced.get(p, "")),
                         "papers_printed": fig.papers.get("printed", 0),
                         "papers_returned": fig.papers.get("returned", 0),
                         "papers_all_back": fig.papers.get("printed", 0) > 0 and fig.papers.get("out", 1) == 0})
        unreadable += fig.unreadable
        if rooms:
            for r in fig.rooms.values():
                room_rows.append({"level": "room", **base, "ppe": p, "room": r.room, "school": "", **r.metrics,
                                  "incidents_by_kind": dict(r.incidents), "phase": r.phase,
                                  "problems": r.problems})
        for sk, sm in fig.schools.items():
            row = school_rows.setdefault((d, sk), {"level": "school", **base, "ppe": "", "room": "",
                                                   "school": sk, **zero()})
            add(row, sm)
            school_inc.setdefault((d, sk), Counter()).update(fig.school_incidents.get(sk, Counter()))
    for k, row in school_rows.items():
        row["incidents_by_kind"] = dict(school_inc.get(k, Counter()))
    return report_dict({"day": day, "ppe": ppe, "date_from": date_from, "date_to": date_to, "subject": subject,
                        "school": school}, unreadable, period, days, dates, ppe_rows, room_rows, school_rows)


def report_dict(filters: dict, unreadable: int, period: dict, days: dict[str, dict], dates: dict[str, dict],
                ppe_rows: list[dict], room_rows: list[dict], school_rows: dict) -> dict[str, Any]:
    """The report's shape, the same for the stored and the scratch path (pages and exports read it)."""
    for dd in (*days.values(), *dates.values(), period):
        dd["incidents_by_kind"] = dict(dd["incidents_by_kind"])
    return {"metrics": [{"key": k, "title": title} for k, title in METRICS],
            "incident_kinds": [{"key": k, "title": KINDS[k].title} for k in INCIDENT_KINDS],
            "filters": filters, "unreadable": unreadable,
            "period": period, "dates": [dates[k] for k in sorted(dates)],
            "days": list(days.values()), "ppes": ppe_rows, "rooms": room_rows,
            "schools": [school_rows[k] for k in sorted(school_rows)]}


def metric_events(engine: Engine, ppe: str | None, day: str, metric: str, room: str | None = None,
                  school: str | None = None, kind: str | None = None,
                  allowed: frozenset[str] | None = None) -> list[Event]:
    """The events a figure was counted from (effective events of the counted participants).

    Without ``ppe`` (a school's or a day's figure) every exam point of the day contributes."""
    if metric not in METRIC_KINDS:
        return []
    if not ppe or len(day) == 10:  # every exam point of the day, or every subject of a date
        out = []
        for p, key in _days(engine, day, ppe, allowed=allowed):
            out += metric_events(engine, p, key, metric, room, school, kind, allowed)
        return sorted(out, key=Event.order_key)
    if allowed is not None and ppe not in allowed:
        return []
    states = _contributing_rooms(engine, ppe, day, metric, room)
    if states is None:
        fig = ppe_day(engine, ppe, day)
        if fig is None:
            return []
        states = ([r.state for r in fig.rooms.values() if not room or r.room == room], fig.school_of)
    kinds = (kind,) if kind else METRIC_KINDS[metric]
    out: list[Event] = []
    rooms_states, school_of = states
    for st in rooms_states:
        if metric == "incidents":
            out += [e for e in st.incidents if e.kind in kinds
                    and (not school or school_of.get(e.participant or "", "") == school)]
            continue
        codes = {p.code for p in st.listed() if _counted(metric, p)
                 and (not school or (school_of.get(p.code, "") or "—") == school)}
        out += [e for e in st.events if e.kind in kinds and e.participant in codes]
    return sorted(out, key=Event.order_key)


def fold_levels(days: dict[str, dict], dates: dict[str, dict], period: dict, base: dict, m: dict,
                incidents: Counter) -> None:
    """Add one exam-point day's figures to its (date, subject) row, its date row and the period's: the one
    way both the stored and the scratch report total them."""
    d = base["day"]
    dd = days.setdefault(d, {"level": "day", **base, "ppe": "", "room": "", "school": "", **zero(),
                             "incidents_by_kind": Counter()})
    dt = dates.setdefault(d[:10], {"level": "date", "day": d[:10], "date": d[:10], "subject": "",
                                   "subject_title": "", "ppe": "", "room": "", "school": "", **zero(),
                                   "incidents_by_kind": Counter(), "subjects": []})
    for row in (dd, dt, period):
        add(row, m)
        row["incidents_by_kind"].update(incidents)
    if base["subject"] not in dt["subjects"]:
        dt["subjects"].append(base["subject"])


def room_moves(conn, ppe: str, date: str, room: str) -> list[Event]:
    """Other rooms' marks a room's projection needs: a transfer-in that names it as the room the participant
    left (and the voids, which may void one); none when no transfer was recorded that date, as in
    ``compute_day``."""
    q = select(t.events).where(and_(day_filter(ppe, date), t.events.c.room != room,
                                    t.events.c.kind.in_(("transfer-in", "void"))))
    moves = [e for r in conn.execute(q) if (e := _event(r)) is not None]
    return moves if any(e.kind == "transfer-in" for e in moves) else []


def _contributing_rooms(engine: Engine, ppe: str, day: str, metric: str, room: str | None
                        ) -> tuple[list[RoomState], dict[str, str]] | None:
    """Only the rooms whose stored figure for ``metric`` is not zero, each projected from its own events
    (a drill-down of one room, or of a rare figure, no longer folds the whole exam-point day).
    ``None`` when there are no stored figures for the day (the caller projects it whole)."""
    col = getattr(t.fig_rooms.c, f"m_{metric}", None)
    if col is None:
        return None
    with read_connection(engine) as conn:
        q = select(t.fig_rooms.c.room, col).where(and_(t.fig_rooms.c.ppe == ppe, t.fig_rooms.c.day == day))
        found = {r[0]: r[1] for r in conn.execute(q)}
        if not found:
            return None
        wanted = sorted(r for r, n in found.items() if n and (not room or r == room))
        plan = load_plan(conn, ppe, day)
        if plan is None:
            return None
        try:
            ref = load_reference(plan.day.date.year)
        except (KeyError, ValueError, OSError):
            return None
        states = []
        for r in wanted:
            q = select(t.events).where(and_(day_filter(ppe, day[:10]), t.events.c.room == r))
            evs = [e for row in conn.execute(q) if (e := _event(row)) is not None]
            try:
                states.append(project_room(plan, ref, r, evs + room_moves(conn, ppe, day[:10], r)))
            except Exception:  # noqa: BLE001 - as the day's projection: such a room lists nothing
                states.append(project_room(plan, ref, r, []))
    return states, {p.code: p.school_code for p in plan.participants.values()}


def period_filters(day: str | None = None, ppe: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, subject: str | None = None, school: str | None = None) -> dict:
    """The monitoring filters of a request, checked: a bad value is a 400 naming it, never a 500."""
    import re
    from datetime import date as _date

    from app.server.ingest import Rejected

    def bad(name: str, value: str, want: str):
        return Rejected(400, "bad-filter", f"{name}={value!r}: expected {want}")

    out = {}
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value:
            try:
                _date.fromisoformat(value)
                if len(value) != 10:
                    raise ValueError
            except ValueError:
                raise bad(name, value, "a date YYYY-MM-DD") from None
        out[name] = value or None
    if day and not re.fullmatch(r"\d{4}-\d{2}-\d{2}(/\d{2})?", day):
        raise bad("day", day, "a date YYYY-MM-DD or a date and subject YYYY-MM-DD/SS")
    if subject and not re.fullmatch(r"\d{2}", subject):
        raise bad("subject", subject, "a two-digit subject code")
    if school and not re.fullmatch(r"\d{1,6}", school):
        raise bad("school", school, "a school code of up to 6 digits")
    if ppe and not re.fullmatch(r"\d{2}/\d{4}", ppe):
        raise bad("ppe", ppe, "an exam point RR/CCCC")
    return {"day": day or None, "ppe": ppe or None, **out, "subject": subject or None, "school": school or None}


def flat_rows(rep: dict) -> tuple[list[str], list[list]]:
    """One table of every level for CSV/XLSX: identifying columns, metrics, incidents by kind."""
    head = ["level", "day", "subject", "ppe", "room", "school", *METRIC_KEYS,
            *[f"incidents:{k}" for k in INCIDENT_KINDS]]
    rows = []
    for level in ("period", "dates", "days", "ppes", "rooms", "schools"):
        for r in ([rep[level]] if level == "period" else rep[level]):
            rows.append([r["level"], r["day"], r["subject"], r["ppe"], r["room"], r["school"],
                         *[r[k] for k in METRIC_KEYS], *[r["incidents_by_kind"].get(k, 0) for k in INCIDENT_KINDS]])
    return head, rows


# Payload fields that carry no personal data (codes, choices, numbers). Free text — a correction's old and
# new surname, notes, who confirmed an identity or accompanied a participant — never leaves the server.
PUBLIC_FIELDS = frozenset({"field", "seat", "sheet", "previous", "verdict", "identity", "graduate", "sheets", "end",
                           "target", "form", "document_id", "clock_offset_s"})


def public_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """What of a payload a page, an export or the API may show: a correction shows the field name only."""
    return {k: v for k, v in payload.items() if k in PUBLIC_FIELDS}


def public_event(e: Event) -> dict[str, Any]:
    d = e.to_dict()
    d["payload"] = public_payload(e.payload)
    return d
