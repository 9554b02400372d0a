"""A void, or a mark stated late, folded from the stored room state instead of the room's log (issue 13, item 6).

A void used to project its room again from every event of the room (a third of ingest time in the season
benchmark). When the voided event's effect does not depend on the order of the others (an extra sheet, a
desk check, a correction, an incident) the stored state answers; a void of a status mark still takes the
slow path. Either way the stored figures must equal a rebuild and the from-scratch projection.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.event import GENESIS, utc_iso
from app.server import figures
from app.server.admin import add_ppe
from app.server.db import open_server_db
from app.server.figures import rebuild, stored_figures
from app.server.ingest import event_hash, ingest
from app.server.monitoring import report, scratch_report
from app.server.plans import push_plan
from bench.bench_season import plan_body, ppe_key

PPE = ppe_key(0)
KEY = "2026-06-01/07"
BASE = datetime(2026, 6, 1, tzinfo=UTC) - timedelta(hours=5)  # local midnight in Asia/Yekaterinburg
P = [f"0010000{i:03d}" for i in range(25)]  # bench_season.code(0, 0, 0, i): room 0001's list


class Chain:
    """One station's chain, event by event, as a station writes it."""

    def __init__(self, station: str, room: str) -> None:
        self.station, self.room, self.seq, self.prev = station, room, 0, GENESIS

    def ev(self, minute: float, kind: str, who: str | None = None, **payload) -> dict:
        self.seq += 1
        at = utc_iso(BASE + timedelta(minutes=minute))
        d = {"id": str(uuid.uuid4()), "station": self.station, "seq": self.seq, "at": at, "recorded_at": at,
             "tz": "Asia/Yekaterinburg", "author": "ORG01", "kind": kind, "day": KEY[:10], "room": self.room,
             "participant": who, "payload": payload, "prev_hash": self.prev}
        d["hash"] = self.prev = event_hash(d)
        return d

    def void(self, minute: float, target: dict) -> dict:
        return self.ev(minute, "void", target["participant"], target=target["id"], reason="ошибка")


def _day(room: Chain) -> tuple[list[dict], dict[str, dict]]:
    """A room's morning with two extra sheets for one participant, desk checks, incidents, a removal."""
    evs = [room.ev(8 * 60 + 45, "room-opened", organizers=["ORG01"])]
    for i, p in enumerate(P[:6]):
        evs += [room.ev(9 * 60 + 10 + i, "admitted", p), room.ev(9 * 60 + 10 + i, "seated", p, seat="1A")]
    evs.append(room.ev(10 * 60, "exam-start"))
    named = {
        "sheet1": room.ev(10 * 60 + 20, "extra-sheet", P[0], sheet="00010001"),
        "check": room.ev(10 * 60 + 25, "desk-check", P[1], verdict="permitted"),
        "kit_a": room.ev(10 * 60 + 26, "kit-replaced", P[2], kit="1", new_kit="2", reason="defect"),
        "corr": room.ev(10 * 60 + 30, "correction", P[3], field="last_name", old="Иванов", new="Иванова"),
        "removal": room.ev(10 * 60 + 35, "removal", P[4], reason="телефон"),
        "kit_b": room.ev(10 * 60 + 36, "kit-replaced", P[5], kit="3", new_kit="4", reason="spoiled"),
        "kit_a2": room.ev(10 * 60 + 37, "kit-replaced", P[2], kit="5", new_kit="6", reason="defect"),
        "sheet2": room.ev(10 * 60 + 40, "extra-sheet", P[0], sheet="00010002"),
    }
    evs += list(named.values())
    evs.append(room.ev(11 * 60, "note", text="x"))
    return evs, named


def _same(engine) -> None:
    for f in ({"ppe": PPE}, {}):
        a, b = report(engine, **f), scratch_report(engine, **f)
        assert json.loads(json.dumps(a, sort_keys=True)) == json.loads(json.dumps(b, sort_keys=True)), f
    before = stored_figures(engine)
    rebuild(engine)
    after = stored_figures(engine)
    assert [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)] == []


@pytest.fixture
def refolds(monkeypatch) -> list[str]:
    """The rooms projected again from the log (the slow path), in call order."""
    calls: list[str] = []
    real = figures._refold_room

    def counted(conn, pending, ppe, key, date, subject, room, *rest):
        calls.append(room)
        return real(conn, pending, ppe, key, date, subject, room, *rest)

    monkeypatch.setattr(figures, "_refold_room", counted)
    return calls


def _setup(server_db):
    engine = open_server_db(server_db)
    add_ppe(engine, "66", "043", PPE[3:], "ППЭ 1")
    push_plan(engine, PPE, plan_body(KEY, 0, 0, 1))
    room, hq = Chain("rm000100-0001", "0001"), Chain("hq0001", "0001")
    evs, named = _day(room)
    ingest(engine, PPE, evs, station="test")
    return engine, room, hq, named


def test_voids_of_orderless_marks_and_a_late_desk_check_fold_from_the_stored_state(server_db, refolds):
    engine, room, hq, named = _setup(server_db)
    before = report(engine, ppe=PPE)["period"]
    refolds.clear()
    # one HQ batch: an extra sheet (the first of two for the same participant), a desk check, a correction
    # and an incident that is the only one of its kind and participant (kit_b)
    ingest(engine, PPE, [hq.void(12 * 60, named[k]) for k in ("sheet1", "check", "corr", "kit_b")], station="test")
    assert refolds == []
    after = report(engine, ppe=PPE)["period"]
    assert after["extra_sheets"] == before["extra_sheets"] - 1
    assert after["corrections"] == before["corrections"] - 1
    assert after["incidents"] == before["incidents"] - 1  # the kit (corrections are counted apart)
    _same(engine)
    # the room station states a desk check half an hour before marks already folded: applied where it is
    ingest(engine, PPE, [room.ev(10 * 60 + 50, "desk-check", P[1], verdict="forbidden"),
                         room.ev(11 * 60 + 5, "extra-sheet", P[1], sheet="00010003")], station="test")
    assert refolds == []
    _same(engine)


def test_voids_the_stored_state_cannot_answer_take_the_slow_path(server_db, refolds):
    engine, room, hq, named = _setup(server_db)
    refolds.clear()
    # a removal is a status mark (what follows depends on it); kit_a has a copy of its kind apart from it
    # (kit_b between), so which of the two went is a matter of order; each voided on its own
    for k in ("removal", "kit_a"):
        ingest(engine, PPE, [hq.void(12 * 60, named[k])], station="test")
        _same(engine)
    assert refolds == ["0001", "0001"]
    # a void of the room's last mark (the note): the new last mark time is not stored
    last = ingest(engine, PPE, [room.ev(11 * 60 + 10, "desk-check", P[0], verdict="permitted")], station="test")
    assert last.inserted == 1 and refolds == ["0001", "0001"]
    ingest(engine, PPE, [hq.void(12 * 60 + 5, {"id": _last_id(engine), "participant": P[0]})], station="test")
    assert refolds == ["0001", "0001", "0001"]
    _same(engine)
    # a void of a void (the removal counted again)
    with engine.connect() as conn:
        void_id = conn.exec_driver_sql("SELECT id FROM events WHERE kind = 'void' ORDER BY at, seq LIMIT 1").scalar()
    ingest(engine, PPE, [hq.void(12 * 60 + 10, {"id": void_id, "participant": P[4]})], station="test")
    assert len(refolds) == 4
    _same(engine)


def _last_id(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT id FROM events WHERE station = 'rm000100-0001' "
                                    "ORDER BY seq DESC LIMIT 1").scalar()
