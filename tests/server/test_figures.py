"""Stored figures (issue 13, item 6): folded at ingest, equal to a rebuild from the log and to the
from-scratch projection, over a multi-exam-point, multi-date push sequence with voids and late arrivals."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.clock import FixedClock
from app.server import schema as t
from app.server.admin import add_ppe
from app.server.db import open_server_db
from app.server.figures import rebuild, stored_figures
from app.server.ingest import ingest
from app.server.monitoring import report, scratch_report
from app.server.plans import push_plan
from app.services.hq_demo import local, room_day

ROOT = Path(__file__).resolve().parents[2]
D1, D2 = date(2026, 6, 4), date(2026, 6, 11)


def _template(folder: Path) -> Path:
    """One demo station database, copied for every station (install_demo once: the slow part)."""
    from app.services.demo import install_demo
    from app.services.station import Station

    path = folder / "template.db"
    st = Station.create(path, role="hq", clock=FixedClock(local("08:00")))
    install_demo(st)
    st.close()
    return path


def _station(template: Path, path: Path, role: str, room: str = "", on: date = D1):
    """A station of its own (fresh id) holding the demo period."""
    from app.services.station import Station
    from app.store import plan_repo

    shutil.copy(template, path)
    st = Station.open(path, clock=FixedClock(local("15:00", on)))
    with st.engine.begin() as conn:
        plan_repo.set_meta(conn, "station_id", f"{role}-{path.stem}")
        plan_repo.set_meta(conn, "role", role)
        if room:
            plan_repo.set_meta(conn, "room", room)
    st.close()
    st = Station.open(path, clock=FixedClock(local("15:00", on)))
    st.use_day(on.isoformat())
    return st


def _plans(st) -> list[dict]:
    """The plan bodies an HQ pushes (app.sync.client._push_plans): one per date and subject."""
    from app.store import plan_repo

    out = []
    for day in plan_repo.days(st.engine):
        plan = plan_repo.load_plan(st.engine, day)
        for subject in plan.subjects:
            people = [p for p in plan.participants.values() if p.subject_code == subject]
            rooms = sorted({p.room for p in people})
            out.append({"day": f"{day.key}/{subject}",
                        "rooms": [{"number": r.number, "rows": r.rows, "seats_per_row": r.seats_per_row,
                                   "name": r.name} for r in (plan.rooms[n] for n in rooms if n in plan.rooms)],
                        "participants": [{"code": p.code, "room": p.room, "seat": p.seat,
                                          "school_code": p.school_code, "ovz": p.ovz} for p in people]})
    return out


def _exam_point(template: Path, folder: Path, variant: int) -> tuple[list[dict], dict[str, list[dict]]]:
    """An exam point's period: room stations on both dates, the HQ's own marks made late (they sort
    before events already delivered), voids of room events, a mark for a code on another room's list."""
    chains: dict[str, list[dict]] = {}
    hq = _station(template, folder / f"hq{variant}.db", "hq", on=D2)
    plans = _plans(hq)
    for on, rooms in ((D1, ("0101", "0102", "0103")), (D2, ("0101", "0203", "0301"))):
        for i, room in enumerate(rooms):
            st = _station(template, folder / f"r{variant}-{on.day}-{room}.db", "room", room, on)
            people = room_day(st, room, until="end" if (i + variant) % 3 else "morning")
            if i == 1:  # a mistaken mark, voided by the room station itself
                wrong = st.record("extra-sheet", room, people[9].code, at=local("12:30", on),
                                  payload={"sheet": "2600099"})
                st.void(room, wrong.event.id, "wrong participant")
            chains[st.station_id] = [e.to_dict() for e in st.log.all()]
            hq.log.insert_foreign(st.log.all())  # the room's result package, imported at HQ
            st.close()
        hq.use_day(on.isoformat())
        # HQ's own marks, stated early in the day: they arrive after the room's later events
        people = hq.plan.room_participants(rooms[0])
        hq.record("desk-check", rooms[0], people[10].code, at=local("10:40", on), payload={"verdict": "permitted"})
        # an exit told to HQ afterwards: folded after the room's 13:30 hand-in it would be lost
        hq.record("exit", rooms[0], people[1].code, at=local("11:10", on), payload={"accompanied_by": "OUT01"})
        hq.record("return", rooms[0], people[1].code, at=local("11:15", on))
        stranger = hq.plan.room_participants(rooms[-1])[-1].code  # on another room's list (a warning only)
        hq.record("late", rooms[1], stranger, at=local("10:30", on))
        # HQ voids a room station's removal (the GEK cancelled it): a void of another station's event
        removal = next(e for e in chains[f"room-r{variant}-{on.day}-{rooms[2]}"] if e["kind"] == "removal")
        hq.void(removal["room"], removal["id"], "cancelled by the GEK member")
    chains[hq.station_id] = [e.to_dict() for e in hq.log.all() if e.station == hq.station_id]
    hq.close()
    return plans, chains


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    template = _template(folder)
    return {f"66/04{12 + v}": _exam_point(template, folder, v) for v in range(2)}


def _push(engine, period, seed: int, check_midway=None) -> None:
    """Plans first, then every chain in random batches, stations interleaved, with resends."""
    rnd = random.Random(seed)
    for ppe, (plans, _chains) in period.items():
        for body in plans:
            push_plan(engine, ppe, body)
    queue = [(ppe, st, list(evs)) for ppe, (_p, chains) in period.items() for st, evs in chains.items()]
    pos = {st: 0 for _ppe, st, _evs in queue}
    pushed = 0
    while queue:
        i = rnd.randrange(len(queue))
        ppe, st, evs = queue[i]
        n = rnd.choice((1, 3, 7, 20, 60))
        start = max(0, pos[st] - rnd.choice((0, 0, 2)))  # now and then a resend of the last events
        ingest(engine, ppe, evs[start:pos[st] + n], station="test")
        pos[st] += n
        pushed += 1
        if pos[st] >= len(evs):
            queue.pop(i)
        if check_midway and pushed == 25:
            check_midway()


FILTERS = [{}, {"day": "2026-06-11"}, {"day": "2026-06-04/01"}, {"subject": "03"}, {"ppe": "66/0413"},
           {"date_from": "2026-06-05"}, {"school": "660001"}, {"school": "660002", "day": "2026-06-04"},
           {"allowed": frozenset({"66/0412"})}, {"rooms": False}]


def _assert_same(engine, filters=FILTERS) -> None:
    for f in filters:
        a, b = report(engine, **f), scratch_report(engine, **f)
        assert json.loads(json.dumps(a, sort_keys=True)) == json.loads(json.dumps(b, sort_keys=True)), f


def _schools(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted({r[0] for r in conn.execute(select(t.participants.c.school_code))})


def test_incremental_figures_equal_a_rebuild_and_the_scratch_projection(server_db, period):
    """On SQLite and on PostgreSQL (``server_db``): the same push sequence, the same figures three ways."""
    engine = open_server_db(server_db)
    for ppe in period:
        add_ppe(engine, "66", "043", ppe[3:], f"ППЭ {ppe}")
    schools = _schools(engine) or ["660001"]
    _push(engine, period, seed=13, check_midway=lambda: _assert_same(engine))
    rep = report(engine)
    # the sequence did exercise every figure, on both dates and both exam points
    assert len(rep["ppes"]) == 2 * 3 and rep["period"]["removed"] > 0 and rep["period"]["exits"] > 0
    assert rep["period"]["incidents"] > 0 and rep["period"]["corrections"] > 0 and rep["period"]["appeals"] > 0
    assert {r["phase"] for r in rep["rooms"]} >= {"closed", "in-progress", "not-opened"}
    assert rep["period"]["unmarked"] > 0 and rep["period"]["in_room"] >= 0
    _assert_same(engine, FILTERS + [{"school": s} for s in _schools(engine)[:4]])
    before = stored_figures(engine)
    rebuild(engine)
    after = stored_figures(engine)
    assert before.keys() == after.keys()
    assert [k for k in before if before[k] != after[k]] == []
    assert schools


@pytest.mark.parametrize("hq_first", [False, True])
def test_a_void_and_a_late_mark_move_the_stored_figures(tmp_path, period, hq_first):
    """A removal voided after it was counted, or a void that arrives before its target: the removal is
    not counted either way; an exit stated before marks already folded is counted (slow path)."""
    engine = open_server_db(tmp_path / "server.db")
    for ppe in period:
        add_ppe(engine, "66", "043", ppe[3:], ppe)
    plans, chains = period["66/0412"]
    for body in plans:
        push_plan(engine, "66/0412", body)
    hq = next(k for k in chains if k.startswith("hq-"))
    if hq_first:
        ingest(engine, "66/0412", chains[hq])
    rooms_only = [evs for st, evs in chains.items() if st != hq]
    for evs in rooms_only:
        ingest(engine, "66/0412", evs)
    if hq_first:
        _assert_same(engine, [{"ppe": "66/0412"}, {}])
        return
    before = report(engine, ppe="66/0412")["period"]
    ingest(engine, "66/0412", chains[hq])  # its two voids strike one removal per date
    after = report(engine, ppe="66/0412")["period"]
    assert after["removed"] == before["removed"] - 2
    assert after["exits"] == before["exits"] + 2
    _assert_same(engine, [{"ppe": "66/0412"}, {}])


def test_rebuild_figures_command_reports_no_change(tmp_path, period):
    db = tmp_path / "server.db"
    engine = open_server_db(db)
    for ppe in period:
        add_ppe(engine, "66", "043", ppe[3:], ppe)
    _push(engine, period, seed=7)
    expected = report(engine)
    with engine.begin() as conn:  # a wiped figure table: the command restores it from the log
        conn.execute(t.fig_rooms.delete())
    engine.dispose()
    out = subprocess.run([sys.executable, "-m", "app.cli", "server", "rebuild-figures", "--db", str(db), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["days"] == 6 and res["changed"] > 0
    engine = open_server_db(db)
    assert report(engine) == expected
    out = subprocess.run([sys.executable, "-m", "app.cli", "server", "rebuild-figures", "--db", str(db), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert json.loads(out.stdout)["changed"] == 0


def test_old_database_gets_its_figures_at_upgrade(tmp_path, period):
    """A server database from before the stored figures (s0005r) is folded once by the migration."""
    from app.server import migrations

    db = tmp_path / "old.db"
    engine = open_server_db(db, migrate=False)
    with engine.begin() as conn:
        migrations.upgrade(conn, "s0005r")
    plans, chains = period["66/0412"]
    add_ppe(engine, "66", "043", "0412", "old")
    with engine.begin() as conn:  # as the old server stored them: plans and events, no figures
        for body in plans:
            _store_plan_old(conn, body, [dict(ppe="66/0412", **r) for r in body["rooms"]])
        for evs in chains.values():
            conn.execute(t.events.insert(), [{**e, "ppe": "66/0412", "payload": json.dumps(e["payload"])}
                                             for e in evs])
    engine.dispose()
    engine = open_server_db(db)
    _assert_same(engine, [{}])
    assert report(engine)["period"]["present"] > 0


def _store_plan_old(conn, body, rooms) -> None:
    """The plan rows as the old server stored them (no figures)."""
    from sqlalchemy import insert

    from app.server.plans import _lock_day, _upsert_room

    _lock_day(conn, "66/0412", body["day"])
    for r in rooms:
        _upsert_room(conn, r)
    conn.execute(insert(t.participants), [dict(ppe="66/0412", day=body["day"], **p, last_name="", first_name="",
                                               middle_name="", document_series="", document_number="", source="hq")
                                          for p in body["participants"]])


def test_event_lists_from_the_contributing_rooms_equal_the_whole_day(tmp_path, period):
    """The drill-down projects only the rooms whose stored figure is not zero: same events as the whole day."""
    from app.server import monitoring
    from app.server.monitoring import METRIC_KINDS, metric_events

    engine = open_server_db(tmp_path / "server.db")
    for ppe in period:
        add_ppe(engine, "66", "043", ppe[3:], ppe)
    _push(engine, period, seed=3)
    whole = monitoring._contributing_rooms
    for metric in METRIC_KINDS:
        for args in (("66/0412", "2026-06-04/01", None), ("66/0413", "2026-06-11/12", None),
                     ("66/0412", "2026-06-11/03", "0203")):
            got = [e.id for e in metric_events(engine, args[0], args[1], metric, room=args[2])]
            monitoring._contributing_rooms = lambda *a, **k: None
            try:
                want = [e.id for e in metric_events(engine, args[0], args[1], metric, room=args[2])]
            finally:
                monitoring._contributing_rooms = whole
            assert got == want, (metric, args)


def test_legacy_day_without_plan_rows(tmp_path):
    """Events keyed 'YYYY-MM-DD/SS' from an older HQ that pushed no plan: rooms are those the events
    name, a new room refolds the day, later batches of known rooms take the fast path."""
    from bench.bench_server import make_chain

    engine = open_server_db(tmp_path / "server.db")
    add_ppe(engine, "66", "043", "0412", "legacy")
    chains = [make_chain(f"room-l{c}", 120, room=f"{c + 1:04d}") for c in range(3)]
    for i in range(0, 120, 40):
        for ch in chains:
            ingest(engine, "66/0412", ch[i:i + 40])
    rep = report(engine)
    assert [r["room"] for r in rep["rooms"]] == ["0001", "0002", "0003"] and rep["ppes"][0]["events"] == 360
    _assert_same(engine, [{}, {"day": "2026-06-04/01"}])
    before = stored_figures(engine)
    rebuild(engine)
    assert stored_figures(engine) == before
