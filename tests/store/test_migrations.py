"""A database written by the first schema opens in the newest version with its events intact."""

from __future__ import annotations

import json
import sqlite3
import uuid

from app.domain.event import GENESIS, Event
from app.store import migrations
from app.store.db import current_revision, make_engine, open_engine


def test_upgrade_from_first_schema(tmp_path):
    path = tmp_path / "old.db"
    engine = make_engine(path)
    with engine.begin() as conn:
        migrations.upgrade(conn, "0001")
    assert current_revision(engine) == "0001"
    e = Event(id=str(uuid.uuid4()), station="room-old", seq=1, at="2026-06-04T04:00:00.000000Z",
              recorded_at="2026-06-04T04:00:00.000000Z", tz="Asia/Yekaterinburg", author="", kind="note",
              day="2026-06-04/01", room="0101", participant=None, payload={"text": "written by v1"},
              prev_hash=GENESIS).sealed()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO staff VALUES ('ORG01','Иванова','Анна','','organizer-room','0101')")
    con.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (e.id, e.station, e.seq, e.at, e.recorded_at, e.tz, e.author, e.kind, e.day, e.room, e.participant,
                 json.dumps(e.payload), e.prev_hash, e.hash))
    con.commit()
    con.close()
    engine.dispose()

    engine = open_engine(path)
    assert current_revision(engine) == migrations.HEAD == migrations.script_head()
    from app.store.eventlog import EventLog

    log = EventLog(engine, "room-old")
    assert log.verify() == [] and log.all()[0].payload == {"text": "written by v1"}
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT code, lead FROM staff").one()
    assert tuple(row) == ("ORG01", 0)
    con = sqlite3.connect(path)
    try:
        con.execute("DELETE FROM events")
        raise AssertionError("triggers lost in migration")
    except sqlite3.DatabaseError as err:
        assert "append-only" in str(err)


def test_head_constant_matches_scripts():
    assert migrations.script_head() == migrations.HEAD
