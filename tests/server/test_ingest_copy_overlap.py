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



def _rows_sent(monkeypatch) -> list[tuple]:
    """Every row handed to the events' COPY (or to SQLite's insert)."""
    sent: list[tuple] = []
    init = ingest_mod._Copy.__init__

    def logged(self, conn, rows):
        sent.extend(rows)
        init(self, conn, rows)

    monkeypatch.setattr(ingest_mod._Copy, "__init__", logged)
    return sent


@pytest.mark.parametrize("where", ["last", "first"])
def test_an_invalid_event_among_valid_ones_refuses_the_batch_whole(server_db, monkeypatch, where):
    """An event refused among valid ones (last or first) leaves nothing stored and no row sent, and the batch
    without it goes in."""
    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    evs = _morning(room)
    bad = Chain("R0001", "0001")  # the same chain with its first (or last) event of an unknown kind
    bad_evs = [bad.ev(8 * 60 + 45, "no-such-kind" if where == "first" else "room-opened")]
    bad_evs += [bad.ev(9 * 60 + 10 + i, "no-such-kind" if where == "last" and i == 4 else "admitted", p)
                for i, p in enumerate(P[:5])]
    sent = _rows_sent(monkeypatch)
    with pytest.raises(ingest_mod.Rejected) as info:
        ingest(engine, PPE, bad_evs)
    assert info.value.code == "invalid-event" and "unknown kind" in info.value.reason
    assert sent == [] and _stored(engine) == 0
    assert ingest_mod.heads(engine, PPE) == {}
    assert ingest(engine, PPE, evs).inserted == len(evs)
    _same(engine)


def test_a_gap_stores_nothing_and_sends_no_row(server_db, monkeypatch):
    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    evs = _morning(room)
    sent = _rows_sent(monkeypatch)
    with pytest.raises(ingest_mod.Rejected) as info:
        ingest(engine, PPE, evs[:2] + evs[3:])
    assert info.value.code == "gap"
    assert sent == [] and _stored(engine) == 0
    assert ingest(engine, PPE, evs).inserted == len(evs)


def test_events_already_stored_are_not_sent_again(server_db, monkeypatch):
    """A resent batch's old part (and a repeat inside one batch) is checked against the log, never COPYed:
    a row sent twice would break the COPY on the table's unique keys."""
    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    evs = _morning(room) + [room.ev(9 * 60 + 30, "admitted", P[6]), room.ev(10 * 60, "exam-start")]
    ingest(engine, PPE, evs[:4])
    sent = _rows_sent(monkeypatch)
    res = ingest(engine, PPE, evs + evs[5:6])
    assert (res.inserted, res.duplicates) == (len(evs) - 4, 4)
    assert sorted(r[3] for r in sent) == list(range(5, len(evs) + 1))
    assert _stored(engine) == len(evs)
    _same(engine)


def test_a_batch_that_loses_a_race_at_its_commit_goes_in_once(server_db, monkeypatch):
    """A concurrent writer won (``_Raced`` at the COMMIT's pipeline): the attempt is rolled back, the next
    stores every event once."""
    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    evs = _morning(room)
    run, calls = ingest_mod._Writes.run, []

    def lose_once(self, commit=False):
        calls.append(commit)
        if commit and calls.count(True) == 1:
            raise ingest_mod._Raced("a chain head moved meanwhile")
        return run(self, commit)

    monkeypatch.setattr(ingest_mod._Writes, "run", lose_once)
    assert ingest(engine, PPE, evs).inserted == len(evs)
    assert calls.count(True) == 2
    assert _stored(engine) == len(evs)
    _same(engine)


def test_room_states_are_written_as_json_wrote_them(server_db):
    """``dump_state`` (orjson, times as datetimes) gives the text ``dump_state_reference`` (json, isoformat)
    gives: for the states a day's fold stores, and for one holding awkward text, a float and a huge int."""
    from datetime import UTC, datetime

    from tests.server.test_figures_undo import _day

    engine = _setup(server_db)
    room = Chain("R0001", "0001")
    evs, _named = _day(room)
    ingest(engine, PPE, evs)
    ingest(engine, PPE, [room.ev(12 * 60, "materials-collected", blanks=5, extra_sheets=2),
                         room.ev(12 * 60 + 5, "room-closed")])
    with engine.connect() as c:
        texts = [r[0] for r in c.execute(select(t.fig_rooms.c.state)) if r[0]]
    assert texts
    for text in texts:
        st, school_of, last, voids = figures.load_state(text)
        assert figures.dump_state(st, school_of, last, voids) == figures.dump_state_reference(st, school_of, last,
                                                                                               voids) == text
        code = next(iter(st.participants))
        st.participants[code].seat = 'a"\\\n\t\x01\x1f\x7f é Ж 😀 \u2028'
        st.participants[code].admitted_at = datetime(2026, 6, 4, 5, 0, 0, 7, tzinfo=UTC)
        st.incidents.append(figures._Inc("removal", "\x00"))
        assert figures.dump_state(st, school_of, last, voids) == figures.dump_state_reference(st, school_of, last, voids)
        for odd in (1.0, 1e16, 0.1, 2 ** 70, -(2 ** 63) - 1):
            st.materials["blanks"] = odd
            assert figures.dump_state(st, school_of, last, voids) == figures.dump_state_reference(st, school_of, last,
                                                                                                   voids)
