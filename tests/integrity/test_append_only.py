"""Append-only end to end: no rewrite through REPLACE/ON CONFLICT, verify sees removed guards, tail
deletion and re-hashing (against the head anchored outside the database), and verify never writes."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "app.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def marked(station):
    """The demo station with five marks, its anchor written; closed so the file can be edited."""
    codes = [p.code for p in station.plan.room_participants("0101")]
    for c in codes[:5]:
        station.record("admitted", "0101", c)
    station.close()
    return station.path


def _events(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, station, seq, hash FROM events ORDER BY seq").fetchall()
    con.close()
    return rows


@pytest.mark.parametrize("sql", [
    "INSERT OR REPLACE INTO events SELECT id, station, seq, at, recorded_at, tz, 'forger', kind, day, room, "
    "participant, payload, prev_hash, hash FROM events WHERE seq=3",
    "REPLACE INTO events SELECT id, station, seq, at, recorded_at, tz, 'forger', kind, day, room, participant, "
    "payload, prev_hash, hash FROM events WHERE seq=3",
    "INSERT INTO events SELECT id, station, seq, at, recorded_at, tz, 'forger', kind, day, room, participant, "
    "payload, prev_hash, hash FROM events WHERE seq=3 ON CONFLICT DO UPDATE SET author='forger'",
    "INSERT OR REPLACE INTO events SELECT 'new-id', station, seq, at, recorded_at, tz, 'forger', kind, day, room, "
    "participant, payload, prev_hash, hash FROM events WHERE seq=3",
])
def test_replace_and_upsert_cannot_rewrite_an_event(marked, sql):
    before = _events(marked)
    con = sqlite3.connect(marked)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute(sql)
    con.commit()
    con.close()
    assert _events(marked) == before


def test_verify_reports_dropped_guards(marked):
    con = sqlite3.connect(marked)
    con.execute("DROP TRIGGER events_no_delete")
    con.execute("DROP TRIGGER events_no_replace")
    con.commit()
    con.close()
    res = cli("verify", "--db", marked)
    assert res.returncode == 1
    assert "events_no_delete is missing" in res.stderr and "events_no_replace is missing" in res.stderr


def test_verify_reports_a_guard_replaced_by_a_no_op(marked):
    con = sqlite3.connect(marked)
    con.execute("DROP TRIGGER events_no_update")
    con.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT 1; END")
    con.commit()
    con.close()
    res = cli("verify", "--db", marked)
    assert res.returncode == 1 and "events_no_update was changed" in res.stderr


def _drop_guards(con):
    for t in ("events_no_update", "events_no_delete", "events_no_replace"):
        con.execute(f"DROP TRIGGER {t}")


def test_verify_catches_tail_deletion(marked):
    con = sqlite3.connect(marked)
    _drop_guards(con)
    con.execute("DELETE FROM events WHERE seq > 3")
    for t in ("NO_UPDATE", "NO_DELETE", "NO_REPLACE"):  # put the guards back, as a careful forger would
        from app.store import guards

        con.execute(getattr(guards, t))
    con.commit()
    con.close()
    res = cli("verify", "--db", marked)
    assert res.returncode == 1, res.stdout
    assert "ends at #3 but its anchor records #5" in res.stderr


def test_verify_catches_a_rehashed_last_event(marked):
    from app.domain.event import Event
    from app.store.eventlog import _COLUMNS, _event

    con = sqlite3.connect(marked)
    row = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM events WHERE seq=5").fetchone()
    e = _event(row)
    forged = Event(**{**e.__dict__, "author": "forger"}).sealed()  # a correct hash for the forged content
    assert forged.hash != e.hash
    _drop_guards(con)
    con.execute("UPDATE events SET author=?, hash=? WHERE seq=5", (forged.author, forged.hash))
    con.commit()
    con.close()
    res = cli("verify", "--db", marked)
    assert res.returncode == 1
    assert "guard" in res.stderr and "event #5 is not the one anchored" in res.stderr


def test_verify_catches_a_forged_anchor(marked):
    from app.transfer.keys import load_or_create

    load_or_create(marked, _events(marked)[0][1], "room")  # the station has a key now
    path = Path(f"{marked}.head")
    d = json.loads(path.read_text())
    d.update(seq=3, hash=_events(marked)[2][3], signature="", sign_pk="")
    path.write_text(json.dumps(d))
    res = cli("verify", "--db", marked)
    assert "not signed" in res.stdout + res.stderr
    # signed by some other key
    from nacl.signing import SigningKey

    from app.store.anchor import Anchor, _b64

    k = SigningKey.generate()
    a = Anchor(d["station"], 3, d["hash"])
    a = Anchor(a.station, a.seq, a.hash, _b64(k.sign(a.message()).signature), _b64(bytes(k.verify_key)))
    path.write_bytes(a.to_json())
    res = cli("verify", "--db", marked)
    assert res.returncode == 1 and "forged" in res.stderr


def test_the_anchor_is_signed_by_the_station_key_and_verify_is_clean(station):
    from app.store.anchor import read_anchor, station_sign_pk
    from app.transfer.keys import station_keys

    station_keys(station)
    code = station.plan.room_participants("0101")[0].code
    e = station.record("admitted", "0101", code).event
    station.close()
    a = read_anchor(station.path)
    assert (a.seq, a.hash) == (e.seq, e.hash) and a.signed_by(station_sign_pk(station.path))
    res = cli("verify", "--db", station.path)
    assert res.returncode == 0 and res.stdout.startswith("ok: 1 events"), res.stdout + res.stderr


def _digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


@pytest.mark.parametrize("content,expect", [
    (b"", "empty file (0 bytes): not an Auditoria database"),
    (b"x", "not an SQLite database (1 bytes): not an Auditoria database"),
    (b"S", "damaged: only the first 1 byte(s)"),
])
def test_verify_on_tiny_files_writes_nothing(tmp_path, content, expect):
    db = tmp_path / "room.db"
    db.write_bytes(content)
    for cmd in (("verify",), ("state", "--room", "0101"), ("record", "note", "text=x")):
        res = cli(cmd[0], "--db", db, *cmd[1:])
        assert res.returncode in (1, 2) and expect in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert [f.name for f in tmp_path.iterdir()] == ["room.db"] and db.read_bytes() == content


def test_verify_on_a_foreign_or_tableless_sqlite_file(tmp_path):
    empty = tmp_path / "empty.db"
    con = sqlite3.connect(empty)
    con.execute("PRAGMA user_version=1")  # a real SQLite file with no tables
    con.commit()
    con.close()
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE songs (title TEXT)")
    con.commit()
    con.close()
    before = _digest(tmp_path)
    res = cli("verify", "--db", empty)
    assert res.returncode == 2 and "with no tables: not an Auditoria database" in res.stderr
    res = cli("verify", "--db", other)
    assert res.returncode == 2 and "of another program (tables songs)" in res.stderr
    res = cli("state", "--db", empty, "--room", "0101")
    assert res.returncode == 2 and "not an Auditoria database" in res.stderr
    assert _digest(tmp_path) == before


def test_verify_on_a_damaged_database_says_damaged(marked, tmp_path):
    bad = tmp_path / "bad.db"
    data = bytearray(Path(marked).read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page is gone
    bad.write_bytes(bytes(data))
    res = cli("verify", "--db", bad)
    assert res.returncode == 1 and "damaged" in res.stderr and "not an Auditoria" not in res.stderr


def test_verify_is_read_only(marked, tmp_path):
    """No -wal/-shm made, no byte changed, even for a database of an older schema."""
    folder = Path(marked).parent
    for f in folder.glob("*-wal"):
        f.unlink()
    before = _digest(folder)
    assert cli("verify", "--db", marked).returncode == 0
    assert _digest(folder) == before
    con = sqlite3.connect(marked)
    con.execute("DROP TRIGGER events_no_replace")
    con.execute("UPDATE alembic_version SET version_num='0004'")
    con.commit()
    con.close()
    before = _digest(folder)
    res = cli("verify", "--db", marked)
    assert res.returncode == 0 and "older than" in res.stdout
    assert _digest(folder) == before


def test_a_database_of_a_newer_schema_is_one_clear_line(marked, tmp_path):
    copy = tmp_path / "newer.db"
    shutil.copy(marked, copy)
    con = sqlite3.connect(copy)
    con.execute("UPDATE alembic_version SET version_num='0099'")
    con.commit()
    con.close()
    for cmd in (("verify",), ("state", "--room", "0101")):
        res = cli(cmd[0], "--db", copy, *cmd[1:])
        assert res.returncode == 2 and "made by a newer Auditoria (schema 0099" in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
