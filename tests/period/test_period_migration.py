"""A database of the single-day schema (revision 0004) opens in the exam-period schema unchanged in substance."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import timedelta

from app.domain.event import GENESIS, Event, utc_iso
from app.domain.model import DayPlan
from app.domain.projection import project_room
from app.domain.reference import load_reference
from app.services.demo import DEMO_DAY, DEMO_POINT, build_demo
from app.store import migrations
from app.store.db import current_revision, make_engine
from tests.conftest import local


def _old_database(path):
    engine = make_engine(path)
    with engine.begin() as conn:
        migrations.upgrade(conn, "0004")
    engine.dispose()
    rooms, people, staff = build_demo()
    room = [p for p in people if p.room == "0101"]
    con = sqlite3.connect(path)
    pt = DEMO_POINT
    con.execute("INSERT INTO meta VALUES ('station_id', 'room-old'), ('role', 'room'), ('room', '0101'), "
                "('day', '2026-06-04/01')")
    con.execute("INSERT INTO exam_point VALUES (?,?,?,?,?,?)", (pt.code, pt.region, pt.msu, pt.name, pt.tz,
                                                               pt.address))
    con.execute("INSERT INTO exam_days VALUES ('2026-06-04/01', '2026-06-04', '01')")
    con.execute("INSERT INTO rooms VALUES ('0101', 5, 4, 'Кабинет 101')")
    for p in room:
        con.execute("INSERT INTO participants VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    ("2026-06-04/01", p.code, p.room, p.seat, p.last_name, p.first_name, p.middle_name,
                     p.document_series, p.document_number, p.school_code, int(p.ovz)))
    events, prev = [], GENESIS
    plan_marks = [("room-opened", None, "08:45", {})] + \
                 [("admitted", p.code, "09:10", {}) for p in room[1:]] + \
                 [("absent", room[0].code, "09:40", {}), ("exam-start", None, "10:00", {}),
                  ("exit", room[2].code, "11:00", {}), ("return", room[2].code, "11:06", {}),
                  ("removal", room[3].code, "11:40", {"reason": "phone"})]
    for i, (kind, code, hhmm, payload) in enumerate(plan_marks, 1):
        at = local(hhmm) + timedelta(seconds=i)
        e = Event(id=str(uuid.uuid4()), station="room-old", seq=i, at=utc_iso(at), recorded_at=utc_iso(at),
                  tz=pt.tz, author="", kind=kind, day="2026-06-04/01", room="0101", participant=code,
                  payload=payload, prev_hash=prev).sealed()
        prev = e.hash
        events.append(e)
        con.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (e.id, e.station, e.seq, e.at, e.recorded_at, e.tz, e.author, e.kind, e.day, e.room,
                     e.participant, json.dumps(e.payload, ensure_ascii=False), e.prev_hash, e.hash))
    con.commit()
    con.close()
    plan = DayPlan(DEMO_POINT, DEMO_DAY, {r.number: r for r in rooms}, {p.code: p for p in people},
                   {s.code: s for s in staff})
    return events, project_room(plan, load_reference(2026), "0101", events)


def test_single_day_database_opens_with_the_same_figures(tmp_path):
    from app.services.station import Station, state_json

    path = tmp_path / "old.db"
    events, expected = _old_database(path)
    st = Station.open(path)
    assert current_revision(st.engine) == migrations.HEAD
    assert st.day.key == "2026-06-04" and st.day.subjects == ("01",)
    assert st.verify() == []
    assert {e.id: e.hash for e in st.log.all()} == {e.id: e.hash for e in events}  # untouched
    state = st.room_state("0101")
    assert state.counts() == expected.counts() and state.subject == "01"
    assert state_json(state)["removed"] == 1 and state.counts()["absent"] == 1
    p = st.plan.participants[events[1].participant]
    assert (p.day, p.subject_code) == ("2026-06-04", "01")
    # the station goes on recording, now with the date as the day
    rec = st.record("finished", "0101", events[5].participant)
    assert rec.event.day == "2026-06-04" and st.verify() == []
    assert st.room_state("0101").counts()["finished"] == 1
