"""Issue 13 probes, in process: an event the projections could not fold is refused at ingest, whole
batch, with its id and reason; one already in the database (written there by hand) is skipped by
monitoring and counted as unreadable (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert

from app.server import schema as t
from app.server.db import open_server_db
from app.server.ingest import Rejected, event_hash, ingest
from bench.bench_server import make_chain

PPE = "66/0412"


@pytest.fixture
def engine(server_db):
    e = open_server_db(server_db)
    with e.begin() as conn:
        conn.execute(insert(t.ppe).values(key=PPE, region="66", msu="043", code="0412", name="x",
                                          tz="Asia/Yekaterinburg", address="", created_at="x"))
    yield e
    e.dispose()


def _resealed(chain: list[dict], i: int, **change) -> list[dict]:
    """The chain with event ``i`` changed and every hash from there on recomputed (a consistent chain)."""
    out = [dict(d) for d in chain]
    out[i].update(change)
    prev = out[i - 1]["hash"] if i else "0" * 64
    for d in out[i:]:
        d["prev_hash"] = prev
        d["hash"] = event_hash(d)
        prev = d["hash"]
    return out


PROBES = [
    ("at", "2026-06-04 10:00:00 local!!", "at is not a UTC instant"),  # 27 characters, not a date
    ("at", "2026-13-45T99:00:00.000000Z", "at is not a UTC instant"),
    ("recorded_at", "xxxxxxxxxxxxxxxxxxxxxxxxxxx", "recorded_at is not a UTC instant"),
    ("tz", "Mars/Olympus_Mons", "unknown time zone"),
    ("tz", "../../etc/passwd", "unknown time zone"),
    ("kind", "teleported", "unknown kind"),
    ("day", "2026-99-99/01", "is not an exam day key"),
    ("payload", {"deep": {"deeper": [1]}}, "nested values are not allowed"),
]


@pytest.mark.parametrize("field,value,reason", PROBES)
def test_an_unfoldable_event_refuses_the_whole_batch(engine, field, value, reason):
    if field in ("at", "recorded_at"):
        assert len(value) == 27  # the length the shape check lets through
    chain = _resealed(make_chain("room-a", 5), 2, **{field: value})
    with pytest.raises(Rejected) as info:
        ingest(engine, PPE, chain, "hq")
    e = info.value
    assert e.status == 422 and e.code == "invalid-event", e.reason
    assert chain[2]["id"] in e.reason and reason in e.reason and "seq 3" in e.reason
    with engine.connect() as conn:  # stored nowhere: neither the good events before it nor the chain head
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM chains").scalar() == 0


def test_room_outside_the_plan_is_refused(engine):
    with engine.begin() as conn:
        conn.execute(insert(t.rooms).values(ppe=PPE, number="0101", rows=5, seats_per_row=4, name=""))
    chain = make_chain("room-b", 3, room="0999")
    with pytest.raises(Rejected) as info:
        ingest(engine, PPE, chain, "hq")
    assert info.value.code == "invalid-event" and "room 0999 is not in the plan" in info.value.reason
    assert ingest(engine, PPE, make_chain("room-b", 3, room="0101"), "hq").inserted == 3


def test_monitoring_skips_a_stored_bad_event(engine):
    """A bad event already in the database (an older server stored it) is skipped and counted, never a 500."""
    from app.server.admin import save_day
    from app.server.monitoring import report

    with engine.begin() as conn:
        save_day(conn, PPE, "2026-06-04/01")
        conn.execute(insert(t.rooms).values(ppe=PPE, number="0101", rows=5, seats_per_row=4, name=""))
        conn.execute(insert(t.participants).values(ppe=PPE, day="2026-06-04/01", code="660000001", room="0101",
                                                   seat="1A", school_code="", ovz=False, source="hq"))
    good = make_chain("room-c", 2)
    assert ingest(engine, PPE, good, "hq").inserted == 2
    bad = [dict(good[0], id=f"bad-{i}", station="room-x", seq=i + 1, **change) for i, change in enumerate(
        [{"at": "not a date at all, 27 chars"}, {"tz": "Nowhere/City"}, {"kind": "teleported"},
         {"payload": "{not json"}, {"day": None, "at": "2026-06-04T10:00:00.000000Z", "tz": "Bad/Zone"}])]
    with engine.begin() as conn:
        for d in bad:
            row = {k: d[k] for k in ("id", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day",
                                     "room", "participant", "prev_hash", "hash")}
            p = d["payload"]
            conn.execute(insert(t.events).values(**row, ppe=PPE, payload=p if isinstance(p, str) else json.dumps(p)))
    from app.server.figures import rebuild

    rebuild(engine)  # what the upgrade does (migration s0006f): the stored figures are rebuilt from the log
    rep = report(engine)
    assert rep["unreadable"] == 5 and rep["ppes"][0]["unreadable"] == 5
    assert rep["days"][0]["assigned"] == 1
