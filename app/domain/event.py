"""Events: the immutable record of one mark, its canonical encoding and its hash.

The hash covers every field but itself, so altering any byte of a stored event (or the
order of a station's events, through ``prev_hash``) is detected by ``verify``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from json import encoder as _json_encoder
from typing import Any

FORMAT_VERSION = 1
GENESIS = "0" * 64


def utc_iso(dt: datetime) -> str:
    """Canonical UTC text of an instant: microseconds, 'Z' suffix."""
    if dt.tzinfo is not UTC:  # the record path's clock is already UTC: skip the conversion
        if dt.tzinfo is None:
            raise ValueError("naive datetime in an event")
        dt = dt.astimezone(UTC)
    y = dt.year
    if y < 1000:  # strftime's %Y does not pad there; keep its text for such (refused) years
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # the same text as strftime (and isoformat): %-formatting the fields is a quarter of isoformat's time
    return _UTC_TEXT % (y, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond)


_UTC_TEXT = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


def parse_utc(text: str) -> datetime:
    # fromisoformat is ~20x faster than strptime; Python 3.11 reads the 'Z' suffix.
    return datetime.fromisoformat(text)


def _no_json(o: Any) -> Any:
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def json_encoder(*, sort_keys: bool, separators: tuple[str, str]) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, ...).encode`` with the C encoder built once.

    ``JSONEncoder.encode`` builds a new C encoder on every call (about half its time for a small
    payload, and the record path encodes twice per mark); this one is built here and gives the same
    text. Like ``check_circular=False``: a self-containing value fails with RecursionError, which no
    payload can be (they come from validated marks or from ``json.loads``).
    """
    item_sep, key_sep = separators
    full = json.JSONEncoder(sort_keys=sort_keys, separators=separators, ensure_ascii=False).encode
    make = _json_encoder.c_make_encoder
    if make is None:  # a Python without the C accelerator: the standard path
        return full
    chunks = make(None, _no_json, _json_encoder.encode_basestring, None, key_sep, item_sep, sort_keys, False, True)
    join = "".join

    def encode(obj: Any) -> str:
        if isinstance(obj, str):  # what JSONEncoder.encode does for a bare string
            return _json_encoder.encode_basestring(obj)
        return join(chunks(obj, 0))

    return encode


_CANONICAL = json_encoder(sort_keys=True, separators=(",", ":"))
canonical_text = _CANONICAL
"""The text of ``canonical_json`` (a str, not yet UTF-8): for callers that write it into a larger text."""


def canonical_json(obj: Any) -> bytes:
    return _CANONICAL(obj).encode("utf-8")


_esc = _json_encoder.encode_basestring  # the C escaper json itself uses for str with ensure_ascii=False


def _opt(v: str | None) -> str:
    return "null" if v is None else _esc(v)


@dataclass(frozen=True)
class Event:
    id: str
    station: str
    seq: int
    at: str  # when it happened (UTC ISO) - stated by the organizer or the corrected clock
    recorded_at: str  # when the station wrote it (UTC ISO, corrected clock)
    tz: str  # exam point's IANA zone
    author: str  # staff code of the organizer, or "" for the station itself
    kind: str
    day: str | None
    room: str | None
    participant: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def hash_input(self) -> bytes:
        """``canonical_json`` of every field but the hash, plus ``"v"``: written out field by field in
        sorted key order (the same bytes in a fifth of the time: every mark and every verified event
        is hashed); any other field type than the record path writes goes the general way."""
        seq = self.seq
        if type(seq) is int:
            try:
                p = self.payload
                return (f'{{"at":{_esc(self.at)},"author":{_esc(self.author)},"day":{_opt(self.day)},'
                        f'"id":{_esc(self.id)},"kind":{_esc(self.kind)},"participant":{_opt(self.participant)},'
                        f'"payload":{_CANONICAL(p) if p else "{}"},"prev_hash":{_esc(self.prev_hash)},'
                        f'"recorded_at":{_esc(self.recorded_at)},"room":{_opt(self.room)},"seq":{seq},'
                        f'"station":{_esc(self.station)},"tz":{_esc(self.tz)}{_V_TAIL}').encode()
            except TypeError:  # a field that is not text: the general encoder says what it makes of it
                pass
        return self.hash_input_general()

    def hash_input_general(self) -> bytes:
        """The reference form of ``hash_input``: a dict of the fields through ``canonical_json``."""
        d = {name: getattr(self, name) for name in _HASHED}
        d["v"] = FORMAT_VERSION
        return canonical_json(d)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.hash_input()).hexdigest()

    def sealed(self) -> Event:
        """This event with its hash filled in."""
        return replace(self, hash=self.compute_hash())

    @property
    def at_dt(self) -> datetime:
        return parse_utc(self.at)

    def order_key(self) -> tuple[str, str, int]:
        """Deterministic domain order: stated time, then station, then the station's sequence."""
        return (self.at, self.station, self.seq)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["payload"] = json.loads(json.dumps(self.payload))  # a copy the caller may change
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Event:
        return Event(**{k: d[k] for k in Event.__dataclass_fields__})


_HASHED = tuple(f.name for f in fields(Event) if f.name != "hash")
_V_TAIL = f',"v":{FORMAT_VERSION}}}'
# the keys hash_input writes, in the order it writes them: canonical JSON sorts them
assert sorted([*_HASHED, "v"]) == ["at", "author", "day", "id", "kind", "participant", "payload", "prev_hash",
                                   "recorded_at", "room", "seq", "station", "tz", "v"]

_new = object.__new__


def trusted_event(**values: Any) -> Event:
    """An Event built without the frozen dataclass ``__init__`` (one ``object.__setattr__`` per field):
    for rows the store reads and events it seals, whose fields are all given. Same object, a fifth of
    the cost."""
    e = _new(Event)
    e.__dict__.update(values)
    return e


def chain_problems(events: Iterable[Event]) -> list[str]:
    """Check every station's chain in events ordered by (station, seq): one problem per broken chain."""
    problems: list[str] = []
    current: list[Event] = []
    for e in events:
        if current and e.station != current[0].station:
            if (msg := check_chain(current)) is not None:
                problems.append(msg)
            current = []
        current.append(e)
    if current and (msg := check_chain(current)) is not None:
        problems.append(msg)
    return problems


def check_chain(events: list[Event]) -> str | None:
    """Check one station's events (sorted by seq, starting at 1): None, or what is wrong first."""
    prev = GENESIS
    for expected_seq, e in enumerate(events, start=1):
        if e.seq != expected_seq:
            return f"station {e.station}: gap before seq {e.seq} (expected {expected_seq})"
        if e.prev_hash != prev:
            return f"station {e.station}: event seq {e.seq} ({e.id}) does not follow its predecessor"
        if e.compute_hash() != e.hash:
            return f"station {e.station}: event seq {e.seq} ({e.id}) was altered (hash mismatch)"
        prev = e.hash
    return None
