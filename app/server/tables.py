"""Tables of the pages as files for Excel: CSV with ';', UTF-8 with a BOM, headers in the page's language,
decimal commas in Russian (what a Russian Excel opens straight by double-click), and XLSX with one sheet
per table. Every export of the server goes through here, so every table reads back the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.i18n import current_language

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """One table as a page shows it: ``key`` names the file (``monitoring-ppes.csv``), ``title`` the sheet."""

    key: str
    title: str
    head: list[str]
    rows: list[list] = field(default_factory=list)


def _cell(v, comma: bool) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        text = f"{v:g}" if abs(v) < 1e15 else str(v)
        return text.replace(".", ",") if comma else text
    return str(v)


def csv_bytes(table: Table) -> bytes:
    """The table as Excel opens it: ';'-separated, UTF-8 with a BOM, CRLF lines."""
    return b"".join(csv_chunks(table))


def csv_chunks(table: Table, rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """``csv_bytes`` in pieces of a few thousand rows, for a streamed answer (a season's table is ~10,000
    rows). Strings and ints go to the writer as they are (it writes them as ``_cell`` would); only other
    values are converted. The language is read now, not when the answer is sent (another thread)."""
    return _chunks(table, rows_per_chunk, current_language() == "ru")


def _chunks(table: Table, rows_per_chunk: int, comma: bool) -> Iterator[bytes]:
    first = "\ufeff" + csv_lines([table.head], comma)
    rows = table.rows
    for i in range(0, len(rows), rows_per_chunk):
        yield (first + csv_lines(rows[i:i + rows_per_chunk], comma)).encode("utf-8")
        first = ""
    if first:  # no rows: the BOM and the header alone
        yield first.encode("utf-8")


def csv_lines(rows: list[list], comma: bool) -> str:
    """Rows as the CSV export writes them (no BOM): strings and ints go to the writer as they are (it writes
    them as ``_cell`` would); only other values are converted. Also for a table's part encoded once and kept."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    plain = (str, int)
    w.writerows([v if type(v) in plain else _cell(v, comma) for v in r] for r in rows)
    return buf.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31] or "sheet"
    out, n = clean, 2
    while out.lower() in used:
        suffix = f" {n}"
        out, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(out.lower())
    return out


def xlsx_bytes(tables: list[Table]) -> bytes:
    """One sheet per table, the header row bold and frozen. Written in openpyxl's streaming mode: rows go
    straight to the file instead of a cell object each (a fifth of the time for a results export)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for tb in tables:
        ws = wb.create_sheet(_sheet_title(tb.title, used))
        ws.freeze_panes = "A2"
        head = []
        for v in tb.head:
            c = WriteOnlyCell(ws, value=v)
            c.font = bold
            head.append(c)
        ws.append(head)
        for r in tb.rows:
            ws.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pick(tables: list[Table], key: str | None) -> list[Table]:
    """The table a link asks for (``?table=ppes``), or all of them; an unknown key is a 400 naming the choices."""
    if not key:
        return tables
    chosen = [tb for tb in tables if tb.key == key]
    if not chosen:
        from app.server.deps import bad

        raise bad("table", "one of " + ", ".join(tb.key for tb in tables))
    return chosen
