"""Event ingest: verify every station chain, then bulk-insert what is new — idempotently.

Rules (design.md): an event is identified by its id and by (station, seq). Sending the same
event again is harmless; the same id or (station, seq) with a different body is a conflict.
Each station's chain must continue from the server's stored head without gaps or forks, and
a station's chain belongs to the exam point that first delivered it.

Concurrency: nothing here holds an in-process lock. The database does the work —
``events.id`` / ``(station, seq)`` are unique and a chain head moves by ``UPDATE … WHERE
seq = <head read>``; a writer that loses a race rolls back and re-evaluates, and then sees
the winner's events as duplicates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Engine, and_, insert, select
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from app.domain.event import FORMAT_VERSION, GENESIS
from app.server import schema as t
from app.server.db import now_iso
from app.server.validate import event_problem

MAX_BATCH = 20_000
_FIELDS = ("id", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day", "room", "participant",
           "payload", "prev_hash")
_STR = ("id", "station", "at", "recorded_at", "tz", "author", "kind", "prev_hash", "hash")
_OPT = ("day", "room", "participant")


class Rejected(Exception):
    """The batch cannot be accepted as sent; ``status`` is the HTTP status, the message says why."""

    def __init__(self, status: int, code: str, reason: str):
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


class _Raced(Exception):
    pass


@dataclass
class IngestResult:
    received: int
    inserted: int
    duplicates: int
    heads: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"outcome": "accepted", "received": self.received, "inserted": self.inserted,
                "duplicates": self.duplicates, "heads": self.heads}


# One encoder made once: json.dumps with options builds a new encoder per call (hot path, pitfalls §8).
_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_esc = json.encoder.encode_basestring  # the C escaper json uses for str with ensure_ascii=False
_V = str(FORMAT_VERSION)


def event_hash_slow(d: dict) -> str:
    """Reference: the hash as ``Event.compute_hash`` builds it (canonical JSON of every field but the hash)."""
    h = {k: d[k] for k in _FIELDS}
    h["v"] = FORMAT_VERSION
    return hashlib.sha256(_CANON(h).encode("utf-8")).hexdigest()


def _s(v: str | None) -> str:
    return "null" if v is None else _esc(v)


def event_hash(d: dict, payload_text: str | None = None) -> str:
    """The same bytes as ``event_hash_slow`` written out field by field in sorted key order — the hot
    path of ingest (tests compare both on random events; shape is checked before, so types are known).
    ``payload_text``: the payload's canonical JSON when the caller already made it (``canonical_payload``)."""
    p = d["payload"]
    text = "".join((
        '{"at":', _esc(d["at"]), ',"author":', _esc(d["author"]), ',"day":', _s(d["day"]),
        ',"id":', _esc(d["id"]), ',"kind":', _esc(d["kind"]), ',"participant":', _s(d["participant"]),
        ',"payload":', payload_text if payload_text is not None else (_CANON(p) if p else "{}"),
        ',"prev_hash":', _esc(d["prev_hash"]),
        ',"recorded_at":', _esc(d["recorded_at"]), ',"room":', _s(d["room"]), ',"seq":', str(d["seq"]),
        ',"station":', _esc(d["station"]), ',"tz":', _esc(d["tz"]), ',"v":', _V, "}"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shape_error(i: int, d: Any) -> Rejected:
    """The precise reason an event failed the fast shape check (slow path, only on bad input)."""
    if not isinstance(d, dict):
        return Rejected(422, "malformed", f"event #{i}: not an object")
    for k in _STR:
        if not isinstance(d.get(k), str) or (not d[k] and k != "author"):
            return Rejected(422, "malformed", f"event #{i}: field {k!r} missing or not text")
    for k in _OPT:
        if d.get(k) is not None and not isinstance(d[k], str):
            return Rejected(422, "malformed", f"event #{i}: field {k!r} must be text or null")
    if not isinstance(d.get("seq"), int) or isinstance(d["seq"], bool) or d["seq"] < 1:
        return Rejected(422, "malformed", f"event #{i}: seq must be a positive integer")
    if not isinstance(d.get("payload"), dict):
        return Rejected(422, "malformed", f"event #{i}: payload must be an object")
    if len(d["id"]) > 36 or len(d["at"]) != 27 or len(d["recorded_at"]) != 27 or len(d["hash"]) != 64:
        return Rejected(422, "malformed", f"event #{i} ({d['id'][:36]}): id, time or hash has the wrong length")
    if d.get("room") is not None and len(d["room"]) > 4:
        return Rejected(422, "malformed", f"event #{i} ({d['id']}): room longer than 4 characters")
    if d.get("day") is not None and len(d["day"]) not in (10, 13):
        return Rejected(422, "malformed", f"event #{i} ({d['id']}): day must look like YYYY-MM-DD (an exam date)")
    return Rejected(422, "malformed", f"event #{i}: unexpected fields or values")


def _shape_ok(d: Any) -> bool:
    try:
        return (type(d) is dict and type(d["id"]) is str and 0 < len(d["id"]) <= 36 and type(d["station"]) is str
                and d["station"] != "" and type(d["seq"]) is int and d["seq"] > 0 and type(d["at"]) is str
                and len(d["at"]) == 27 and type(d["recorded_at"]) is str and len(d["recorded_at"]) == 27
                and type(d["tz"]) is str and d["tz"] != "" and type(d["author"]) is str and type(d["kind"]) is str
                and d["kind"] != "" and type(d["payload"]) is dict and type(d["prev_hash"]) is str
                and type(d["hash"]) is str and len(d["hash"]) == 64
                and (d["day"] is None or (type(d["day"]) is str and len(d["day"]) in (10, 13)))
                and (d["room"] is None or (type(d["room"]) is str and len(d["room"]) <= 4))
                and (d["participant"] is None or type(d["participant"]) is str))
    except KeyError:
        return False


# the stored text on the server: sorted keys, ", " separators (what stations stored before they kept the compact
# canonical text; either decodes to the same value, and the hash covers the value, not the stored text)
_PAYLOAD = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
_COLS = ("id", "ppe", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day", "room", "participant",
         "payload", "prev_hash", "hash")


class _Copy:
    """The batch's events on their way in, as a context: ``finish()`` waits until they are stored, ``abort(exc)`` gives
    them up. On SQLite the rows are in when this is made; on PostgreSQL they are streamed through COPY and
    the server stores them while this process folds them (its fast path needs no database: see ``_AfterCopy``),
    so the server's work on the rows overlaps the fold's instead of following it (issue 13, ingest speed)."""

    def __init__(self, conn, rows: list[tuple]) -> None:
        self._conn, self._ctx, self._cur = conn, None, None
        if not rows:
            return
        if conn.dialect.name != "postgresql":
            # one executemany of plain tuples: no per-row objects, no per-row parameter compilation (pitfalls §8)
            mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
            ph = ", ".join([mark] * len(_COLS))
            conn.exec_driver_sql(f"INSERT INTO events ({', '.join(_COLS)}) VALUES ({ph})", rows)
            return
        raw = conn.connection.driver_connection
        self._cur = raw.cursor()
        # the cursor's copy() context (a generator: it must be exited, not dropped, or it ends the COPY)
        self._ctx = self._cur.copy(f"COPY events ({', '.join(_COLS)}) FROM STDIN")
        cp = self._ctx.__enter__()
        try:
            for r in rows:
                cp.write_row(r)
            # the last rows, which psycopg keeps (up to 32 KB) until the COPY ends, sent now: the server stores
            # every row while the fold runs, instead of the last ones after it. (The formatter's end() hands
            # over what it holds; at the COPY's end it then has nothing left to send.) These are psycopg's
            # Copy internals (3.1-3.3): a version without them sends the tail at the COPY's end, as before.
            formatter, writer = getattr(cp, "formatter", None), getattr(cp, "writer", None)
            if formatter is not None and writer is not None:
                tail = formatter.end()
                if tail:
                    writer.write(tail)
                raw.pgconn.flush()  # and what libpq still buffers (non-blocking)
        except BaseException as e:
            self.abort(e)
            raise

    def __enter__(self):
        """The connection to go on with: one that waits for the COPY at its first use while it is open."""
        return _AfterCopy(self._conn, self) if self._ctx is not None else self._conn

    def __exit__(self, typ, exc, tb) -> None:
        if exc is not None:
            self.abort(exc)
        else:
            self.finish()

    def finish(self) -> None:
        """The rows stored, under the table's unique constraints: a violation is a concurrent writer's batch
        (``_Raced``: the batch is evaluated again). Idempotent."""
        ctx, self._ctx = self._ctx, None
        if ctx is None:
            return
        import psycopg

        try:
            ctx.__exit__(None, None, None)
        except psycopg.IntegrityError as e:
            raise _Raced(str(e.__class__.__name__)) from None
        finally:
            self._cur.close()

    def abort(self, exc: BaseException) -> None:
        """End a COPY still open because ``exc`` stopped the batch, so that the transaction can roll back."""
        ctx, self._ctx = self._ctx, None
        if ctx is None:
            return
        try:
            ctx.__exit__(type(exc), exc, exc.__traceback__)
        except Exception:  # noqa: BLE001, S110 - the batch fails with exc anyway; the rollback follows
            pass
        finally:
            self._cur.close()


class _AfterCopy:
    """The batch's connection for the fold: the first use of it waits for the events' COPY (``_Copy``). The
    fold's fast path (arrival order is domain order, the stored room states read with the checks) never uses
    it, so there the fold runs while the server stores the rows; any other path reads the log as it was."""

    def __init__(self, conn, copy: _Copy) -> None:
        self._conn, self._copy = conn, copy

    def __getattr__(self, name: str):
        self._copy.finish()
        return getattr(self._conn, name)


def invalid(d: dict, problem: str) -> Rejected:
    """The refusal of a whole batch for one event the projections could not fold: names the event."""
    return Rejected(422, "invalid-event", f"event {d['id']} (station {d['station']}, seq {d['seq']}): {problem}; "
                                          "the batch was not stored")


class _Chain(NamedTuple):
    """A station's stored chain head (``chains``)."""

    station: str
    ppe: str
    seq: int
    hash: str


class _Known(NamedTuple):
    """What a batch's checks and fold read before anything is written, in one round trip on PostgreSQL."""

    enrolled: dict[str, str]  # station -> exam point it is enrolled for
    paired: dict[str, tuple[str, bool]]  # room station -> (exam point, revoked)
    plan_rooms: set[str]
    heads: dict[str, _Chain]
    days: list[tuple[str, str]]  # (key, date) of the exam point's days on the batch's dates
    figures: tuple[dict, dict] | None = None  # figures._fig_reads of those days and the batch's rooms (locked)


_DAYS_OF = "SELECT key FROM days WHERE ppe = %(ppe)s AND date = ANY(%(dates)s)"
# the stored figure rows of the batch's days, locked in key order before anything is read (figures module doc)
_LOCK_PG = f"SELECT 1 FROM fig_days WHERE ppe = %(ppe)s AND day IN ({_DAYS_OF}) ORDER BY day FOR UPDATE"
# json_agg of small rows: one statement, one answer; an empty set gives NULL (read as []). It runs after
# the lock above (a statement of its own: read committed takes its snapshot once the lock is held, so it
# sees what a writer that held the lock before committed)
_KNOWN_PG = f"""SELECT
 (SELECT json_agg(json_build_array(station, ppe)) FROM stations WHERE station = ANY(%(st)s)),
 (SELECT json_agg(json_build_array(station, ppe, revoked)) FROM peer_keys WHERE station = ANY(%(st)s)),
 (SELECT json_agg(number) FROM rooms WHERE ppe = %(ppe)s),
 (SELECT json_agg(json_build_array(station, ppe, seq, hash)) FROM chains WHERE station = ANY(%(st)s)),
 (SELECT json_agg(json_build_array(key, date)) FROM days WHERE ppe = %(ppe)s AND date = ANY(%(dates)s)),
 (SELECT json_agg(json_build_array(day, valid, legacy, subject)) FROM fig_days
   WHERE ppe = %(ppe)s AND day IN ({_DAYS_OF})),
 (SELECT json_agg(json_build_array(day, room, state)) FROM fig_rooms
   WHERE ppe = %(ppe)s AND day IN ({_DAYS_OF}) AND room = ANY(%(rooms)s))"""


def _known(conn, ppe: str, stations: list[str], dates: list[str], rooms: list[str] | None = None) -> _Known:
    """The stations' owners and heads, the plan's rooms and the exam point's days on the batch's dates.

    On PostgreSQL, with ``rooms`` (the batch's rooms; None when an event has no day, and the fold reads the
    whole exam point), also the stored figures the fold starts from, their day rows locked first."""
    if conn.dialect.name == "postgresql":
        from app.server.figures import _FigDay

        raw = conn.connection.driver_connection
        args = {"st": stations, "ppe": ppe, "dates": dates, "rooms": rooms or []}
        with raw.pipeline(), raw.cursor() as cur:  # BEGIN, the lock and the read in one round trip
            if rooms is not None:
                cur.execute(_LOCK_PG, args)
            cur.execute(_KNOWN_PG, args)
            en, pk, plan_rooms, ch, days, fdays, frooms = cur.fetchone()
        figures = None if rooms is None else (
            {r[0]: _FigDay(*r) for r in fdays or ()}, {(d, r): st for d, r, st in frooms or ()})
        return _Known({a: b for a, b in en or ()}, {a: (b, bool(c)) for a, b, c in pk or ()}, set(plan_rooms or ()),
                      {r[0]: _Chain(*r) for r in ch or ()}, [(k, d) for k, d in days or ()], figures)
    en = {r[0]: r[1] for r in conn.execute(select(t.stations.c.station, t.stations.c.ppe)
                                           .where(t.stations.c.station.in_(stations)))}
    pk = {r[0]: (r[1], bool(r[2])) for r in conn.execute(select(
        t.peer_keys.c.station, t.peer_keys.c.ppe, t.peer_keys.c.revoked).where(t.peer_keys.c.station.in_(stations)))}
    rooms = {r[0] for r in conn.execute(select(t.rooms.c.number).where(t.rooms.c.ppe == ppe))}
    ch = {r[0]: _Chain(*r) for r in conn.execute(select(t.chains.c.station, t.chains.c.ppe, t.chains.c.seq,
                                                        t.chains.c.hash).where(t.chains.c.station.in_(stations)))}
    days = [(r[0], r[1]) for r in conn.execute(select(t.days.c.key, t.days.c.date).where(
        and_(t.days.c.ppe == ppe, t.days.c.date.in_(dates))))] if dates else []
    return _Known(en, pk, rooms, ch, days)


def _owner_checks(known: _Known, ppe: str, stations: list[str]) -> None:
    """A station id belongs to one exam point: the HQ enrolled for it, or the room station its HQ paired
    with (``peer_keys``), even before its first event reaches the server (no squatting of ids)."""
    for st in stations:
        owner = known.enrolled.get(st)
        if owner is not None and owner != ppe:
            raise Rejected(403, "other-ppe", f"station {st} is enrolled for exam point {owner}, not {ppe}")
    for st in stations:
        paired = known.paired.get(st)
        if paired is None:
            continue
        if paired[0] != ppe:
            raise Rejected(403, "other-ppe", f"station {st} was paired with exam point {paired[0]}, not {ppe}")
        if paired[1]:
            raise Rejected(403, "revoked", f"station {st}'s key was revoked by the authority")


def prepare(batch: Any) -> dict[str, list[dict]]:
    """Check shape and each event's own hash; group by station, sorted by seq. Pure (no DB)."""
    if not isinstance(batch, list):
        raise Rejected(422, "malformed", "events must be a list")
    if len(batch) > MAX_BATCH:
        raise Rejected(413, "too-large", f"a batch holds at most {MAX_BATCH} events, this one {len(batch)}")
    by_station: dict[str, list[dict]] = {}
    for i, d in enumerate(batch):
        if not _shape_ok(d):
            raise _shape_error(i, d)
        text = canonical_payload(d["payload"])
        if event_hash(d, text) != d["hash"]:
            raise Rejected(409, "altered", f"station {d['station']}: event seq {d['seq']} ({d['id']}) "
                                           "does not match its hash (altered)")
        problem = event_problem(d, payload_text=text)
        if problem:
            raise invalid(d, problem)
        by_station.setdefault(d["station"], []).append(d)
    for st, evs in by_station.items():
        evs.sort(key=lambda d: d["seq"])
        for a, b in zip(evs, evs[1:], strict=False):
            if a["seq"] == b["seq"]:
                if a["hash"] != b["hash"]:
                    raise Rejected(409, "fork", f"station {st}: two different events with seq {a['seq']} (fork)")
        # drop exact repeats inside one batch (a duplicated request body, a resent page)
        seen: set[int] = set()
        evs[:] = [d for d in evs if not (d["seq"] in seen or seen.add(d["seq"]))]
    return by_station


def ingest(engine: Engine, ppe: str, batch: Any, station: str = "", attempts: int = 5,
           room_heads: Any = None, check_rooms: bool = False) -> IngestResult:
    """Verify and store a batch for exam point ``ppe``; raises ``Rejected`` with a clear reason.

    ``room_heads``: the room stations' signed chain heads HQ forwards with their events (``roomtrust``).
    ``check_rooms``: refuse room chains not covered by heads their room stations signed. The API (the
    only way in from outside) always passes True; in-process callers that made the events themselves
    (benchmarks, tests of other rules, the seasons' generators) leave it off."""
    from app.server.roomtrust import parse_heads

    by_station = prepare(batch)
    signed = parse_heads(room_heads)
    received = len(batch)
    for _ in range(attempts):
        try:
            with engine.begin() as conn:
                return _ingest(conn, ppe, by_station, received, station, signed if check_rooms else None)
        except (_Raced, DBIntegrityError) as e:
            last = e
            continue
    raise Rejected(409, "conflict", f"could not store the batch: it conflicts with stored events "
                                    f"({last.__class__.__name__}); an event id may already hold other content")


def _ingest(conn, ppe: str, by_station: dict[str, list[dict]], received: int, sender: str,
            signed: list[dict] | None = None) -> IngestResult:
    """One batch in one transaction. On PostgreSQL it takes about four round trips whatever its size: BEGIN
    with one read of everything the checks and the fold need (``_known``), the events' COPY, the stored
    figures' read, and the writes pipelined with the COMMIT (each statement once cost a round trip, and
    round trips were a third of ingest time under load)."""
    from app.server.roomtrust import check_batch

    stations = sorted(by_station)
    dates = sorted({d["day"][:10] for evs in by_station.values() for d in evs if d["day"]})
    dayless = any(d["day"] is None for evs in by_station.values() for d in evs)
    rooms = None if dayless else sorted({d["room"] for evs in by_station.values() for d in evs if d["room"]})
    known = _known(conn, ppe, stations, dates, rooms)
    _owner_checks(known, ppe, stations)
    plan_rooms = known.plan_rooms
    heads = known.heads
    if signed is not None:
        check_batch(conn, ppe, by_station, heads, signed, sender)
    new_rows: list[tuple] = []
    payloads: list[dict] = []  # beside the rows: the figures fold them without parsing JSON back
    chain_moves: list[tuple[str, int | None, int, str]] = []  # station, old seq (None: new), new seq, hash
    duplicates = 0
    days: set[str] = set()
    for st in stations:
        evs = by_station[st]
        head = heads.get(st)
        if head is not None and head.ppe != ppe:
            raise Rejected(403, "other-ppe", f"station {st} delivers for exam point {head.ppe}, not {ppe}")
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        if evs[0]["seq"] <= head_seq:
            old = [d for d in evs if d["seq"] <= head_seq]
            stored = {r.seq: r for r in conn.execute(
                select(t.events.c.id, t.events.c.seq, t.events.c.hash).where(and_(
                    t.events.c.station == st, t.events.c.seq >= old[0]["seq"], t.events.c.seq <= old[-1]["seq"])))}
            for d in old:
                s = stored.get(d["seq"])
                if s is None or s.hash != d["hash"] or s.id != d["id"]:
                    raise Rejected(409, "fork", f"station {st}: seq {d['seq']} ({d['id']}) differs from the event "
                                                "the server holds at that place (fork or rewritten history)")
                duplicates += 1
            fresh = evs[len(old):]
        else:
            fresh = evs
        if not fresh:
            continue
        prev_seq, prev_hash = head_seq, head_hash
        for d in fresh:
            if d["seq"] != prev_seq + 1:
                raise Rejected(409, "gap", f"station {st}: gap before seq {d['seq']} (the server holds up to "
                                           f"{head_seq}; send from seq {prev_seq + 1})")
            if d["prev_hash"] != prev_hash:
                raise Rejected(409, "fork", f"station {st}: event seq {d['seq']} ({d['id']}) does not follow "
                                            "its predecessor (fork)")
            prev_seq, prev_hash = d["seq"], d["hash"]
            room = d["room"]
            if plan_rooms and room is not None and room not in plan_rooms:
                raise invalid(d, f"room {room} is not in the plan of exam point {ppe}")
            day = d["day"]
            if day:
                days.add(day)
            p = d["payload"]
            payloads.append(p)
            new_rows.append((d["id"], ppe, st, d["seq"], d["at"], d["recorded_at"], d["tz"], d["author"], d["kind"],
                             day, room, d["participant"], _stored_payload(p), d["prev_hash"], d["hash"]))
        chain_moves.append((st, head_seq if head else None, prev_seq, prev_hash))
    now = now_iso()
    with _Copy(conn, new_rows) as conn:  # from here conn waits for the events' COPY at its first use
        keys = [(k, d) for k, d in known.days if d in {day[:10] for day in days}]  # the dates of new events
        if days:
            have = {k for k, _ in keys}
            from app.domain.model import ExamDay

            for day in sorted(days - have):
                try:
                    d = ExamDay.from_key(day)
                except ValueError:
                    continue
                if not d.subjects:  # a date: its subjects come with the HQ's plan of each (date, subject)
                    continue
                conn.execute(insert(t.days).values(ppe=ppe, key=day, date=d.date.isoformat(),
                                                   subject_code=d.subjects[0], list_sha256="", updated_at=now))
                keys.append((day, d.date.isoformat()))
        writes = _Writes(conn)
        for st, old_seq, seq, h in chain_moves:
            if old_seq is None:
                writes.add(_CHAIN_NEW, dict(station=st, ppe=ppe, seq=seq, hash=h, updated_at=now))
            else:
                writes.add(_CHAIN_MOVE, dict(station=st, old=old_seq, seq=seq, hash=h, updated_at=now), must_change=st)
        if new_rows:  # the stored figures move in the same transaction as the events (app.server.figures)
            from app.server.figures import fold

            fold(conn, ppe, new_rows, payloads, keys=sorted(keys), writes=writes, figures=known.figures)
        writes.add(_INGESTED, dict(at=now, station=sender, ppe=ppe, received=received, inserted=len(new_rows),
                                   outcome="accepted", reason=""))
        writes.run(commit=True)  # nothing below writes
    result = IngestResult(received, len(new_rows), duplicates)
    for st in stations:
        moved = next((m for m in chain_moves if m[0] == st), None)
        if moved:
            result.heads[st] = {"seq": moved[2], "hash": moved[3]}
        elif st in heads:
            result.heads[st] = {"seq": heads[st].seq, "hash": heads[st].hash}
    return result


_CHAIN_NEW = "INSERT INTO chains (station, ppe, seq, hash, updated_at) VALUES (:station, :ppe, :seq, :hash, :updated_at)"
_CHAIN_MOVE = "UPDATE chains SET seq = :seq, hash = :hash, updated_at = :updated_at WHERE station = :station AND seq = :old"
_INGESTED = ("INSERT INTO ingests (at, station, ppe, received, inserted, outcome, reason) "
             "VALUES (:at, :station, :ppe, :received, :inserted, :outcome, :reason)")
_SEEN_MAX = 10_000
_STORED_SEEN: dict[tuple[str, str], str] = {}
_CANON_SEEN: dict[tuple[str, str], str] = {}


def _one_text(p: dict, seen: dict[tuple[str, str], str], encode) -> str:
    """``encode(p)``; the many repeated one-item payloads ({"seat": "1A"}, {"verdict": "permitted"}) made
    once and remembered by their (key, short text value)."""
    if not p:
        return "{}"
    if len(p) == 1:
        (k, v), = p.items()
        if type(v) is str and len(v) < 16:
            text = seen.get((k, v))
            if text is None:
                if len(seen) >= _SEEN_MAX:
                    seen.clear()
                text = seen[(k, v)] = encode(p)
            return text
    return encode(p)


def _stored_payload(p: dict) -> str:
    """The payload as the server stores it (``_PAYLOAD``)."""
    return _one_text(p, _STORED_SEEN, _PAYLOAD)


def canonical_payload(p: dict) -> str:
    """The payload's canonical JSON as the event hash covers it."""
    return _one_text(p, _CANON_SEEN, _CANON)


_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_PG_SQL: dict[tuple[str, bool], str] = {}  # (SQL with :names, guarded) -> psycopg's text


class _Writes:
    """The batch's writes after the events' COPY, sent at once: on PostgreSQL in one pipeline (one round trip
    with its sync) on raw cursors, whose row counts are read after the sync; elsewhere one by one.

    Statements are SQL text with ``:name`` parameters (no Core compilation per batch: compiling ~7
    statements per batch cost more than sending them), with a dict, or a list of dicts for executemany.
    ``must_change``: an UPDATE that must move exactly one row (a chain head moved from the head read): if it
    moved none, a concurrent writer won, and the batch is re-evaluated (``_Raced``)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.items: list[tuple[str, Any, str | None]] = []

    def add(self, sql: str, params: Any, must_change: str | None = None) -> None:
        if isinstance(params, list) and not params:
            return
        self.items.append((sql, params, must_change))

    def run(self, commit: bool = False) -> None:
        """Send the queued writes. ``commit``: end the transaction with them (on PostgreSQL the COMMIT rides
        in the same pipeline, so a batch's writes and its commit cost one round trip; the caller's
        ``engine.begin()`` then finds nothing left to commit). Elsewhere the caller commits."""
        conn, items = self.conn, self.items
        self.items = []
        if not items and not commit:
            return
        if conn.dialect.name != "postgresql":
            for sql, params, must in items:  # sqlite3 takes :name parameters as they are
                try:
                    res = conn.exec_driver_sql(sql, params)
                except DBIntegrityError as e:
                    raise _Raced(e.__class__.__name__) from None
                if must is not None and res.rowcount != 1:
                    raise _Raced(must)
            return
        import psycopg

        raw = conn.connection.driver_connection
        try:
            with raw.pipeline(), raw.cursor() as cur:
                for sql, params, must in items:
                    text = _PG_SQL.get((sql, must is not None))
                    if text is None:
                        text = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
                        if must is not None:
                            # an UPDATE that moved no row fails here, inside the pipeline, so that the COMMIT
                            # queued behind it never runs (division by zero is the error SQL has at hand)
                            text = f"WITH moved AS ({text} RETURNING 1) SELECT 1 / (SELECT count(*) FROM moved)"
                        _PG_SQL[(sql, must is not None)] = text
                    if isinstance(params, list):
                        cur.executemany(text, params)
                    else:
                        cur.execute(text, params)
                if commit:
                    cur.execute("COMMIT")
        except psycopg.errors.DivisionByZero:
            raise _Raced("a chain head moved meanwhile") from None
        except psycopg.IntegrityError as e:
            raise _Raced(e.__class__.__name__) from None


def insert_sql(table: str, cols: Iterable[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)`` for trusted (schema) names."""
    cols = list(cols)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"


def heads(engine: Engine, ppe: str) -> dict[str, dict[str, Any]]:
    """The server's high-water mark of every chain this exam point delivered: where to resume."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.chains).where(t.chains.c.ppe == ppe)).all()
    return {r.station: {"seq": r.seq, "hash": r.hash} for r in rows}
