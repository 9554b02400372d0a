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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, insert, select, update
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


_PAYLOAD = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # as the station stores it
_COLS = ("id", "ppe", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day", "room", "participant",
         "payload", "prev_hash", "hash")


def _bulk_insert(conn, rows: list[tuple]) -> None:
    """One executemany of plain tuples: no per-row objects, no per-row parameter compilation (pitfalls §8).

    sqlite3 runs it in C; on PostgreSQL the rows stream through COPY, in the same transaction, under the
    same unique constraints (a violation aborts the batch, which is then re-evaluated)."""
    if conn.dialect.name == "postgresql":
        import psycopg

        raw = conn.connection.driver_connection
        try:
            with raw.cursor() as cur, cur.copy(f"COPY events ({', '.join(_COLS)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        except psycopg.IntegrityError as e:
            raise _Raced(str(e.__class__.__name__)) from None
        return
    mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
    ph = ", ".join([mark] * len(_COLS))
    conn.exec_driver_sql(f"INSERT INTO events ({', '.join(_COLS)}) VALUES ({ph})", rows)


def invalid(d: dict, problem: str) -> Rejected:
    """The refusal of a whole batch for one event the projections could not fold: names the event."""
    return Rejected(422, "invalid-event", f"event {d['id']} (station {d['station']}, seq {d['seq']}): {problem}; "
                                          "the batch was not stored")


def _owner_checks(conn, ppe: str, stations: list[str], sender: str) -> None:
    """A station id belongs to one exam point: the HQ enrolled for it, or the room station its HQ paired
    with (``peer_keys``), even before its first event reaches the server (no squatting of ids)."""
    for r in conn.execute(select(t.stations.c.station, t.stations.c.ppe).where(t.stations.c.station.in_(stations))):
        if r.ppe != ppe:
            raise Rejected(403, "other-ppe", f"station {r.station} is enrolled for exam point {r.ppe}, not {ppe}")
    for r in conn.execute(select(t.peer_keys.c.station, t.peer_keys.c.ppe, t.peer_keys.c.revoked)
                          .where(t.peer_keys.c.station.in_(stations))):
        if r.ppe != ppe:
            raise Rejected(403, "other-ppe", f"station {r.station} was paired with exam point {r.ppe}, not {ppe}")
        if r.revoked:
            raise Rejected(403, "revoked", f"station {r.station}'s key was revoked by the authority")


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
        p = d["payload"]
        text = _CANON(p) if p else "{}"
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
    from app.server.roomtrust import check_batch

    stations = sorted(by_station)
    _owner_checks(conn, ppe, stations, sender)
    plan_rooms = {r[0] for r in conn.execute(select(t.rooms.c.number).where(t.rooms.c.ppe == ppe))}
    heads = {r.station: r for r in conn.execute(select(t.chains).where(t.chains.c.station.in_(stations)))}
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
        old = [d for d in evs if d["seq"] <= head_seq]
        if old:
            stored = {r.seq: r for r in conn.execute(
                select(t.events.c.id, t.events.c.seq, t.events.c.hash).where(and_(
                    t.events.c.station == st, t.events.c.seq >= old[0]["seq"], t.events.c.seq <= old[-1]["seq"])))}
            for d in old:
                s = stored.get(d["seq"])
                if s is None or s.hash != d["hash"] or s.id != d["id"]:
                    raise Rejected(409, "fork", f"station {st}: seq {d['seq']} ({d['id']}) differs from the event "
                                                "the server holds at that place (fork or rewritten history)")
                duplicates += 1
        fresh = [d for d in evs if d["seq"] > head_seq]
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
            if plan_rooms and d["room"] is not None and d["room"] not in plan_rooms:
                raise invalid(d, f"room {d['room']} is not in the plan of exam point {ppe}")
            if d["day"]:
                days.add(d["day"])
            p = d["payload"]
            payloads.append(p)
            new_rows.append((d["id"], ppe, st, d["seq"], d["at"], d["recorded_at"], d["tz"], d["author"], d["kind"],
                             d["day"], d["room"], d["participant"], _PAYLOAD(p) if p else "{}", d["prev_hash"],
                             d["hash"]))
        chain_moves.append((st, head_seq if head else None, prev_seq, prev_hash))
    now = now_iso()
    if new_rows:
        _bulk_insert(conn, new_rows)
    for st, old_seq, seq, h in chain_moves:
        if old_seq is None:
            conn.execute(insert(t.chains).values(station=st, ppe=ppe, seq=seq, hash=h, updated_at=now))
        else:
            res = conn.execute(update(t.chains).where(and_(t.chains.c.station == st, t.chains.c.seq == old_seq))
                               .values(seq=seq, hash=h, updated_at=now))
            if res.rowcount != 1:
                raise _Raced(st)
    if days:
        have = {r[0] for r in conn.execute(select(t.days.c.key).where(
            and_(t.days.c.ppe == ppe, t.days.c.key.in_(sorted(days)))))}
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
    if new_rows:  # the stored figures move in the same transaction as the events (app.server.figures)
        from app.server.figures import fold

        fold(conn, ppe, new_rows, payloads)
    conn.execute(insert(t.ingests).values(at=now, station=sender, ppe=ppe, received=received,
                                          inserted=len(new_rows), outcome="accepted", reason=""))
    result = IngestResult(received, len(new_rows), duplicates)
    for st in stations:
        moved = next((m for m in chain_moves if m[0] == st), None)
        if moved:
            result.heads[st] = {"seq": moved[2], "hash": moved[3]}
        elif st in heads:
            result.heads[st] = {"seq": heads[st].seq, "hash": heads[st].hash}
    return result


def heads(engine: Engine, ppe: str) -> dict[str, dict[str, Any]]:
    """The server's high-water mark of every chain this exam point delivered: where to resume."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.chains).where(t.chains.c.ppe == ppe)).all()
    return {r.station: {"seq": r.seq, "hash": r.hash} for r in rows}
