"""The fast record path gives the very same bytes, rows and checks as the general one.

The hash, the canonical JSON, the UTC text, the event id and the event object are built by hand on the
record path (app/domain/event.py, app/store/eventlog.py) because the general forms cost several times
more per mark. Each is compared here with its reference on random and awkward values.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as s

from app.domain.event import Event, canonical_json, json_encoder, trusted_event, utc_iso

_REF_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_REF_STORED = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

_text = s.text(max_size=12)
_opt = s.none() | _text
_value = s.recursive(s.none() | s.booleans() | s.integers() | s.floats(allow_nan=True) | _text,
                     lambda inner: s.lists(inner, max_size=3) | s.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)
_payload = s.dictionaries(_text, _value, max_size=4)


@settings(max_examples=300, deadline=None)
@given(value=_value | _payload)
def test_the_built_once_encoders_write_what_json_writes(value):
    assert json_encoder(sort_keys=True, separators=(",", ":"))(value) == _REF_CANON(value)
    assert json_encoder(sort_keys=True, separators=(", ", ": "))(value) == _REF_STORED(value)
    assert canonical_json(value) == _REF_CANON(value).encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(id=_text, station=_text, seq=s.integers(0, 10**12), at=_text, rec=_text, author=_text, kind=_text,
       day=_opt, room=_opt, participant=_opt, payload=_payload, prev=_text, tz=_text)
def test_the_hash_written_field_by_field_is_the_canonical_hash(id, station, seq, at, rec, author, kind, day, room,
                                                               participant, payload, prev, tz):
    e = Event(id=id, station=station, seq=seq, at=at, recorded_at=rec, tz=tz, author=author, kind=kind, day=day,
              room=room, participant=participant, payload=payload, prev_hash=prev)
    assert e.hash_input() == e.hash_input_general()


def test_odd_field_types_take_the_general_way():
    base = dict(id="x", station="s", seq=1, at="a", recorded_at="a", tz="z", author="", kind="note", day=None,
                room=None, participant=None, payload={"n": [1, 2.5, None, True]}, prev_hash="0" * 64)
    for odd in ({"seq": True}, {"seq": 2.0}, {"author": 7}, {"room": 12}, {"day": ["x"]}):
        e = Event(**{**base, **odd})
        assert e.hash_input() == e.hash_input_general()


def test_utc_text_is_the_strftime_text():
    ref = "%Y-%m-%dT%H:%M:%S.%fZ"
    moments = [datetime(2026, 6, 4, 5, 30, tzinfo=UTC), datetime(2026, 6, 4, 5, 30, 0, 1, tzinfo=UTC),
               datetime(2026, 6, 4, 10, 30, 59, 999999, tzinfo=timezone(timedelta(hours=5))),
               datetime(1000, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, tzinfo=UTC),
               datetime(9999, 12, 31, 12, tzinfo=timezone(timedelta(hours=2)))]
    for dt in moments:
        assert utc_iso(dt) == dt.astimezone(UTC).strftime(ref)


@settings(max_examples=300, deadline=None)
@given(dt=s.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                      timezones=s.sampled_from([UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-12))])))
def test_utc_text_is_the_strftime_text_at_any_instant(dt):
    assert utc_iso(dt) == dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_trusted_event_equals_one_made_by_its_constructor():
    values = dict(id=str(uuid.uuid4()), station="room-1", seq=3, at="2026-06-04T05:30:00.000000Z",
                  recorded_at="2026-06-04T05:30:00.000000Z", tz="Asia/Yekaterinburg", author="", kind="note",
                  day="2026-06-04", room="0101", participant=None, payload={"text": "я"}, prev_hash="0" * 64,
                  hash="")
    a, b = trusted_event(**values), Event(**values)
    assert a == b and hash(a.id) == hash(b.id) and repr(a) == repr(b)
    assert a.sealed().hash == b.compute_hash()


def test_appended_events_carry_the_canonical_hash_and_read_back_the_same(station):
    """The append writes the hash input by hand: awkward text in every free field still gives the canonical
    hash, the stored row reads back as the same event, and the chain verifies."""
    from datetime import UTC as utc

    at = datetime(2026, 6, 4, 5, 30, 0, 123456, tzinfo=utc)
    odd = ['', 'кавычка " и \\ обратная', "tab\tnew\nline\x00\x1f", "\u2028\u2029 emoji \U0001F600", "'; DROP --"]
    made = []
    for i, text in enumerate(odd):
        e = station.log.append(kind="note", at=at, recorded_at=at + timedelta(seconds=i), tz="Asia/Yekaterinburg",
                               author=text, day=None if i % 2 else "2026-06-04", room=None if i == 3 else "0101",
                               participant=text or None, payload={"text": text, "n": [i, 1.5, None, True]})
        assert e.hash == e.compute_hash() and e.hash_input() == e.hash_input_general()
        made.append(e)
    for e in made:
        assert station.log.get(e.id) == e
    assert station.log.verify() == []


def test_event_ids_are_distinct_version_4_uuids_also_in_a_forked_child(station, tmp_path):
    import os

    ids = [station.record("note", "0101", payload={"text": f"n{i}"}).event.id for i in range(300)]  # past a batch
    assert len(set(ids)) == 300
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
    from app.store import eventlog

    loc = station.log._local.w
    drawn = loc.rhex
    used = loc.rpos // 32  # the buffer was drawn anew within these 300 marks: its ids are the last ones
    assert 0 < used <= 256 and ids[-used:] == [eventlog.new_event_id(bytes.fromhex(drawn[i:i + 32]))
                                              for i in range(0, loc.rpos, 32)]
    if hasattr(os, "fork"):  # a forked child's fork count moves (no SQLite in the child: just the count)
        out = tmp_path / "child.txt"
        before = eventlog._forks[0]
        pid = os.fork()
        if pid == 0:
            try:
                out.write_text(str(eventlog._forks[0] - before))
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert out.read_text() == "1"
    eventlog._forked()  # as in a child: the next mark draws new random bytes, never the parent's
    station.record("note", "0101", payload={"text": "after"})
    assert loc.rhex != drawn and loc.rpos == 32


def test_a_mark_refused_under_the_write_lock_writes_nothing_and_the_chain_goes_on(station, demo_db):
    """The transfer rules refuse inside the append's transaction: it is rolled back, the lock is free for
    another connection at once, and this station's next mark follows its head without a gap."""
    import pytest

    from app.errors import UserError
    from app.services.station import Station

    mine = station.plan.room_participants("0101")[0].code
    elsewhere = station.plan.room_participants("0102")[0].code
    first = station.record("admitted", "0101", mine).event
    with pytest.raises(UserError, match="transfer"):
        station.record("admitted", "0101", elsewhere)
    other = Station.open(demo_db)  # the write lock was released by the refusal
    between = other.record("admitted", "0102", elsewhere).event
    after = station.record("seated", "0101", mine, payload={"seat": "1А"}).event
    assert (between.seq, after.seq) == (first.seq + 1, first.seq + 2)
    assert station.log.count() == first.seq + 2 and station.verify() == []


def _reference_payload(kind_name, payload, participant):
    """validate_payload as it was written before its fast path: every field through ``coerce``."""
    from app.domain.kinds import Field, coerce, get_kind
    from app.errors import UserError
    from app.limits import check_payload_field

    kind = get_kind(kind_name)
    if kind.participant and not participant:
        raise UserError(f"{kind_name}: a participant code is required (--participant CODE)")
    out = {}
    for key, value in payload.items():
        f = kind.field_map.get(key)
        if f is None:
            if kind.extra_int_fields:
                f = Field(key, int)
            else:
                raise UserError(f"{kind_name}: unknown field {key!r} (known: {', '.join(kind.field_map) or 'none'})")
        out[key] = coerce(value, f, kind_name)
        check_payload_field(kind_name, key, out[key])
    for f in kind.fields:
        if f.required and (f.name not in out or out[f.name] in ("", None)):
            raise UserError(f"{kind_name}: field {f.name!r} is required")
    return out


def _outcome(fn, *args):
    from app.errors import UserError

    try:
        return ("ok", fn(*args))
    except UserError as e:
        return ("refused", str(e))


_KIND_NAMES = sorted(__import__("app.domain.kinds", fromlist=["KINDS"]).KINDS)
_awkward_text = s.text(alphabet=" \t\nxЯ1-", max_size=6) | \
    s.sampled_from(["", " x ", " document", "no-document ", "0101", " 12 ", "A-1", "x" * 25, " 1А"])
_field_value = _awkward_text | _awkward_text | s.none() | s.booleans() | s.integers(-5, 5) | \
    s.lists(s.text(max_size=3), max_size=2)


@s.composite
def _mark(draw):
    from app.domain.kinds import KINDS

    kind = draw(s.sampled_from(_KIND_NAMES))
    keys = [f.name for f in KINDS[kind].fields] + ["zz"]  # its own fields, and one it does not have
    payload = draw(s.dictionaries(s.sampled_from(keys), _field_value, max_size=4))
    return kind, payload, draw(s.none() | s.just("660000108"))


@settings(max_examples=800, deadline=None)
@given(mark=_mark())
def test_payload_validation_is_the_general_one(mark):
    from app.domain.kinds import validate_payload

    kind, payload, participant = mark
    assert _outcome(validate_payload, kind, payload, participant) == \
        _outcome(_reference_payload, kind, payload, participant)


def test_a_mark_in_a_held_room_runs_four_statements_and_reads_nothing_else(station, monkeypatch):
    """In the steady state (nobody else wrote) a mark is BEGIN IMMEDIATE, the change token, the INSERT and
    the COMMIT on the held connection: the rules and the fold use the state in memory, never a read."""
    codes = [p.code for p in station.plan.room_participants("0101")]
    station.record("admitted", "0101", codes[0])
    station.room_state("0101")
    raw = station.log._local.w.conn.dbapi_connection
    seen: list[str] = []
    raw.set_trace_callback(seen.append)

    def no_other_connection(*a, **k):
        raise AssertionError("a mark opened another connection")

    monkeypatch.setattr(station.engine, "raw_connection", no_other_connection)
    monkeypatch.setattr(station.engine, "connect", no_other_connection)
    try:
        for i in range(3):
            station.record("extra-sheet", "0101", codes[0], payload={"sheet": f"{i:07d}"})
    finally:
        raw.set_trace_callback(None)
    # SQLite traces the INSERT once more as its guard trigger (app/store/guards.py) runs: that is no statement
    ran = [s for k, s in enumerate(seen) if k == 0 or s != seen[k - 1]]
    assert [" ".join(s.split(" ")[:2]) if s.startswith("PRAGMA") else s.split(" ")[0] for s in ran] == \
        ["BEGIN", "PRAGMA data_version", "INSERT", "COMMIT"] * 3


def test_the_stored_payload_is_the_hashed_text_and_rows_of_the_older_form_still_read_and_verify(station):
    """A mark's payload is encoded once: the row holds the canonical text its hash input holds. Rows written
    before that hold json.dumps's text (", " separators); no hash covers the stored text, so both read back
    as the same payload and the chain verifies across them."""
    import sqlite3

    from app.domain.event import canonical_text
    from app.store.eventlog import _INSERT

    payload = {"text": "кавычка \" и пробел", "n": [1, 2.5, None, True], "a": {"z": 1, "b": "x"}}
    e = station.log.append(kind="note", at=datetime(2026, 6, 4, 5, 30, tzinfo=UTC),
                           recorded_at=datetime(2026, 6, 4, 5, 30, tzinfo=UTC), tz="Asia/Yekaterinburg", author="",
                           day="2026-06-04", room="0101", participant=None, payload=payload)
    db = station.log.engine.url.database
    con = sqlite3.connect(db, isolation_level=None)
    try:
        stored = con.execute("SELECT payload FROM events WHERE id=?", (e.id,)).fetchone()[0]
        assert stored == canonical_text(payload) == _REF_CANON(payload)
        assert f'"payload":{stored},'.encode() in e.hash_input()
        # the next event of the chain as an older version stored it: payload text with spaces
        old = Event(id=str(uuid.uuid4()), station=station.station_id, seq=e.seq + 1, at=e.at, recorded_at=e.at,
                    tz=e.tz, author="", kind="note", day=e.day, room="0101", participant=None,
                    payload={"text": "older row", "k": [1, "два"]}, prev_hash=e.hash).sealed()
        row = (old.id, old.station, old.seq, old.at, old.recorded_at, old.tz, old.author, old.kind, old.day,
               old.room, old.participant, _REF_STORED(old.payload), old.prev_hash, old.hash)
        assert ", " in row[11]
        con.execute(_INSERT, row)
    finally:
        con.close()
    assert station.log.get(old.id) == old and station.log.get(e.id) == e
    assert station.log.verify() == []
    after = station.record("note", "0101", payload={"text": "after the older row"}).event
    assert after.prev_hash == old.hash and station.verify() == []
