"""Stored monitoring figures: each accepted batch is folded into them in the batch's own transaction.

Why: recomputing every room from its events made a season report take 5–10 s (issue 13, item 6).
The event log stays the source of truth; these rows are a projection of it that
``rebuild-figures`` recomputes and that must equal ``monitoring.scratch_report`` to the digit.

How a batch is folded, per (exam point, date/subject key, room) it touches:

- **fast path** — the room's stored state (``fig_rooms.state``: every participant's status, lateness,
  exits, sheets, counts; the room's times, materials and incidents) is loaded and the new events are
  applied with the projection's own step (``app.domain.projection._apply``) in domain order. Allowed
  when every new event of the room sorts after everything already folded there and none is the target of
  a stored void: then folding in arrival order *is* folding in domain order. Two exceptions that the
  stored state answers as well: a void of an event whose effect does not depend on the order of the
  others (an extra sheet, a desk check, a correction, an incident: ``_ORDERLESS``; its target read from
  the log by id) is taken out of the state (``_undo``), and an event stated late that leaves no ordered
  trace in the state (a desk check, a note: ``_TRACELESS``) is applied where it is.
- **slow path** — otherwise (a void of a status mark or of a void, another event stated earlier than one
  already folded, a room the projection cannot fold) the room is projected again from its events in the
  log, exactly as the scratch path does.
- a plan push, a day key first seen, a new room of a legacy day without plan rows, an event without a day:
  the whole exam-point day is recomputed from the log.

Concurrency: the ``fig_days`` rows a batch touches are locked (``FOR UPDATE`` on PostgreSQL, in key order;
SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway), so two workers never fold one room at once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Engine, and_, delete, func, insert, select, update

from app.domain.event import Event, parse_utc
from app.domain.kinds import KINDS
from app.domain.projection import ExitRecord, ParticipantState, RoomState, project_room
from app.server import schema as t
from app.server.monitoring import (
    METRIC_KEYS,
    PpeDay,
    RoomFigures,
    _event,
    compute_day,
    day_filter,
    fold_levels,
    report_dict,
    room_figures,
    zero,
)

_M = [f"m_{k}" for k in METRIC_KEYS]
_PAPER_KINDS = ("papers-printed", "paper-returned", "void")
STATE_VERSION = 1


class _Inc(NamedTuple):
    """What the figures keep of an incident event: its kind and the participant it names."""

    kind: str
    participant: str | None


class _Key(NamedTuple):
    at: str
    station: str
    seq: int


# --- the folded state of one room, as JSON --------------------------------------------------------------
def _t(d: datetime | None) -> str | None:
    return None if d is None else d.isoformat()


def _d(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


def dump_state(st: RoomState, school_of: dict[str, str], last: tuple | None, void_targets: Iterable[str]) -> str:
    """Everything the figures and the next fold step need (not the events themselves).

    Encoded by orjson, times as datetimes: it writes them as ``isoformat`` does (tz-aware, microseconds
    only when non-zero) and the rest as ``json.dumps(ensure_ascii=False, separators=(",", ":"))`` does, the
    same text (``dump_state_reference``; tests compare both) without a Python call per time — a room's
    state holds ~100 of them, and writing it was a fifth of the fold."""
    if not all(type(v) in _PLAIN or (type(v) is int and -_I64 <= v < _I64) for v in st.materials.values()):
        return dump_state_reference(st, school_of, last, void_targets)  # a float or a huge int from a payload:
        # orjson writes some floats otherwise (1e16) and refuses ints past 64 bits
    try:
        return orjson.dumps(_state_obj(st, school_of, last, void_targets, _same_time)).decode()
    except orjson.JSONEncodeError:  # text that is not UTF-8 (a lone surrogate): as json did, whatever follows
        return dump_state_reference(st, school_of, last, void_targets)


_PLAIN = (str, bool, type(None))
_I64 = 2 ** 63


def dump_state_reference(st: RoomState, school_of: dict[str, str], last: tuple | None,
                         void_targets: Iterable[str]) -> str:
    """``dump_state`` as it was first written: json, each time through ``isoformat``."""
    return json.dumps(_state_obj(st, school_of, last, void_targets, _t), ensure_ascii=False, separators=(",", ":"))


def _same_time(d: datetime | None) -> datetime | None:
    return d


def _state_obj(st: RoomState, school_of: dict[str, str], last: tuple | None, void_targets: Iterable[str],
               t) -> dict:
    parts = []
    for p in st.participants.values():
        parts.append([p.code, p.assigned_seat, p.ovz, p.on_list, p.status, p.late, p.seat, p.identity,
                      [[t(x.out_at), t(x.back_at), x.closed_by] for x in p.exits],
                      [[s, t(at)] for s, at, _e in p.extra_sheets], len(p.corrections), len(p.appeals),
                      school_of.get(p.code), p.subject, p.minutes, p.ovz_extra,
                      t(p.admitted_at), t(p.finished_at), t(p.removed_at), t(p.early_at)])
    return {
        "v": STATE_VERSION, "day": st.day, "room": st.room, "tz": st.tz, "subject": st.subject, "minutes": st.minutes,
        "ovz_extra": st.ovz_extra, "opened": t(st.opened_at), "instruction": t(st.instruction_at),
        "start": t(st.start), "end": t(st.end), "audio": [t(st.audio_start), t(st.audio_end)],
        "stopped": t(st.stopped_at), "evac": [[t(a), t(b)] for a, b in st.evacuations], "closed": t(st.closed_at),
        "materials": st.materials, "last_at": t(st.last_at),
        "incidents": [[e.kind, e.participant] for e in st.incidents],
        "p": parts, "last": list(last) if last else None, "voids": sorted(set(void_targets)),
        # schools of participants named by this room's incidents but seated elsewhere
        "schools": {k: v for k, v in school_of.items() if k not in st.participants},
    }


def load_state(text: str) -> tuple[RoomState, dict[str, str], _Key | None, set[str]]:
    s = json.loads(text)
    st = RoomState(day=s["day"], room=s["room"], tz=s["tz"], subject=s["subject"], minutes=s["minutes"],
                   ovz_extra=s["ovz_extra"], opened_at=_d(s["opened"]), instruction_at=_d(s["instruction"]),
                   start=_d(s["start"]), end=_d(s["end"]), audio_start=_d(s["audio"][0]), audio_end=_d(s["audio"][1]),
                   stopped_at=_d(s["stopped"]), evacuations=[(_d(a), _d(b)) for a, b in s["evac"]],
                   closed_at=_d(s["closed"]), materials=dict(s["materials"]), last_at=_d(s["last_at"]))
    st.incidents = [_Inc(k, p) for k, p in s["incidents"]]
    school_of: dict[str, str] = dict(s["schools"])
    for (code, seat, ovz, on_list, status, late, pseat, identity, exits, sheets, n_corr, n_app, school, subj,
         minutes, ovz_extra, adm, fin, rem, early) in s["p"]:
        p = ParticipantState(code, seat, ovz=ovz, on_list=on_list, status=status, late=late, seat=pseat,
                             identity=identity, subject=subj, minutes=minutes, ovz_extra=ovz_extra,
                             admitted_at=_d(adm), finished_at=_d(fin), removed_at=_d(rem), early_at=_d(early))
        p.exits = [ExitRecord(_d(a), "", _d(b), None, by) for a, b, by in exits]
        p.extra_sheets = [(sh, _d(at), "") for sh, at in sheets]
        for sh, _at in sheets:
            st.sheet_holders.setdefault(sh, []).append(code)
        p.corrections = [None] * n_corr  # type: ignore[list-item]  # counted, never shown from here
        p.appeals = [None] * n_app  # type: ignore[list-item]
        st.participants[code] = p
        if school is not None:
            school_of[code] = school
    return st, school_of, (_Key(*s["last"]) if s["last"] else None), set(s["voids"])


# --- writing one room's and one day's rows --------------------------------------------------------------
def _mcols(m: dict[str, float]) -> dict[str, float]:
    return {f"m_{k}": m.get(k, 0) for k in METRIC_KEYS}


class _Pending:
    """The rows one fold (or one rebuild) writes, sent in a few statements at the end: a batch touches
    ~20 rooms, and five round trips per room cost more than the fold itself (measured on PostgreSQL)."""

    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.inserts: list[dict] = []
        self.schools: list[dict] = []
        self.incidents: list[dict] = []
        self.replaced: dict[tuple[str, str], list[str]] = {}
        self.totals: dict[tuple[str, str], int] = {}  # (ppe, day) -> events to add to fig_days.events_total

    def room(self, ppe: str, day: str, date: str, subject: str, rf: RoomFigures, schools: dict, school_inc: dict,
             state_json: str, replace: bool) -> None:
        """The room's row, its schools' shares and its incidents by kind (replacing what was stored)."""
        key = dict(ppe=ppe, day=day, room=rf.room)
        row = dict(**_mcols(rf.metrics), phase=rf.phase, problems=json.dumps(rf.problems), state=state_json)
        if replace:
            self.replaced.setdefault((ppe, day), []).append(rf.room)
            self.updates.append({"k_ppe": ppe, "k_day": day, "k_room": rf.room, **row})
        else:
            self.inserts.append({**key, "date": date, "subject": subject, **row})
        self.schools += [dict(**key, school=sk, date=date, subject=subject, **_mcols(sm)) for sk, sm in schools.items()]
        named: Counter = Counter()
        for sk, c in school_inc.items():
            for kind, n in c.items():
                self.incidents.append(dict(**key, school=sk, kind=kind, date=date, subject=subject, n=n))
                named[kind] += n
        for kind, n in rf.incidents.items():
            if n - named.get(kind, 0):
                self.incidents.append(dict(**key, school="", kind=kind, date=date, subject=subject,
                                           n=n - named.get(kind, 0)))

    def discard(self, ppe: str, day: str) -> None:
        """Forget what was queued for a day that is being rebuilt whole instead."""
        keep = lambda r: not (r.get("ppe", r.get("k_ppe")) == ppe and r.get("day", r.get("k_day")) == day)  # noqa: E731
        self.updates = [r for r in self.updates if keep(r)]
        self.inserts = [r for r in self.inserts if keep(r)]
        self.schools = [r for r in self.schools if keep(r)]
        self.incidents = [r for r in self.incidents if keep(r)]
        self.replaced.pop((ppe, day), None)
        self.totals.pop((ppe, day), None)

    def flush(self, conn, writes=None) -> None:
        """Write what was queued; through ``writes`` (``ingest._Writes``: pipelined with the batch's other
        writes on PostgreSQL) when given, else at once. Plain SQL text, made once per shape."""
        from app.server.ingest import _Writes, insert_sql

        w = writes if writes is not None else _Writes(conn)
        w.add("UPDATE fig_days SET events_total = events_total + :n WHERE ppe = :ppe AND day = :day",
              [dict(ppe=p, day=d, n=n) for (p, d), n in self.totals.items()])
        gone = [dict(ppe=p, day=d, room=r) for (p, d), rooms in self.replaced.items() for r in rooms]
        for tb in ("fig_schools", "fig_incidents"):
            w.add(f"DELETE FROM {tb} WHERE ppe = :ppe AND day = :day AND room = :room", gone)
        if self.updates:
            cols = [k for k in self.updates[0] if not k.startswith("k_")]
            w.add(f"UPDATE fig_rooms SET {', '.join(f'{c} = :{c}' for c in cols)} "
                  "WHERE ppe = :k_ppe AND day = :k_day AND room = :k_room", self.updates)
        for tb, rows in (("fig_rooms", self.inserts), ("fig_schools", self.schools),
                         ("fig_incidents", self.incidents)):
            if rows:
                w.add(insert_sql(tb, rows[0]), rows)
        self.__init__()
        if writes is None:
            w.run()


def _room_meta(events: list[Event]) -> tuple[tuple | None, set[str]]:
    """The order key of the last event folded into a room, and the ids its voids name. Voids are not
    folded (a void strikes its target wherever either sorts), so a mark that sorts before a void but after
    every other event still takes the fast path."""
    last = max((e.order_key() for e in events if e.kind != "void"), default=None)
    return last, {str(e.payload.get("target", "")) for e in events if e.kind == "void"}


def rebuild_day(conn, ppe: str, day: str, pending: _Pending | None = None) -> PpeDay | None:
    """Recompute one exam point's (date, subject) from the log on ``conn`` and store it in full."""
    if pending is not None:
        pending.discard(ppe, day)
    out = _Pending()
    for tb in (t.fig_rooms, t.fig_schools, t.fig_incidents):
        conn.execute(delete(tb).where(and_(tb.c.ppe == ppe, tb.c.day == day)))
    conn.execute(delete(t.fig_days).where(and_(t.fig_days.c.ppe == ppe, t.fig_days.c.day == day)))
    fig = compute_day(conn, ppe, day)
    date = day[:10]
    if fig is None:
        conn.execute(insert(t.fig_days).values(ppe=ppe, day=day, date=date, subject=day[11:13], subject_title="",
                                               valid=False))
        return None
    conn.execute(insert(t.fig_days).values(
        ppe=ppe, day=day, date=date, subject=fig.subject, subject_title=fig.subject_title, valid=True,
        legacy=fig.legacy, events_total=fig.events_total, unreadable=fig.unreadable,
        papers_printed=fig.papers.get("printed", 0), papers_returned=fig.papers.get("returned", 0),
        papers_out=fig.papers.get("out", 0)))
    for room, rf in fig.rooms.items():
        evs = fig.room_events.get(room, [])
        last, voids = _room_meta(evs)
        state = "" if room in fig.broken else dump_state(rf.state, _schools_for(rf.state, fig.school_of), last, voids)
        out.room(ppe, day, date, fig.subject, rf, fig.room_schools[room], fig.room_school_incidents[room],
                 state, replace=False)
    out.flush(conn)
    return fig


def _schools_for(st: RoomState, school_of: dict[str, str]) -> dict[str, str]:
    """The part of the plan's code → school map one room needs: its participants and the ones its
    incidents name (a later incident naming another room's participant takes the slow path)."""
    codes = set(st.participants) | {e.participant for e in st.incidents if e.participant}
    return {c: school_of[c] for c in codes if c in school_of}


def rebuild_all(conn, ppe: str | None = None) -> int:
    """Recompute every stored figure (of one exam point, or all) from the log; returns the days rebuilt."""
    q = select(t.days.c.ppe, t.days.c.key).order_by(t.days.c.ppe, t.days.c.key)
    if ppe:
        q = q.where(t.days.c.ppe == ppe)
    keys = [(r[0], r[1]) for r in conn.execute(q)]
    stale = delete(t.fig_days) if not ppe else delete(t.fig_days).where(t.fig_days.c.ppe == ppe)
    conn.execute(stale)
    for tb in (t.fig_rooms, t.fig_schools, t.fig_incidents):
        conn.execute(delete(tb) if not ppe else delete(tb).where(tb.c.ppe == ppe))
    for p, key in keys:
        rebuild_day(conn, p, key)
    return len(keys)


def rebuild(engine: Engine, ppe: str | None = None) -> int:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one rebuild at a time, and ingest waits for it
            conn.exec_driver_sql("LOCK TABLE fig_days IN EXCLUSIVE MODE")
        return rebuild_all(conn, ppe)


# --- folding a batch ------------------------------------------------------------------------------------
_EVENT_FIELDS = ("id", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day", "room", "participant",
                 "payload", "prev_hash", "hash")
_new = object.__new__


def _mk_event(values: tuple) -> Event:
    """``Event(*values)`` without the frozen dataclass's ``__init__`` (14 ``object.__setattr__`` calls cost
    more than the fold step itself): the instance's fields are set in one dict update, then never changed."""
    e = _new(Event)
    e.__dict__.update(zip(_EVENT_FIELDS, values, strict=True))
    return e


def _as_event(r: tuple) -> Event:
    """An ingest row tuple (app.server.ingest._COLS order) as an Event, its payload parsed back."""
    (eid, _ppe, station, seq, at, recorded_at, tz, author, kind, day, room, participant, payload, prev_hash,
     h) = r
    return Event(id=eid, station=station, seq=seq, at=at, recorded_at=recorded_at, tz=tz, author=author, kind=kind,
                 day=day, room=room, participant=participant, payload=json.loads(payload) if payload != "{}" else {},
                 prev_hash=prev_hash, hash=h)


# the fig_days rows a batch folds into, locked in key order; then, in a statement of its own (read committed
# takes its snapshot once the lock is held, so it sees what the writer that held the lock committed), the
# day rows and the touched rooms' states
_FIG_LOCK_PG = "SELECT 1 FROM fig_days WHERE ppe = %(ppe)s AND day = ANY(%(keys)s) ORDER BY day FOR UPDATE"
_FIG_PG = """SELECT (SELECT json_agg(json_build_array(day, valid, legacy, subject)) FROM fig_days
                     WHERE ppe = %(ppe)s AND day = ANY(%(keys)s)),
       (SELECT json_agg(json_build_array(day, room, state)) FROM fig_rooms
         WHERE ppe = %(ppe)s AND day = ANY(%(keys)s) AND room = ANY(%(rooms)s))"""


class _FigDay(NamedTuple):
    day: str
    valid: bool
    legacy: bool
    subject: str


def _fig_reads(conn, ppe: str, keys: list[str], rooms: list[str]
               ) -> tuple[dict[str, _FigDay], dict[tuple[str, str], str]]:
    """The stored day rows (locked: ``FOR UPDATE`` on PostgreSQL, in key order) and the room states."""
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            args = {"ppe": ppe, "keys": keys, "rooms": rooms}
            cur.execute(_FIG_LOCK_PG, args)
            cur.execute(_FIG_PG, args)
            fdays, frooms = cur.fetchone()
        return ({r[0]: _FigDay(*r) for r in fdays or ()}, {(d, r): st for d, r, st in frooms or ()})
    fq = select(t.fig_days.c.day, t.fig_days.c.valid, t.fig_days.c.legacy, t.fig_days.c.subject).where(
        and_(t.fig_days.c.ppe == ppe, t.fig_days.c.day.in_(keys)))
    fdays = {r[0]: _FigDay(r[0], bool(r[1]), bool(r[2]), r[3]) for r in conn.execute(fq)}
    frooms = {(r[0], r[1]): r[2] for r in conn.execute(select(
        t.fig_rooms.c.day, t.fig_rooms.c.room, t.fig_rooms.c.state).where(and_(
            t.fig_rooms.c.ppe == ppe, t.fig_rooms.c.day.in_(keys), t.fig_rooms.c.room.in_(rooms))))} if rooms else {}
    return fdays, frooms


def fold(conn, ppe: str, rows: list[tuple], payloads: list[dict] | None = None,
         keys: list[tuple[str, str]] | None = None, writes=None, figures: tuple[dict, dict] | None = None) -> None:
    """Fold the rows a batch just stored (``ingest._COLS`` tuples, same transaction) into the figures.

    ``payloads``: the rows' payload dicts when the caller still holds them (saves parsing them back).
    ``keys``: the exam point's (day key, date) on the rows' dates when the caller read them already.
    ``writes``: an ``ingest._Writes`` the figure rows are queued on (sent with the batch's other writes).
    ``figures``: what ``_fig_reads`` would return for ``keys`` and the rows' rooms, read (and locked) by the
    caller already."""
    if not rows:
        return
    from app.domain.projection import _apply  # the projection's own fold step: same rules, same figures

    dayless = any(r[9] is None for r in rows)
    by_date: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r[9] is not None:
            by_date.setdefault(r[9][:10], []).append(i)
    if keys is None or dayless:
        q = select(t.days.c.key, t.days.c.date).where(t.days.c.ppe == ppe)
        if not dayless:
            q = q.where(t.days.c.date.in_(sorted(by_date)))
        keys = sorted((k, d) for k, d in conn.execute(q))
    if not keys:
        return
    rooms = sorted({r[10] for r in rows if r[10] is not None})
    stored, states = figures if figures is not None and not dayless else _fig_reads(
        conn, ppe, [k for k, _ in keys], rooms)
    pending = _Pending()
    for key, date in keys:
        fd = stored.get(key)
        if dayless or fd is None:
            rebuild_day(conn, ppe, key, pending)
            continue
        if not fd.valid:
            continue
        _fold_day(conn, ppe, key, date, fd, [rows[i] for i in by_date.get(date, [])],
                  None if payloads is None else [payloads[i] for i in by_date.get(date, [])], _apply, pending,
                  states)
    pending.flush(conn, writes)


def _fold_day(conn, ppe: str, key: str, date: str, fd, rows: list[tuple], payloads: list[dict] | None,
              apply, pending: _Pending, states: dict[tuple[str, str], str]) -> None:
    if not rows:
        return
    by_room: dict[str | None, list[Event]] = {}
    for i, r in enumerate(rows):
        e = _as_event(r) if payloads is None else _mk_event(
            (r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], payloads[i], r[13], r[14]))
        by_room.setdefault(e.room, []).append(e)
    if any(e.kind == "transfer-in" for evs in by_room.values() for e in evs):
        # a transfer concerns two rooms (the source room folds it too): the day is projected again whole,
        # as the scratch path does (monitoring.compute_day with its moves)
        rebuild_day(conn, ppe, key, pending)
        return
    touched = sorted(r for r in by_room if r is not None)
    rooms = {r: states[(key, r)] for r in touched if (key, r) in states}
    if fd.legacy and any(r not in rooms and any(e.day == key for e in by_room[r]) for r in touched):
        rebuild_day(conn, ppe, key, pending)  # a day without plan rows: its rooms are those its events name
        return
    counted = len(by_room.get(None, [])) + sum(len(by_room[r]) for r in rooms)
    if counted:
        pending.totals[(ppe, key)] = pending.totals.get((ppe, key), 0) + counted
    if any(e.kind in _PAPER_KINDS for e in by_room.get(None, [])):
        _refresh_papers(conn, ppe, key)
    plan_ref = None
    wanted = sorted({_target(e) for r in rooms for e in by_room[r] if e.kind == "void"} - {""})
    targets = _events_by_id(conn, ppe, wanted) if wanted else {}
    for room, state in rooms.items():
        new = sorted(by_room[room], key=Event.order_key)
        if state and _fast(pending, ppe, key, date, fd.subject, state, new, apply, targets):
            continue
        if plan_ref is None:
            plan_ref = _plan_ref(conn, ppe, key)
        if plan_ref is None or not _refold_room(conn, pending, ppe, key, date, fd.subject, room, *plan_ref):
            rebuild_day(conn, ppe, key, pending)
            return


# Kinds whose whole effect on a room's stored state does not depend on the other events' order: an entry
# added to a list (extra sheets, incidents), a count (corrections, appeals), or nothing that is stored
# (desk checks, notes, observers, countersigns, acts). Such an event can be taken out again (a void of it)
# from the stored state alone; status marks (admitted, exit, return, finished, removal…) cannot: what
# follows them depends on them, and the room is projected again from the log.
_ORDERLESS = frozenset({"extra-sheet", "desk-check", "note", "correction", "appeal", "kit-replaced", "staff-change",
                        "observer-arrived", "observer-left", "countersign", "act-drawn"})
# ... and those that leave no ordered trace in the stored state at all: one stated late (sorting before
# marks already folded) is applied where it is, the room's last mark time moved only forward
_TRACELESS = frozenset({"desk-check", "note", "observer-arrived", "observer-left", "countersign", "act-drawn"})


class _CannotUndo(Exception):
    """The stored state cannot answer for this void: the room is projected again from the log."""


def _target(e: Event) -> str:
    return str(e.payload.get("target", ""))


def _drop_one(items: list, item: Any) -> None:
    """Remove one ``item`` from a list kept in domain order, when which one does not matter: every copy
    of it stands in one run (copies apart could be told apart only by the events' order, not stored)."""
    at = [i for i, x in enumerate(items) if x == item]
    if not at or at[-1] - at[0] != len(at) - 1:
        raise _CannotUndo(item)
    del items[at[0]]


def _undo(st: RoomState, t: Event) -> None:
    """Take the effect of the folded event ``t`` (an ``_ORDERLESS`` kind) out of ``st``, as if it had never
    been folded — what the projection does with a voided event. Raises ``_CannotUndo`` when unsure."""
    at = parse_utc(t.at)
    if st.last_at is None or at >= st.last_at:
        raise _CannotUndo("the room's last mark")  # the new last mark time is not stored
    k = t.kind
    if KINDS[k].incident:
        _drop_one(st.incidents, _Inc(k, t.participant))
    if k == "note" or not t.participant:
        return
    p = st.participants[t.participant]
    if k == "extra-sheet":
        sheet = str(t.payload.get("sheet", ""))
        _drop_one(p.extra_sheets, (sheet, at, ""))
        holders = st.sheet_holders.get(sheet, [])
        holders.remove(p.code)
        if not holders:
            st.sheet_holders.pop(sheet, None)
    elif k == "correction":
        if not p.corrections:
            raise _CannotUndo(k)
        p.corrections.pop()
    elif k == "appeal":
        if not p.appeals:
            raise _CannotUndo(k)
        p.appeals.pop()


def _fast(pending: _Pending, ppe: str, key: str, date: str, subject: str, text: str, new: list[Event],
          apply, targets: dict[str, Event] | None = None) -> bool:
    """Apply the new events to the stored state (see the module doc): when arrival order is domain order;
    a void of an ``_ORDERLESS`` event (``targets``: the voided events read from the log) taken out of the
    state; a ``_TRACELESS`` event stated late applied where it is. Anything else: False (slow path)."""
    targets = targets or {}
    if any(e.kind == "void" and _target(e) not in targets for e in new):
        return False  # decided before the state is parsed: a void of a target the log did not give
    st, school_of, last, voids = load_state(text)
    if any(p.transferred_from or p.transferred_to or p.status == "transferred_out" for p in st.participants.values()):
        return False  # a room a transfer touched folds the other room's mark too: the slow path has both
    last_key = tuple(last) if last is not None else None
    ids = {e.id for e in new}
    struck: set[str] = set()
    for e in new:
        if e.id in voids:
            return False
        if e.kind == "void":
            t = targets[_target(e)]
            if (t.kind not in _ORDERLESS or t.id in voids or t.id in ids or t.id in struck or t.room != st.room
                    or e.room != st.room or (t.day or "")[:10] != date or (e.day or "")[:10] != date
                    or (t.participant and (t.participant not in st.participants
                                           or not st.participants[t.participant].on_list))):
                return False  # not folded here, or its effect is tied to others: the log decides
            struck.add(t.id)
            continue
        if e.participant and e.participant not in school_of and e.participant not in st.participants:
            return False  # a code the state does not know: its school comes from the plan (slow path)
        if last_key is not None and e.order_key() <= last_key and (
                e.kind not in _TRACELESS or (e.participant and e.participant not in st.participants)):
            return False  # stated late: only a traceless mark about someone the state holds (a new code
            # would be added out of domain order)
    try:
        for e in new:
            if e.kind == "void":
                _undo(st, targets[_target(e)])
                voids.add(_target(e))
                continue
            late = last_key is not None and e.order_key() <= last_key
            before = st.last_at
            apply(st, e)
            if late and before is not None:
                st.last_at = max(before, st.last_at)
            if st.incidents and isinstance(st.incidents[-1], Event):
                st.incidents[-1] = _Inc(e.kind, e.participant)
    except Exception:  # noqa: BLE001 - the projection would fail on it as well, or the state cannot say: the slow path decides
        return False
    rf, schools, school_inc = room_figures(st, school_of)
    end = max((k for k in (last_key, *(e.order_key() for e in new if e.kind != "void")) if k is not None),
              default=None)
    pending.room(ppe, key, date, subject, rf, schools, school_inc, dump_state(st, school_of, end, voids),
                 replace=True)
    return True


def _plan_ref(conn, ppe: str, key: str):
    from app.domain.reference import load_reference
    from app.server.plans import load_plan

    plan = load_plan(conn, ppe, key)
    if plan is None:
        return None
    try:
        return plan, load_reference(plan.day.date.year)
    except (KeyError, ValueError, OSError):
        return None


def _refold_room(conn, pending: _Pending, ppe: str, key: str, date: str, subject: str, room: str, plan,
                 ref) -> bool:
    """Project one room again from its events in the log; False when it cannot be (the day is rebuilt)."""
    evs, moves = _room_log(conn, ppe, date, room)
    try:
        st = project_room(plan, ref, room, evs + moves)
    except Exception:  # noqa: BLE001 - counted as unreadable by the whole day's rebuild
        return False
    school_of = {p.code: p.school_code for p in plan.participants.values()}
    rf, schools, school_inc = room_figures(st, school_of)
    mine = [e for e in evs if e.day is None or e.day[:10] == date]
    last, voids = _room_meta(mine)
    pending.room(ppe, key, date, subject, rf, schools, school_inc,
                 dump_state(st, _schools_for(st, school_of), last, voids), replace=True)
    return True


_LOG_COLS = "id, station, seq, at, recorded_at, tz, author, kind, day, room, participant, payload, prev_hash, hash"


def _room_log(conn, ppe: str, date: str, room: str) -> tuple[list[Event], list[Event]]:
    """One room's events of a date from the log, and the other rooms' marks its projection needs
    (``monitoring.room_moves``: their transfer-ins and voids, none when no transfer-in was recorded), in
    one query. Read as ``monitoring._event`` reads them (unfoldable ones skipped) but as plain tuples and
    with the payload checks remembered by their text: a refold reads the whole room (~500 events) for a
    one-event void, and building rows dominated it."""
    mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
    sql = (f"SELECT {_LOG_COLS} FROM events WHERE ppe = {mark} AND (room = {mark} OR kind IN ({mark}, {mark})) "
           f"AND ((day >= {mark} AND day < {mark}) OR day IS NULL)")
    mine, others = [], []
    for r in conn.exec_driver_sql(sql, (ppe, room, "transfer-in", "void", date, date + "0")):
        e = _log_event(r)
        if e is None:
            continue
        if e.room == room:
            mine.append(e)
        elif e.room is not None:  # as room_moves: ``room != :room`` leaves rows without a room out
            others.append(e)
    return mine, (others if any(e.kind == "transfer-in" for e in others) else [])


def _events_by_id(conn, ppe: str, ids: list[str]) -> dict[str, Event]:
    """The exam point's stored events of these ids that a projection would fold (``_log_event``), by id:
    the targets of a batch's voids, one indexed read instead of a room's whole log."""
    mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
    sql = f"SELECT {_LOG_COLS} FROM events WHERE ppe = {mark} AND id IN ({', '.join([mark] * len(ids))})"
    out = {}
    for r in conn.exec_driver_sql(sql, (ppe, *ids)):
        e = _log_event(r)
        if e is not None:
            out[e.id] = e
    return out


def _log_event(r) -> Event | None:
    """A stored row (``_LOG_COLS`` order) as an Event, or None: the same verdict as ``monitoring._event``."""
    from app.server.validate import event_problem

    (eid, station, seq, at, recorded_at, tz, author, kind, day, room, participant, text, prev_hash, h) = r
    if text == "{}":
        payload: Any = {}
    else:
        try:
            payload = json.loads(text)
        except (ValueError, TypeError, RecursionError):
            return None
    d = {"kind": kind, "at": at, "recorded_at": recorded_at, "tz": tz, "day": day, "room": room,
         "participant": participant, "author": author, "payload": payload}
    if event_problem(d, None, text if isinstance(text, str) else None) is not None:
        return None
    return _mk_event((eid, station, seq, at, recorded_at, tz, author, kind, day, room, participant, payload, prev_hash,
                      h))


def _refresh_papers(conn, ppe: str, key: str) -> None:
    from app.forms.papers import paper_figures

    q = select(t.events).where(and_(day_filter(ppe, key[:10]), t.events.c.room.is_(None)))
    evs = [e for r in conn.execute(q) if (e := _event(r)) is not None]
    p = paper_figures(evs)
    conn.execute(update(t.fig_days).where(and_(t.fig_days.c.ppe == ppe, t.fig_days.c.day == key)).values(
        papers_printed=p.get("printed", 0), papers_returned=p.get("returned", 0), papers_out=p.get("out", 0)))


# --- reading: the monitoring report from the stored rows ------------------------------------------------
def _filtered(q, tb, day, ppe, date_from, date_to, subject, allowed):
    if allowed is not None:
        q = q.where(tb.c.ppe.in_(sorted(allowed)))
    if day:
        q = q.where(tb.c.day == day) if len(day) > 10 else q.where(tb.c.date == day)
    if date_from:
        q = q.where(tb.c.date >= date_from)
    if date_to:
        q = q.where(tb.c.date <= date_to)
    if subject:
        q = q.where(tb.c.subject == subject)
    if ppe:
        q = q.where(tb.c.ppe == ppe)
    return q


_EXIT_MIN = METRIC_KEYS.index("exit_minutes")


def _metrics(row, offset: int) -> dict[str, float]:
    """Metric columns (or their SUMs) as the scratch report has them: counts as int, minutes to 0.1.

    A season's report reads ~10,000 such rows, so the common case is taken whole: both databases give
    an integer column (and the SUM of one) as an int; only a missing SUM (an outer join) is None."""
    m = dict(zip(METRIC_KEYS, row[offset:offset + len(METRIC_KEYS)], strict=True))
    m["exit_minutes"] = round(float(m["exit_minutes"] or 0), 1)
    if None in m.values():
        m = {k: v or 0 for k, v in m.items()}
    return m


def stored_report(engine: Engine, day: str | None = None, ppe: str | None = None, rooms: bool = True,
                  date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                  school: str | None = None, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """``monitoring.scratch_report``'s dict from the stored figures. Without a ``school`` filter through
    ``whole_report`` (each exam-point day's part kept while its version holds); a school's report (only that
    school's rows, no rooms: a few rows) from a few grouped reads of its shares here."""
    from app.server.db import read_connection

    if not school:
        from app.server.whole_report import build

        return build(engine, day=day, ppe=ppe, rooms=rooms, date_from=date_from, date_to=date_to, subject=subject,
                     allowed=allowed, school=school).as_report()
    f = dict(day=day, ppe=ppe, date_from=date_from, date_to=date_to, subject=subject, allowed=allowed)
    fs, fi = t.fig_schools, t.fig_incidents
    ssums = [func.sum(getattr(fs.c, c)) for c in _M]
    with read_connection(engine) as conn:
        fdays = conn.execute(_filtered(
            select(t.fig_days.c.ppe, t.fig_days.c.day, t.fig_days.c.subject, t.fig_days.c.subject_title)
            .where(t.fig_days.c.valid.is_(True)), t.fig_days, **f).order_by(t.fig_days.c.day, t.fig_days.c.ppe)).all()
        per_day = conn.execute(_filtered(select(fs.c.ppe, fs.c.day, *ssums).where(fs.c.school == school), fs, **f)
                               .group_by(fs.c.ppe, fs.c.day)).all()
        incs = conn.execute(_filtered(select(fi.c.ppe, fi.c.day, fi.c.kind, func.sum(fi.c.n))
                                      .where(fi.c.school == school), fi, **f)
                            .group_by(fi.c.ppe, fi.c.day, fi.c.kind)).all()
        school_db = conn.execute(_filtered(select(fs.c.day, fs.c.school, *ssums).where(fs.c.school == school), fs, **f)
                                 .group_by(fs.c.day, fs.c.school)).all()
    day_m = {(r[0], r[1]): _metrics(r, 2) for r in per_day}
    day_inc: dict[tuple[str, str], Counter] = {}
    key_inc: dict[str, Counter] = {}  # the school's incidents of a date and subject, over its exam points
    for p, d, kind, n in incs:
        if n:
            day_inc.setdefault((p, d), Counter())[kind] += int(n)
            key_inc.setdefault(d, Counter())[kind] += int(n)
    days: dict[str, dict] = {}
    dates: dict[str, dict] = {}
    period = {"level": "period", "day": "", "subject": subject or "", "subject_title": "", "ppe": "", "room": "",
              "school": school, **zero(), "incidents_by_kind": Counter()}
    for p, d, subj, title in fdays:
        base = {"day": d, "date": d[:10], "subject": subj, "subject_title": title}
        fold_levels(days, dates, period, base, day_m.get((p, d)) or zero(), day_inc.get((p, d), Counter()))
    # a day key's subject for the school rows (every exam point of a key holds the same subject)
    key_subj = {d: (subj, title) for _p, d, subj, title in fdays}
    school_rows = {}
    for r in school_db:
        if r.day not in key_subj:
            continue
        s, title = key_subj[r.day]
        school_rows[(r.day, r.school)] = {"level": "school", "day": r.day, "date": r.day[:10], "subject": s,
                                          "subject_title": title, "ppe": "", "room": "", "school": r.school,
                                          **_metrics(r, 2), "incidents_by_kind": dict(key_inc.get(r.day, {}))}
    return report_dict({"day": day, "ppe": ppe, "date_from": date_from, "date_to": date_to, "subject": subject,
                        "school": school}, 0, period, days, dates, [], [], school_rows)


def stored_figures(engine: Engine) -> dict[tuple, Any]:
    """Every stored figure row as plain values, for comparing an incremental fold with a rebuild."""
    out: dict[tuple, Any] = {}
    with engine.connect() as conn:
        for tb, pk in ((t.fig_days, ("ppe", "day")), (t.fig_rooms, ("ppe", "day", "room")),
                       (t.fig_schools, ("ppe", "day", "room", "school")),
                       (t.fig_incidents, ("ppe", "day", "room", "school", "kind"))):
            for r in conn.execute(select(tb)):
                d = dict(r._mapping)
                if tb is t.fig_rooms:
                    d["state"] = _comparable_state(d["state"])
                out[(tb.name, *[d[k] for k in pk])] = d
    return out


def _comparable_state(text: str) -> Any:
    """A room state without the fold bookkeeping that legitimately differs (last key after a refold)."""
    if not text:
        return text
    s = json.loads(text)
    s.pop("last", None)
    s.pop("schools", None)
    return s


__all__ = ["fold", "rebuild", "rebuild_all", "rebuild_day", "stored_report", "stored_figures", "dump_state",
           "load_state", "parse_utc"]
