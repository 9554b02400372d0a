"""The system clock: UTC, aware, and moved by the room-clock offset (none: the laptop's own time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.clock import SystemClock


def test_the_system_clock_gives_aware_utc_and_adds_the_offset_only_when_there_is_one():
    plain = SystemClock()
    before = datetime.now(UTC)
    now = plain.now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)
    ahead = SystemClock(offset=timedelta(minutes=7, seconds=3))
    before = datetime.now(UTC)
    moved = ahead.now()
    assert moved.tzinfo is UTC
    assert before + ahead.offset <= moved <= datetime.now(UTC) + ahead.offset
    behind = SystemClock(offset=timedelta(seconds=-90))
    assert behind.now() < datetime.now(UTC) - timedelta(seconds=89)
