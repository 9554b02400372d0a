import pytest

from app.errors import UserError
from tests.conftest import local


def first(station, room="0101"):
    return station.plan.room_participants(room)


def test_record_is_durable_and_chained(station, demo_db):
    p = first(station)[0]
    r1 = station.record("admitted", "0101", p.code, at=local("09:05"))
    r2 = station.record("seated", "0101", p.code, at=local("09:06"), payload={"seat": p.seat})
    assert (r1.event.seq, r2.event.seq) == (1, 2)
    assert r2.event.prev_hash == r1.event.hash
    # a second, independent connection sees both: committed before record() returned
    from app.services.station import Station

    other = Station.open(demo_db)
    assert [e.id for e in other.log.all()] == [r1.event.id, r2.event.id]
    assert other.verify() == []


def test_database_refuses_update_and_delete(station):
    p = first(station)[0]
    station.record("admitted", "0101", p.code, at=local("09:05"))
    import sqlite3

    con = sqlite3.connect(station.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE events SET kind='absent'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM events")
    con.close()


def test_state_counts_through_a_day(station):
    ps = first(station)
    a, b, c, d, e = ps[:5]
    station.record("admitted", "0101", a.code, at=local("09:10"))
    station.record("admitted", "0101", b.code, at=local("09:12"))
    station.record("admitted", "0101", c.code, at=local("09:13"))
    station.record("absent", "0101", d.code, at=local("09:55"))
    station.record("exam-start", "0101", at=local("10:05"))
    station.record("late", "0101", e.code, at=local("10:20"))
    station.record("exit", "0101", a.code, at=local("10:30"))
    station.record("extra-sheet", "0101", b.code, at=local("11:00"), payload={"sheet": "1000001"})
    station.record("removal", "0101", c.code, at=local("11:10"), payload={"reason": "phone"})
    s = station.room_state("0101")
    c_ = s.counts()
    assert c_["assigned"] == 15 and c_["present"] == 4 and c_["absent"] == 1 and c_["late"] == 1
    assert c_["out_of_room"] == 1 and c_["removed"] == 1 and c_["extra_sheets"] == 1
    assert s.participants[a.code].status == "out_of_room"
    station.record("return", "0101", a.code, at=local("10:41"))
    s = station.room_state("0101")
    assert s.participants[a.code].status == "present"
    assert round(s.exit_log()[0][1].minutes()) == 11


def test_void_restores_previous_state(station):
    p = first(station)[0]
    r = station.record("absent", "0101", p.code, at=local("09:50"))
    assert station.room_state("0101").participants[p.code].status == "absent"
    station.void("0101", r.event.id, "marked the wrong person")
    assert station.room_state("0101").participants[p.code].status == "expected"
    with pytest.raises(UserError):
        station.void("0101", r.event.id, "  ")


def test_unknown_room_and_kind_are_user_errors(station):
    with pytest.raises(UserError, match="no room"):
        station.record("note", "0999", payload={"text": "x"})
    with pytest.raises(UserError, match="unknown event kind"):
        station.record("dance", "0101")
    with pytest.raises(UserError, match="participant code is required"):
        station.record("admitted", "0101")
