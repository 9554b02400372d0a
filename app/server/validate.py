"""What an event must be before the server stores it, and before a projection folds it.

The shape check in ``ingest`` only proves the fields have the right types and lengths; a
27-character ``at`` that is not a date, an unknown zone or kind would then be stored and break
every projection that meets it (issue 13: one bad event answered 500 for the whole
municipality). ``event_problem`` is the one definition of "foldable": ingest refuses a batch
holding such an event, and monitoring skips (and counts) any such event already in the database.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.kinds import KINDS, validate_payload
from app.errors import UserError

# A legacy day key (date/subject) or a date alone (the exam-date model the lead is bringing in).
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:/(\d{2}))?")
_ROOM = re.compile(r"[0-9A-Za-z]{1,4}")
MAX_TEXT = 200  # author, participant codes, payload strings: generous for codes, small for a DoS


@lru_cache(maxsize=512)
def zone_ok(tz: str) -> bool:
    """A real IANA zone (the server's tzdata). Cached: a batch repeats the same zone thousands of times."""
    if not tz or len(tz) > 64 or tz.startswith(("/", ".")) or ".." in tz:
        return False
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# An instant's shape with every digit written as 0: ``instant_ok`` compares a text's ASCII bytes, 1-9 mapped
# to 0, with it (one C translate and compare, about half the cost of the regex it replaced, which the
# reference in tests/server/test_ingest_fast.py keeps).
_SHAPE = b"0000-00-00T00:00:00.000000Z"
_DIGITS_AS_0 = bytes.maketrans(b"123456789", b"000000000")


def instant_ok(text: str) -> bool:
    """A UTC instant exactly as stations write it (``utc_iso``): 2026-06-04T10:00:00.000000Z.

    The same verdict as ``utc_iso(parse_utc(text)) == text`` (tests compare both), at a fraction of its cost
    (ingest checks two instants per event): ASCII digits in that shape, a year ``utc_iso`` writes with four
    digits (it does not pad years before 1000), and a date and time that exist."""
    if (type(text) is not str or not text.isascii() or text.encode().translate(_DIGITS_AS_0) != _SHAPE
            or text[0] == "0"):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def day_ok(day: str) -> bool:
    m = _DAY.fullmatch(day)
    if not m:
        return False
    try:
        date.fromisoformat(m.group(1))
    except ValueError:
        return False
    return m.group(2) is None or m.group(2) != "00"


@lru_cache(maxsize=1024)
def room_ok(room: str) -> bool:
    """A room number's shape. Cached: a batch names a few rooms thousands of times."""
    return _ROOM.fullmatch(room) is not None


def _scalar(x: Any) -> bool:
    return x is None or isinstance(x, str | int | float | bool) and not (isinstance(x, str) and len(x) > 2000)


def _item_ok(x: Any) -> bool:
    """A list item: a code or number, or one flat record (a printed paper's id, form, content hash)."""
    if isinstance(x, dict):
        return len(x) <= 32 and all(isinstance(k, str) and len(k) <= 64 and _scalar(v) for k, v in x.items())
    return _scalar(x) and x is not None


def _payload_problem(kind: str, payload: Any, participant: str | None) -> str | None:
    if not isinstance(payload, dict):
        return "payload must be an object"
    for k, v in payload.items():
        if not isinstance(k, str) or len(k) > 64:
            return "payload field names must be short text"
        if isinstance(v, list):
            if len(v) > 5000 or not all(_item_ok(x) for x in v):
                return f"payload field {k!r}: a list of text, numbers or flat records is expected"
        elif v is not None and not isinstance(v, str | int | float | bool):
            return f"payload field {k!r}: nested values are not allowed"
        elif isinstance(v, str) and len(v) > 2000:
            return f"payload field {k!r} is too long"
    try:
        validate_payload(kind, payload, participant)
    except UserError as e:
        return str(e)
    return None


# (kind, participant given, payload JSON text) -> problem: a batch repeats a few payloads thousands of times
# ({} for most marks), and checking one costs more than the rest of the event (ingest profile, issue 13).
_PAYLOAD_SEEN: dict[tuple[str, bool, str], str | None] = {}
_PAYLOAD_SEEN_MAX = 20_000


def payload_problem(kind: str, payload: Any, participant: str | None, text: str | None = None) -> str | None:
    """``_payload_problem``, remembered by the payload's JSON ``text`` when the caller has it.

    The result depends only on the kind, on whether a participant is named and on the payload's value,
    and one JSON text decodes to one value, so the text is a faithful key (any encoding will do)."""
    if text is None:
        return _payload_problem(kind, payload, participant)
    key = (kind, not participant, text)
    try:
        return _PAYLOAD_SEEN[key]
    except KeyError:
        pass
    problem = _payload_problem(kind, payload, participant)
    if len(_PAYLOAD_SEEN) >= _PAYLOAD_SEEN_MAX:
        _PAYLOAD_SEEN.clear()
    _PAYLOAD_SEEN[key] = problem
    return problem


def event_problem(d: dict[str, Any], rooms: frozenset[str] | set[str] | None = None,
                  payload_text: str | None = None) -> str | None:
    """Why this event (its dict form) cannot be stored or folded, or ``None`` when it can.

    ``rooms``: the rooms of the exam point's plan, when it has one (an event in an unknown room
    would be folded against nobody). ``payload_text``: the payload as JSON, when the caller holds it
    (the payload's verdict is then remembered: see ``payload_problem``)."""
    kind = d.get("kind")
    if kind not in KINDS:
        return f"unknown kind {str(kind)[:40]!r}"
    at, rec = d.get("at"), d.get("recorded_at")
    if not instant_ok(at):
        return "at is not a UTC instant (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
    if rec != at and not instant_ok(rec):  # most marks are recorded when they happen: one text, one check
        return "recorded_at is not a UTC instant (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
    if not zone_ok(d.get("tz") or ""):
        return f"unknown time zone {str(d.get('tz'))[:40]!r}"
    day = d.get("day")
    if day is not None and not (isinstance(day, str) and day_ok(day)):
        return f"day {str(day)[:20]!r} is not an exam day key"
    room = d.get("room")
    if room is not None:
        if not isinstance(room, str) or not room_ok(room):
            return f"room {str(room)[:10]!r} is not a room number"
        if rooms and room not in rooms:
            return f"room {room} is not in the exam point's plan"
    for k in ("author", "participant"):
        v = d.get(k)
        if isinstance(v, str) and len(v) > MAX_TEXT:
            return f"{k} is too long"
    return payload_problem(kind, d.get("payload"), d.get("participant"), payload_text)
