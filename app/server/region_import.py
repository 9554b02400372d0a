"""The region's reference figures (per year and subject) imported at the municipal server.

The regional centre publishes the region's own indicators each year: participants, mean and median
test score, the share below the minimum and the shares at 81-99 and at 100. Imported here, they sit
beside the municipality's figures as a second baseline (seed 002 §6.3: comparative analysis). Same
rules as every list: all or nothing, problems named ``file:line: column: reason``, the same file twice
changes nothing. Shares are read as percentages and stored as fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, and_, delete, insert, select

from app.errors import UserError
from app.server import schema as t
from app.server.db import read_connection
from app.server.results_import import scales

REGION_HEADER = ("year", "subject_code", "participants", "mean", "median", "below_minimum", "high_81_99", "top_100")
SHARES = ("below_minimum", "high_81_99", "top_100")


@dataclass
class RegionImport:
    file: str
    rows: int
    added: int = 0
    changed: int = 0
    unchanged: bool = False

    def to_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "added": self.added, "changed": self.changed,
                "unchanged": self.unchanged}


def _number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace("%", "").replace(",", "."))


def parse_region(path: Path, year: int | None = None) -> list[dict]:
    from app.domain.reference import available_years
    from app.services.importer import Columns, ImportErrors, checked_rows, read_rows

    name = path.name
    cols = Columns("region_columns.json", REGION_HEADER, optional=("median", "high_81_99", "top_100"))
    rows = read_rows(path, cols)
    years = available_years()
    errors: list[str] = []
    out: list[dict] = []
    seen: dict[tuple[int, str], int] = {}
    for line, r, err in checked_rows(rows, name, errors):
        n0 = len(errors)
        try:
            y = int(r["year"])
            if not min(years) - 10 <= y <= max(years):
                err("year", f"{y} is outside the reference years ({min(years) - 10}-{max(years)})")
            elif year is not None and y != year:
                err("year", f"{y} is not {year} (--year)")
        except ValueError:
            err("year", f"must be a year such as 2026, not {r['year']!r}")
            y = 0
        subj = r["subject_code"].zfill(2) if r["subject_code"].isdigit() else r["subject_code"]
        scale = scales(y).get(subj) if y else None
        if y and scale is None:
            err("subject_code", f"no minimum score known for subject {r['subject_code']!r}")
        rec: dict = {"year": y, "subject_code": subj}
        try:
            n = _number(r["participants"])
            if not n.is_integer() or n < 1:
                raise ValueError
            rec["participants"] = int(n)
        except ValueError:
            err("participants", f"must be a whole number of participants, 1 or more, not {r['participants']!r}")
        for col in ("mean", "median"):
            text = r.get(col, "").strip()
            if not text:
                if col == "mean":
                    err(col, "is empty")
                rec[col] = None
                continue
            try:
                v = _number(text)
                if scale is not None and not 0 <= v <= scale.top:
                    err(col, f"{text} is outside 0-{scale.top}")
                rec[col] = v
            except ValueError:
                err(col, f"must be a number of points, not {text!r}")
        for col in SHARES:
            text = r.get(col, "").strip()
            if not text:
                if col == "below_minimum":
                    err(col, "is empty")
                rec[col] = None
                continue
            try:
                v = _number(text)
                if not 0 <= v <= 100:
                    err(col, f"{text} is not a percentage (0-100)")
                rec[col] = round(v / 100, 4)
            except ValueError:
                err(col, f"must be a percentage, not {text!r}")
        if len(errors) > n0:
            continue
        if (y, subj) in seen:
            err("subject_code", f"{subj} appears twice for {y} (first at line {seen[(y, subj)]})")
            continue
        seen[(y, subj)] = line
        out.append(rec)
    if not errors and not out:
        errors.append(f"{name}: no rows")
    if errors:
        raise ImportErrors(errors)
    return out


def import_region(engine: Engine, path: str | Path, year: int | None = None) -> RegionImport:
    """Store the region's figures: all rows or none; a (year, subject) already held is replaced only if
    its figures differ."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    rows = parse_region(path, year)
    res = RegionImport(path.name, len(rows))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = ("participants", "mean", "median", *SHARES)
    with engine.begin() as conn:
        todo = []
        for r in rows:
            key = and_(t.region_figures.c.year == r["year"], t.region_figures.c.subject_code == r["subject_code"])
            old = conn.execute(select(*(t.region_figures.c[f] for f in fields)).where(key)).first()
            if old is not None and tuple(old) == tuple(r[f] for f in fields):
                continue
            if old is not None:
                conn.execute(delete(t.region_figures).where(key))
                res.changed += 1
            else:
                res.added += 1
            todo.append({**r, "source": path.name, "imported_at": now})
        if todo:
            conn.execute(insert(t.region_figures), todo)
    res.unchanged = not (res.added or res.changed)
    return res


def region_figures(engine: Engine, year: int) -> dict[str, dict]:
    """{subject: the region's indicators} of a year, shaped like the municipality's (shares as fractions)."""
    with read_connection(engine) as conn:
        rows = conn.execute(select(t.region_figures).where(t.region_figures.c.year == year)).all()
    return {r.subject_code: {"participants": r.participants, "mean": r.mean, "median": r.median,
                             "below_minimum": r.below_minimum, "high_81_99": r.high_81_99, "top_100": r.top_100,
                             "source": r.source} for r in rows}
