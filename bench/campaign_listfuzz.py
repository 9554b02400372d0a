"""List-fuzz campaign: thousands of mutated distribution lists (CSV and XLSX) imported into an HQ station.

Run: ``.venv/bin/python -m bench.campaign_listfuzz [--cases 3000] [--seed 14]``. A valid 40-row list (two
dates, two rooms, Russian names) is mutated by 1-3 operators drawn from families: encodings (UTF-8, BOM,
Windows-1251, UTF-16, stray bytes), row widths, exam dates, long fields, quoting and NULs, line ends, header
names and order, and for XLSX: cell types, a stale or absent ``<dimension>`` tag, extra columns, damaged and
sheet-less workbooks. Each case is imported into a fresh copy of an empty HQ database through
``app.services.importer.import_list`` (what ``auditoria import`` and the HQ window call). Checks:

- a traceback: anything but a ``UserError`` (one line, or the import error list);
- a partial write: a refused import that changed any table (a digest of the plan tables before and after);
- accepted-when-it-should-refuse: a mutation that must be refused (bad width, date, length, header) imported;
- rows lost: an accepted list whose imported participants are fewer than its data rows (the stale
  ``<dimension>`` bug read 30 rows of 20,099).

Prints the counts per kind of case and the first examples.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.campaign_run import row_count, tables_digest

HEADER = ["region", "ppe_code", "exam_date", "subject_code", "room", "seat", "participant_code", "last_name",
          "first_name", "middle_name", "document_series", "document_number", "school_code", "special_conditions"]
RU_HEADER = ["Код региона", "Код ППЭ", "Дата экзамена", "Код предмета", "Аудитория", "Место", "Код участника",
             "Фамилия", "Имя", "Отчество", "Серия документа", "Номер документа", "Код ОО", "ОВЗ"]
LAST = ["Петрова", "Иванов", "Смирнова", "Кузнецов", "Ёлкина", "Д'Артаньян", "Салтыков-Щедрин", "Ли"]
FIRST = ["Анна", "Пётр", "Мария", "Олег", "Юлия", "Иван"]
DATES = [("2026-06-04", "01"), ("2026-06-08", "02")]
BAD_DATES = ["20260604", "2026-W23-4", "1900-06-04", "9999-06-04", "2026-02-30", "31.02.2026", "04/06/2026",
             "2026-6-4", "", "завтра", "2026-06-04T10:00", "٢٠٢٦-٠٦-٠٤"]
PLAN_TABLES = ("exam_point", "exam_days", "rooms", "room_layouts", "participants", "staff", "imports", "meta")


@dataclass
class Case:
    """One list: its rows (header first), how to write it, and whether it must be refused."""

    rows: list[list[str]]
    fmt: str = "csv"  # csv | xlsx
    encoding: str = "utf-8"
    delimiter: str = ";"
    line_end: str = "\n"
    must_refuse: bool = False
    tags: list[str] = field(default_factory=list)
    raw: Callable[[bytes], bytes] | None = None  # a byte-level mutation after writing
    xlsx_dimension: str | None = None  # "stale" | "absent"
    typed_dates: bool = False

    @property
    def data_rows(self) -> int:
        return sum(1 for r in self.rows[1:] if any(c.strip() for c in r))


@dataclass
class Counts:
    cases: int = 0
    accepted: int = 0
    refused: int = 0
    tracebacks: int = 0
    partial_writes: int = 0
    accepted_wrongly: int = 0
    rows_lost: int = 0
    by_format: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"list fuzz: cases {self.cases} ({', '.join(f'{k} {v}' for k, v in sorted(self.by_format.items()))}),"
                f" accepted {self.accepted}, refused {self.refused}, tracebacks {self.tracebacks}, partial writes "
                f"{self.partial_writes}, accepted-when-it-should-refuse {self.accepted_wrongly}, rows lost "
                f"{self.rows_lost}")


def base_rows(rnd: random.Random, n: int = 40) -> list[list[str]]:
    rows = [list(HEADER)]
    for i in range(n):
        day, subj = DATES[i % 2]
        room = "0101" if i % 4 < 2 else "0102"
        seat = f"{i // 4 + 1}{'АБВГ'[i % 4 // 2 * 2 + (i % 2)]}"
        rows.append(["66", "0412", day, subj, room, seat, f"77{i:05d}", rnd.choice(LAST), rnd.choice(FIRST),
                     rnd.choice(["", "Петровна", "Ильич"]), f"65{i % 10:02d}", f"{100000 + i}", "660101",
                     "ОВЗ" if i % 13 == 0 else ""])
    return rows


# --- mutation operators: each changes a case in place ---------------------------------------------------
def _cell(rnd, c: Case) -> tuple[int, int]:
    i = rnd.randrange(1, len(c.rows))
    return i, rnd.randrange(len(c.rows[i]))


def m_width(rnd, c: Case) -> None:
    r = c.rows[rnd.randrange(1, len(c.rows))]
    if rnd.random() < 0.5 and len(r) > 1:
        del r[rnd.randrange(len(r))]
    else:
        r.insert(rnd.randrange(len(r) + 1), rnd.choice(["", "x", "66"]))
    c.must_refuse = c.must_refuse or c.fmt == "csv"  # a sheet has no row width: its cells are judged by the checks
    c.tags.append("width")


def m_bad_date(rnd, c: Case) -> None:
    k = next((j for j, h in enumerate(c.rows[0]) if h in ("exam_date", "Дата экзамена")), None)
    if k is None:
        return
    c.rows[rnd.randrange(1, len(c.rows))][k] = rnd.choice(BAD_DATES)
    c.must_refuse = True
    c.tags.append("date")


def m_dmy_date(rnd, c: Case) -> None:
    k = next((j for j, h in enumerate(c.rows[0]) if h in ("exam_date", "Дата экзамена")), None)
    for r in c.rows[1:] if k is not None else ():
        if rnd.random() < 0.5 and k < len(r) and re.fullmatch(r"\d{4}-\d\d-\d\d", r[k]):
            y, m, d = r[k].split("-")
            r[k] = f"{d}.{m}.{y}"
    c.tags.append("dmy")


def m_long(rnd, c: Case) -> None:
    i, j = _cell(rnd, c)
    c.rows[i][j] = rnd.choice("ЩжX9") * rnd.choice([61, 201, 5000, 140_000])
    c.must_refuse = True
    c.tags.append("long")


def m_bad_field(rnd, c: Case) -> None:
    i, j = _cell(rnd, c)
    c.rows[i][j] = rnd.choice(["'; DROP TABLE participants;--", "<script>", "\u202e77", "１２３", "-", "0" * 21,
                               "Ан\x01на", "=HYPERLINK(\"x\")", "99ZZ", "\t"])
    col = c.rows[0][j] if j < len(c.rows[0]) else ""
    c.must_refuse = c.must_refuse or col in ("last_name", "first_name", "Фамилия", "Имя")  # none of these is a name; other columns are judged by the checks
    c.tags.append("field")


def m_shuffle_columns(rnd, c: Case) -> None:
    order = list(range(len(HEADER)))
    rnd.shuffle(order)
    c.rows = [[r[k] for k in order if k < len(r)] + r[len(order):] for r in c.rows]  # each row keeps its width
    c.tags.append("order")


def m_russian_header(rnd, c: Case) -> None:
    names = dict(zip(HEADER, RU_HEADER, strict=True))
    c.rows[0] = [names.get(h, h) for h in c.rows[0]]
    c.tags.append("ru-header")


def m_drop_column(rnd, c: Case) -> None:
    k = rnd.randrange(len(HEADER))
    if HEADER[k] in ("middle_name", "document_series", "school_code", "special_conditions"):
        k = 7
    c.rows = [r[:k] + r[k + 1:] for r in c.rows]
    c.must_refuse = True
    c.tags.append("drop-column")


def m_duplicate_row(rnd, c: Case) -> None:
    filled = [r for r in c.rows[1:] if any(x.strip() for x in r)]
    c.rows.append(list(rnd.choice(filled)))
    c.must_refuse = True
    c.tags.append("duplicate")


def m_blank_lines(rnd, c: Case) -> None:
    for _ in range(rnd.randrange(1, 5)):
        c.rows.insert(rnd.randrange(1, len(c.rows) + 1), [""] * len(HEADER))
    c.tags.append("blank")


def m_encoding(rnd, c: Case) -> None:
    c.encoding = rnd.choice(["utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-be"])
    if c.encoding.startswith("utf-16"):
        c.must_refuse = True
    c.tags.append(c.encoding)


def m_line_end(rnd, c: Case) -> None:
    c.line_end = rnd.choice(["\r\n", "\r\n", "\n"])
    c.delimiter = rnd.choice([";", ",", ";"])
    c.tags.append("crlf" if c.line_end == "\r\n" else "lf")


def m_stray_bytes(rnd, c: Case) -> None:
    def f(data: bytes) -> bytes:
        b = bytearray(data)
        for _ in range(rnd.randrange(1, 6)):
            pos = rnd.randrange(len(b))
            b[pos] = rnd.choice([0x00, 0xFF, 0xC3, 0x98, rnd.randrange(256)])
        return bytes(b)

    c.raw = f
    c.tags.append("bytes")


def m_truncate(rnd, c: Case) -> None:
    def f(data: bytes) -> bytes:
        return data[: rnd.randrange(0, max(1, len(data)))]

    c.raw = f
    c.tags.append("truncate")


def m_quote(rnd, c: Case) -> None:
    i, j = _cell(rnd, c)
    c.rows[i][j] = rnd.choice(['"unclosed', 'a"b', '"', "x\ny", "x\x00y"])
    c.tags.append("quote")


CSV_OPS = [m_width, m_bad_date, m_dmy_date, m_long, m_bad_field, m_shuffle_columns, m_russian_header,
           m_drop_column, m_duplicate_row, m_blank_lines, m_encoding, m_line_end, m_stray_bytes, m_truncate, m_quote]


def x_dimension(rnd, c: Case) -> None:
    c.xlsx_dimension = rnd.choice(["stale", "stale", "absent"])
    c.tags.append("dimension-" + c.xlsx_dimension)


def x_typed_dates(rnd, c: Case) -> None:
    c.typed_dates = True
    c.tags.append("typed-dates")


def x_zip_damage(rnd, c: Case) -> None:
    def f(data: bytes) -> bytes:
        b = bytearray(data)
        how = rnd.choice(["flip", "truncate", "sheetless"])
        if how == "flip":
            for _ in range(rnd.randrange(1, 8)):
                b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
            return bytes(b)
        if how == "truncate":
            return bytes(b[: rnd.randrange(len(b))])
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for item in src.infolist():
                if not item.filename.startswith("xl/worksheets/"):
                    z.writestr(item, src.read(item))
        return out.getvalue()

    c.raw = f
    c.tags.append("zip")


XLSX_OPS = [m_width, m_bad_date, m_dmy_date, m_long, m_bad_field, m_shuffle_columns, m_russian_header,
            m_drop_column, m_duplicate_row, m_blank_lines, x_dimension, x_dimension, x_typed_dates, x_zip_damage]


def make_case(rnd: random.Random) -> Case:
    c = Case(base_rows(rnd, rnd.choice([3, 12, 40])), fmt=rnd.choice(["csv", "csv", "xlsx"]))
    ops = CSV_OPS if c.fmt == "csv" else XLSX_OPS
    for op in rnd.sample(ops, rnd.choice([1, 1, 2, 3])):
        op(rnd, c)
    if c.fmt == "xlsx" and "long" in c.tags and any(len(x) > 32_767 for r in c.rows for x in r):
        c.rows = [[x[:32_000] for x in r] for r in c.rows]  # Excel's cell limit; still far over the name limit
    return c


def _csv_bytes(c: Case) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=c.delimiter, lineterminator=c.line_end)
    for r in c.rows:
        w.writerow(r)
    return buf.getvalue().encode(c.encoding, errors="replace")


def _xlsx_bytes(c: Case) -> bytes:
    from datetime import date

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for i, r in enumerate(c.rows):
        row: list[object] = []
        for j, v in enumerate(r):
            if c.typed_dates and i > 0 and j < len(c.rows[0]) and c.rows[0][j] in ("exam_date", "Дата экзамена") and \
                    re.fullmatch(r"\d{4}-\d\d-\d\d", v):
                row.append(date.fromisoformat(v))
            elif c.typed_dates and v.isdigit() and len(v) < 10 and not v.startswith("0"):
                row.append(int(v))
            else:
                row.append(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "?", v))
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if c.xlsx_dimension:
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for item in src.infolist():
                body = src.read(item)
                if item.filename.startswith("xl/worksheets/sheet"):
                    text = body.decode("utf-8")
                    new = '<dimension ref="A1:N2"/>' if c.xlsx_dimension == "stale" else ""
                    body = re.sub(r"<dimension ref=\"[^\"]*\"\s*/>", new, text).encode("utf-8")
                z.writestr(item, body)
        data = out.getvalue()
    return data


def write_case(c: Case, path: Path) -> None:
    data = _csv_bytes(c) if c.fmt == "csv" else _xlsx_bytes(c)
    if c.raw is not None:
        data = c.raw(data)
    path.write_bytes(data)


def plan_digest(db: Path) -> str:
    return tables_digest(db, PLAN_TABLES)


def participants(db: Path) -> int:
    return row_count(db, "participants")


def run_case(c: Case, tpl: Path, work: Path, n: int, counts: Counts) -> None:
    from app.errors import UserError
    from app.services.importer import ImportErrors, import_list
    from app.services.station import Station

    db = work / "hq.db"
    for suffix in ("", "-wal", "-shm", ".head"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copy(tpl, db)
    lst = work / f"list{n % 2}.{c.fmt}"
    write_case(c, lst)
    before = plan_digest(db)
    st = Station.open(db)
    shown = f"{c.fmt} {'+'.join(c.tags)}"
    try:
        res = import_list(st, lst)
        ok, msg = True, ""
    except ImportErrors as e:
        ok, msg = False, ""
        del e
    except UserError as e:
        ok, msg = False, str(e)
    except Exception as e:  # noqa: BLE001 - the finding this campaign looks for
        counts.tracebacks += 1
        counts.examples.append(f"traceback {e.__class__.__name__}: {shown}: {str(e)[:120]}")
        ok, msg = False, ""
    finally:
        st.close()
    counts.cases += 1
    counts.by_format[c.fmt] = counts.by_format.get(c.fmt, 0) + 1
    if ok:
        counts.accepted += 1
        if c.must_refuse and c.raw is None:  # bytes cut or flipped may drop the very row that was wrong
            counts.accepted_wrongly += 1
            counts.examples.append(f"accepted: {shown}")
        held = participants(db)
        if held < c.data_rows and c.raw is None:
            counts.rows_lost += 1
            counts.examples.append(f"rows lost ({held} of {c.data_rows}): {shown}")
        del res
    else:
        counts.refused += 1
        if "\n" in msg:
            counts.tracebacks += 1  # a UserError is one line (only the import error list has many)
            counts.examples.append(f"multi-line message: {shown}: {msg[:120]}")
        if plan_digest(db) != before:
            counts.partial_writes += 1
            counts.examples.append(f"partial write: {shown}")


def template(folder: Path) -> Path:
    from app.services.station import Station

    path = folder / "template.db"
    Station.create(path, role="hq").close()
    return path


def campaign(n: int, seed: int, log=print) -> Counts:
    rnd = random.Random(seed)
    counts = Counts()
    with tempfile.TemporaryDirectory(prefix="listfuzz-") as d:
        base = Path(d)
        tpl = template(base)
        work = base / "w"
        work.mkdir()
        for i in range(n):
            run_case(make_case(rnd), tpl, work, i, counts)
            if log and (i + 1) % 500 == 0:
                log(f"  {i + 1}/{n}: {counts.line()}")
    return counts


def main() -> None:
    from bench.campaign_run import run

    run(__doc__, campaign, 3000, "listfuzz")


if __name__ == "__main__":
    main()
