"""Stored result cells: each (subject, school) of a year's results folded once, when results are written.

A report reads a few hundred stored cells instead of grouping every result row again: the indicators
of a school (participants, mean, median, shares) and each subject's score histogram (at most 101 rows,
for the municipality's median and spread) are recomputed for exactly the (practice, year, subject)
groups an import or the demo touched, in the same transaction. ``rebuild_cells`` recomputes all of them
from the results themselves, which stay the source (``auditoria server rebuild-results``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select

from app.server import schema as t

Key = tuple[bool, int, str]  # (practice, year, subject): the cells of every municipality of it are recomputed


def refresh_cells(conn: Connection, keys: set[Key]) -> None:
    """Recompute the stored cells and histograms of these groups from the result rows (inside the
    caller's transaction, so readers never see results and cells that disagree)."""
    from app.server.results_figures import hist_indicators
    from app.server.results_import import Scale, scales
    from app.server.results_rooms import refresh_rooms

    refresh_rooms(conn, {(year, subject) for practice, year, subject in keys if not practice})
    for practice, year, subject in sorted(keys):
        where = and_(t.results.c.practice == practice, t.results.c.year == year, t.results.c.subject_code == subject)
        for table in (t.results_cells, t.results_hist):
            conn.execute(delete(table).where(and_(table.c.practice == practice, table.c.year == year,
                                                  table.c.subject_code == subject)))
        r = t.results.c
        per: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)  # (municipality, school) -> histogram
        demo: dict[tuple[str, str], bool] = defaultdict(bool)
        for muni, school, score, k, d in conn.execute(
                select(r.municipality, r.school_code, r.test_score, _count(), _any_demo()).where(where)
                .group_by(r.municipality, r.school_code, r.test_score)):
            per[(muni, school)][int(score)] = int(k)
            demo[(muni, school)] = demo[(muni, school)] or bool(d)
        if not per:
            continue
        scale = scales(year).get(subject) or Scale(0)
        cells = []
        every: dict[str, Counter[int]] = defaultdict(Counter)
        muni_demo: dict[str, bool] = defaultdict(bool)
        for (muni, school), hist in per.items():
            every[muni].update(hist)
            muni_demo[muni] = muni_demo[muni] or demo[(muni, school)]
            cells.append({"practice": practice, "year": year, "subject_code": subject, "municipality": muni,
                          "school_code": school, "demo": demo[(muni, school)],
                          **_stored(hist_indicators(hist, scale))})
        conn.execute(insert(t.results_cells), cells)
        conn.execute(insert(t.results_hist), [{"practice": practice, "year": year, "subject_code": subject,
                                               "municipality": muni, "test_score": s, "n": k,
                                               "demo": muni_demo[muni]}
                                              for muni, hist in sorted(every.items())
                                              for s, k in sorted(hist.items())])


def rebuild_cells(engine: Engine) -> int:
    """Every stored cell recomputed from the results; returns the number of groups."""
    with engine.begin() as conn:
        keys = {(bool(p), int(y), s) for p, y, s in conn.execute(
            select(t.results.c.practice, t.results.c.year, t.results.c.subject_code).distinct())}
        for table in (t.results_cells, t.results_hist, t.results_rooms):
            conn.execute(delete(table))
        refresh_cells(conn, keys)
    return len(keys)


def read_cells(engine: Engine, year: int, practice: bool, subject: str | None, school: str | None,
               municipality: str | None = None, cells_of: str | None = None
               ) -> tuple[dict[str, dict[str, dict[str, Any]]], bool, dict[str, Counter[int]]]:
    """{subject: {school: indicators}}, whether any is demo data, and each subject's score histogram (of the
    whole municipality; of the one school when ``school`` is given). ``municipality`` limits everything to
    that municipality's rows (a viewer's scope); None reads all of them (an administrator's). ``cells_of``
    reads only that school's cells, beside the municipality's histogram (one school's page over the years)."""
    from sqlalchemy import func

    hc = t.results_hist.c
    q = select(t.results_cells).where(and_(t.results_cells.c.practice == practice, t.results_cells.c.year == year))
    h = select(hc.subject_code, hc.test_score, func.sum(hc.n)).where(
        and_(hc.practice == practice, hc.year == year)).group_by(hc.subject_code, hc.test_score)
    if municipality is not None:
        q = q.where(t.results_cells.c.municipality == municipality)
        h = h.where(hc.municipality == municipality)
    if subject:
        q = q.where(t.results_cells.c.subject_code == subject)
        h = h.where(t.results_hist.c.subject_code == subject)
    if school or cells_of:
        q = q.where(t.results_cells.c.school_code == (school or cells_of))
    cells: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    hists: dict[str, Counter[int]] = defaultdict(Counter)
    demo = False
    with engine.connect() as conn:
        for r in conn.execute(q):
            cells[r.subject_code][r.school_code] = {
                "participants": r.participants, "mean": r.mean, "median": _int_if_whole(r.median),
                "below_minimum": r.below_minimum, "high_81_99": r.high_81_99, "top_100": r.top_100}
            demo = demo or bool(r.demo)
        if school:  # the one school's own scores stand for the "municipality" of a school-filtered view
            sq = select(t.results.c.subject_code, t.results.c.test_score, _count()).where(and_(
                t.results.c.practice == practice, t.results.c.year == year, t.results.c.school_code == school))
            if subject:
                sq = sq.where(t.results.c.subject_code == subject)
            if municipality is not None:
                sq = sq.where(t.results.c.municipality == municipality)
            rows = conn.execute(sq.group_by(t.results.c.subject_code, t.results.c.test_score))
        else:
            rows = conn.execute(h)
        for subj, score, k in rows:
            hists[subj][int(score)] = int(k)
    return cells, demo, hists


def _stored(ind: dict[str, Any]) -> dict[str, Any]:
    return {k: ind[k] for k in ("participants", "mean", "median", "below_minimum", "high_81_99", "top_100")}


def _int_if_whole(v: float | None) -> float | int | None:
    return int(v) if v is not None and float(v).is_integer() else v


def _count():
    from sqlalchemy import func

    return func.count()


def _any_demo():
    from sqlalchemy import case, func

    return func.max(case((t.results.c.source == "demo", 1), else_=0))
