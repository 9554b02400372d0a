"""Direct database edits: someone with the file and the sqlite3 shell rewrites history; verify must see it.

Run: ``.venv/bin/python -m bench.campaign_dbedit [--cases 300] [--seed 14]``. A played room day
(hq_demo.room_day, station with keys, anchor written) is copied per case and edited behind the
program's back in one of many ways: rewrite a payload, an author, a time or a kind (guards
dropped first), re-hash the whole tail so the chain is consistent again, delete the last N or a
middle event, swap two, append a forged event with a correct hash, drop or neuter a guard
trigger, try INSERT OR REPLACE / UPSERT with the guards in place, edit or delete the anchor, cut
or garble the file. Then ``verify`` runs (read-only). Each case is counted as refused by the
database (the guard stopped the edit), detected (verify fails), flagged (verify passes with a
warning) or missed. Prints: cases, refused, detected, flagged, missed, tracebacks.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.event import Event
from app.store import guards

COLS = "id, station, seq, at, recorded_at, tz, author, kind, day, room, participant, payload, prev_hash, hash"


@dataclass
class Counts:
    cases: int = 0
    refused: int = 0
    detected: int = 0
    flagged: int = 0
    missed: int = 0
    tracebacks: int = 0
    missed_by: dict[str, int] = field(default_factory=dict)
    flagged_by: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (f"direct database edits: cases {self.cases}, refused by the database {self.refused}, detected by "
                f"verify {self.detected}, flagged (warning) {self.flagged}, missed {self.missed}, tracebacks "
                f"{self.tracebacks}" + (f"; flagged: {self.flagged_by}" if self.flagged_by else "")
                + (f"; missed: {self.missed_by}" if self.missed_by else ""))


def played(folder: Path) -> Path:
    from app.clock import FixedClock
    from app.services import hq_demo
    from app.services.demo import install_demo
    from app.services.station import Station
    from app.transfer.keys import station_keys

    path = folder / "played.db"
    st = Station.create(path, role="room", room="0101")
    install_demo(st)
    station_keys(st)
    st.clock = FixedClock(st.day.local("10:30", st.point.tz))
    hq_demo.room_day(st, "0101")
    st.close()
    return path


def _events(con) -> list[Event]:
    from app.store.eventlog import _event

    return [_event(r) for r in con.execute(f"SELECT {COLS} FROM events ORDER BY seq")]


def _drop_guards(con) -> None:
    for name in guards.GUARDS:
        con.execute(f"DROP TRIGGER IF EXISTS {name}")


def _restore_guards(con) -> None:
    for sql in guards.GUARDS.values():
        con.execute(sql)


def _row(e: Event) -> tuple:
    from app.store.eventlog import _row as row

    return row(e)


def _rehash_from(con, evs: list[Event], start: int) -> None:
    """Recompute the chain from index ``start`` on, as a careful forger would."""
    prev = evs[start - 1].hash if start else "0" * 64
    for e in evs[start:]:
        new = Event(**{**e.__dict__, "prev_hash": prev}).sealed()
        con.execute("UPDATE events SET prev_hash=?, hash=? WHERE id=?", (new.prev_hash, new.hash, e.id))
        prev = new.hash


def edit(kind: str, db: Path, rnd: random.Random) -> None:
    """Apply one edit; raises sqlite3.IntegrityError/DatabaseError when the database refuses it."""
    if kind in ("truncate-file", "garble-file"):
        data = bytearray(db.read_bytes())
        if kind == "truncate-file":
            db.write_bytes(bytes(data[: rnd.randrange(1, len(data))]))
        else:
            for _ in range(rnd.randrange(1, 20)):
                data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
            db.write_bytes(bytes(data))
        return
    anchor = Path(f"{db}.head")
    if kind == "delete-anchor-and-tail":
        anchor.unlink()
        kind = "delete-tail"
    if kind == "edit-anchor":
        d = json.loads(anchor.read_text())
        d["seq"] = max(1, d["seq"] - rnd.randrange(1, 5))
        anchor.write_text(json.dumps(d))
        return
    con = sqlite3.connect(db, isolation_level=None)
    try:
        evs = _events(con)
        n = len(evs)
        con.execute("BEGIN")
        if kind in ("replace", "upsert", "replace-new-id", "guarded-update", "guarded-delete"):
            e = rnd.choice(evs)
            if kind == "replace":
                con.execute(f"INSERT OR REPLACE INTO events ({COLS}) VALUES ({','.join('?' * 14)})",
                            _row(Event(**{**e.__dict__, "author": "forger"})))
            elif kind == "replace-new-id":
                con.execute(f"REPLACE INTO events ({COLS}) VALUES ({','.join('?' * 14)})",
                            _row(Event(**{**e.__dict__, "id": "forged-" + e.id[:8]})))
            elif kind == "upsert":
                con.execute(f"INSERT INTO events ({COLS}) VALUES ({','.join('?' * 14)}) ON CONFLICT DO UPDATE SET "
                            "author='forger'", _row(e))
            elif kind == "guarded-update":
                con.execute("UPDATE events SET author='forger' WHERE id=?", (e.id,))
            else:
                con.execute("DELETE FROM events WHERE id=?", (e.id,))
        elif kind == "drop-guard":
            con.execute(f"DROP TRIGGER {rnd.choice(list(guards.GUARDS))}")
        elif kind == "neuter-guard":
            name = rnd.choice(list(guards.GUARDS))
            con.execute(f"DROP TRIGGER {name}")
            what = {"events_no_update": "UPDATE", "events_no_delete": "DELETE"}.get(name, "INSERT")
            con.execute(f"CREATE TRIGGER {name} BEFORE {what} ON events BEGIN SELECT 1; END")
        else:
            _drop_guards(con)
            i = rnd.randrange(n)
            e = evs[i]
            if kind == "payload":
                con.execute("UPDATE events SET payload=? WHERE id=?", (json.dumps({"text": "forged"}), e.id))
            elif kind == "author":
                con.execute("UPDATE events SET author='forger' WHERE id=?", (e.id,))
            elif kind == "time":
                con.execute("UPDATE events SET at=? WHERE id=?", ("2026-06-04T03:00:00.000000Z", e.id))
            elif kind == "kind":
                con.execute("UPDATE events SET kind='note' WHERE id=?", (e.id,))
            elif kind == "rehash-tail":  # content changed and every hash after it recomputed
                con.execute("UPDATE events SET author='forger' WHERE id=?", (e.id,))
                evs = _events(con)
                _rehash_from(con, evs, i)
            elif kind == "delete-tail":
                k = rnd.randrange(1, min(8, n))
                con.execute("DELETE FROM events WHERE seq > ?", (n - k,))
            elif kind == "delete-middle":
                con.execute("DELETE FROM events WHERE seq = ?", (rnd.randrange(1, n),))
            elif kind == "swap":
                j = next((k for k in range(n) if evs[k].payload != e.payload), (i + 1) % n)
                a, b = evs[i], evs[j]  # two events whose payloads differ: a real change
                con.execute("UPDATE events SET payload=? WHERE id=?", (json.dumps(b.payload), a.id))
                con.execute("UPDATE events SET payload=? WHERE id=?", (json.dumps(a.payload), b.id))
            elif kind == "append-forged":
                last = evs[-1]
                forged = Event(id="f" * 8 + last.id[8:], station=last.station, seq=last.seq + 1, at=last.at,
                               recorded_at=last.recorded_at, tz=last.tz, author="", kind="removal", day=last.day,
                               room=last.room, participant=last.participant, payload={"reason": "forged"},
                               prev_hash=last.hash).sealed()
                con.execute(f"INSERT INTO events ({COLS}) VALUES ({','.join('?' * 14)})", _row(forged))
            _restore_guards(con)
        con.execute("COMMIT")
    finally:
        con.close()


KINDS = ["replace", "upsert", "replace-new-id", "guarded-update", "guarded-delete", "drop-guard", "neuter-guard",
         "payload", "author", "time", "kind", "rehash-tail", "delete-tail", "delete-middle", "swap", "append-forged",
         "edit-anchor", "delete-anchor-and-tail", "truncate-file", "garble-file"]


def campaign(n: int, seed: int) -> Counts:
    from app.errors import UserError
    from app.store.integrity import verify_file

    rnd = random.Random(seed)
    c = Counts()
    with tempfile.TemporaryDirectory(prefix="dbedit-") as d:
        base = Path(d)
        src = played(base)
        for i in range(n):
            kind = KINDS[i % len(KINDS)] if i < len(KINDS) else rnd.choice(KINDS)
            work = base / f"c{i}"
            work.mkdir()
            db = work / "room.db"
            for suffix in ("", ".keys", ".head"):
                shutil.copy(f"{src}{suffix}", f"{db}{suffix}")
            c.cases += 1
            try:
                edit(kind, db, rnd)
            except sqlite3.Error as e:
                if "append-only" in str(e):
                    c.refused += 1
                    shutil.rmtree(work)
                    continue
                c.tracebacks += 1
                shutil.rmtree(work)
                continue
            try:
                rep = verify_file(db)
                if not rep.ok:
                    c.detected += 1
                elif rep.warnings:
                    c.flagged += 1
                    c.flagged_by[kind] = c.flagged_by.get(kind, 0) + 1
                else:
                    c.missed += 1
                    c.missed_by[kind] = c.missed_by.get(kind, 0) + 1
            except UserError:
                c.detected += 1  # "damaged" / "not an Auditoria database": the file is refused
            except Exception:  # noqa: BLE001 - counted
                c.tracebacks += 1
            shutil.rmtree(work)
    return c


def main() -> None:
    from bench.campaign_run import run

    run(__doc__, campaign, 300, "dbedit")


if __name__ == "__main__":
    main()
