"""Indicators of exam results by subject and school, beside the conduct of the same exams (seed 002).

The municipality is the baseline; each school's figures sit next to its conduct figures per 100
participants (removals, early completions, exits and minutes out, extra sheets, incidents, appeals),
taken from the same record the monitoring pages show. Cells that stand apart are flagged in words, as
advice for a person to look into, never as a verdict. A public view shows no figure for fewer than
``SMALL_CELL`` participants and never a participant code.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Engine

from app.i18n import N_, _
from app.server.accounts import municipality_ppes
from app.server.results_import import Scale, scales
from app.server.results_rooms import room_spreads

SMALL_CELL = 5
CONDUCT = ("removed", "finished_early", "exits", "exit_minutes", "extra_sheets", "incidents", "appeals")
# flag thresholds: a jump in the share of high scores, incidents well above the municipality's
HIGH_JUMP = 0.15
INCIDENTS_TIMES = 2.0
UNIFORM_MIN_N = 10
UNIFORM_RATIO = 1 / 3


def indicators(scores: list[int], scale: Scale) -> dict[str, Any]:
    """Participants, mean and median score, share below the minimum, shares at 81-99 and at 100."""
    return hist_indicators(Counter(scores), scale)


def hist_indicators(hist: Counter[int] | dict[int, int], scale: Scale) -> dict[str, Any]:
    """The same indicators from a histogram {score: participants}: a subject's scores take at most 101
    values, so a municipality of any size costs a hundred steps, not one per participant."""
    n = sum(hist.values())
    if n == 0:
        return {"participants": 0, "mean": None, "median": None, "below_minimum": None, "high_81_99": None,
                "top_100": None}
    total = sum(score * k for score, k in hist.items())
    return {"participants": n, "mean": round(total / n, 1), "median": _hist_median(hist, n),
            "below_minimum": round(sum(k for score, k in hist.items() if score < scale.minimum) / n, 3),
            "high_81_99": None if scale.grade5 else round(sum(k for sc, k in hist.items() if 81 <= sc <= 99) / n, 3),
            "top_100": None if scale.grade5 else round(hist.get(100, 0) / n, 3)}


def _hist_median(hist: Counter[int] | dict[int, int], n: int) -> float | int:
    """statistics.median of the scores a histogram stands for (the mean of the middle two when n is even)."""
    lo, hi = (n - 1) // 2, n // 2  # 0-based ranks of the middle value(s)
    seen, low = 0, None
    for score in sorted(hist):
        seen += hist[score]
        if low is None and seen > lo:
            low = score
        if seen > hi:
            return low if low == score else (low + score) / 2
    raise AssertionError("histogram shorter than its count")


def _spread(hist: Counter[int]) -> float:
    """Population standard deviation of the scores of a histogram."""
    n = sum(hist.values())
    if n < 2:
        return 0.0
    mean = sum(s * k for s, k in hist.items()) / n
    return (sum(k * (s - mean) ** 2 for s, k in hist.items()) / n) ** 0.5


def _school_cells(engine: Engine, year: int, practice: bool, subject: str | None, school: str | None,
                  municipality: str | None, focus: str | None = None
                  ) -> tuple[dict[str, dict[str, dict[str, Any]]], bool, dict[str, Counter[int]]]:
    """{subject: {school: indicators}}, whether any is demo data, and each subject's score histogram: read
    from the cells stored when the results were written (app.server.results_cells)."""
    from app.server.results_cells import read_cells

    return read_cells(engine, year, practice, subject, school, municipality, cells_of=focus)


def _suppress(cell: dict[str, Any]) -> dict[str, Any]:
    """No figure of a cell under SMALL_CELL participants in a public view (the count says '< 5')."""
    if cell.get("participants", 0) >= SMALL_CELL:
        return cell
    return {k: (f"<{SMALL_CELL}" if k == "participants" else None) for k in cell}


def _conduct(engine: Engine, year: int, subject: str | None,
             ppes: frozenset[str] | None) -> dict[str, dict[str, dict[str, float]]]:
    """Conduct figures per subject and school over the year (present participants and the counts), in the
    municipality's exam points when one is given: one grouped read of the stored school figures of the
    year's valid exam-point days (what the monitoring report's school rows sum to; a test holds the two equal)."""
    from sqlalchemy import and_, func, select

    from app.server import schema as t
    from app.server.db import read_connection

    fs, fd = t.fig_schools, t.fig_days
    keys = ("present", *CONDUCT)
    q = (select(fs.c.subject, fs.c.school, *[func.sum(getattr(fs.c, f"m_{k}")) for k in keys])
         .select_from(fs.join(fd, and_(fd.c.ppe == fs.c.ppe, fd.c.day == fs.c.day)))
         .where(and_(fd.c.valid.is_(True), fs.c.date >= f"{year}-01-01", fs.c.date <= f"{year}-12-31"))
         .group_by(fs.c.subject, fs.c.school))
    if subject:
        q = q.where(fs.c.subject == subject)
    if ppes is not None:
        q = q.where(fs.c.ppe.in_(sorted(ppes)))
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    with read_connection(engine) as conn:
        for row in conn.execute(q):
            vals = {k: (round(float(v or 0), 1) if k == "exit_minutes" else int(v or 0))
                    for k, v in zip(keys, row[2:], strict=True)}
            out[row[0]][row[1]] = vals
    return out


def _per100(c: dict[str, float] | None) -> dict[str, float | None]:
    if not c or not c.get("present"):
        return dict.fromkeys(CONDUCT)
    return {k: round(100 * c[k] / c["present"], 1) for k in CONDUCT}


def results_report(engine: Engine, year: int, subject: str | None = None, school: str | None = None,
                   public: bool = False, practice: bool = False, municipality: str | None = None,
                   focus: str | None = None) -> dict[str, Any]:
    """Every indicator of a year by subject: the municipality, each school (with the change from the
    year before and its conduct per 100 participants), the flags; JSON for the CLI, API and pages.
    ``municipality`` ("66/001") limits it to that municipality's results and exam points (a viewer's
    scope); None takes every municipality on the server (an administrator's view). ``focus`` keeps only
    that school among the schools and its own flags, beside the whole municipality (a school's page):
    the same figures, without reading every other school's cells and the rooms."""
    now, demo, scores_now = _school_cells(engine, year, practice, subject, school, municipality, focus)
    before, _, scores_before = _school_cells(engine, year - 1, practice, subject, school, municipality, focus)
    ppes = municipality_ppes(engine, municipality) if municipality is not None else None
    all_conduct = _conduct(engine, year, subject, ppes) if not practice else {}
    from app.server.region_import import region_figures

    sc = scales(year)
    region = region_figures(engine, year) if not practice else {}
    spreads = room_spreads(engine, year, municipality, ppes) if not practice and now and not focus else {}
    subjects = []
    for code in sorted(now):
        scale = sc.get(code) or Scale(0)
        muni = hist_indicators(scores_now[code], scale)
        muni["change"] = _change(muni, hist_indicators(scores_before.get(code, Counter()), scale))
        conduct = dict(all_conduct.get(code, {}))
        total = {k: sum(c[k] for c in conduct.values()) for k in ("present", *CONDUCT)} if conduct else None
        muni["conduct_per_100"] = _per100(total)
        schools = []
        for s_code in sorted(now[code]):
            cell = dict(now[code][s_code])
            cell["change"] = _change(cell, before.get(code, {}).get(s_code) or {"participants": 0})
            cell["conduct_per_100"] = _per100(conduct.get(s_code))
            schools.append({"school": s_code, **cell})
        spread = _spread(scores_now[code])
        flags = _flags(spreads, code, spread, muni, schools, scale) if not practice else []
        if public:
            muni = _suppress_cell(muni)
            schools = [{"school": s["school"], **_suppress_cell({k: v for k, v in s.items() if k != "school"})}
                       for s in schools]
            flags = [f for f in flags if f.get("participants", 0) >= SMALL_CELL]
        subjects.append({"code": code, "scale": {"minimum": scale.minimum, "university": scale.university,
                                                 "grade5": scale.grade5},
                         "municipality": muni, "region": _beside_region(muni, region.get(code)),
                         "schools": schools, "flags": flags})
    return {"year": year, "practice": practice, "public": public, "small_cell": SMALL_CELL,
            "demo": demo, "municipality": municipality,
            "filters": {"subject": subject, "school": school}, "subjects": subjects}


def _beside_region(muni: dict[str, Any], reg: dict[str, Any] | None) -> dict[str, Any] | None:
    """The region's figures of the subject (imported reference file) and the municipality's distance from
    them, in points of the mean and of the share below the minimum; None when no file was imported."""
    if reg is None:
        return None
    out = dict(reg)
    if muni.get("mean") is not None:
        out["mean_gap"] = round(muni["mean"] - reg["mean"], 1)
    if muni.get("below_minimum") is not None and reg.get("below_minimum") is not None:
        out["below_minimum_gap"] = round(muni["below_minimum"] - reg["below_minimum"], 3)
    return out


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


def _flags(spreads: dict[str, list[tuple[str, str, int, float]]], code: str, spread: float, muni: dict,
           schools: list[dict], scale: Scale) -> list[dict]:
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
    if spread > 0 and not scale.grade5:
        for ppe, room, n, room_spread in sorted(spreads.get(code, [])):
            if n >= UNIFORM_MIN_N and room_spread < UNIFORM_RATIO * spread:
                out.append({"kind": "uniform-room", "subject": code, "ppe": ppe, "room": room, "participants": n,
                            "text": _(FLAG_TEXTS["uniform-room"]).format(
                                room=room, ppe=ppe, spread=round(room_spread, 1), muni=round(spread, 1), n=n)})
    return out
