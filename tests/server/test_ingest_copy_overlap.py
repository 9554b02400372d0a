"""The batch's events stream in (COPY on PostgreSQL) while the fold runs: the server stores the rows on its own
core instead of the fold waiting for it (issue 13, ingest speed). What must hold: the fast path folds before the
COPY is finished, any database use waits for it, and a batch that fails part-way leaves nothing stored and the
connection usable for the next batch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.server import figures
from app.server import ingest as ingest_mod
from app.server import schema as t
from app.server.admin import add_ppe
from app.server.db import open_server_db
from app.server.ingest import ingest
from app.server.plans import push_plan
from bench.bench_season import plan_body
from tests.server.test_figures_undo import KEY, PPE, Chain, P, _same


def _setup(server_db):
    engine = open_server_db(server_db)
    add_ppe(engine, "66", "043", PPE[3:], "ППЭ 1")
    push_plan(engine, PPE, plan_body(KEY, 0, 0, 1))
    return engine


def _morning(room: Chain) -> list[dict]:
    evs = [room.ev(8 * 60 + 45, "room-opened", organizers=["ORG01"])]
    for i, p in enumerate(P[:5]):
        evs.append(room.ev(9 * 60 + 10 + i, "admitted", p))
    return evs


def _stored(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(t.events)).scalar_one()


def test_the_fast_path_folds_while_the_rows_stream_in(server_db, monkeypatch):
    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    ingest(engine, PPE, _morning(room))
    order: list[str] = []
    finish, fast = ingest_mod._Copy.finish, figures._fast

    def finish_logged(self):
        if self._ctx is not None:
            order.append("copy finished")
        finish(self)

    def fast_logged(*a, **k):
        order.append("folded")
        return fast(*a, **k)

    monkeypatch.setattr(ingest_mod._Copy, "finish", finish_logged)
    monkeypatch.setattr(figures, "_fast", fast_logged)
    ingest(engine, PPE, [room.ev(9 * 60 + 30, "admitted", P[6]), room.ev(10 * 60, "exam-start")])
    if engine.dialect.name == "postgresql":
        assert order == ["folded", "copy finished"]
    else:  # sqlite3 inserts at once: nothing is left to finish
        assert order == ["folded"]
    assert _stored(engine) == 8
    _same(engine)


def test_a_batch_that_fails_in_the_fold_stores_nothing_and_the_next_goes_in(server_db, monkeypatch):
    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    first = _morning(room)
    fast = figures._fast
    calls = []

    def broken(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("fold failed")
        return fast(*a, **k)

    ingest(engine, PPE, first[:2])
    monkeypatch.setattr(figures, "_fast", broken)
    with pytest.raises(RuntimeError, match="fold failed"):
        ingest(engine, PPE, first[2:])
    assert _stored(engine) == 2
    ingest(engine, PPE, first[2:])  # the same batch again: the pool's connection is clean, nothing half-stored
    assert _stored(engine) == len(first)
    _same(engine)
