"""The whole-period monitoring report (JSON API, CSV, XLSX) from rows built once per exam-point day.

Why: a season's whole-period answer holds ~6,000 room rows and ~3,000 school rows (issue 13). Reading,
building and encoding all of them on every request took 0.9–1.2 s under ingest, although ingest changes
only the exam-point days it is folding (today's date). So each exam-point day's figures (its exam point's
totals and incidents, its room rows with their JSON and CSV text) and each date's school rows are built
once and kept in a small per-process cache, keyed by a version of the stored figures they are made of:

- an exam-point day: its ``fig_days`` row's version. On PostgreSQL that is the row's ``xmin``: every write
  of a day's figures updates or re-inserts its ``fig_days`` row in the same transaction (the fold's
  ``UPDATE fig_days SET events_total = …`` for every day whose rooms it wrote, ``rebuild_day``'s insert,
  the papers' refresh), so a new version of the rows always comes with a new ``xmin``;
- a date's school rows: the versions of every exam-point day of that date the filters let in (so two
  municipalities' viewers never share a school row).

A request reads the ``fig_days`` rows (a few hundred) and only the stale days' rooms, incidents and
schools; the rest of the answer is spliced from bytes encoded before (``orjson.Fragment``). The rows are
read after the versions, so a kept entry is never older than its version says: a fold that commits in
between makes the next request read that day again.

On SQLite (one small municipality, no row version to key on) nothing is kept: every answer is built
afresh, through the same code. A ``school`` filter takes ``figures.stored_report`` (a few rows).
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, func, literal_column, select, tuple_

from app.server import schema as t
from app.server.figures import _filtered, _metrics
from app.server.monitoring import METRIC_KEYS, fold_levels, last_syncs, report_dict, silent_now, zero

_M = [f"m_{k}" for k in METRIC_KEYS]
_N_M = len(METRIC_KEYS)
ROOM_DAYS_KEPT = 3000  # exam-point days (~30 KB each at 20 rooms): a season of 30 points × 10 dates is 300
SCHOOL_DATES_KEPT = 200  # (date, the exam points the filters let in): each municipality's viewers and the admin
CSV_CHUNK = 1 << 20  # bytes per chunk of a streamed CSV


@dataclass
class DayPart:
    """One exam-point day's figures as the report has them: the exam point's totals and incidents, and
    its rooms (rows, and their JSON and CSV text once asked for)."""

    key: tuple[str, str]  # (exam point, date/subject key)
    rev: str | None
    metrics: dict[str, float]
    incidents: Counter
    rooms: list[dict]
    _json: bytes | None = None
    _csv: dict[tuple, bytes] = field(default_factory=dict)  # CSV lines and sheet XML, by language and names

    def json(self) -> bytes:
        """The room rows as JSON array items, without the brackets (b"" when there are none)."""
        if self._json is None:
            self._json = orjson.dumps(self.rooms)[1:-1]
        return self._json


@dataclass
class SchoolPart:
    """One date and subject's school rows over the exam points of the filters."""

    rows: list[dict]
    _json: bytes | None = None
    _csv: dict[tuple, bytes] = field(default_factory=dict)

    def json(self) -> bytes:
        if self._json is None:
            self._json = orjson.dumps(self.rows)[1:-1]
        return self._json


class _Lru:
    """A bounded map, safe across the server's threads (entries are built outside the lock: two threads
    may build the same one, and either is right)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key, value) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


# keyed by (database URL, …): one process may serve several databases (the tests do)
_DAYS = _Lru(ROOM_DAYS_KEPT)
_SCHOOLS = _Lru(SCHOOL_DATES_KEPT)


def forget() -> None:
    """Drop every kept entry (tests; nothing else needs it: versions decide)."""
    _DAYS.clear()
    _SCHOOLS.clear()


@dataclass
class Whole:
    """A whole report: the small levels as dicts, the rooms and schools as parts (rows + encoded text)."""

    head: dict[str, Any]
    days: list[DayPart]
    schools: list[SchoolPart]
    rooms: bool = True

    def as_report(self) -> dict[str, Any]:
        """``monitoring.report``'s dict (copies of the kept rows: a caller may change its own)."""
        rep = dict(self.head)
        rep["rooms"] = [{**r, "incidents_by_kind": dict(r["incidents_by_kind"]), "problems": list(r["problems"])}
                        for d in self.days for r in d.rooms] if self.rooms else []
        rep["schools"] = [{**r, "incidents_by_kind": dict(r["incidents_by_kind"])}
                          for s in self.schools for r in s.rows]
        return rep

    def json_bytes(self, drop: tuple[str, ...] = ()) -> bytes:
        """The report as JSON (what ``json.dumps(as_report())`` means), the rooms and schools spliced from
        their kept text."""
        head = {k: v for k, v in self.head.items() if k not in drop}
        rooms = b",".join(j for d in self.days if (j := d.json())) if self.rooms else b""
        schools = b",".join(j for s in self.schools if (j := s.json()))
        return orjson.dumps({**head, "rooms": orjson.Fragment(b"[" + rooms + b"]"),
                             "schools": orjson.Fragment(b"[" + schools + b"]")})


def _rev_col(conn):
    """The version of an exam-point day's stored figures: its fig_days row's ``xmin`` (the transaction that
    last wrote the row), with the events counted (should the transaction ids ever wrap round to the same
    number for the same row). ``None`` on SQLite: nothing is kept."""
    if conn.dialect.name != "postgresql":
        return None
    return literal_column("fig_days.xmin::text || ':' || fig_days.events_total::text")


def build(engine: Engine, day: str | None = None, ppe: str | None = None, rooms: bool = True,
          date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
          allowed: frozenset[str] | None = None, school: str | None = None) -> Whole:
    """The report of the filters (no ``school`` filter: only None or "", echoed as given): kept parts where
    their version still holds."""
    if school:
        raise ValueError("a school's report is figures.stored_report's")
    from app.server.db import read_connection

    f = dict(day=day, ppe=ppe, date_from=date_from, date_to=date_to, subject=subject, allowed=allowed)
    fd = t.fig_days
    synced = last_syncs(engine)
    db = engine.url.render_as_string(hide_password=True)
    with read_connection(engine) as conn:
        rev = _rev_col(conn)
        cols = [fd.c.ppe, fd.c.day, fd.c.subject, fd.c.subject_title, fd.c.events_total, fd.c.unreadable,
                fd.c.papers_printed, fd.c.papers_returned, fd.c.papers_out, t.ppe.c.name, t.ppe.c.tz]
        fdays = conn.execute(_filtered(select(*cols, *([rev] if rev is not None else []))
                                       .join(t.ppe, t.ppe.c.key == fd.c.ppe).where(fd.c.valid.is_(True)), fd, **f)
                             .order_by(fd.c.day, fd.c.ppe)).all()
        revs = {(r[0], r[1]): (r[11] if rev is not None else None) for r in fdays}
        parts: dict[tuple[str, str], DayPart] = {}
        stale: list[tuple[str, str]] = []
        for k, v in revs.items():
            got = _DAYS.get((db, *k)) if v is not None else None
            if got is not None and got.rev == v:
                parts[k] = got
            else:
                stale.append(k)
        subj = {(r[0], r[1]): (r[2], r[3]) for r in fdays}
        if stale:
            parts.update(_read_days(conn, f, stale, len(stale) == len(revs), subj, revs))
            for k in stale:
                if revs[k] is not None:
                    _DAYS.put((db, *k), parts[k])
        # a date and subject's schools: over the exam points of that key the filters let in
        by_key: dict[str, list] = {}
        for r in fdays:
            by_key.setdefault(r[1], []).append((r[0], revs[(r[0], r[1])]))
        school_parts: dict[str, SchoolPart] = {}
        stale_keys: list[str] = []
        for d, sig in by_key.items():
            sk = (db, d, tuple(sig))
            got = _SCHOOLS.get(sk) if all(v is not None for _p, v in sig) else None
            if got is not None:
                school_parts[d] = got
            else:
                stale_keys.append(d)
        if stale_keys:
            key_subj = {d: subj[(p, d)] for p, d in subj}
            fresh = _read_schools(conn, f, stale_keys, len(stale_keys) == len(by_key), key_subj)
            for d in stale_keys:
                school_parts[d] = fresh.get(d) or SchoolPart([])
                if all(v is not None for _p, v in by_key[d]):
                    _SCHOOLS.put((db, d, tuple(by_key[d])), school_parts[d])
    days: dict[str, dict] = {}
    dates: dict[str, dict] = {}
    ppe_rows: list[dict] = []
    unreadable = 0
    period = {"level": "period", "day": "", "subject": subject or "", "subject_title": "", "ppe": "", "room": "",
              "school": "", **zero(), "incidents_by_kind": Counter()}
    ordered: list[DayPart] = []
    _silent = silent_now()
    for r in fdays:
        p, d = r[0], r[1]
        part = parts[(p, d)]
        ordered.append(part)
        base = {"day": d, "date": d[:10], "subject": r[2], "subject_title": r[3]}
        fold_levels(days, dates, period, base, part.metrics, part.incidents)
        last = synced.get(p, "")
        ppe_rows.append({"level": "ppe", **base, "ppe": p, "ppe_name": r[9], "room": "", "school": "", **part.metrics,
                         "incidents_by_kind": dict(part.incidents), "events": r[4], "unreadable": r[5],
                         "last_sync": last, "tz": r[10], "silent": _silent(d, r[10], last), "papers_printed": r[6],
                         "papers_returned": r[7], "papers_all_back": r[6] > 0 and r[8] == 0})
        unreadable += r[5]
    head = report_dict({"day": day, "ppe": ppe, "date_from": date_from, "date_to": date_to, "subject": subject,
                        "school": school}, unreadable, period, days, dates, ppe_rows, [], {})
    return Whole(head, ordered, [school_parts[d] for d in sorted(school_parts)], rooms)


def _only(q, cols, keys: list, everything: bool):
    """``q`` restricted to the stale keys (all of them: the filters alone say it)."""
    return q if everything else q.where(tuple_(*cols).in_(keys) if len(cols) > 1 else cols[0].in_(keys))


def _read_days(conn, f: dict, stale: list[tuple[str, str]], everything: bool, subj: dict,
               revs: dict) -> dict[tuple[str, str], DayPart]:
    """The stale exam-point days' totals, incidents and room rows, in a few grouped reads."""
    fr, fi = t.fig_rooms, t.fig_incidents
    want = set(stale)
    sums = conn.execute(_only(_filtered(select(fr.c.ppe, fr.c.day, *[func.sum(getattr(fr.c, c)) for c in _M]),
                                        fr, **f), [fr.c.ppe, fr.c.day], stale, everything)
                        .group_by(fr.c.ppe, fr.c.day)).all()
    inc_rows = conn.execute(_only(_filtered(select(fi.c.ppe, fi.c.day, fi.c.room, fi.c.kind, func.sum(fi.c.n)), fi,
                                            **f), [fi.c.ppe, fi.c.day], stale, everything)
                            .group_by(fi.c.ppe, fi.c.day, fi.c.room, fi.c.kind)).all()
    room_db = conn.execute(_only(_filtered(select(fr.c.ppe, fr.c.day, fr.c.room, *[getattr(fr.c, c) for c in _M],
                                                  fr.c.phase, fr.c.problems), fr, **f),
                                 [fr.c.ppe, fr.c.day], stale, everything)
                           .order_by(fr.c.day, fr.c.ppe, fr.c.room)).all()
    out = {k: DayPart(k, revs[k], zero(), Counter(), []) for k in stale}
    for r in sums:
        if (r[0], r[1]) in want:
            out[(r[0], r[1])].metrics = _metrics(r, 2)
    rinc: dict[tuple[str, str, str], dict[str, int]] = {}
    for p, d, room, kind, n in inc_rows:
        if n and (p, d) in want:
            out[(p, d)].incidents[kind] += int(n)
            rinc.setdefault((p, d, room), {})[kind] = int(n)
    for r in room_db:  # thousands of rows at a cold start: plain tuples, one dict each
        p, d, room = r[0], r[1], r[2]
        part = out.get((p, d))
        if part is None:
            continue
        s, title = subj[(p, d)]
        m = dict(zip(METRIC_KEYS, r[3:3 + _N_M], strict=True))
        m["exit_minutes"] = round(float(m["exit_minutes"] or 0), 1)
        problems = r[4 + _N_M]
        part.rooms.append({"level": "room", "day": d, "date": d[:10], "subject": s, "subject_title": title,
                           "ppe": p, "room": room, "school": "", **m, "incidents_by_kind": rinc.get((p, d, room), {}),
                           "phase": r[3 + _N_M], "problems": [] if problems == "[]" else json.loads(problems)})
    return out


def _read_schools(conn, f: dict, keys: list[str], everything: bool, key_subj: dict) -> dict[str, SchoolPart]:
    """The stale date and subject keys' school rows (summed over the filters' exam points) and incidents."""
    fs, fi = t.fig_schools, t.fig_incidents
    rows = conn.execute(_only(_filtered(select(fs.c.day, fs.c.school, *[func.sum(getattr(fs.c, c)) for c in _M]),
                                        fs, **f), [fs.c.day], keys, everything)
                        .group_by(fs.c.day, fs.c.school).order_by(fs.c.day, fs.c.school)).all()
    incs = conn.execute(_only(_filtered(select(fi.c.day, fi.c.school, fi.c.kind, func.sum(fi.c.n))
                                        .where(fi.c.school != ""), fi, **f), [fi.c.day], keys, everything)
                        .group_by(fi.c.day, fi.c.school, fi.c.kind)).all()
    sinc: dict[tuple[str, str], dict[str, int]] = {}
    for d, sk, kind, n in incs:
        if n:
            sinc.setdefault((d, sk), {})[kind] = int(n)
    out: dict[str, SchoolPart] = {}
    for r in rows:
        if r[0] not in key_subj:
            continue
        s, title = key_subj[r[0]]
        out.setdefault(r[0], SchoolPart([])).rows.append(
            {"level": "school", "day": r[0], "date": r[0][:10], "subject": s, "subject_title": title, "ppe": "",
             "room": "", "school": r[1], **_metrics(r, 2), "incidents_by_kind": sinc.get((r[0], r[1]), {})})
    return out


def _kept(texts: dict, key, make) -> bytes:
    """A part's text for ``key`` (language, names shown), made by ``make()`` the first time it is asked."""
    text = texts.get(key)
    if text is None:
        text = texts[key] = make()
    return text


def csv_chunks(whole: Whole, names, comma: bool) -> Iterator[bytes]:
    """``tables.csv_chunks(monitoring_tables.flat_table(report, names))`` byte for byte, the rooms' and
    schools' lines kept per part (by language and the names they show). The labels are made now, in the
    request's language, not when the answer is sent (another thread)."""
    from app.server.monitoring_tables import flat_head, flat_row, level_labels
    from app.server.tables import csv_lines

    levels = level_labels()
    labels: dict[str, str] = {}
    rep = whole.head
    small = [flat_row(r, names, levels, labels) for level in ("period", "dates", "days", "ppes")
             for r in ([rep[level]] if level == "period" else rep[level])]
    first = ("\ufeff" + csv_lines([flat_head()], comma) + csv_lines(small, comma)).encode("utf-8")
    lang = (tuple(levels.values()), comma)

    def lines(rows: list[dict]) -> bytes:
        return csv_lines([flat_row(r, names, levels, labels) for r in rows], comma).encode("utf-8")

    def pieces() -> Iterator[bytes]:
        yield first
        for d in whole.days if whole.rooms else ():
            if d.rooms:
                yield _kept(d._csv, (lang, names.ppe(d.rooms[0]["ppe"])), lambda d=d: lines(d.rooms))
        for s in whole.schools:
            yield _kept(s._csv, (lang, tuple(names.school(r["school"]) for r in s.rows)), lambda s=s: lines(s.rows))

    def gen() -> Iterator[bytes]:
        # a few large chunks: each one the server sends costs a hop to its thread pool (~0.3 ms under load),
        # and a season has ~300 parts
        out, size = [], 0
        for p in pieces():
            out.append(p)
            size += len(p)
            if size >= CSV_CHUNK:
                yield b"".join(out)
                out, size = [], 0
        yield b"".join(out)

    return gen()


def xlsx_bytes(whole: Whole, names, table: str | None = None) -> bytes:
    """``tables.xlsx_bytes(monitoring_tables(report, names))`` read back cell for cell (``?table=``: that
    sheet only), the rooms' and schools' rows kept per part as sheet XML (app.server.xlsx_parts)."""
    from app.i18n import current_language
    from app.server.monitoring_tables import monitoring_tables, room_line, school_line
    from app.server.tables import pick
    from app.server.xlsx_parts import rows_xml, workbook

    lang = ("xlsx", current_language())
    sheets = []
    for tb in pick(monitoring_tables({**whole.head, "rooms": [], "schools": []}, names), table):
        if tb.key == "rooms":
            pieces = []
            for d in whole.days if whole.rooms else ():
                if d.rooms:
                    pieces.append(_kept(d._csv, lang, lambda d=d: rows_xml([room_line(r) for r in d.rooms])))
        elif tb.key == "schools":
            pieces = []
            for s in whole.schools:
                key = (*lang, tuple(names.school(r["school"]) for r in s.rows))
                pieces.append(_kept(s._csv, key, lambda s=s: rows_xml([school_line(r, names) for r in s.rows])))
        else:
            pieces = [rows_xml(tb.rows)]
        sheets.append((tb.title, tb.head, pieces))
    return workbook(sheets)


__all__ = ["DayPart", "SchoolPart", "Whole", "build", "csv_chunks", "forget", "xlsx_bytes"]
