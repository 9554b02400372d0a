"""Clocks: the system clock with the room's offset, and a clock tests control.

Exam rules are all about time, so every rule and service takes a clock rather than
calling ``datetime.now`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


@dataclass
class SystemClock:
    """The laptop clock corrected by the offset the organizer measured against the room clock."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        offset = self.offset
        return datetime.now(UTC) + offset if offset else datetime.now(UTC)  # no new datetime for a zero offset


@dataclass
class FixedClock:
    """A clock that only moves when told to: for tests and replays."""

    instant: datetime

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    def now(self) -> datetime:
        return self.instant

    def advance(self, **kwargs: float) -> None:
        self.instant = self.instant + timedelta(**kwargs)

    def set(self, instant: datetime) -> None:
        self.instant = instant
