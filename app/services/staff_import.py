"""The exam point's staff list (ППЭ-07 «Список работников ППЭ и общественных наблюдателей») at HQ.

HQ needs its people before the day: the ГЭК members who draw up acts, the PPE head who signs, the
organizers of each room (who travel to the room stations in the set-up package), the medic, the
technician and the public observers. The list comes as CSV or XLSX with English or Russian headers
(resources/lists/staff_columns.json) and role names (staff_roles.json). Same rules as every list: all
or nothing, each problem named ``file:line: column: reason``, the same file twice changes nothing.
Staff already known and absent from a new file stay: marks name them by code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app import limits
from app.domain.model import StaffMember, room_number
from app.errors import UserError
from app.store import plan_repo

STAFF_HEADER = ("code", "last_name", "first_name", "middle_name", "role", "room", "lead")
_CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_YES = {"1", "да", "yes", "true", "+", "ответственный"}
_NO = {"", "0", "нет", "no", "false", "-"}


@dataclass
class StaffImport:
    file: str
    rows: int
    added: int = 0
    changed: int = 0
    unchanged: bool = False
    roles: dict[str, int] | None = None

    def to_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "added": self.added, "changed": self.changed,
                "unchanged": self.unchanged, "roles": self.roles or {}}


def _fold(text: str) -> str:
    return " ".join(text.strip().lower().replace("ё", "е").split())


@lru_cache(maxsize=1)
def roles() -> dict[str, tuple[bool, frozenset[str]]]:
    """role -> (serves in one room, accepted names folded)."""
    from app.paths import resources_dir

    data = json.loads((resources_dir() / "lists" / "staff_roles.json").read_text(encoding="utf-8"))
    return {k: (bool(v["room"]), frozenset(_fold(n) for n in v["names"])) for k, v in data["roles"].items()}


def _role(text: str) -> str | None:
    f = _fold(text)
    return next((k for k, (_room, names) in roles().items() if f in names), None)


def parse_staff(path: Path, rooms: set[str]) -> list[StaffMember]:
    """Every row checked against the roles and the exam point's rooms; raises ImportErrors naming each."""
    from app.services.importer import Columns, ImportErrors, checked_rows, read_rows

    name = path.name
    cols = Columns("staff_columns.json", STAFF_HEADER, optional=("middle_name", "room", "lead"))
    rows = read_rows(path, cols)
    name_max = limits.max_chars("name_max_chars")
    errors: list[str] = []
    out: list[StaffMember] = []
    seen: dict[str, int] = {}
    leads: dict[str, int] = {}
    for line, r, err in checked_rows(rows, name, errors):
        n0 = len(errors)
        code = r["code"].strip()
        if not _CODE_RE.fullmatch(code):
            err("code", "must be 1-20 Latin letters, digits or '-'" if code else "is empty")
        elif code in seen:
            err("code", f"{code} appears twice (first at line {seen[code]})")
        for col in ("last_name", "first_name", "middle_name"):
            v = r.get(col, "").strip()
            if col != "middle_name" and not v:
                err(col, "is empty")
            elif len(v) > name_max:
                err(col, f"longer than {name_max} characters")
        role = _role(r["role"])
        if role is None:
            err("role", f"unknown role {r['role']!r}; known: " + ", ".join(roles()))
        room = r.get("room", "").strip()
        if room:
            try:
                room = room_number(room)
            except (UserError, ValueError):
                err("room", f"not a room number: {room!r}")
            else:
                if room not in rooms:
                    err("room", f"room {room} is on none of this exam point's lists")
        elif role is not None and roles()[role][0]:
            err("room", "an organizer in the room needs the room number")
        lead_text = _fold(r.get("lead", ""))
        if lead_text not in _YES and lead_text not in _NO:
            err("lead", f"must be yes/no (да/нет, 1/0), not {r['lead']!r}")
        lead = lead_text in _YES
        if lead and room:
            if room in leads:
                err("lead", f"room {room} already has a lead organizer (line {leads[room]})")
            else:
                leads[room] = line
        if len(errors) > n0:
            continue
        seen[code] = line
        out.append(StaffMember(code, r["last_name"].strip(), r["first_name"].strip(), r.get("middle_name", "").strip(),
                               role or "", room, lead))
    if not errors and not out:
        errors.append(f"{name}: no staff rows")
    if errors:
        raise ImportErrors(errors)
    return out


def import_staff(station, path: str | Path) -> StaffImport:
    """Store the staff list at HQ: every row or none; members already known keep their codes."""
    if station.role != "hq":
        raise UserError("the staff list (ППЭ-07) is imported at HQ; room stations receive it in the set-up package")
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    rooms = plan_repo.room_numbers(station.engine)
    if not rooms:
        raise UserError(f"{path.name}: import the distribution list first: the staff list names its rooms")
    people = parse_staff(path, rooms)
    old = plan_repo.load_staff(station.engine)
    todo = [m for m in people if old.get(m.code) != m]
    res = StaffImport(path.name, len(people), added=sum(m.code not in old for m in todo),
                      changed=sum(m.code in old for m in todo), unchanged=not todo)
    res.roles = {}
    for m in people:
        res.roles[m.role] = res.roles.get(m.role, 0) + 1
    if todo:
        with station.engine.begin() as conn:
            plan_repo.save_staff(conn, todo)
        station.invalidate()
    return res
