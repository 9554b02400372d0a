"""The append-only event log: durable append, reads, and chain verification.

Appends go through the raw sqlite3 connection inside ``BEGIN IMMEDIATE``: the station's
head (last seq and hash) is read and the new event written under one write lock, so the
sequence stays gapless even with two processes writing, and the commit (WAL,
synchronous=FULL) reaches the disk before ``append`` returns.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from sqlalchemy import Engine, select

from app.domain.event import (
    FORMAT_VERSION,
    GENESIS,
    Event,
    canonical_text,
    chain_problems,
    trusted_event,
    utc_iso,
)
from app.domain.model import date_key
from app.errors import IntegrityError, storage_error
from app.store.anchor import AnchorWriter
from app.store.schema import events as events_table

try:  # CPython's own SHA-256 (3.11: _sha256, 3.12: _sha2): the same digest as hashlib's OpenSSL one, and on
    # the record path the faster: a mark comes after an fsync (or after seconds of nothing) with the processor's
    # caches cold, and OpenSSL's digest set-up then costs 12 µs against 8 (warm it is 1 µs against 3)
    from _sha256 import sha256
except ImportError:  # pragma: no cover - another Python
    try:
        from _sha2 import sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]

_COLUMNS = ("id", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day", "room", "participant",
            "payload", "prev_hash", "hash")
_INSERT = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


# The stored payload text is the payload's canonical JSON, the very text the hash input holds, so the record
# path encodes a payload once. Rows written before this kept json.dumps(payload, ensure_ascii=False,
# sort_keys=True)'s text (", " and ": " separators): reads parse either (json.loads), and no hash covers the
# stored text (the hash is of the parsed payload's canonical form), so old and new rows verify alike.
_PAYLOAD_TEXT = canonical_text
_loads = json.loads
_new_event = object.__new__


def _row(e: Event) -> tuple:
    return (e.id, e.station, e.seq, e.at, e.recorded_at, e.tz, e.author, e.kind, e.day, e.room, e.participant,
            _PAYLOAD_TEXT(e.payload), e.prev_hash, e.hash)


def _event(row) -> Event:
    """An event from a row in ``_COLUMNS`` order (the store's own rows: every field is there)."""
    return trusted_event(id=row[0], station=row[1], seq=row[2], at=row[3], recorded_at=row[4], tz=row[5],
                         author=row[6], kind=row[7], day=row[8], room=row[9], participant=row[10],
                         payload=_loads(row[11]), prev_hash=row[12], hash=row[13])


def new_event_id(rand: bytes | None = None) -> str:
    """A random (version 4) UUID in its usual text, as ``str(uuid.uuid4())`` writes it, in half the time;
    ``rand`` is 16 random bytes to use (the writer draws them from its buffer), else fresh ones."""
    b = bytearray(rand if rand is not None else os.urandom(16))
    b[6] = b[6] & 0x0F | 0x40
    b[8] = b[8] & 0x3F | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_RANDOM_BATCH = 16 * 256  # random bytes drawn at once for event ids: one getrandom call per 256 marks
# an id's variant digit: the high 4 bits of byte 8 as new_event_id sets them (b & 0x3F | 0x80), by its hex digit
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
_forks = [0]  # moves in a forked child, so it never reuses the random bytes its parent drew


def _forked() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


_esc = json.encoder.encode_basestring  # what canonical_json writes for a str (ensure_ascii=False)


def _text_or_null(v: str | None) -> str:
    return "null" if v is None else _esc(v)


Token = tuple[int, int, int]
"""(writer connection serial, PRAGMA data_version, appends through that connection)."""

_serials = itertools.count(1)


# Events of an exam date: new events carry the date 'YYYY-MM-DD', events written before the exam
# period became the unit carry 'YYYY-MM-DD/SS'. '/' sorts before '0', so one index range holds both.
_DAY = "((day >= ? AND day < ?) OR day IS NULL)"


_TRANSFER_KINDS = "('transfer-in', 'void')"


def _day_range(day: str) -> tuple[str, str]:
    d = date_key(day)
    return d, d + "0"


class _Writer:
    """One thread's held connection for appends and what it remembers between them: plain slots, read with
    one thread-local look-up per append (each attribute of a ``threading.local`` is a look-up of its own)."""

    __slots__ = ("conn", "serial", "appends", "vcur", "acur", "head", "rhex", "rpos", "rgen")

    def __init__(self, conn) -> None:
        self.conn = conn
        self.serial, self.appends = next(_serials), 0
        self.vcur = conn.cursor()
        self.acur = conn.cursor()  # appends: one cursor kept (making one per mark cost a few µs)
        self.head: tuple[int, int, str] | None = None  # (data_version, seq, hash) after this thread's last append
        self.rhex, self.rpos, self.rgen = "", 0, _forks[0]  # random bytes for event ids, in hex


class EventLog:
    """Append and read events of a station database."""

    def __init__(self, engine: Engine, station: str):
        self.engine = engine
        self.station = station
        self._local = threading.local()
        self._tails: dict[str, str] = {}
        db = engine.url.database
        # the head anchored outside the database after each commit (app/store/anchor.py)
        self.anchor = AnchorWriter(db, station) if db and db != ":memory:" and station else None

    def _writer(self) -> _Writer:
        """This thread's own held connection for appends (SQLite wants one writer; no pool round trip)."""
        w = getattr(self._local, "w", None)
        if w is None:
            w = self._local.w = _Writer(self.engine.raw_connection())
        return w

    def change_token(self) -> Token:
        """A cheap token that differs whenever the database may have changed since it was taken.

        ``PRAGMA data_version`` moves when *another* connection commits; this connection's own
        appends are counted here. Equal tokens (from the same thread) mean nothing was written;
        unequal ones mean only "look again" (a write to another table also moves it).
        """
        w = self._writer()
        version = w.vcur.execute("PRAGMA data_version").fetchone()[0]  # one cursor kept (a new one cost more)
        return (w.serial, int(version), w.appends)

    def _tail(self, tz: str) -> str:
        """The end of a hash input of this station in zone ``tz``: '"station":…,"tz":…,"v":1}' (made once)."""
        tail = self._tails.get(tz)
        if tail is None:
            tail = self._tails[tz] = f'"station":{_esc(self.station)},"tz":{_esc(tz)},"v":{FORMAT_VERSION}}}'
        return tail

    def close(self) -> None:
        if self.anchor is not None:
            self.anchor.flush()
        w = getattr(self._local, "w", None)
        if w is not None:
            w.vcur.close()
            w.acur.close()
            w.conn.close()
            self._local.w = None

    # --- writing ---------------------------------------------------------------------------
    def append(self, *, kind: str, at: datetime, recorded_at: datetime, tz: str, author: str,
               day: str | None, room: str | None, participant: str | None, payload: dict,
               check: Callable[[Token], None] | None = None,
               fold: Callable[[Event, Token], None] | None = None) -> Event:
        """Write one event of this station; returns it once it is committed to disk.

        ``check(token)`` runs under the write lock, before the event is made: it sees the database as
        the append will extend it (``token`` is the change token at that moment) and refuses the mark by
        raising; it may still complete ``payload``. The rules are judged there, so nothing another
        process writes can come between the check and the append.

        ``fold(event, token)`` runs under the same lock once the row is inserted, just before the commit
        (``token`` is the change token the commit makes): the caller folds the event into what it holds in
        memory while that is still in the processor's cache (after the commit's fsync it is not, and the
        same fold costs twice as much). If the commit then fails, append raises and the caller must take
        back what it folded; if ``fold`` raises, nothing is committed.
        """
        loc = getattr(self._local, "w", None) or self._writer()
        cur = loc.acur
        try:
            cur.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if err := storage_error(exc, self.engine.url.database):
                raise err from None
            raise
        checked = False
        try:
            version = cur.execute("PRAGMA data_version").fetchone()[0]
            if check is not None:
                check((loc.serial, version, loc.appends))
            checked = True
            cached = loc.head
            if cached is not None and cached[0] == version:
                seq, prev = cached[1] + 1, cached[2]  # nobody else committed since our last append
            else:
                head = cur.execute("SELECT seq, hash FROM events WHERE station=? ORDER BY seq DESC LIMIT 1",
                                   (self.station,)).fetchone()
                seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
            at_text = utc_iso(at)
            rec_text = at_text if recorded_at is at or recorded_at == at else utc_iso(recorded_at)
            pos = loc.rpos
            if pos >= len(loc.rhex) or loc.rgen != _forks[0]:  # this thread's random bytes, never a parent's
                loc.rhex, loc.rgen, pos = os.urandom(_RANDOM_BATCH).hex(), _forks[0], 0
            loc.rpos = pos + 32
            x = loc.rhex[pos:pos + 32]  # 16 random bytes in hex: a version 4 UUID's text, as new_event_id makes it
            eid = f"{x[:8]}-{x[8:12]}-4{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:]}"
            # the canonical hash input (Event.hash_input) written here: the id and times are made above in
            # their fixed form, the station's own text is escaped once; every other field goes through json's
            # own escaper (tests/store/test_record_path.py compares with the general form)
            ptext = canonical_text(payload) if payload else "{}"  # hashed and stored: one encoding
            digest = sha256((
                f'{{"at":"{at_text}","author":{_esc(author)},"day":{"null" if day is None else _esc(day)},'
                f'"id":"{eid}","kind":{_esc(kind)},'
                f'"participant":{"null" if participant is None else _esc(participant)},'
                f'"payload":{ptext},"prev_hash":{_esc(prev)},'
                f'"recorded_at":"{rec_text}","room":{"null" if room is None else _esc(room)},"seq":{seq:d},'
                f'{self._tails.get(tz) or self._tail(tz)}').encode()).hexdigest()
            e = _new_event(Event)  # trusted_event written out: no call and no keyword dict per mark
            e.__dict__.update(id=eid, station=self.station, seq=seq, at=at_text, recorded_at=rec_text, tz=tz,
                              author=author, kind=kind, day=day, room=room, participant=participant,
                              payload=payload, prev_hash=prev, hash=digest)
            cur.execute(_INSERT, (eid, self.station, seq, at_text, rec_text, tz, author, kind, day, room,
                                  participant, ptext, prev, digest))
            if fold is not None:
                fold(e, (loc.serial, version, loc.appends + 1))
            cur.execute("COMMIT")
        except BaseException as exc:
            if checked or isinstance(exc, sqlite3.Error):
                loc.head = None  # read the head again next time (a mark the check refused leaves it as it was)
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already (a full disk does)
                cur.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and (err := storage_error(exc, self.engine.url.database)):
                raise err from None
            raise
        if self.anchor is not None:
            self.anchor.note(seq, digest)
        loc.head = (version, seq, digest)
        loc.appends += 1
        return e

    def insert_foreign(self, evs: Iterable[Event]) -> int:
        """Store events of other stations (already verified by the caller); skip ones already held."""
        rows = [_row(e) for e in evs]
        if not rows:
            return 0
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                # Held ones are skipped here: the append-only guard (app/store/guards.py) refuses any
                # insert whose id or (station, seq) is already in the log, even OR IGNORE.
                held = "SELECT 1 FROM events WHERE id=? OR (station=? AND seq=?) LIMIT 1"
                fresh, seen = [], set()
                for r in rows:
                    if r[0] in seen or (r[1], r[2]) in seen:
                        continue
                    seen.update((r[0], (r[1], r[2])))
                    if cur.execute(held, (r[0], r[1], r[2])).fetchone() is None:
                        fresh.append(r)
                cur.executemany(_INSERT, fresh)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            return len(fresh)
        finally:
            raw.close()

    # --- reading ---------------------------------------------------------------------------
    def _select(self, where: str = "", params: tuple = (), order: str = "station, seq") -> Iterator[Event]:
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            sql = f"SELECT {', '.join(_COLUMNS)} FROM events {where} ORDER BY {order}"
            for row in cur.execute(sql, params):
                yield _event(row)
        finally:
            raw.close()

    def all(self) -> list[Event]:
        return list(self._select())

    def for_room(self, day: str, room: str) -> list[Event]:
        return list(self._select(f"WHERE room=? AND {_DAY}", (room, *_day_range(day))))

    def for_room_state(self, day: str, room: str) -> list[Event]:
        """The room's events and, beside them, the date's transfer marks and voids of other rooms: a
        transfer-in elsewhere may name this room as the one the participant left (app/domain/transfer.py)."""
        return list(self._select(f"WHERE {_DAY} AND (room=? OR kind IN {_TRANSFER_KINDS})",
                                 (*_day_range(day), room)))

    def for_point(self, day: str) -> list[Event]:
        """Events of the exam point as a whole (no room)."""
        return list(self._select(f"WHERE room IS NULL AND {_DAY}", _day_range(day)))

    def for_day(self, day: str) -> list[Event]:
        return list(self._select(f"WHERE {_DAY}", _day_range(day)))

    def days(self) -> list[str]:
        """The exam dates the log holds events for (legacy day keys folded onto their date)."""
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT DISTINCT substr(day, 1, 10) FROM events WHERE day IS NOT NULL").all()
        return sorted(r[0] for r in rows)

    def of_station(self, station: str, after_seq: int = 0) -> list[Event]:
        return list(self._select("WHERE station=? AND seq>?", (station, after_seq), order="seq"))

    def get(self, event_id: str) -> Event | None:
        found = list(self._select("WHERE id=?", (event_id,)))
        return found[0] if found else None

    def head(self, station: str | None = None) -> tuple[int, str]:
        """(last seq, last hash) of a station's chain; (0, GENESIS) if empty."""
        with self.engine.connect() as conn:
            row = conn.execute(select(events_table.c.seq, events_table.c.hash)
                               .where(events_table.c.station == (station or self.station))
                               .order_by(events_table.c.seq.desc()).limit(1)).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    def stations(self) -> dict[str, tuple[int, str]]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT station, max(seq) FROM events GROUP BY station").all()
        return {st: self.head(st) for st, _ in rows}

    def count_room(self, day: str, room: str) -> int:
        """How many events ``for_room_state`` reads (events are only added: a changed count means look again)."""
        cur = self._writer().conn.cursor()
        try:
            return int(cur.execute(f"SELECT count(*) FROM events WHERE {_DAY} AND (room=? OR kind IN "
                                   f"{_TRANSFER_KINDS})", (*_day_range(day), room)).fetchone()[0])
        finally:
            cur.close()

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM events").scalar() or 0)

    # --- checking --------------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Check every station's chain; returns problems (empty list: all intact)."""
        return chain_problems(self._select())

    def verify_or_raise(self) -> None:
        problems = self.verify()
        if problems:
            raise IntegrityError(problems[0])
