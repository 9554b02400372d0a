"""What the results pages need beside ``results_figures.results_report``: the years held, one school's
figures over the years beside the municipality's, the score distribution a figure is computed from, the
links from each figure to its source, and the tables for CSV/XLSX. No participant codes anywhere."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, func, select

from app.i18n import _
from app.server import schema as t
from app.server.names import Names
from app.server.results_figures import CONDUCT, SMALL_CELL, results_report
from app.server.tables import Table

CONDUCT_TITLES = {"removed": "Removed", "finished_early": "Early completions", "exits": "Exits",
                  "exit_minutes": "Minutes out", "extra_sheets": "Extra sheets", "incidents": "Incidents",
                  "appeals": "Appeals"}  # msgids of the monitoring figures: one translation for both pages
# which monitoring figure each conduct-per-100 figure is counted from (the events page of that metric)
CONDUCT_METRIC = {"removed": "removed", "finished_early": "finished_early", "exits": "exits",
                  "exit_minutes": "exit_minutes", "extra_sheets": "extra_sheets", "incidents": "incidents",
                  "appeals": "appeals"}


def result_years(engine: Engine, practice: bool = False, municipality: str | None = None) -> list[int]:
    """The years with results (of one municipality, or all)."""
    q = select(t.results.c.year).where(t.results.c.practice == practice)
    if municipality is not None:
        q = q.where(t.results.c.municipality == municipality)
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(q.group_by(t.results.c.year).order_by(t.results.c.year))]


def subject_titles(year: int) -> dict[str, str]:
    from app.domain.reference import load_reference

    try:
        return {c: _(s.title) for c, s in load_reference(year).subjects.items()}
    except (KeyError, ValueError, OSError):
        return {}


def monitoring_link(year: int, subject: str, school: str | None = None, ppe: str | None = None) -> str:
    """The monitoring page of the same exams: the year's dates of that subject, that school or exam point."""
    q = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31", "subject": subject}
    if school:
        q["school"] = school
    if ppe:
        q["ppe"] = ppe
    return "/monitoring?" + urlencode(q)


def distribution_link(year: int, subject: str, school: str | None = None, public: bool = False,
                      practice: bool = False) -> str:
    q: dict[str, Any] = {"year": year, "subject": subject}
    if school:
        q["school"] = school
    if public:
        q["public"] = 1
    if practice:
        q["practice"] = 1
    return "/results/distribution?" + urlencode(q)


def distribution(engine: Engine, year: int, subject: str, school: str | None = None,
                 practice: bool = False, municipality: str | None = None) -> list[tuple[int, int]]:
    """(test score, participants) of a subject's results that year: what every indicator is computed from."""
    q = (select(t.results.c.test_score, func.count()).where(t.results.c.practice == practice,
                                                             t.results.c.year == year,
                                                             t.results.c.subject_code == subject)
         .group_by(t.results.c.test_score).order_by(t.results.c.test_score))
    if school:
        q = q.where(t.results.c.school_code == school)
    if municipality is not None:
        q = q.where(t.results.c.municipality == municipality)
    with engine.connect() as conn:
        return [(int(s), int(n)) for s, n in conn.execute(q)]


def buckets(dist: list[tuple[int, int]], top: int) -> list[tuple[str, int]]:
    """Scores grouped for a chart: by ten points (0-9 … 90-99, 100), or by grade on a five-point scale."""
    c: Counter = Counter()
    for s, n in dist:
        c[s if top == 5 else min(s // 10 * 10, 100)] += n
    if top == 5:
        return [(str(g), c.get(g, 0)) for g in range(2, 6)]
    return [(f"{b}–{b + 9}" if b < 100 else "100", c.get(b, 0)) for b in range(0, 101, 10)]


def school_history(engine: Engine, school: str, years: list[int], public: bool = False,
                   practice: bool = False, municipality: str | None = None) -> list[dict[str, Any]]:
    """Per subject: each year's figures of the school beside the municipality's (newest year first)."""
    by_subject: dict[str, dict[str, Any]] = {}
    for y in sorted(years, reverse=True):
        rep = results_report(engine, y, public=public, practice=practice, municipality=municipality, focus=school)
        for s in rep["subjects"]:
            mine = next((c for c in s["schools"] if c["school"] == school), None)
            if mine is None:
                continue
            entry = by_subject.setdefault(s["code"], {"code": s["code"], "scale": s["scale"], "years": [],
                                                      "flags": []})
            entry["years"].append({"year": y, "school": mine, "municipality": s["municipality"],
                                   "demo": rep["demo"]})
            entry["flags"] += [f for f in s["flags"] if f.get("school") == school]
    return [by_subject[k] for k in sorted(by_subject)]


def suppressed(cell: dict[str, Any]) -> bool:
    return isinstance(cell.get("participants"), str)


def results_tables(rep: dict[str, Any], names: Names, titles: dict[str, str]) -> list[Table]:
    """The tables of the results page: the municipality per subject, every school, the flags."""
    ind = [_("Participants"), _("Mean score"), _("Median"), _("Below the minimum, share"),
           _("81-99 points, share"), _("100 points, share"), _("Mean, change from last year"),
           _("High scores, change from last year")]
    cond = [_("{figure} per 100").format(figure=_(CONDUCT_TITLES[k])) for k in CONDUCT]

    def vals(c: dict[str, Any]) -> list:
        ch = c.get("change") or {}
        c100 = c.get("conduct_per_100") or {}
        return [c.get("participants"), c.get("mean"), c.get("median"), c.get("below_minimum"), c.get("high_81_99"),
                c.get("top_100"), ch.get("mean"), ch.get("high"), *[c100.get(k) for k in CONDUCT]]

    demo = _("demo data") if rep.get("demo") else ""
    subjects = Table("subjects", _("Municipality by subject"),
                     [_("Year"), _("Subject code"), _("Subject"), _("Minimum score"), *ind, *cond, _("Data")],
                     [[rep["year"], s["code"], titles.get(s["code"], ""), s["scale"]["minimum"],
                       *vals(s["municipality"]), demo] for s in rep["subjects"]])
    schools = Table("schools", _("By school"),
                    [_("Year"), _("Subject code"), _("Subject"), _("School"), _("School name"), *ind, *cond,
                     _("Data")],
                    [[rep["year"], s["code"], titles.get(s["code"], ""), c["school"], names.school(c["school"]),
                      *vals(c), demo] for s in rep["subjects"] for c in s["schools"]])
    flags = Table("flags", _("Worth a closer look"),
                  [_("Year"), _("Subject code"), _("School"), _("Exam point"), _("Room"), _("Participants"),
                   _("Why")],
                  [[rep["year"], f["subject"], f.get("school", ""), f.get("ppe", ""), f.get("room", ""),
                    f.get("participants"), f["text"]] for s in rep["subjects"] for f in s["flags"]])
    return [subjects, schools, flags]


__all__ = ["SMALL_CELL", "CONDUCT", "CONDUCT_TITLES", "CONDUCT_METRIC", "result_years", "subject_titles",
           "monitoring_link", "distribution_link", "distribution", "buckets", "school_history", "suppressed",
           "results_tables"]
