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

Key = tuple[bool, int, str]  # (practice, year, subject)


def refresh_cells(conn: Connection, keys: set[Key]) -> None:
    """Recompute the stored cells and histograms of these groups from the result rows (inside the
    caller's transaction, so readers never see results and cells that disagree)."""
    from app.server.results_figures import hist_indicators
    from app.server.results_import import Scale, scales

    for practice, year, subject in sorted(keys):
        where = and_(t.results.c.practice == practice, t.results.c.year == year, t.results.c.subject_code == subject)
        for table in (t.results_cells, t.results_hist):
            conn.execute(delete(table).where(and_(table.c.practice == practice, table.c.year == year,
                                                  table.c.subject_code == subject)))
        per: dict[str, Counter[int]] = defaultdict(Counter)
        demo: dict[str, bool] = defaultdict(bool)
        for school, score, k, d in conn.execute(
                select(t.results.c.school_code, t.results.c.test_score, _count(),
                       _any_demo()).where(where).group_by(t.results.c.school_code, t.results.c.test_score)):
            per[school][int(score)] = int(k)
            demo[school] = demo[school] or bool(d)
        if not per:
            continue
        scale = scales(year).get(subject) or Scale(0)
        cells = []
        every: Counter[int] = Counter()
        for school, hist in per.items():
            every.update(hist)
            cells.append({"practice": practice, "year": year, "subject_code": subject, "school_code": school,
                          "demo": demo[school], **_stored(hist_indicators(hist, scale))})
        conn.execute(insert(t.results_cells), cells)
        any_demo = any(demo.values())
        conn.execute(insert(t.results_hist), [{"practice": practice, "year": year, "subject_code": subject,
                                               "test_score": s, "n": k, "demo": any_demo}
                                              for s, k in sorted(every.items())])


def rebuild_cells(engine: Engine) -> int:
    """Every stored cell recomputed from the results; returns the number of groups."""
    with engine.begin() as conn:
        keys = {(bool(p), int(y), s) for p, y, s in conn.execute(
            select(t.results.c.practice, t.results.c.year, t.results.c.subject_code).distinct())}
        for table in (t.results_cells, t.results_hist):
            conn.execute(delete(table))
        refresh_cells(conn, keys)
    return len(keys)


def read_cells(engine: Engine, year: int, practice: bool, subject: str | None, school: str | None
               ) -> tuple[dict[str, dict[str, dict[str, Any]]], bool, dict[str, Counter[int]]]:
    """{subject: {school: indicators}}, whether any is demo data, and each subject's score histogram (of the
    whole municipality; of the one school when ``school`` is given)."""
    q = select(t.results_cells).where(and_(t.results_cells.c.practice == practice, t.results_cells.c.year == year))
    h = select(t.results_hist.c.subject_code, t.results_hist.c.test_score, t.results_hist.c.n).where(
        and_(t.results_hist.c.practice == practice, t.results_hist.c.year == year))
    if subject:
        q = q.where(t.results_cells.c.subject_code == subject)
        h = h.where(t.results_hist.c.subject_code == subject)
    if school:
        q = q.where(t.results_cells.c.school_code == school)
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
