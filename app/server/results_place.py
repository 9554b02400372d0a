"""Which municipality each result row belongs to, so a viewer sees only their own municipality's results.

A results list names a school, not an exam point, and a viewer's scope is a municipality (region + МСУ
code, as the exam points are registered). A municipality answers for its schools, so each row is placed
once, at import, by its school:

1. the municipality the list was handed to, when the import names it (``--municipality 66/001``);
2. else the municipality where most of the school's participants sat their exams, by the conduct record
   (the plans the server holds), so one school is never split between two municipalities;
3. else that of the exam point where the participant sat the exam (a school code the plan lacks);
4. else the one municipality this server holds, if it holds exactly one.

A row that cannot be placed is refused with its line. A school the record places elsewhere than the named
municipality (pupils bussed to a neighbour's exam point) is kept where the list says, with a note.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, select

from app.errors import UserError
from app.server import schema as t

MUNICIPALITY_RE = re.compile(r"^\d{2}/\d{3}$")


def check_municipality(value: str | None) -> str | None:
    """``66/001`` (region/МСУ) or None; anything else is refused with a clear message."""
    if value in (None, ""):
        return None
    if not MUNICIPALITY_RE.fullmatch(value):
        raise UserError(f"--municipality {value!r}: must be region/МСУ code, e.g. 66/001")
    return value


def place_rows(conn: Connection, name: str, rows: Iterable, given: str | None) -> tuple[list[str], list[str]]:
    """The municipality of each row (same order) and notes; ImportErrors naming the rows that cannot be placed."""
    from app.services.importer import ImportErrors

    rows = list(rows)
    ppe_muni = {r.key: f"{r.region}/{r.msu}" for r in conn.execute(select(t.ppe.c.key, t.ppe.c.region, t.ppe.c.msu))}
    sat: dict[tuple[str, str], str] = {}  # (day key, participant) -> municipality of the exam point
    school_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for day in sorted({f"{r.exam_date}/{r.subject_code}" for r in rows}):
        for p in conn.execute(select(t.participants.c.code, t.participants.c.ppe, t.participants.c.school_code)
                              .where(t.participants.c.day == day)):
            m = ppe_muni.get(p.ppe)
            if m:
                sat[(day, p.code)] = m
                if p.school_code:
                    school_votes[p.school_code][m] += 1
    by_school = {s: votes.most_common(1)[0][0] for s, votes in school_votes.items()}
    known = sorted(set(ppe_muni.values()))
    single = known[0] if len(known) == 1 else None
    out, errors, elsewhere = [], [], set()
    for r in rows:
        m = given or by_school.get(r.school_code) or sat.get((f"{r.exam_date}/{r.subject_code}",
                                                               r.participant_code)) or single
        if m is None:
            errors.append(f"{name}:{r.line}: school_code: cannot tell which municipality school {r.school_code} "
                          f"belongs to (none of its participants is in a plan the server holds): give "
                          f"--municipality region/МСУ, e.g. 66/001")
            continue
        if given and by_school.get(r.school_code, given) != given:
            elsewhere.add(r.school_code)
        out.append(m)
    if errors:
        raise ImportErrors(errors)
    notes = [f"school(s) {', '.join(sorted(elsewhere))}: their participants sat the exams mostly in exam points of "
             f"another municipality; the results are kept in {given}, as the list says"] if elsewhere else []
    return out, notes
