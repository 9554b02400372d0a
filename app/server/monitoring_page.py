"""The monitoring page's read path: a summary of the period, and the long tables one page at a time.

Why: a season holds 300 exam-point days and ~3,000 school rows. Drawing all of them made the unfiltered
page take 1–8 s (issue 13), mostly in templating, and no official reads 3,000 rows on a screen. So the
page shows the period's totals, its dates and (date, subject) rows, and the exam points, schools and
rooms 50 at a time, sorted in SQL over the stored figures (``fig_*``, app.server.figures): a page costs
a few grouped reads whatever the size of the season. Without a school chosen, the summary and the school
table come from the exam-point days' parts kept by app.server.whole_report (the school rows sorted here).
The exports and the JSON API keep every row (``monitoring.report``); every row here equals the same row
of that report (tests compare them).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Numeric, and_, cast, func, literal, select, tuple_

from app.server import schema as t
from app.server.db import read_connection
from app.server.figures import _filtered, _metrics
from app.server.monitoring import METRIC_KEYS, _silent, fold_levels, last_syncs, zero

PAGE_SIZE = 50
_M = [f"m_{k}" for k in METRIC_KEYS]
# what each paged table may be sorted by (besides the metrics): the first is its default order
SORTS: dict[str, tuple[str, ...]] = {
    "ppes": ("day", "ppe", "name", "last_sync", *METRIC_KEYS),
    "schools": ("day", "school", *METRIC_KEYS),
    "rooms": ("day", "room", *METRIC_KEYS),
}


@dataclass(frozen=True)
class Order:
    """One table's page, sort column and direction, as the request asked (checked by ``page_order``)."""

    page: int = 1
    sort: str = "day"
    desc: bool = False


@dataclass
class Paged:
    """One page of a long table and where it sits in the whole."""

    rows: list[dict]
    total: int
    order: Order
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The row number (from 1) of this page's first row."""
        return 0 if not self.total else (self.order.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.order.page * self.size)


def page_order(table: str, page: str | None, sort: str | None, desc: str | None) -> Order:
    """A table's ``?{table}_page=&{table}_sort=&{table}_desc=`` checked: a bad value is a 400 naming it."""
    from app.server.deps import bad

    n = 1
    if page not in (None, ""):
        if not page.isdigit() or not 1 <= int(page) <= 100_000:
            raise bad(f"{table}_page", "a page number from 1")
        n = int(page)
    s = sort or SORTS[table][0]
    if s not in SORTS[table]:
        raise bad(f"{table}_sort", "one of " + ", ".join(SORTS[table]))
    if desc not in (None, "", "0", "1"):
        raise bad(f"{table}_desc", "0 or 1")
    return Order(n, s, desc == "1")


def _filters(day, ppe, date_from, date_to, subject, allowed) -> dict:
    return dict(day=day, ppe=ppe, date_from=date_from, date_to=date_to, subject=subject, allowed=allowed)


def summary(engine: Engine, day: str | None = None, ppe: str | None = None, date_from: str | None = None,
            date_to: str | None = None, subject: str | None = None, school: str | None = None,
            allowed: frozenset[str] | None = None, whole=None) -> dict[str, Any]:
    """The period, its dates and its (date, subject) rows, and the unreadable count: ``report``'s values
    for these levels, grouped by the database (tens of rows, whatever the season's size). ``whole``: the
    filters' ``whole_report.build`` when the caller made it already (no school chosen)."""
    if not school:  # the exam-point days' kept parts (app.server.whole_report): no grouped read at all
        head = (whole or kept(engine, day, ppe, date_from, date_to, subject, allowed)).head
        return {k: head[k] for k in ("filters", "unreadable", "period", "dates", "days")}
    f = _filters(day, ppe, date_from, date_to, subject, allowed)
    fd = t.fig_days
    with read_connection(engine) as conn:
        keys = conn.execute(_filtered(select(fd.c.day, fd.c.subject, fd.c.subject_title,
                                             func.sum(fd.c.unreadable))
                                      .where(fd.c.valid.is_(True)), fd, **f)
                            .group_by(fd.c.day, fd.c.subject, fd.c.subject_title).order_by(fd.c.day)).all()
        # room and school rows exist only for a day with figures (a day without is stored with valid=False
        # and nothing else: figures.rebuild_day), so they need no join on fig_days
        tb = t.fig_schools if school else t.fig_rooms
        q = _filtered(select(tb.c.day, *[func.sum(getattr(tb.c, c)) for c in _M]), tb, **f)
        if school:
            q = q.where(tb.c.school == school)
        sums = {r[0]: _metrics(r, 1) for r in conn.execute(q.group_by(tb.c.day))}
        fi = t.fig_incidents
        iq = _filtered(select(fi.c.day, fi.c.kind, func.sum(fi.c.n)), fi, **f)
        if school:
            iq = iq.where(fi.c.school == school)
        incs: dict[str, Counter] = {}
        for d, kind, n in conn.execute(iq.group_by(fi.c.day, fi.c.kind)):
            if n:
                incs.setdefault(d, Counter())[kind] += int(n)
    days: dict[str, dict] = {}
    dates: dict[str, dict] = {}
    period = {"level": "period", "day": "", "subject": subject or "", "subject_title": "", "ppe": "", "room": "",
              "school": school or "", **zero(), "incidents_by_kind": Counter()}
    unreadable = 0
    for d, subj, title, unr in keys:
        base = {"day": d, "date": d[:10], "subject": subj, "subject_title": title}
        fold_levels(days, dates, period, base, sums.get(d) or zero(), incs.get(d, Counter()))
        unreadable += 0 if school else int(unr or 0)
    for dd in (*days.values(), *dates.values(), period):
        dd["incidents_by_kind"] = dict(dd["incidents_by_kind"])
    return {"filters": {"day": day, "ppe": ppe, "date_from": date_from, "date_to": date_to, "subject": subject,
                        "school": school},
            "unreadable": unreadable, "period": period, "dates": [dates[k] for k in sorted(dates)],
            "days": list(days.values())}


def _count(conn, q) -> int:
    """How many rows a query gives (a page past the last one still says how many there are)."""
    return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0)


def _sortable(metric: str, col):
    """A metric as the page shows it, for ORDER BY: minutes out to 0.1, as the row says (a float SUM
    differs in its last digits, and would order two equal figures by noise)."""
    return func.round(cast(col, Numeric(12, 3)), 1) if metric == "exit_minutes" else col


def _offset(order: Order) -> int:
    return (order.page - 1) * PAGE_SIZE


def ppe_page(engine: Engine, order: Order, day: str | None = None, ppe: str | None = None,
             date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
             allowed: frozenset[str] | None = None) -> Paged:
    """One page of the by-exam-point table (every exam point's date and subject), sorted in SQL."""
    f = _filters(day, ppe, date_from, date_to, subject, allowed)
    fd, fr = t.fig_days, t.fig_rooms
    sums = _filtered(select(fr.c.ppe, fr.c.day, *[func.sum(getattr(fr.c, c)).label(c) for c in _M]), fr, **f) \
        .group_by(fr.c.ppe, fr.c.day).subquery()
    ing = t.ingests
    synced = select(ing.c.ppe, func.max(ing.c.at).label("last_sync")).where(ing.c.outcome == "accepted") \
        .group_by(ing.c.ppe).subquery()
    base = _filtered(select(fd, t.ppe.c.name, t.ppe.c.tz, *[sums.c[c] for c in _M])
                     .join(t.ppe, t.ppe.c.key == fd.c.ppe)
                     .outerjoin(sums, and_(sums.c.ppe == fd.c.ppe, sums.c.day == fd.c.day))
                     .where(fd.c.valid.is_(True)), fd, **f)
    cols = {"day": [fd.c.day], "ppe": [fd.c.ppe], "name": [t.ppe.c.name],
            "last_sync": [func.coalesce(synced.c.last_sync, literal(""))],
            **{k: [_sortable(k, func.coalesce(sums.c[f"m_{k}"], 0))] for k in METRIC_KEYS}}
    keys = [c.desc() if order.desc else c.asc() for c in cols[order.sort]]
    q = base.outerjoin(synced, synced.c.ppe == fd.c.ppe) if order.sort == "last_sync" else base
    q = q.order_by(*keys, fd.c.day, fd.c.ppe).limit(PAGE_SIZE).offset(_offset(order))
    with read_connection(engine) as conn:
        total = conn.execute(_filtered(select(func.count()).select_from(fd).where(fd.c.valid.is_(True)), fd, **f)
                             ).scalar() or 0
        found = conn.execute(q).all()
        pairs = [(r.ppe, r.day) for r in found]
        incs: dict[tuple[str, str], Counter] = {}
        if pairs:
            fi = t.fig_incidents
            for p, d, kind, n in conn.execute(select(fi.c.ppe, fi.c.day, fi.c.kind, func.sum(fi.c.n))
                                              .where(tuple_(fi.c.ppe, fi.c.day).in_(pairs))
                                              .group_by(fi.c.ppe, fi.c.day, fi.c.kind)):
                if n:
                    incs.setdefault((p, d), Counter())[kind] += int(n)
    last = last_syncs(engine)
    rows = []
    for r in found:
        m = _metrics(r, len(r) - len(_M))
        when = last.get(r.ppe, "")
        rows.append({"level": "ppe", "day": r.day, "date": r.day[:10], "subject": r.subject,
                     "subject_title": r.subject_title, "ppe": r.ppe, "ppe_name": r.name, "room": "", "school": "",
                     **m, "incidents_by_kind": dict(incs.get((r.ppe, r.day), Counter())), "events": r.events_total,
                     "unreadable": r.unreadable, "last_sync": when, "tz": r.tz, "silent": _silent(r.day, r.tz, when),
                     "papers_printed": r.papers_printed, "papers_returned": r.papers_returned,
                     "papers_all_back": r.papers_printed > 0 and r.papers_out == 0})
    return Paged(rows, int(total), order, PAGE_SIZE)


def school_page(engine: Engine, order: Order, titles: dict[str, str], day: str | None = None,
                ppe: str | None = None, date_from: str | None = None, date_to: str | None = None,
                subject: str | None = None, school: str | None = None,
                allowed: frozenset[str] | None = None, whole=None) -> Paged:
    """One page of the by-school table (each school's share of each (date, subject)), sorted in SQL.

    ``titles``: each day key's subject title (the summary's rows carry them). Without a school chosen the
    rows are the kept parts' (app.server.whole_report), sorted here: a season's ~3,000 rows sort in a few
    milliseconds, where grouping ~60,000 stored shares for a sort by a figure took the database 100–300 ms."""
    if not school:
        return _kept_school_page(whole or kept(engine, day, ppe, date_from, date_to, subject, allowed), order, titles)
    f = _filters(day, ppe, date_from, date_to, subject, allowed)
    fs = t.fig_schools
    sums = [func.sum(getattr(fs.c, c)).label(c) for c in _M]
    q = _filtered(select(fs.c.day, fs.c.school, func.min(fs.c.subject).label("subject"), *sums), fs, **f)
    if school:
        q = q.where(fs.c.school == school)
    g = q.group_by(fs.c.day, fs.c.school).subquery()
    cols = {"day": g.c.day, "school": g.c.school, **{k: _sortable(k, g.c[f"m_{k}"]) for k in METRIC_KEYS}}
    key = cols[order.sort].desc() if order.desc else cols[order.sort].asc()
    with read_connection(engine) as conn:
        if order.sort == "day" and not order.desc:
            # the table's own order: the index on (day, school) yields the page's groups alone
            found = conn.execute(q.group_by(fs.c.day, fs.c.school).order_by(fs.c.day, fs.c.school)
                                 .limit(PAGE_SIZE).offset(_offset(order))).all()
            keys = _filtered(select(fs.c.day, fs.c.school), fs, **f)
            total = _count(conn, (keys.where(fs.c.school == school) if school else keys).distinct())
        else:
            # sorted by a figure: every group is needed; one pass gives the page and the count (a window)
            found = conn.execute(select(g, func.count().over().label("n_rows")).order_by(key, g.c.day, g.c.school)
                                 .limit(PAGE_SIZE).offset(_offset(order))).all()
            total = found[0].n_rows if found else _count(conn, select(g.c.day))
        pairs = [(r.day, r.school) for r in found]
        incs: dict[tuple[str, str], dict[str, int]] = {}
        if pairs:
            fi = t.fig_incidents
            iq = _filtered(select(fi.c.day, fi.c.school, fi.c.kind, func.sum(fi.c.n))
                           .where(tuple_(fi.c.day, fi.c.school).in_(pairs)), fi, **f)
            for d, sk, kind, n in conn.execute(iq.group_by(fi.c.day, fi.c.school, fi.c.kind)):
                if n:
                    incs.setdefault((d, sk), {})[kind] = int(n)
    rows = [{"level": "school", "day": r.day, "date": r.day[:10], "subject": r.subject,
             "subject_title": titles.get(r.day, ""), "ppe": "", "room": "", "school": r.school,
             **_metrics(r, 3), "incidents_by_kind": incs.get((r.day, r.school), {})} for r in found]
    return Paged(rows, int(total), order, PAGE_SIZE)


def kept(engine: Engine, day: str | None = None, ppe: str | None = None, date_from: str | None = None,
         date_to: str | None = None, subject: str | None = None, allowed: frozenset[str] | None = None):
    """The filters' whole report from the kept parts (no school chosen, no rooms), for ``summary`` and
    ``school_page`` to share."""
    from app.server.whole_report import build

    return build(engine, day=day, ppe=ppe, rooms=False, date_from=date_from, date_to=date_to, subject=subject,
                 allowed=allowed)


def _kept_school_page(whole, order: Order, titles: dict[str, str]) -> Paged:
    """``school_page`` from the kept school rows: the same order as the database's (the sort column, then
    date and school ascending: Python's sort is stable, reversed too, and the rows come in (date, school)
    order; codes and keys are digits, which every collation orders alike)."""
    rows = [r for part in whole.schools for r in part.rows]
    if order.sort != "day" or order.desc:
        rows = sorted(rows, key=lambda r: r[order.sort], reverse=order.desc)
    start = _offset(order)
    page = [{**r, "subject_title": titles.get(r["day"], ""), "incidents_by_kind": dict(r["incidents_by_kind"])}
            for r in rows[start:start + PAGE_SIZE]]
    return Paged(page, len(rows), order, PAGE_SIZE)


def room_page(engine: Engine, order: Order, titles: dict[str, str], day: str | None = None,
              ppe: str | None = None, date_from: str | None = None, date_to: str | None = None,
              subject: str | None = None, allowed: frozenset[str] | None = None) -> Paged:
    """One page of the by-room table (the page shows it for one exam point), sorted in SQL."""
    f = _filters(day, ppe, date_from, date_to, subject, allowed)
    fr = t.fig_rooms
    q = _filtered(select(fr.c.ppe, fr.c.day, fr.c.room, fr.c.subject, *[getattr(fr.c, c) for c in _M], fr.c.phase,
                         fr.c.problems), fr, **f)
    cols = {"day": fr.c.day, "room": fr.c.room, **{k: _sortable(k, getattr(fr.c, f"m_{k}")) for k in METRIC_KEYS}}
    key = cols[order.sort].desc() if order.desc else cols[order.sort].asc()
    with read_connection(engine) as conn:
        total = _count(conn, q)
        found = conn.execute(q.order_by(key, fr.c.day, fr.c.ppe, fr.c.room).limit(PAGE_SIZE)
                             .offset(_offset(order))).all()
        pairs = [(r.ppe, r.day, r.room) for r in found]
        incs: dict[tuple[str, str, str], dict[str, int]] = {}
        if pairs:
            fi = t.fig_incidents
            for p, d, room, kind, n in conn.execute(
                    select(fi.c.ppe, fi.c.day, fi.c.room, fi.c.kind, func.sum(fi.c.n))
                    .where(tuple_(fi.c.ppe, fi.c.day, fi.c.room).in_(pairs))
                    .group_by(fi.c.ppe, fi.c.day, fi.c.room, fi.c.kind)):
                if n:
                    incs.setdefault((p, d, room), {})[kind] = int(n)
    rows = [{"level": "room", "day": r.day, "date": r.day[:10], "subject": r.subject,
             "subject_title": titles.get(r.day, ""), "ppe": r.ppe, "room": r.room, "school": "", **_metrics(r, 4),
             "incidents_by_kind": incs.get((r.ppe, r.day, r.room), {}), "phase": r.phase,
             "problems": json.loads(r.problems)} for r in found]
    return Paged(rows, int(total), order, PAGE_SIZE)
