"""Ingest in-process: racing writers, malformed input, altered events (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert

from app.server import schema as t
from app.server.db import open_server_db
from app.server.ingest import MAX_BATCH, Rejected, heads, ingest
from bench.bench_server import make_chain


@pytest.fixture
def engine(server_db):
    e = open_server_db(server_db)
    with e.begin() as conn:
        conn.execute(insert(t.ppe).values(key="66/0412", region="66", msu="043", code="0412", name="x",
                                          tz="Asia/Yekaterinburg", address="", created_at="x"))
    yield e
    e.dispose()


def test_racing_writers_store_each_event_once(engine):
    chain = make_chain("room-a", 600)
    results: list = []

    def push(evs):
        try:
            results.append(ingest(engine, "66/0412", [dict(d) for d in evs], check_rooms=False).inserted)
        except Rejected as e:  # a longer batch may find its start not yet stored... never here: all start at 1
            results.append(e)

    threads = [threading.Thread(target=push, args=(chain[:n],)) for n in (600, 300, 600, 450, 600, 150)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 600  # the winners' inserts add up to the chain; the rest were duplicates
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 600
    assert heads(engine, "66/0412")["room-a"]["seq"] == 600


@pytest.mark.parametrize("field,value,msg", [
    ("seq", 0, "seq must be a positive integer"),
    ("seq", "1", "seq must be a positive integer"),
    ("payload", [], "payload must be an object"),
    ("station", None, "field 'station' missing"),
    ("day", "2026", "day must look like"),
    ("room", "01011", "room longer than 4"),
])
def test_malformed_events_are_named(engine, field, value, msg):
    chain = make_chain("room-b", 3)
    chain[1][field] = value
    with pytest.raises(Rejected) as info:
        ingest(engine, "66/0412", chain)
    assert info.value.status == 422 and "event #1" in info.value.reason and msg in info.value.reason


def test_too_large_and_altered(engine):
    with pytest.raises(Rejected) as info:
        ingest(engine, "66/0412", [{}] * (MAX_BATCH + 1))
    assert info.value.status == 413
    chain = make_chain("room-c", 3)
    chain[2]["participant"] = "other"
    with pytest.raises(Rejected) as info:
        ingest(engine, "66/0412", chain)
    assert info.value.code == "altered" and "seq 3" in info.value.reason
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 0  # all or nothing


def test_fast_hash_equals_the_stations_hash():
    """The ingest hot path writes canonical JSON by hand: it must give the station's exact bytes."""
    from hypothesis import given, settings
    from hypothesis import strategies as s

    from app.domain.event import Event
    from app.server.ingest import event_hash, event_hash_slow

    text = s.text(max_size=12)
    opt = s.none() | text
    payload = s.dictionaries(text, s.none() | s.booleans() | s.integers() | text | s.lists(text, max_size=3),
                             max_size=4)

    @settings(max_examples=400, deadline=None)
    @given(id=text, station=text, seq=s.integers(1, 10**9), at=text, author=text, kind=text, day=opt, room=opt,
           participant=opt, payload=payload, prev=text, tz=text)
    def check(id, station, seq, at, author, kind, day, room, participant, payload, prev, tz):
        e = Event(id=id, station=station, seq=seq, at=at, recorded_at=at, tz=tz, author=author, kind=kind, day=day,
                  room=room, participant=participant, payload=payload, prev_hash=prev)
        d = e.to_dict()
        assert event_hash(d) == e.compute_hash() == event_hash_slow(d)

    check()
    chain = make_chain('room-я "x"\u2028\\', 3)
    assert all(event_hash(d) == Event.from_dict(d).compute_hash() for d in chain)
