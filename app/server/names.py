"""School (ОО) and exam-point (ППЭ) names from the authority's reference list, shown beside the codes.

``auditoria server import-names --db URL FILE`` reads a CSV/XLSX with the columns kind (school/ОО or
ppe/ППЭ), code and name (and, for exam points given as four digits, a region), in Russian or English.
All or nothing: every row is checked first and each problem named ``file:line: column: reason``;
importing the same list again changes nothing, an updated list replaces the names it gives and keeps
the others. Only names of institutions are stored here: no person is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from app.errors import UserError
from app.server import schema as t
from app.server.db import now_iso, read_connection

NAME_HEADER = ("kind", "code", "name", "region")
KINDS = {"school": "school", "оо": "school", "школа": "school", "ppe": "ppe", "ппэ": "ppe"}
_SCHOOL = re.compile(r"\d{1,6}")
_PPE = re.compile(r"(?:(\d{2})/)?(\d{4})")
_REGION = re.compile(r"\d{2}")
MAX_NAME = 300


@dataclass
class NamesImport:
    file: str
    rows: int
    schools: int = 0
    ppes: int = 0
    added: int = 0
    changed: int = 0
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "schools": self.schools, "ppes": self.ppes,
                "added": self.added, "changed": self.changed, "unchanged": self.unchanged,
                "warnings": self.warnings}


def _known_regions(engine: Engine) -> dict[str, set[str]]:
    """Exam point code -> the regions the server holds it in (to read a bare four-digit code)."""
    out: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for region, code in conn.execute(select(t.ppe.c.region, t.ppe.c.code)):
            out.setdefault(code, set()).add(region)
    return out


def parse_names(path: Path, engine: Engine, region: str | None = None) -> dict[tuple[str, str], str]:
    """Every row checked: {(kind, code): name}, or ImportErrors naming each bad cell."""
    from app.services.importer import Columns, ImportErrors, checked_rows, read_rows

    name = path.name
    rows = read_rows(path, Columns("names_columns.json", NAME_HEADER, optional=("region",)))
    known = _known_regions(engine)
    errors: list[str] = []
    out: dict[tuple[str, str], str] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, r, err in checked_rows(rows, name, errors):
        kind = KINDS.get(r["kind"].strip().lower())
        if kind is None:
            err("kind", f"must be school/ОО or ppe/ППЭ, not {r['kind'][:20]!r}")
        code, title = r["code"].strip(), " ".join(r["name"].split())
        if not title:
            err("name", "is empty")
        elif len(title) > MAX_NAME or not title.isprintable():
            err("name", f"must be printable text of at most {MAX_NAME} characters")
        key = None
        if kind == "school":
            if _SCHOOL.fullmatch(code):
                key = code
            else:
                err("code", f"a school code is 1-6 digits, not {code[:20]!r}")
        elif kind == "ppe":
            m = _PPE.fullmatch(code)
            row_region = (r.get("region") or "").strip() or region
            if row_region and not _REGION.fullmatch(row_region):
                err("region", f"must be 2 digits, not {row_region[:20]!r}")
            elif not m:
                err("code", f"an exam point code is RR/CCCC or CCCC, not {code[:20]!r}")
            elif m.group(1):
                key = f"{m.group(1)}/{m.group(2)}"
            elif row_region:
                key = f"{row_region}/{m.group(2)}"
            elif len(known.get(m.group(2), ())) == 1:
                key = f"{next(iter(known[m.group(2)]))}/{m.group(2)}"
            else:
                err("code", f"exam point {code} is held in {'several regions' if known.get(code) else 'no region'} "
                            "on this server: write it as RR/CCCC, or give a region column or --region")
        if key is None or not title or kind is None:
            continue
        if (kind, key) in seen:
            err("code", f"{key} is named twice (first at line {seen[(kind, key)]})")
            continue
        seen[(kind, key)] = line
        out[(kind, key)] = title
    if not errors and not out:
        errors.append(f"{name}: no name rows")
    if errors:
        raise ImportErrors(errors)
    return out


def import_names(engine: Engine, path: str | Path, region: str | None = None) -> NamesImport:
    """Store the names of a reference list: all rows or none; the same list again changes nothing."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if region is not None and not _REGION.fullmatch(region):
        raise UserError(f"--region: must be 2 digits, not {region!r}")
    rows = parse_names(path, engine, region)
    res = NamesImport(path.name, len(rows), schools=sum(k == "school" for k, _c in rows),
                      ppes=sum(k == "ppe" for k, _c in rows))
    now = now_iso()
    with engine.begin() as conn:
        old = {(r.kind, r.code): r.name for r in conn.execute(select(t.names))}
        fresh = [k for k in rows if k not in old]
        changed = [k for k in rows if k in old and old[k] != rows[k]]
        for kind, code in changed:
            conn.execute(delete(t.names).where((t.names.c.kind == kind) & (t.names.c.code == code)))
        if fresh or changed:
            conn.execute(insert(t.names), [{"kind": k, "code": c, "name": rows[(k, c)], "updated_at": now}
                                           for k, c in fresh + changed])
    res.added, res.changed, res.unchanged = len(fresh), len(changed), not (fresh or changed)
    unknown = [c for k, c in rows if k == "ppe" and c.split("/")[1] not in _known_regions(engine)]
    if unknown:
        res.warnings.append(f"{len(unknown)} exam point(s) not on this server yet (kept for when they are added): "
                            + ", ".join(sorted(unknown)[:10]))
    return res


@dataclass(frozen=True)
class Names:
    """What the pages show beside a code: the reference list's name, else the exam point's own name."""

    schools: dict[str, str]
    ppes: dict[str, str]

    def school(self, code: str | None) -> str:
        return self.schools.get(code or "", "")

    def ppe(self, key: str | None, fallback: str = "") -> str:
        return self.ppes.get(key or "", "") or fallback


def load_names(engine: Engine) -> Names:
    """Every name (a few thousand rows at most in a region: read whole per page)."""
    schools: dict[str, str] = {}
    ppes: dict[str, str] = {}
    with read_connection(engine) as conn:
        for p in conn.execute(select(t.ppe.c.key, t.ppe.c.name)):
            if p.name:
                ppes[p.key] = p.name
        for r in conn.execute(select(t.names)):
            (schools if r.kind == "school" else ppes)[r.code] = r.name
    return Names(schools, ppes)
