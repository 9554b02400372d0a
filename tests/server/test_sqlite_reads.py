"""SQLite reads do not block ingest (issue 13, item 5): reads go through a read-only connection of
their own in WAL mode, writes stay serialised on the writer (BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from app.server import schema as t
from app.server.admin import add_ppe
from app.server.db import open_server_db, read_connection
from app.server.ingest import ingest
from app.server.monitoring import report
from bench.bench_server import make_chain

HOLD_S = 3.0


@pytest.fixture
def server(tmp_path):
    engine = open_server_db(tmp_path / "server.db")
    add_ppe(engine, "66", "043", "0412", "ППЭ 0412")
    yield engine
    engine.dispose()


def test_a_long_read_does_not_hold_back_a_push(server):
    chain = make_chain("room-a", 400, day="2026-06-04", room="0101")
    ingest(server, "66/0412", chain[:200])
    started, done = threading.Event(), threading.Event()
    seen: list[int] = []

    def long_read() -> None:  # a slow report: one snapshot held open for seconds
        with read_connection(server) as conn:
            seen.append(conn.execute(select(func.count()).select_from(t.events)).scalar())
            started.set()
            time.sleep(HOLD_S)
            seen.append(conn.execute(select(func.count()).select_from(t.events)).scalar())
        done.set()

    reader = threading.Thread(target=long_read)
    reader.start()
    assert started.wait(10)
    t0 = time.perf_counter()
    res = ingest(server, "66/0412", chain[200:])  # would wait for the reader's lock (busy_timeout 30 s)
    took = time.perf_counter() - t0
    still_reading = not done.is_set()
    reader.join(30)
    assert res.inserted == 200
    assert still_reading and took < HOLD_S, f"the push waited {took:.1f} s for a read"
    assert seen == [200, 200]  # the read kept its own consistent snapshot
    with read_connection(server) as conn:
        assert conn.execute(select(func.count()).select_from(t.events)).scalar() == 400


def test_the_read_connection_cannot_write(server):
    with read_connection(server) as conn, pytest.raises(Exception, match="readonly|read-only|query_only"):
        conn.execute(text("DELETE FROM ppe"))


def test_monitoring_reads_beside_a_held_write(server):
    """The other way round: an ingest transaction in progress does not stall a monitoring page either."""
    ingest(server, "66/0412", make_chain("room-b", 50, day="2026-06-04", room="0101"))
    with server.begin() as conn:  # the writer holds the write lock (BEGIN IMMEDIATE) ...
        conn.execute(t.ingests.insert().values(at="2026-06-04T05:00:00.000000Z", station="x", ppe="66/0412",
                                               received=0, inserted=0, outcome="held", reason=""))
        t0 = time.perf_counter()
        rep = report(server)  # ... and the page is answered from the last committed state
        assert time.perf_counter() - t0 < 5
    assert rep["filters"]["day"] is None
