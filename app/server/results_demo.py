"""Synthetic, plausible results for the demo exam point over three years, so the pages show trends.

Deterministic (seeded by participant code, subject and year), stored with ``source = 'demo'`` so every
view labels them as demo data. Scores follow each subject's scale; one school drifts upward year on
year, as real municipalities see.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, delete, insert, select

from app.server import schema as t
from app.server.results_import import scales

YEARS = (2024, 2025, 2026)


def demo_results(engine: Engine, years: tuple[int, ...] = YEARS) -> int:
    """Results for every participant of the server's plans, as if the same exams ran in each year."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with engine.connect() as conn:
        planned = list(conn.execute(select(t.participants.c.day, t.participants.c.code,
                                           t.participants.c.school_code, t.participants.c.ppe)))
        muni = {r.key: f"{r.region}/{r.msu}" for r in conn.execute(select(t.ppe.c.key, t.ppe.c.region, t.ppe.c.msu))}
    schools = sorted({p.school_code for p in planned if p.school_code})
    rising = schools[0] if schools else ""
    rows = []
    for year in years:
        sc = scales(year)
        for p in planned:
            date, subject = p.day[:10], p.day[11:]
            scale = sc.get(subject)
            if scale is None:
                continue
            rnd = random.Random(f"{p.code}/{subject}/{year}")
            if scale.grade5:
                score = min(5, max(2, round(rnd.gauss(4, 0.8))))
                primary = score * 4
            else:
                centre = 62 + (4 * (year - years[0]) if p.school_code == rising else 0)
                score = min(100, max(0, round(rnd.gauss(centre, 14))))
                primary = round(score * 0.55)
            rows.append({"practice": False, "exam_date": f"{year}{date[4:]}", "subject_code": subject,
                         "participant_code": p.code, "year": year, "school_code": p.school_code or "0",
                         "primary_score": primary, "test_score": score, "passed": score >= scale.minimum,
                         "imported_at": now, "source": "demo", "municipality": muni.get(p.ppe, "")})
    with engine.begin() as conn:
        conn.execute(delete(t.results).where(and_(t.results.c.source == "demo", t.results.c.year.in_(years))))
        held = {(r.exam_date, r.subject_code, r.participant_code) for r in conn.execute(
            select(t.results.c.exam_date, t.results.c.subject_code, t.results.c.participant_code)
            .where(and_(t.results.c.practice.is_(False), t.results.c.year.in_(years))))}
        rows = [r for r in rows if (r["exam_date"], r["subject_code"], r["participant_code"]) not in held]
        if rows:
            conn.execute(insert(t.results), rows)
        from app.server.results_cells import refresh_cells

        refresh_cells(conn, {(False, y, s) for y, s in conn.execute(
            select(t.results.c.year, t.results.c.subject_code).where(t.results.c.year.in_(years)).distinct())})
    return len(rows)
