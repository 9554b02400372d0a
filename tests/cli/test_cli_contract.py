"""The `auditoria` command contract, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, ok=True):
    res = subprocess.run([sys.executable, "-m", "app.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    if ok:
        assert res.returncode == 0, res.stderr
    return res


def j(*args):
    return json.loads(run(*args, "--json").stdout)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "room.db"
    run("init", "--db", path, "--demo", "--role", "room", "--room", "0101")
    return path


def test_full_cli_day(db):
    rooms = j("rooms", "--db", db)
    assert len(rooms["rooms"]) == 12 and sum(r["assigned"] for r in rooms["rooms"]) == 180
    st = j("state", "--db", db, "--room", "0101")
    codes = [p["code"] for p in st["participants"]]
    seat0 = st["participants"][0]["seat"]
    ev = j("record", "--db", db, "--room", "0101", "admitted", "--participant", codes[0], "--at", "09:10")
    assert ev["seq"] == 1 and len(ev["hash"]) == 64 and ev["advice"] == []
    ev = j("record", "--db", db, "--room", "0101", "seated", "--participant", codes[0], "seat=9Я", "--at", "09:11")
    assert [a["code"] for a in ev["advice"]] == ["seat-change"]
    j("record", "--db", db, "--room", "0101", "seated", "--participant", codes[0], f"seat={seat0}")
    j("record", "--db", db, "--room", "0101", "absent", "--participant", codes[1], "--at", "09:58")
    start = j("record", "--db", db, "--room", "0101", "exam-start", "--at", "10:00")
    assert start["payload"]["end"].startswith("2026-06-04T08:30")  # 10:00+05 + 210 min → 13:30+05
    late = j("record", "--db", db, "--room", "0101", "late", "--participant", codes[2], "--at", "10:25")
    assert "late" in [a["code"] for a in late["advice"]]
    j("record", "--db", db, "--room", "0101", "exit", "--participant", codes[0], "--at", "10:30")
    j("record", "--db", db, "--room", "0101", "extra-sheet", "--participant", codes[2], "sheet=2000123",
      "--at", "11:00")
    wrong = j("record", "--db", db, "--room", "0101", "extra-sheet", "--participant", codes[2], "sheet=2000999")
    j("record", "--db", db, "--room", "0101", "void", f"target={wrong['id']}", "reason=typo in sheet number")
    j("record", "--db", db, "--room", "0101", "removal", "--participant", codes[2], "reason=phone", "--at", "11:30")
    st = j("state", "--db", db, "--room", "0101")
    assert st["assigned"] == 15 and st["present"] == 2 and st["absent"] == 1 and st["late"] == 1
    assert st["out_of_room"] == 1 and st["removed"] == 1 and st["finished_early"] == 0 and st["finished"] == 0
    assert st["extra_sheets"] == 1
    by = {p["code"]: p for p in st["participants"]}
    assert by[codes[0]]["status"] == "out_of_room" and by[codes[2]]["status"] == "removed"
    log = j("log", "--db", db, "--room", "0101")
    assert [e["seq"] for e in log] == list(range(1, 12))
    assert sum("voided_by" in e for e in log) == 1
    assert run("verify", "--db", db).returncode == 0


def test_errors_are_one_line_exit_2(db, tmp_path):
    cases = [
        ("state", "--db", tmp_path / "nope.db", "--room", "0101"),
        ("record", "--db", db, "--room", "0101", "removal", "--participant", "x"),
        ("record", "--db", db, "--room", "0999", "note", "text=x"),
        ("record", "--db", db, "--room", "0101", "extra-sheet", "--participant", "1", "sheet=1", "--at", "25:99"),
        ("record", "--db", db, "--room", "0101", "void", "target=nope", "reason=x"),
        ("init", "--db", db),
        ("import", "--db", db, tmp_path / "missing.csv"),
    ]
    for args in cases:
        res = run(*args, ok=False)
        assert res.returncode == 2, args
        assert "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stderr.startswith("auditoria: ")


def test_verify_names_the_first_broken_event(db):
    j("record", "--db", db, "--room", "0101", "note", "text=first")
    j("record", "--db", db, "--room", "0101", "note", "text=second")
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER events_no_update")  # an attacker with file access
    con.execute("UPDATE events SET payload='{\"text\":\"forged\"}' WHERE seq=1")
    con.commit()
    con.close()
    res = run("verify", "--db", db, ok=False)
    assert res.returncode == 1
    assert "seq 1" in res.stderr and "altered" in res.stderr


def test_import_command(tmp_path):
    from app.services.importer import HEADER

    db = tmp_path / "hq.db"
    run("init", "--db", db, "--role", "hq")
    f = tmp_path / "list.csv"
    f.write_text(";".join(HEADER) + "\n66;0412;2026-06-08;02;12;1А;7700001;Петрова;Анна;;6505;123456;660101;\n",
                 encoding="utf-8")
    out = j("import", "--db", db, f, "--tz", "Asia/Yekaterinburg")
    assert out["rows"] == 1 and out["rooms"] == ["0012"]
    assert j("import", "--db", db, f)["unchanged"] is True
