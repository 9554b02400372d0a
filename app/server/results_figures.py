"""Indicators of exam results by subject and school, beside the conduct of the same exams (seed 002).

The municipality is the baseline; each school's figures sit next to its conduct figures per 100
participants (removals, early completions, exits and minutes out, extra sheets, incidents, appeals),
taken from the same record the monitoring pages show. Cells that stand apart are flagged in words, as
advice for a person to look into, never as a verdict. A public view shows no figure for fewer than
``SMALL_CELL`` participants and never a participant code.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, and_, select

from app.i18n import N_, _
from app.server import schema as t
from app.server.results_import import Scale, scales

SMALL_CELL = 5
CONDUCT = ("removed", "finished_early", "exits", "exit_minutes", "extra_sheets", "incidents", "appeals")
# flag thresholds: a jump in the share of high scores, incidents well above the municipality's
HIGH_JUMP = 0.15
INCIDENTS_TIMES = 2.0
UNIFORM_MIN_N = 10
UNIFORM_RATIO = 1 / 3


def indicators(scores: list[int], scale: Scale) -> dict[str, Any]:
    """Participants, mean and median score, share below the minimum, shares at 81-99 and at 100."""
    n = len(scores)
    if n == 0:
        return {"participants": 0, "mean": None, "median": None, "below_minimum": None, "high_81_99": None,
                "top_100": None}
    return {"participants": n, "mean": round(statistics.fmean(scores), 1), "median": statistics.median(scores),
            "below_minimum": round(sum(s < scale.minimum for s in scores) / n, 3),
            "high_81_99": None if scale.grade5 else round(sum(81 <= s <= 99 for s in scores) / n, 3),
            "top_100": None if scale.grade5 else round(sum(s == 100 for s in scores) / n, 3)}


def _suppress(cell: dict[str, Any]) -> dict[str, Any]:
    """No figure of a cell under SMALL_CELL participants in a public view (the count says '< 5')."""
    if cell.get("participants", 0) >= SMALL_CELL:
        return cell
    return {k: (f"<{SMALL_CELL}" if k == "participants" else None) for k in cell}


def _scores(engine: Engine, year: int, practice: bool, subject: str | None, school: str | None):
    q = select(t.results).where(and_(t.results.c.practice == practice, t.results.c.year == year))
    if subject:
        q = q.where(t.results.c.subject_code == subject)
    if school:
        q = q.where(t.results.c.school_code == school)
    with engine.connect() as conn:
        return list(conn.execute(q))


def _conduct(engine: Engine, year: int, subject: str) -> dict[str, dict[str, float]]:
    """Conduct figures per school of one subject over the year (present participants and the counts)."""
    from app.server.monitoring import report

    rep = report(engine, date_from=f"{year}-01-01", date_to=f"{year}-12-31", subject=subject, rooms=False)
    out: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(("present", *CONDUCT), 0.0))
    for row in rep["schools"]:
        for k in ("present", *CONDUCT):
            out[row["school"]][k] += row.get(k, 0) or 0
    return dict(out)


def _per100(c: dict[str, float] | None) -> dict[str, float | None]:
    if not c or not c.get("present"):
        return dict.fromkeys(CONDUCT)
    return {k: round(100 * c[k] / c["present"], 1) for k in CONDUCT}


def _rooms_of(engine: Engine, rows) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(participant, date, subject) -> (exam point, room) from the HQ plans the server holds."""
    keys = {f"{r.exam_date}/{r.subject_code}" for r in rows}
    out = {}
    with engine.connect() as conn:
        for k in keys:
            for p in conn.execute(select(t.participants.c.ppe, t.participants.c.code, t.participants.c.room)
                                  .where(t.participants.c.day == k)):
                out[(p.code, k[:10], k[11:])] = (p.ppe, p.room)
    return out


def results_report(engine: Engine, year: int, subject: str | None = None, school: str | None = None,
                   public: bool = False, practice: bool = False) -> dict[str, Any]:
    """Every indicator of a year by subject: the municipality, each school (with the change from the
    year before and its conduct per 100 participants), the flags; JSON for the CLI, API and pages."""
    sc = scales(year)
    rows = _scores(engine, year, practice, subject, school)
    before = _scores(engine, year - 1, practice, subject, school)
    by_subject: dict[str, list] = defaultdict(list)
    for r in rows:
        by_subject[r.subject_code].append(r)
    prev: dict[tuple[str, str], list[int]] = defaultdict(list)
    prev_all: dict[str, list[int]] = defaultdict(list)
    for r in before:
        prev[(r.subject_code, r.school_code)].append(r.test_score)
        prev_all[r.subject_code].append(r.test_score)
    subjects = []
    for code in sorted(by_subject):
        scale = sc.get(code) or Scale(0)
        mine = by_subject[code]
        all_scores = [r.test_score for r in mine]
        muni = indicators(all_scores, scale)
        muni["change"] = _change(muni, indicators(prev_all[code], scale))
        conduct = _conduct(engine, year, code) if not practice else {}
        total = {k: sum(c[k] for c in conduct.values()) for k in ("present", *CONDUCT)} if conduct else None
        muni["conduct_per_100"] = _per100(total)
        schools = []
        groups: dict[str, list[int]] = defaultdict(list)
        for r in mine:
            groups[r.school_code].append(r.test_score)
        for s_code in sorted(groups):
            cell = indicators(groups[s_code], scale)
            cell["change"] = _change(cell, indicators(prev[(code, s_code)], scale))
            cell["conduct_per_100"] = _per100(conduct.get(s_code))
            schools.append({"school": s_code, **cell})
        flags = _flags(engine, code, mine, muni, schools, scale) if not practice else []
        if public:
            muni = _suppress_cell(muni)
            schools = [{"school": s["school"], **_suppress_cell({k: v for k, v in s.items() if k != "school"})}
                       for s in schools]
            flags = [f for f in flags if f.get("participants", 0) >= SMALL_CELL]
        subjects.append({"code": code, "scale": {"minimum": scale.minimum, "university": scale.university,
                                                 "grade5": scale.grade5},
                         "municipality": muni, "schools": schools, "flags": flags})
    return {"year": year, "practice": practice, "public": public, "small_cell": SMALL_CELL,
            "demo": any(r.source == "demo" for r in rows),
            "filters": {"subject": subject, "school": school}, "subjects": subjects}


def _suppress_cell(cell: dict[str, Any]) -> dict[str, Any]:
    base = {k: v for k, v in cell.items() if k not in ("change", "conduct_per_100")}
    if base.get("participants", 0) >= SMALL_CELL:
        return cell
    out = _suppress(base)
    out["change"] = None
    out["conduct_per_100"] = None
    return out


def _change(now: dict[str, Any], then: dict[str, Any]) -> dict[str, Any] | None:
    """Year-over-year change of the mean and of the high-score share (None without last year's cell)."""
    if not then.get("participants") or not now.get("participants"):
        return None
    high_now = (now["high_81_99"] or 0) + (now["top_100"] or 0)
    high_then = (then["high_81_99"] or 0) + (then["top_100"] or 0)
    return {"mean": round(now["mean"] - then["mean"], 1), "high": round(high_now - high_then, 3),
            "previous_participants": then["participants"]}


FLAG_TEXTS = {
    "high-with-incidents": N_("The share of high scores (81-100) in school {school} rose by {jump} points from "
                              "last year while its rooms recorded {incidents} incidents per 100 participants "
                              "({times}× the municipality): worth a look at how the exam went there."),
    "uniform-room": N_("Scores in room {room} of exam point {ppe} are unusually alike (spread {spread} against "
                       "{muni} across the municipality, {n} participants): worth comparing with the room's record."),
}


def _flags(engine: Engine, code: str, rows, muni: dict, schools: list[dict], scale: Scale) -> list[dict]:
    out = []
    m_inc = (muni.get("conduct_per_100") or {}).get("incidents") or 0.0
    for s in schools:
        ch, c100 = s.get("change"), s.get("conduct_per_100") or {}
        inc = c100.get("incidents") or 0.0
        if ch and ch["high"] >= HIGH_JUMP and inc > 0 and inc >= INCIDENTS_TIMES * max(m_inc, 0.01):
            out.append({"kind": "high-with-incidents", "subject": code, "school": s["school"],
                        "participants": s["participants"],
                        "text": _(FLAG_TEXTS["high-with-incidents"]).format(
                            school=s["school"], jump=round(100 * ch["high"]), incidents=inc,
                            times=round(inc / max(m_inc, 0.01), 1))})
    all_scores = [r.test_score for r in rows]
    if len(all_scores) >= 2 and not scale.grade5:
        spread = statistics.pstdev(all_scores)
        rooms: dict[tuple[str, str], list[int]] = defaultdict(list)
        where = _rooms_of(engine, rows)
        for r in rows:
            loc = where.get((r.participant_code, r.exam_date, r.subject_code))
            if loc:
                rooms[loc].append(r.test_score)
        for (ppe, room), scores in sorted(rooms.items()):
            if len(scores) >= UNIFORM_MIN_N and spread > 0 and statistics.pstdev(scores) < UNIFORM_RATIO * spread:
                out.append({"kind": "uniform-room", "subject": code, "ppe": ppe, "room": room,
                            "participants": len(scores),
                            "text": _(FLAG_TEXTS["uniform-room"]).format(
                                room=room, ppe=ppe, spread=round(statistics.pstdev(scores), 1),
                                muni=round(spread, 1), n=len(scores))})
    return out
