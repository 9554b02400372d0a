"""Import of distribution lists (CSV in UTF-8 or Windows-1251 with ';' or ','; XLSX).

All or nothing: every row is checked first, every problem is reported as
``file:line: column: reason``, and nothing is written unless the whole file is clean.
Importing the same list again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from app import limits
from app.domain.event import utc_iso
from app.domain.model import ExamPoint, Participant, Room, normalize_seat, parse_seat, room_number
from app.domain.reference import load_reference
from app.errors import UserError
from app.store import plan_repo
from app.store import schema as t

HEADER = ("region", "ppe_code", "exam_date", "subject_code", "room", "seat", "participant_code", "last_name",
          "first_name", "middle_name", "document_series", "document_number", "school_code", "special_conditions")
_NAME_RE = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' .-]*$")
_CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_DOC_RE = re.compile(r"^[A-Za-zА-Яа-я0-9]{1,20}$")
MAX_ERRORS_SHOWN = 50


class ListRows(list):
    """Rows of a list file as (line number, {canonical column: text}), with the file's own column names."""

    labels: dict[str, str]


class ImportErrors(UserError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        super().__init__(f"{len(errors)} error(s), nothing imported{more}:\n" + "\n".join(errors[:MAX_ERRORS_SHOWN]))


@dataclass
class ImportResult:
    file: str
    rows: int
    days: list[str]
    rooms: list[str]
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "days": self.days, "rooms": self.rooms, "added": self.added,
                "removed": self.removed, "changed": self.changed, "unchanged": self.unchanged,
                "warnings": self.warnings}


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise UserError(f"{name}: looks like UTF-16 text (or not text at all): save the list as CSV in UTF-8 "
                        "or Windows-1251")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise UserError(f"{name}: neither UTF-8 nor Windows-1251 text") from None


def read_rows(path: Path, columns: Columns | None = None) -> ListRows:
    """Rows of a list file as (line number, {column: text}); header checked."""
    name = path.name
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, columns or LIST_COLUMNS)
    text = _decode(path.read_bytes(), name)
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header, labels = _canonical([h.strip() for h in next(reader)], columns or LIST_COLUMNS)
    except StopIteration:
        raise UserError(f"{name}: line 1: the file is empty") from None
    except csv.Error as e:
        raise UserError(f"{name}: line 1: not a readable CSV line ({e})") from None
    _check_header(header, name, columns or LIST_COLUMNS)
    rows = ListRows()
    rows.labels = labels
    for row in _csv_rows(reader, name):
        if not any(c.strip() for c in row):
            continue
        line = reader.line_num
        if len(row) != len(header):
            rows.append((line, {"__width__": f"{len(row)} fields, expected {len(header)}"}))
            continue
        rows.append((line, {h: c.strip() for h, c in zip(header, row, strict=True)}))
    return rows


def _read_xlsx(path: Path, columns: Columns) -> ListRows:
    from openpyxl import load_workbook

    wb = None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        if not wb.worksheets:
            raise UserError(f"{path.name}: the workbook has no sheet; nothing imported")
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # read-only mode trusts <dimension>; a stale tag would drop rows silently
        return _xlsx_rows(ws, path, columns)
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - zip, XML and openpyxl errors alike: one line
        raise UserError(f"{path.name}: not a readable XLSX workbook ({e.__class__.__name__}); nothing imported") \
            from None
    finally:
        if wb is not None:
            wb.close()


def _xlsx_rows(ws, path: Path, columns: Columns) -> ListRows:
    it = ws.iter_rows(values_only=True)
    try:
        raw = [str(h or "").strip() for h in next(it)]
    except StopIteration:
        raise UserError(f"{path.name}: line 1: the sheet is empty") from None
    while raw and raw[-1] == "":
        raw.pop()
    header, labels = _canonical(raw, columns)
    _check_header(header, path.name, columns)
    rows = ListRows()
    rows.labels = labels
    for line, values in enumerate(it, start=2):
        vals = list(values)[: len(header)]
        if not any(v not in (None, "") for v in vals):
            continue
        cells = {}
        for h, v in zip(header, vals + [None] * (len(header) - len(vals)), strict=True):
            if isinstance(v, datetime):
                v = v.date().isoformat()
            elif isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, float) and v.is_integer():
                v = str(int(v))
            cells[h] = "" if v is None else str(v).strip()
        rows.append((line, cells))
    return rows


def _csv_rows(reader, name: str):
    """The CSV reader's rows, a field over csv's limit (131,072 characters) told as one line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise UserError(f"{name}: line {reader.line_num}: not a readable CSV line ({e}); nothing imported") \
                from None


def _shown(text: str) -> str:
    """A cell as it may appear in a message: no control characters, not endless."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 40 else clean[:40] + "…"


def _fold(name: str) -> str:
    return " ".join(name.replace("ё", "е").replace("Ё", "Е").lower().split())


@dataclass(frozen=True)
class Columns:
    """The columns a kind of list has: its accepted names (resources/lists/FILE), the expected ones, and
    those that may be left out."""

    file: str
    expected: tuple[str, ...]
    optional: tuple[str, ...] = ()


LIST_COLUMNS = Columns("columns.json", HEADER)


def _aliases(columns: Columns) -> dict[str, str]:
    """Accepted column name (folded) -> canonical column, from resources/lists/<file>."""
    import json

    from app.paths import resources_dir

    data = json.loads((resources_dir() / "lists" / columns.file).read_text(encoding="utf-8"))
    return {_fold(alias): canon for canon, names in data["columns"].items() for alias in names}


def _canonical(header: list[str], columns: Columns) -> tuple[list[str], dict[str, str]]:
    """The header as canonical names, and canonical -> the name the file itself uses (for messages)."""
    aliases = _aliases(columns)
    canon = [aliases.get(_fold(h), h) for h in header]
    return canon, {c: h for c, h in zip(canon, header, strict=True)}


def _check_header(header: list[str], name: str, columns: Columns) -> None:
    expected = columns.expected
    missing = [h for h in expected if h not in header and h not in columns.optional]
    unknown = [_shown(h) for h in header if h not in expected]
    if missing or unknown or len(set(header)) != len(header):
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unknown " + ", ".join(unknown))
        if len(set(header)) != len(header):
            parts.append("repeated column names")
        raise UserError(f"{name}: line 1: header: {'; '.join(parts)} (expected: {', '.join(expected)})")


def checked_rows(rows: ListRows, name: str, errors: list[str]):
    """(line, row, err) for each row of the right width; a row of another width is one error. ``err(column,
    why)`` records ``file:line: column: why`` under the column name the file itself uses."""
    label = rows.labels.get
    for line, r in rows:
        if "__width__" in r:
            errors.append(f"{name}:{line}: row: {r['__width__']}")
            continue

        def err(col: str, why: str, _line: int = line) -> None:
            errors.append(f"{name}:{_line}: {label(col, col)}: {why}")

        yield line, r, err


# re.ASCII: \d would also match Arabic-Indic and other digits (٠٤.٠٦.٢٠٢٦ read as 4 June)
_DMY_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$", re.ASCII)
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_REGION_RE, _PPE_RE, _SCHOOL_RE = (re.compile(r"\d{2}", re.ASCII), re.compile(r"\d{4}", re.ASCII),
                                   re.compile(r"\d{1,6}", re.ASCII))


def parse_exam_date(text: str) -> date:
    """An exam date as YYYY-MM-DD or ДД.ММ.ГГГГ (as Russian lists write it); ValueError otherwise."""
    text = text.strip()
    if m := _DMY_RE.fullmatch(text):
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if not _ISO_RE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def parse_list(path: Path) -> tuple[list[Participant], tuple[str, str]]:
    """Check every row; returns participants and (region, ppe) or raises ImportErrors."""
    name = path.name
    errors: list[str] = []
    people: list[Participant] = []
    points: set[tuple[str, str]] = set()
    seen_codes: dict[tuple[str, str], int] = {}
    seen_seats: dict[tuple[str, str, str], int] = {}
    rows = read_rows(path)
    dates: dict[str, date] = {}  # a period list names a few dates 20,000 times
    field_max, name_max = limits.max_chars("list_field_max_chars"), limits.max_chars("name_max_chars")
    for line, r, err in checked_rows(rows, name, errors):
        n0 = len(errors)
        region, ppe = r["region"], r["ppe_code"]
        if not _REGION_RE.fullmatch(region):
            err("region", f"must be 2 digits, not {region!r}")
        if not _PPE_RE.fullmatch(ppe):
            err("ppe_code", f"must be 4 digits, not {ppe!r}")
        too_long = [c for c in HEADER if len(r.get(c, "")) > field_max] if max(map(len, r.values())) > field_max else ()
        for col in too_long:
            err(col, f"{len(r.get(col, ''))} characters, at most {field_max} allowed")
        if too_long:
            continue
        try:
            d = dates.get(r["exam_date"]) or dates.setdefault(r["exam_date"], parse_exam_date(r["exam_date"]))
        except ValueError:
            err("exam_date", f"must be a date YYYY-MM-DD or DD.MM.YYYY, not {r['exam_date']!r}")
            d = None
        if d is not None:
            try:
                limits.check_exam_year(d)  # 9999 must not silently use the 2026 reference data
            except ValueError as e:
                err("exam_date", str(e))
                d = None
        subj = r["subject_code"].zfill(2) if r["subject_code"].isdigit() else r["subject_code"]
        if d is not None:
            ref = load_reference(d.year)
            if subj not in ref.subjects:
                err("subject_code", f"unknown subject code {r['subject_code']!r}")
        try:
            room = room_number(r["room"])
        except ValueError as e:
            err("room", str(e))
            room = ""
        seat = normalize_seat(r["seat"])
        try:
            parse_seat(seat)
        except ValueError as e:
            err("seat", str(e))
        code = r["participant_code"]
        if not _CODE_RE.fullmatch(code):
            err("participant_code", "must be 1-20 Latin letters, digits or '-'" if code else "is empty")
        for col in ("last_name", "first_name"):
            if not r[col]:
                err(col, "is empty")
            elif len(r[col]) > name_max:
                err(col, f"{len(r[col])} characters, at most {name_max} allowed")
            elif not _NAME_RE.fullmatch(r[col]):
                err(col, "has characters that are not letters, spaces, hyphens or apostrophes")
        if len(r["middle_name"]) > name_max:
            err("middle_name", f"{len(r['middle_name'])} characters, at most {name_max} allowed")
        elif r["middle_name"] and not _NAME_RE.fullmatch(r["middle_name"]):
            err("middle_name", "has characters that are not letters, spaces, hyphens or apostrophes")
        series = r["document_series"].replace(" ", "")
        number = r["document_number"].replace(" ", "")
        if series and not _DOC_RE.fullmatch(series):
            err("document_series", "letters and digits only")
        if not number:
            err("document_number", "is empty")
        elif not _DOC_RE.fullmatch(number):
            err("document_number", "letters and digits only")
        school = r["school_code"]
        if school and not _SCHOOL_RE.fullmatch(school):
            err("school_code", f"must be up to 6 digits, not {school!r}")
        sc = r["special_conditions"].strip().lower()
        if sc not in ("", "ovz", "овз", "да", "yes", "1"):
            err("special_conditions", f"must be empty or 'ovz' (ОВЗ), not {r['special_conditions']!r}")
        if len(errors) > n0 or d is None:
            continue
        day = d.isoformat()
        if (day, code) in seen_codes:
            err("participant_code", f"{code} appears twice on {day} (first at line {seen_codes[(day, code)]}); "
                                    f"a participant sits one subject on a date")
            continue
        seen_codes[(day, code)] = line
        if (day, room, seat) in seen_seats:
            err("seat", f"seat {seat} in room {room} is given twice on {day} "
                        f"(first at line {seen_seats[(day, room, seat)]})")
            continue
        seen_seats[(day, room, seat)] = line
        points.add((region, ppe))
        people.append(Participant(code=code, last_name=r["last_name"], first_name=r["first_name"],
                                  middle_name=r["middle_name"], document_series=series, document_number=number,
                                  school_code=school, room=room, seat=seat, day=day, ovz=sc != "",
                                  subject_code=subj))
    if len(points) > 1:
        errors.append(f"{name}: region/ppe_code: the list mixes exam points {sorted(points)}; one list per exam point")
    if not errors and not people:
        errors.append(f"{name}: no participant rows")
    if errors:
        raise ImportErrors(errors)
    return people, next(iter(points))


def list_advice(people: list[Participant]) -> list[str]:
    """What the procedure would question in a valid list (advice, never a block): a room whose rows
    name two subjects on one date, and a date or subject the year's schedule does not hold."""
    out: list[str] = []
    subjects: dict[tuple[str, str], set[str]] = {}
    for p in people:
        subjects.setdefault((p.day, p.room), set()).add(p.subject_code)
    for (day, room), subs in sorted(subjects.items()):
        if len(subs) > 1:
            out.append(f"room {room} on {day} holds two or more subjects ({', '.join(sorted(subs))}): check the "
                       f"list; each participant keeps the end time of their own subject")
    for day, subject in sorted({(p.day, p.subject_code) for p in people}):
        ref = load_reference(int(day[:4]))
        if ref.scheduled(day, subject) is False:
            sched = ref.schedule.get(day)
            where = (f"the schedule holds {', '.join(sched.subjects)} on {day}" if sched
                     else f"{day} is not an exam date of the {ref.year} schedule")
            out.append(f"subject {subject} on {day}: {where}; check the list")
    return out


def import_list(station, path: str | Path, tz: str = "Europe/Moscow", msu: str = "000") -> ImportResult:
    """Import a distribution list into a station: all rows or none.

    A list may hold many dates and subjects. Each date the list names is replaced as a whole; dates
    the list does not name, and every event, stay untouched. Importing the same list again changes nothing.
    """
    path = Path(path)
    people, (region, ppe) = parse_list(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    engine = station.engine
    existing = plan_repo.load_point(engine)
    if existing is not None and (existing.code != ppe or existing.region != region):
        raise UserError(f"{path.name}: the list is for exam point {region}/{ppe}, this station is "
                        f"{existing.region}/{existing.code}; nothing imported")
    by_day: dict[str, list[Participant]] = {}
    for p in people:
        by_day.setdefault(p.day, []).append(p)
    result = ImportResult(path.name, len(people), sorted(by_day), sorted({p.room for p in people}))
    result.warnings.extend(list_advice(people))
    with engine.begin() as conn:
        if existing is None:
            plan_repo.save_point(conn, ExamPoint(region=region, msu=msu, code=ppe, name="", tz=tz))
        rooms = {x.number: Room(x.number, x.rows, x.seats_per_row, x.name) for x in conn.execute(select(t.rooms))}
        layouts = {(x.day, x.number): (x.rows, x.seats_per_row) for x in conn.execute(select(t.room_layouts))}
        for key, new in by_day.items():
            new_layouts: list[Room] = []
            seats: dict[str, list[tuple[int, int]]] = {}
            for p in new:
                seats.setdefault(p.room, []).append(parse_seat(p.seat))
            for num, taken in seats.items():
                shape = (max(r for r, _ in taken), max(i for _, i in taken) + 1)
                old = rooms.get(num)
                if old is None or old.rows < shape[0] or old.seats_per_row < shape[1]:
                    rooms[num] = Room(num, max(shape[0], old.rows if old else 0),
                                      max(shape[1], old.seats_per_row if old else 0), old.name if old else "")
                    plan_repo.save_room(conn, rooms[num])
                if layouts.get((key, num)) != shape:
                    new_layouts.append(Room(num, *shape))
            plan_repo.save_layouts(conn, key, new_layouts)
            old_rows = {r.code: r for r in conn.execute(select(t.participants).where(t.participants.c.day == key))}
            new_map = {p.code: p for p in new}
            added = len(set(new_map) - set(old_rows))
            removed = len(set(old_rows) - set(new_map))
            changed = 0
            for c in set(new_map) & set(old_rows):
                o, p = old_rows[c], new_map[c]
                if (o.subject_code, o.room, o.seat, o.last_name, o.first_name, o.middle_name, o.document_series,
                        o.document_number, o.school_code, bool(o.ovz)) != (
                        p.subject_code, p.room, p.seat, p.last_name, p.first_name, p.middle_name,
                        p.document_series, p.document_number, p.school_code, p.ovz):
                    changed += 1
            if added or removed or changed:
                plan_repo.replace_participants(conn, key, new)
            result.added += added
            result.removed += removed
            result.changed += changed
        result.unchanged = not (result.added or result.removed or result.changed)
        if result.removed:
            result.warnings.append(f"{result.removed} participant(s) no longer on the list")
        if not result.unchanged:
            conn.execute(t.imports.insert().values(at=utc_iso(datetime.now(UTC)), source=path.name, sha256=digest,
                                                   rows=len(people), kind="list"))
    station.invalidate()
    return result
