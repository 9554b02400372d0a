"""Stored score sums per exam room: what the «unusually alike» flag compares with the municipality's spread.

A room's spread needs each result joined to the plan that seated the participant. Grouping that join for
every page cost a read of the whole year's plans and results (0.3 s on SQLite at a tenth of a season), so
the sums (count, Σ score, Σ score²) per (year, subject, municipality, exam point, room) are stored and kept
in step from both sides, each in its writer's transaction:

- an import (or the demo, or ``rebuild-results``) refreshes the (year, subject) groups it touched;
- a plan pushed by an HQ, or a list uploaded by the authority, refreshes that exam point's rooms of the
  day's year and subject, when results for them are held.

Official results only: practice testing raises no flags. The spread is sqrt(Σs²/n − (Σs/n)²).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select

from app.server import schema as t

LOCK = 0x52657352  # "ResR": refreshes of one table from two writers (import, plan push) take turns on PostgreSQL


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK})")


def _sums(year: int, subject: str, ppe: str | None = None):
    """(municipality, exam point, room, n, Σ, Σ²) from the year's plans of the subject to each one's result."""
    r, p = t.results, t.participants
    score = r.c.test_score
    q = (select(r.c.municipality, p.c.ppe, p.c.room, func.count(), func.sum(score), func.sum(score * score))
         .select_from(p.join(r, and_(r.c.practice.is_(False), r.c.exam_date == func.substr(p.c.day, 1, 10),
                                     r.c.subject_code == func.substr(p.c.day, 12, 2),
                                     r.c.participant_code == p.c.code)))
         # the plans' dates fix the year: no condition on results.year, or SQLite walks the results first
         .where(and_(p.c.day >= f"{year}-", p.c.day < f"{year + 1}-", func.substr(p.c.day, 12, 2) == subject))
         .group_by(r.c.municipality, p.c.ppe, p.c.room))
    if ppe is not None:
        q = q.where(p.c.ppe == ppe)
    return q


def refresh_rooms(conn: Connection, keys: set[tuple[int, str]], ppe: str | None = None) -> None:
    """Recompute the stored room sums of these (year, subject) groups (of one exam point, if given)."""
    if not keys:
        return
    _lock(conn)
    rr = t.results_rooms
    for year, subject in sorted(keys):
        where = and_(rr.c.year == year, rr.c.subject_code == subject)
        conn.execute(delete(rr).where(where if ppe is None else and_(where, rr.c.ppe == ppe)))
        rows = [{"year": year, "subject_code": subject, "municipality": m, "ppe": pp, "room": room, "n": int(n),
                 "total": float(s), "total_sq": float(sq)} for m, pp, room, n, s, sq in conn.execute(
                     _sums(year, subject, ppe))]
        if rows:
            conn.execute(insert(rr), rows)


def plan_changed(conn: Connection, ppe: str, day: str) -> None:
    """An exam point's plan of a day changed: refresh its rooms' sums if results of that day are held."""
    date, subject = day[:10], day[11:13]
    held = conn.execute(select(t.results.c.participant_code).where(and_(
        t.results.c.practice.is_(False), t.results.c.exam_date == date, t.results.c.subject_code == subject))
        .limit(1)).first()
    if held is not None:
        refresh_rooms(conn, {(int(date[:4]), subject)}, ppe)


def room_spreads(engine: Engine, year: int, municipality: str | None = None,
                 ppes: frozenset[str] | None = None) -> dict[str, list[tuple[str, str, int, float]]]:
    """{subject: [(exam point, room, participants, spread of scores)]} of a year (of one municipality's
    results in its own exam points, when given)."""
    from app.server.db import read_connection

    rr = t.results_rooms
    q = (select(rr.c.subject_code, rr.c.ppe, rr.c.room, func.sum(rr.c.n), func.sum(rr.c.total),
                func.sum(rr.c.total_sq)).where(rr.c.year == year)
         .group_by(rr.c.subject_code, rr.c.ppe, rr.c.room))
    if municipality is not None:
        q = q.where(rr.c.municipality == municipality)
    if ppes is not None:
        q = q.where(rr.c.ppe.in_(sorted(ppes)))
    out: dict[str, list[tuple[str, str, int, float]]] = defaultdict(list)
    with read_connection(engine) as conn:
        for subj, ppe, room, n, total, total_sq in conn.execute(q):
            n = int(n)
            mean = float(total) / n
            out[subj].append((ppe, room, n, max(0.0, float(total_sq) / n - mean * mean) ** 0.5))
    return out
