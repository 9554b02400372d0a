"""Import of exam results lists at the municipal server (CSV/XLSX from the regional centre).

All or nothing: every row is checked first and every problem named as ``file:line: column: reason``;
nothing is written unless the whole file is clean, and importing the same file again changes nothing.
Only participant codes are stored, never names. Each row is joined to the conduct record (the HQ
plans the server holds) by participant code, date and subject; the count of joined rows is reported.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, and_, delete, select

from app.errors import UserError
from app.server import schema as t

RESULT_HEADER = ("participant_code", "exam_date", "subject_code", "school_code", "primary_score", "test_score",
                 "passed")
_CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_SCHOOL_RE = re.compile(r"^\d{1,6}$")
_YES = {"1", "да", "yes", "true", "+", "преодолел"}
_NO = {"0", "нет", "no", "false", "-", "не преодолел"}


@dataclass(frozen=True)
class Scale:
    """How a subject is marked: test scores 0-100 with a minimum, or a five-point grade (математика базовая)."""

    minimum: int
    university: int | None = None
    grade5: bool = False

    @property
    def top(self) -> int:
        return 5 if self.grade5 else 100


@lru_cache(maxsize=8)
def scales(year: int) -> dict[str, Scale]:
    """Minimum scores per subject, year-versioned data (resources/reference/<year>/minimums.json)."""
    from app.domain.reference import available_years
    from app.paths import resources_dir

    years = available_years()
    chosen = max([y for y in years if y <= year] or [years[0]])
    data = json.loads((resources_dir() / "reference" / str(chosen) / "minimums.json").read_text(encoding="utf-8"))
    out = {}
    for code, v in data["subjects"].items():
        out[code] = Scale(int(v["minimum"]), v.get("university"), v.get("scale") == "grade5")
    for oral, written in (("29", "09"), ("30", "10"), ("31", "11"), ("33", "13"), ("34", "14")):
        out.setdefault(oral, out[written])
    return out


@dataclass
class ResultRow:
    participant_code: str
    exam_date: str
    subject_code: str
    school_code: str
    primary_score: int
    test_score: int
    passed: bool | None
    line: int = 0  # in the file, for messages


class ResultRows(list):
    """Checked rows of a results list, with the file's own column names (canonical -> as the file says)."""

    labels: dict[str, str]


@dataclass
class ResultsImport:
    file: str
    rows: int
    joined: int
    added: int = 0
    changed: int = 0
    unchanged: bool = False
    years: list[int] = field(default_factory=list)
    practice: bool = False
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # the file's column name -> the field it fills
    preview: bool = False  # checked and counted, nothing written
    municipalities: dict[str, int] = field(default_factory=dict)  # rows placed in each municipality

    def to_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "joined": self.joined, "added": self.added,
                "changed": self.changed, "unchanged": self.unchanged, "years": self.years,
                "practice": self.practice, "warnings": self.warnings, "mapping": self.mapping,
                "preview": self.preview, "municipalities": self.municipalities}


def parse_results(path: Path, year: int | None = None) -> list[ResultRow]:
    """Check every row of a results list; returns its rows or raises ImportErrors naming each problem."""
    from app.services.importer import Columns, ImportErrors, checked_rows, parse_exam_date, read_rows

    name = path.name
    cols = Columns("results_columns.json", RESULT_HEADER, optional=("passed",))
    rows = read_rows(path, cols)
    errors: list[str] = []
    out = ResultRows()
    out.labels = dict(rows.labels)
    seen: dict[tuple[str, str, str], int] = {}
    dates: dict = {}  # a list holds a few dates thousands of times: parse each text once
    for line, r, err in checked_rows(rows, name, errors):
        n0 = len(errors)
        code = r["participant_code"]
        if not _CODE_RE.fullmatch(code):
            err("participant_code", "must be 1-20 Latin letters, digits or '-'" if code else "is empty")
        try:
            text = r["exam_date"]
            d = dates.get(text)
            if d is None:
                d = dates[text] = parse_exam_date(text)
            if year is not None and d.year != year:
                err("exam_date", f"{d.isoformat()} is not in {year} (--year)")
        except ValueError:
            err("exam_date", f"must be a date YYYY-MM-DD or DD.MM.YYYY, not {r['exam_date']!r}")
            d = None
        subj = r["subject_code"].zfill(2) if r["subject_code"].isdigit() else r["subject_code"]
        scale = scales(d.year).get(subj) if d else None
        if d is not None and scale is None:
            err("subject_code", f"no minimum score known for subject {r['subject_code']!r}")
        school = r["school_code"]
        if not _SCHOOL_RE.fullmatch(school):
            err("school_code", f"must be 1-6 digits, not {school!r}")
        scores = []
        for col in ("primary_score", "test_score"):
            v = r[col].replace(",", ".")
            try:
                f = float(v)
                if not f.is_integer() or f < 0:
                    raise ValueError
                scores.append(int(f))
            except ValueError:
                err(col, f"must be a whole number of points, not {r[col]!r}")
        if len(scores) == 2 and scale is not None and scores[1] > scale.top:
            err("test_score", f"{scores[1]} is above the subject's top mark {scale.top}")
        if len(scores) == 2 and scores[0] > 200:
            err("primary_score", f"{scores[0]} points is more than any ЕГЭ paper has")
        passed_text = r.get("passed", "").strip().lower()
        passed = True if passed_text in _YES else False if passed_text in _NO else None
        if passed_text and passed is None:
            err("passed", f"must be yes/no (да/нет, 1/0), not {r['passed']!r}")
        if len(errors) > n0 or d is None:
            continue
        key = (code, d.isoformat(), subj)
        if key in seen:
            err("participant_code", f"{code} has two results for {subj} on {d.isoformat()} (first at line {seen[key]})")
            continue
        seen[key] = line
        out.append(ResultRow(code, d.isoformat(), subj, school, scores[0], scores[1], passed, line))
    if not errors and not out:
        errors.append(f"{name}: no result rows")
    if errors:
        raise ImportErrors(errors)
    return out


_COLUMNS = ("practice", "exam_date", "subject_code", "participant_code", "year", "school_code", "primary_score",
            "test_score", "passed", "imported_at", "source", "municipality")


def _bulk_insert(conn, rows: list[tuple]) -> None:
    """The checked rows in one go, inside the caller's transaction: COPY on PostgreSQL, one executemany of
    plain tuples on SQLite (the per-row parameter processing of a Core insert cost as much as the checks)."""
    cols = ", ".join(_COLUMNS)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY results ({cols}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
    else:
        raw.executemany(f"INSERT INTO results ({cols}) VALUES ({', '.join('?' * len(_COLUMNS))})", rows)


def import_results(engine: Engine, path: str | Path, year: int | None = None, practice: bool = False,
                   preview: bool = False, municipality: str | None = None) -> ResultsImport:
    """Store a results list: all rows or none; the same file again changes nothing. ``preview`` checks and
    counts everything (the column mapping, new and changed rows, the join) and writes nothing. Each row is
    placed in a municipality (app.server.results_place); ``municipality`` is the one the list was handed to."""
    from app.server.results_place import check_municipality, place_rows

    municipality = check_municipality(municipality)
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    rows = parse_results(path, year)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    res = ResultsImport(path.name, len(rows), 0, years=sorted({int(r.exam_date[:4]) for r in rows}),
                        practice=practice, preview=preview,
                        mapping={label: canon for canon, label in rows.labels.items()})
    with engine.connect() as conn, conn.begin() as trans:
        placed, notes = place_rows(conn, path.name, rows, municipality)
        res.warnings += notes
        res.municipalities = dict(sorted(Counter(placed).items()))
        keys = {(r.exam_date, r.subject_code) for r in rows}
        old: dict[tuple[str, str, str], tuple] = {}
        for d, s in keys:
            for o in conn.execute(select(t.results).where(and_(t.results.c.practice == practice,
                                                               t.results.c.exam_date == d,
                                                               t.results.c.subject_code == s))):
                old[(o.participant_code, d, s)] = (o.school_code, o.primary_score, o.test_score, o.passed,
                                                   o.municipality)
        fresh, changed = [], []
        for r, m in zip(rows, placed, strict=True):
            k = (r.participant_code, r.exam_date, r.subject_code)
            now_vals = (r.school_code, r.primary_score, r.test_score, r.passed, m)
            if k not in old:
                fresh.append((r, m))
            elif old[k] != now_vals:
                changed.append((r, m))
        for r, _m in changed:
            conn.execute(delete(t.results).where(and_(
                t.results.c.practice == practice, t.results.c.exam_date == r.exam_date,
                t.results.c.subject_code == r.subject_code, t.results.c.participant_code == r.participant_code)))
        todo = fresh + changed
        if todo:
            _bulk_insert(conn, [(practice, r.exam_date, r.subject_code, r.participant_code, int(r.exam_date[:4]),
                                 r.school_code, r.primary_score, r.test_score, r.passed, now, "list", m)
                                for r, m in todo])
        if todo:
            from app.server.results_cells import refresh_cells

            refresh_cells(conn, {(practice, int(d[:4]), s) for d, s in keys})
        res.added, res.changed = len(fresh), len(changed)
        res.unchanged = not todo
        planned: set[tuple[str, str, str]] = set()
        for d, s in keys:
            for p in conn.execute(select(t.participants.c.code).where(t.participants.c.day == f"{d}/{s}")):
                planned.add((p.code, d, s))
        res.joined = sum((r.participant_code, r.exam_date, r.subject_code) in planned for r in rows)
        if preview:
            trans.rollback()
    if res.joined < res.rows and not practice:
        res.warnings.append(f"{res.rows - res.joined} result(s) match no participant of the conduct record "
                            f"(no HQ plan for that date and subject yet, or another municipality's)")
    return res
