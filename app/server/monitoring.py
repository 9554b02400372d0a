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
from app.server.plans import load_plan

METRICS: tuple[tuple[str, str], ...] = (
    ("assigned", N_("Assigned")),
    ("present", N_("Present")),
    ("absent", N_("Absent")),
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
INCIDENT_KINDS = tuple(k for k, v in KINDS.items() if v.incident)

# Which events each figure is counted from (effective events only; voided ones are listed apart).
_MARKS = ("admitted", "late", "absent")
METRIC_KINDS: dict[str, tuple[str, ...]] = {
    "assigned": _MARKS, "present": ("admitted", "late"), "absent": ("absent",), "late": ("late",),
    "removed": ("removal",), "finished_early": ("early-completion",), "exits": ("exit", "return"),
    "exit_minutes": ("exit", "return"), "extra_sheets": ("extra-sheet",), "corrections": ("correction",),
    "appeals": ("appeal",), "incidents": INCIDENT_KINDS,
}


def _counted(metric: str, p: ParticipantState) -> bool:
    """Whether a participant contributes to a status figure (event figures: every listed participant)."""
    return {
        "present": p.present, "absent": p.status == "absent", "late": p.late and p.present,
        "removed": p.status == "removed", "finished_early": p.status == "finished_early",
    }.get(metric, True)


def participant_metrics(p: ParticipantState) -> dict[str, float]:
    return {
        "assigned": 1, "present": int(p.present), "absent": int(p.status == "absent"),
        "late": int(p.late and p.present), "removed": int(p.status == "removed"),
        "finished_early": int(p.status == "finished_early"), "exits": len(p.exits),
        "exit_minutes": round(sum(x.minutes() for x in p.exits), 1), "extra_sheets": len(p.extra_sheets),
        "corrections": len(p.corrections), "appeals": len(p.appeals), "incidents": 0,
    }


def zero() -> dict[str, float]:
    return dict.fromkeys(METRIC_KEYS, 0)


def add(into: dict[str, float], more: dict[str, float]) -> None:
    for k, v in more.items():
        into[k] = round(into.get(k, 0) + v, 1)


@dataclass
class RoomFigures:
    room: str
    metrics: dict[str, float]
    incidents: Counter
    problems: list[str]
    state: RoomState


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
    papers: dict[str, int] = field(default_factory=dict)  # printed / returned / out (app.forms.papers)

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


def _event(row) -> Event:
    return Event(id=row.id, station=row.station, seq=row.seq, at=row.at, recorded_at=row.recorded_at, tz=row.tz,
                 author=row.author, kind=row.kind, day=row.day, room=row.room, participant=row.participant,
                 payload=json.loads(row.payload), prev_hash=row.prev_hash, hash=row.hash)


_cache: OrderedDict[tuple[str, str], tuple[tuple, PpeDay]] = OrderedDict()
_cache_lock = threading.Lock()


def ppe_day(engine: Engine, ppe: str, day: str) -> PpeDay | None:
    """Project every room of an exam point's day (cached until events or the plan change)."""
    # events of the date (new ones carry 'YYYY-MM-DD', older ones 'YYYY-MM-DD/SS': '/' sorts before '0')
    date = day[:10]
    ev_filter = and_(t.events.c.ppe == ppe, or_(and_(t.events.c.day >= date, t.events.c.day < date + "0"),
                                                t.events.c.day.is_(None)))
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(t.events).where(ev_filter)).scalar() or 0
        stamp = conn.execute(select(t.days.c.updated_at).where(and_(t.days.c.ppe == ppe, t.days.c.key == day))).scalar()
        key = (n, stamp)
        with _cache_lock:
            hit = _cache.get((ppe, day))
        if hit and hit[0] == key:
            return hit[1]
        plan = load_plan(conn, ppe, day)
        if plan is None:
            return None
        evs = [_event(r) for r in conn.execute(select(t.events).where(ev_filter))]
    ref = load_reference(plan.day.date.year)
    try:
        subj = ref.subject(plan.day.subjects[0])
        title = subj.title
    except (KeyError, IndexError):
        return None
    # the rooms of this subject on this date: those of its plan, or (no plan rows yet) those its
    # legacy-keyed events name; other subjects' rooms of the same date are theirs
    rooms = sorted(set(plan.rooms) | {p.room for p in plan.participants.values()})
    if not rooms:
        rooms = sorted({e.room for e in evs if e.room and e.day == day})
    mine = set(rooms)
    by_room: dict[str, list[Event]] = {}
    for e in evs:
        if e.room in mine:
            by_room.setdefault(e.room, []).append(e)
    evs = [e for e in evs if e.room in mine or e.room is None]
    out = PpeDay(ppe, plan.point.name, day, subj.code, title, events_total=len(evs))
    out.school_of = {p.code: p.school_code for p in plan.participants.values()}
    from app.forms.papers import paper_figures

    out.papers = paper_figures(evs)
    for room in rooms:
        state = project_room(plan, ref, room, by_room.get(room, []))
        c = state.counts()
        m = {k: c.get(k, 0) for k in METRIC_KEYS if k in c}
        m["exit_minutes"] = round(state.exit_minutes(), 1)
        m["incidents"] = len(state.incidents)
        inc = Counter(e.kind for e in state.incidents)
        out.rooms[room] = RoomFigures(room, {**zero(), **m}, inc, [ch.code for ch in state.problems()], state)
        for p in state.listed():
            school = out.school_of.get(p.code, "") or "—"
            add(out.schools.setdefault(school, zero()), participant_metrics(p))
        for e in state.incidents:
            school = out.school_of.get(e.participant or "", "")
            if school:
                out.schools.setdefault(school, zero())["incidents"] += 1
                out.school_incidents.setdefault(school, Counter())[e.kind] += 1
    with _cache_lock:
        _cache[(ppe, day)] = (key, out)
        _cache.move_to_end((ppe, day))
        while len(_cache) > 64:
            _cache.popitem(last=False)
    return out


def _days(engine: Engine, day: str | None, ppe: str | None, date_from: str | None = None,
          date_to: str | None = None, subject: str | None = None) -> list[tuple[str, str]]:
    """(exam point, 'YYYY-MM-DD/SS') pairs of the filters: a key or a date in ``day``, a date range, a subject."""
    q = select(t.days.c.ppe, t.days.c.key).order_by(t.days.c.key, t.days.c.ppe)
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
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(q)]


def report(engine: Engine, day: str | None = None, ppe: str | None = None, rooms: bool = True,
           date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
           school: str | None = None) -> dict[str, Any]:
    """Every figure at every level: day (date and subject), date, exam point, room, school, and the
    whole period of the filters. The JSON the API returns.

    Filters: ``day`` (a 'YYYY-MM-DD/SS' key or a date), ``date_from``/``date_to`` (a range of the
    period), ``subject``, ``ppe``, ``school`` (only that school's figures at the school level, and the
    exam points and days computed over its participants only).
    """
    days: dict[str, dict] = {}
    ppe_rows: list[dict] = []
    room_rows: list[dict] = []
    school_rows: dict[tuple[str, str], dict] = {}
    school_inc: dict[tuple[str, str], Counter] = {}
    dates: dict[str, dict] = {}
    period = {"level": "period", "day": "", "subject": subject or "", "subject_title": "", "ppe": "", "room": "",
              "school": school or "", **zero(), "incidents_by_kind": Counter()}
    for p, d in _days(engine, day, ppe, date_from, date_to, subject):
        fig = ppe_day(engine, p, d)
        if fig is None:
            continue
        base = {"day": d, "date": d[:10], "subject": fig.subject, "subject_title": fig.subject_title}
        dd = days.setdefault(d, {"level": "day", **base, "ppe": "", "room": "", "school": "", **zero(),
                                 "incidents_by_kind": Counter()})
        if school:
            m = dict(fig.schools.get(school, zero()))
            incidents = fig.school_incidents.get(school, Counter())
        else:
            m, incidents = fig.metrics, fig.incidents
        add(dd, m)
        dd["incidents_by_kind"].update(incidents)
        dt = dates.setdefault(d[:10], {"level": "date", "day": d[:10], "date": d[:10], "subject": "",
                                       "subject_title": "", "ppe": "", "room": "", "school": "", **zero(),
                                       "incidents_by_kind": Counter(), "subjects": []})
        add(dt, m)
        dt["incidents_by_kind"].update(incidents)
        if fig.subject not in dt["subjects"]:
            dt["subjects"].append(fig.subject)
        add(period, m)
        period["incidents_by_kind"].update(incidents)
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
                         "papers_printed": fig.papers.get("printed", 0),
                         "papers_returned": fig.papers.get("returned", 0),
                         "papers_all_back": fig.papers.get("printed", 0) > 0 and fig.papers.get("out", 1) == 0})
        if rooms:
            for r in fig.rooms.values():
                room_rows.append({"level": "room", **base, "ppe": p, "room": r.room, "school": "", **r.metrics,
                                  "incidents_by_kind": dict(r.incidents), "phase": r.state.phase,
                                  "problems": r.problems})
        for sk, sm in fig.schools.items():
            row = school_rows.setdefault((d, sk), {"level": "school", **base, "ppe": "", "room": "",
                                                   "school": sk, **zero()})
            add(row, sm)
            school_inc.setdefault((d, sk), Counter()).update(fig.school_incidents.get(sk, Counter()))
    for k, row in school_rows.items():
        row["incidents_by_kind"] = dict(school_inc.get(k, Counter()))
    for dd in (*days.values(), *dates.values(), period):
        dd["incidents_by_kind"] = dict(dd["incidents_by_kind"])
    return {"metrics": [{"key": k, "title": title} for k, title in METRICS],
            "incident_kinds": [{"key": k, "title": KINDS[k].title} for k in INCIDENT_KINDS],
            "filters": {"day": day, "ppe": ppe, "date_from": date_from, "date_to": date_to, "subject": subject,
                        "school": school},
            "period": period, "dates": [dates[k] for k in sorted(dates)],
            "days": list(days.values()), "ppes": ppe_rows, "rooms": room_rows,
            "schools": [school_rows[k] for k in sorted(school_rows)]}


def metric_events(engine: Engine, ppe: str | None, day: str, metric: str, room: str | None = None,
                  school: str | None = None, kind: str | None = None) -> list[Event]:
    """The events a figure was counted from (effective events of the counted participants).

    Without ``ppe`` (a school's or a day's figure) every exam point of the day contributes."""
    if metric not in METRIC_KINDS:
        return []
    if not ppe or len(day) == 10:  # every exam point of the day, or every subject of a date
        out = []
        for p, key in _days(engine, day, ppe):
            out += metric_events(engine, p, key, metric, room, school, kind)
        return sorted(out, key=Event.order_key)
    fig = ppe_day(engine, ppe, day)
    if fig is None:
        return []
    kinds = (kind,) if kind else METRIC_KINDS[metric]
    out: list[Event] = []
    for r in fig.rooms.values():
        if room and r.room != room:
            continue
        st = r.state
        if metric == "incidents":
            out += [e for e in st.incidents if e.kind in kinds
                    and (not school or fig.school_of.get(e.participant or "", "") == school)]
            continue
        codes = {p.code for p in st.listed() if _counted(metric, p)
                 and (not school or (fig.school_of.get(p.code, "") or "—") == school)}
        out += [e for e in st.events if e.kind in kinds and e.participant in codes]
    return sorted(out, key=Event.order_key)


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
