"""The station's cached room state: reused while nothing was written, never stale after a write
by another connection (another Station on the same file, another process, an import)."""

from __future__ import annotations

import threading

from app.services.station import Station
from tests.conftest import local


def codes(station, room="0101"):
    return [p.code for p in station.plan.room_participants(room)]


def test_state_reused_while_nothing_changes_and_folded_in_on_own_marks(station, monkeypatch):
    a, b = codes(station)[:2]
    station.record("admitted", "0101", a, at=local("09:05"))
    state = station.room_state("0101")
    calls = []
    import app.services.station as mod

    real = mod.project_room
    monkeypatch.setattr(mod, "project_room", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert station.room_state("0101") is state
    station.record("admitted", "0101", b, at=local("09:06"))
    assert station.room_state("0101") is state  # folded in place, not projected again
    assert state.participants[b].status == "present"
    assert calls == []


def test_write_by_another_connection_is_seen(station, demo_db):
    a, b, c = codes(station)[:3]
    station.record("admitted", "0101", a, at=local("09:05"))
    station.room_state("0101")
    other = Station.open(demo_db)
    other.record("admitted", "0101", b, at=local("09:06"))
    assert station.room_state("0101").participants[b].status == "present"
    # and a mark made here after the other's write folds on top of it, not on the stale state
    other.record("absent", "0101", c, at=local("09:07"))
    station.record("exam-start", "0101", at=local("10:00"))
    s = station.room_state("0101")
    assert s.participants[c].status == "absent" and s.start is not None
    fresh = Station.open(demo_db).room_state("0101")
    assert {k: p.status for k, p in s.participants.items()} == {k: p.status for k, p in fresh.participants.items()}


def test_other_room_or_table_writes_keep_the_state(station, demo_db):
    a, b = codes(station)[:2]
    station.record("admitted", "0101", a, at=local("09:05"))
    state = station.room_state("0101")
    other = Station.open(demo_db)
    other.record("admitted", "0102", codes(other, "0102")[0], at=local("09:05"))
    assert station.room_state("0101") is state  # the room's count did not move
    station.record("admitted", "0101", b, at=local("09:06"))
    assert station.room_state("0101").participants[b].status == "present"


def test_state_read_on_another_thread_is_still_right(station):
    a, b = codes(station)[:2]
    station.record("admitted", "0101", a, at=local("09:05"))
    seen: list = []
    t = threading.Thread(target=lambda: seen.append(station.room_state("0101").participants[a].status))
    t.start()
    t.join()
    station.record("admitted", "0101", b, at=local("09:06"))
    t = threading.Thread(target=lambda: seen.append(station.room_state("0101").participants[b].status))
    t.start()
    t.join()
    assert seen == ["present", "present"]
    station.log.close()


def test_write_racing_between_check_and_append_waits_for_the_append(station, demo_db, monkeypatch):
    """Another writer tries to commit after record() looked at the state but before its append: the rules
    are judged under the append's write lock, so that write waits and lands after the mark, never between."""
    a, b = codes(station)[:2]
    station.record("admitted", "0101", a, at=local("09:05"))
    station.room_state("0101")
    import app.services.station as mod

    other = Station.open(demo_db)
    real = mod.rules.advise
    racer: list[threading.Thread] = []
    done: list = []

    def racing(*args, **kw):
        monkeypatch.setattr(mod.rules, "advise", real)
        t = threading.Thread(target=lambda: done.append(other.record("admitted", "0101", b, at=local("09:06"))))
        t.start()
        racer.append(t)
        t.join(0.5)  # it cannot get in while the mark is being judged
        assert not done
        return real(*args, **kw)

    monkeypatch.setattr(mod.rules, "advise", racing)
    mark = station.record("exam-start", "0101", at=local("10:00")).event
    racer[0].join(10)
    assert done and done[0].event.seq == mark.seq + 1  # the other write came after the mark
    s = station.room_state("0101")
    assert s.participants[b].status == "present" and s.start is not None


def test_state_folded_in_place_is_the_fresh_projection(station):
    """The record path folds each mark into the held state from the instant it wrote (no parsing back of
    its text): that state equals one projected from the log, down to the zone of every time in it."""
    from datetime import UTC, timedelta, timezone

    from app.domain.projection import project_room
    from app.services.station import state_json

    a, b, c = codes(station)[:3]
    station.record("room-opened", "0101", at="08:55")
    station.record("exam-start", "0101", at="10:00")
    held = station.room_state("0101")
    station.record("admitted", "0101", a, at=local("10:05"))  # an aware instant in the point's zone
    station.record("admitted", "0101", b, at=local("10:06").astimezone(UTC))  # one in UTC
    station.record("late", "0101", c, at=local("10:40").astimezone(timezone(timedelta(hours=-3))))
    assert station.room_state("0101") is held  # each folded in place
    from app.clock import FixedClock

    station.clock = FixedClock(local("11:00").astimezone(UTC))  # in UTC, as the system clock gives it
    station.record("extra-sheet", "0101", a, payload={"sheet": "0000007"})  # the clock's own instant
    held = station.room_state("0101")
    fresh = project_room(station.plan, station.ref, "0101",
                         station.log.for_room_state(station.day.key, "0101"))
    assert state_json(held) == state_json(fresh)
    times = [(p.code, p.admitted_at, p.end) for p in fresh.participants.values()]
    assert [(p.code, p.admitted_at, p.end) for p in held.participants.values()] == times
    assert held.last_at == fresh.last_at and held.last_at.tzinfo is fresh.last_at.tzinfo is UTC
    assert all(p.admitted_at.tzinfo is UTC for p in held.participants.values() if p.admitted_at)
    assert [sheet for sheet, at, _ in held.participants[a].extra_sheets] == ["0000007"]
    assert all(at.tzinfo is UTC for _, at, _ in held.participants[a].extra_sheets)
