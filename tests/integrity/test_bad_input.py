"""Every bad input is one clear line, exit code 2, and nothing changed (run as the real command)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.services.importer import HEADER
from tests.integrity.conftest import fill
from tests.services.test_importer import ROWS, write_csv

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, lang="en"):
    argv = [sys.executable, "-m", "app.cli", "--lang", lang, *[a if isinstance(a, bytes) else str(a) for a in args]]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=120)


def one_line(res, code=2) -> str:
    err = res.stderr.decode("utf-8")
    assert res.returncode == code, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert "\x00" not in err
    return err


def digest(*files) -> list[str]:
    return [hashlib.sha256(Path(f).read_bytes()).hexdigest() if Path(f).exists() else "-" for f in files]


@pytest.fixture
def hq(tmp_path):
    db = tmp_path / "hq.db"
    assert cli("init", "--db", db, "--role", "hq").returncode == 0
    return db


def _participants(db) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    n = con.execute("SELECT count(*) FROM participants").fetchone()[0]
    con.close()
    return n


# --- lists ---------------------------------------------------------------------------------------
def test_csv_field_over_the_csv_limit(hq, tmp_path):
    f = tmp_path / "big.csv"
    f.write_text(";".join(HEADER) + '\n66;0412;2026-06-08;02;12;1А;7700001;"' + "Щ" * 131_073 + '";А;;6505;1;1;\n',
                 encoding="utf-8")
    err = one_line(cli("import", "--db", hq, f))
    assert "big.csv: line 2: not a readable CSV line" in err and "nothing imported" in err
    assert _participants(hq) == 0


@pytest.mark.parametrize("col,value,expect", [
    (7, "Щ" * 100_000, "last_name: 100000 characters, at most 200 allowed"),
    (8, "Анна" * 20, "first_name: 80 characters, at most 60 allowed"),
    (2, "20260604", "exam_date: must be a date YYYY-MM-DD or DD.MM.YYYY, not '20260604'"),
    (2, "2026-W23-4", "exam_date: must be a date YYYY-MM-DD or DD.MM.YYYY, not '2026-W23-4'"),
    (2, "1900-06-04", "exam_date: 1900-06-04: no reference data for 1900"),
    (2, "9999-06-04", "exam_date: 9999-06-04: no reference data for 9999"),
])
def test_list_values_out_of_limits_are_refused(hq, tmp_path, col, value, expect):
    rows = [r[:] for r in ROWS]
    rows[1][col] = value
    f = write_csv(tmp_path / "l.csv", rows)
    res = cli("import", "--db", hq, f)
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    assert f"l.csv:3: {expect}" in err
    assert _participants(hq) == 0


def test_utf16_list_message_has_no_nul_bytes(hq, tmp_path):
    f = write_csv(tmp_path / "u16.csv", ROWS, encoding="utf-16-le")  # no BOM
    err = one_line(cli("import", "--db", hq, f))
    assert "u16.csv: looks like UTF-16 text" in err
    f = write_csv(tmp_path / "u16bom.csv", ROWS, encoding="utf-16")
    assert "looks like UTF-16" in one_line(cli("import", "--db", hq, f))


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(HEADER))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _rewrite(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = edit(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item, data)
    return dst


def test_broken_and_sheetless_xlsx(hq, tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", ROWS)
    broken_xml = _rewrite(good, tmp_path / "broken.xlsx",
                          lambda n, d: d[: len(d) // 2] if n == "xl/worksheets/sheet1.xml" else d)
    import re

    def no_sheets(n, d):
        if n == "xl/workbook.xml":
            return re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d, flags=re.S)
        return d

    sheetless = _rewrite(good, tmp_path / "sheetless.xlsx", no_sheets)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(300))
    for f in (broken_xml, sheetless, garbage):
        err = one_line(cli("import", "--db", hq, f))
        assert f.name in err and ("not a readable XLSX" in err or "no sheet" in err), err
    assert _participants(hq) == 0


def test_xlsx_with_a_stale_dimension_imports_every_row(hq, tmp_path):
    rows = [["66", "0412", "2026-06-08", "02", f"{i // 25 + 1:04d}", f"{(i % 25) // 5 + 1}{'АБВГД'[i % 5]}",
             f"{7_000_000 + i}", "Иванова", "Мария", "", "6505", f"{100000 + i}", "660101", ""] for i in range(300)]
    good = _xlsx(tmp_path / "full.xlsx", rows)
    import re

    stale = _rewrite(good, tmp_path / "stale.xlsx", lambda n, d: re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:N3"', d) if n == "xl/worksheets/sheet1.xml" else d)
    with zipfile.ZipFile(stale) as z:
        assert b'<dimension ref="A1:N3"' in z.read("xl/worksheets/sheet1.xml")
    res = cli("import", "--db", hq, stale, "--json")
    assert res.returncode == 0, res.stderr
    assert _participants(hq) == 300


# --- marks ---------------------------------------------------------------------------------------
@pytest.fixture
def room(demo_db):
    return demo_db


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59:59-12:00", "2031-06-04T10:00"])
def test_at_far_from_the_exam_date(room, at):
    before = digest(room)
    err = one_line(cli("record", "--db", room, "--room", "0101", "note", "text=x", "--at", at))
    assert "from the exam date 2026-06-04" in err
    assert digest(room) == before


def test_author_length_is_limited(room):
    err = one_line(cli("record", "--db", room, "--room", "0101", "note", "text=x", "--author", "A" * 100_000))
    assert "author: 100000 characters, at most 64 allowed" in err


def test_arguments_that_are_not_utf8(room):
    before = digest(room)
    err = one_line(cli("record", "--db", room, "--room", "0101", "note", b"text=\xff\xfe", "--author", "x"))
    assert "is not valid UTF-8 text" in err and "\\xff" in err
    err = one_line(cli("state", "--db", os.fsencode(str(room)) + b"\xff", "--room", "0101"))
    assert "is not valid UTF-8 text" in err
    assert digest(room) == before


# --- the disk --------------------------------------------------------------------------------------
def _events(db) -> int:

    from app.store.integrity import connect_readonly

    con = connect_readonly(db)  # creates nothing (the disk may be full)
    n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    return n


@pytest.mark.parametrize("lang,expect", [("ru", "на диске нет места: отметка не записана"),
                                         ("en", "no space left on the disk: the mark was not recorded")])
def test_full_disk_is_one_clear_line(room, small_disk, lang, expect):
    db = small_disk / "room.db"
    shutil.copy(room, db)
    assert cli("record", "--db", db, "--room", "0101", "note", "text=before").returncode == 0
    filler = fill(small_disk)
    n = _events(db)
    err = ""
    for i in range(40):  # the -wal file may still have room for a few pages: write until it is full
        res = cli("record", "--db", db, "--room", "0101", "note", f"text={'x' * 1500}{i}", lang=lang)
        if res.returncode != 0:
            err = one_line(res)
            break
        n += 1
    assert expect in err, err
    filler.unlink()
    assert _events(db) == n  # the refused mark is not there, every acknowledged one is
    assert cli("verify", "--db", db).returncode == 0


def test_read_only_disk_is_one_clear_line(room, small_disk):
    db = small_disk / "room.db"
    shutil.copy(room, db)
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
    before = digest(db)
    err = one_line(cli("record", "--db", db, "--room", "0101", "note", "text=x"))
    assert "cannot be written" in err and "the mark was not recorded" in err
    assert digest(db) == before


@pytest.mark.parametrize("field,expect", [
    ("sheet=" + "9" * 24, "is not a sheet code"),
    ("sheet=12 34", "is not a sheet code"),
])
def test_sheet_codes_have_a_format(room, field, expect):
    import sqlite3

    con = sqlite3.connect(room)
    code = con.execute("SELECT code FROM participants WHERE room='0101' ORDER BY code LIMIT 1").fetchone()[0]
    con.close()
    before = digest(room)
    err = one_line(cli("record", "--db", room, "--room", "0101", "extra-sheet", "--participant", code, field))
    assert expect in err
    assert digest(room) == before


def test_note_text_length_is_limited(room):
    err = one_line(cli("record", "--db", room, "--room", "0101", "note", "text=" + "x" * 100_000))
    assert "100000 characters, at most 2000 allowed" in err


@pytest.mark.parametrize("col,value,expect", [
    (2, "٠٤.٠٦.٢٠٢٦", "exam_date: must be a date"),
    (0, "٦٦", "region: must be 2 digits"),
    (1, "٠٤١٢", "ppe_code: must be 4 digits"),
    (5, "١А", "seat: bad seat label"),
    (12, "٦٦٠١٠١", "school_code: must be up to 6 digits"),
])
def test_digits_other_than_ascii_are_refused(hq, tmp_path, col, value, expect):
    """Found by bench/campaign_listfuzz.py: Arabic-Indic digits matched \\d, so 04.06.2026 written in them
    imported as 4 June (and a region, seat or school in them was stored as such)."""
    test_list_values_out_of_limits_are_refused(hq, tmp_path, col, value, expect)
