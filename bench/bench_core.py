"""Core benchmark: durable record latency vs a raw sqlite3 floor, and a 20,000-row list import.

Run: .venv/bin/python -m bench.bench_core   (figures printed beside the floor measured in this run)
Goals: record p50 ≤ 1.25× and p99 ≤ 1.1× the raw single-row WAL+FULL insert measured in the same run
(issue 14); 20,000-row import ≤ 3 s. ``--dir`` puts both databases on another file system (e.g. /dev/shm,
where fsync is free and the figure shows the Python overhead of the record path alone).
"""

from __future__ import annotations

import csv
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

N_PREFILL = 10_000
N_MARKS = 400


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def raw_floor_setup(tmp: Path):
    con = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE events (id TEXT PRIMARY KEY, station TEXT, seq INTEGER, at TEXT, recorded_at TEXT, "
                "tz TEXT, author TEXT, kind TEXT, day TEXT, room TEXT, participant TEXT, payload TEXT, "
                "prev_hash TEXT, hash TEXT, UNIQUE(station, seq))")
    con.execute("CREATE INDEX ix ON events(day, room)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(str(uuid.uuid4()), "s", i, "t", "t", "z", "", "note", "d", "0101", None, "{}", "h", "h")
                     for i in range(1, N_PREFILL + 1)])
    con.execute("COMMIT")
    return con


def raw_insert(con, i: int) -> float:
    t0 = time.perf_counter()
    con.execute("BEGIN")
    con.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (str(uuid.uuid4()), "s", N_PREFILL + 1 + i, "t", "t", "z", "", "note", "d", "0101", None, "{}",
                 "h", "h"))
    con.execute("COMMIT")
    return time.perf_counter() - t0


def prefill(station, n: int) -> None:
    """n valid events of this station spread over the day's rooms (written in bulk)."""
    from app.domain.event import Event, utc_iso
    from app.store.eventlog import _INSERT, _row

    rooms = sorted(station.plan.rooms)
    start = station.day.local("08:00", station.point.tz)  # all before the marks measured below
    prev, rows = "0" * 64, []
    for i in range(1, n + 1):
        at = utc_iso(start + timedelta(seconds=i * 0.5))
        e = Event(id=str(uuid.uuid4()), station=station.station_id, seq=i, at=at, recorded_at=at,
                  tz=station.point.tz, author="", kind="note", day=station.day.key, room=rooms[i % len(rooms)],
                  participant=None, payload={"text": f"n{i}"}, prev_hash=prev).sealed()
        prev = e.hash
        rows.append(_row(e))
    raw = station.engine.raw_connection()
    cur = raw.cursor()
    cur.execute("BEGIN")
    cur.executemany(_INSERT, rows)
    cur.execute("COMMIT")
    raw.close()


def station_setup(tmp: Path):
    from app.clock import FixedClock
    from app.services.demo import install_demo
    from app.services.station import Station

    st = Station.create(tmp / "st.db", role="room", room="0101")
    install_demo(st)
    st.clock = FixedClock(st.day.local("10:30", st.point.tz))
    prefill(st, N_PREFILL)
    codes = [p.code for p in st.plan.room_participants("0101")]
    st.room_state("0101")  # warm: the station keeps the room's state between marks
    return st, codes


def record_one(st, codes, i: int) -> float:
    t0 = time.perf_counter()
    st.record("extra-sheet", "0101", codes[i % len(codes)], payload={"sheet": f"{i:07d}"})
    return time.perf_counter() - t0


def import_20k(tmp: Path) -> tuple[float, float]:
    from app.services.importer import HEADER, import_list
    from app.services.station import Station

    rows = []
    for i in range(20_000):
        room = f"{i // 25 + 1:04d}"
        seat = f"{(i % 25) // 5 + 1}{'АБВГД'[i % 5]}"
        rows.append(["66", "0412", "2026-06-08", "02", room, seat, f"{7_000_000 + i}", "Иванова", "Мария",
                     "Петровна", "6505", f"{100000 + i}", "660101", "ovz" if i % 40 == 0 else ""])
    path = tmp / "list20k.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    st = Station.create(tmp / "hq.db", role="hq")
    t0 = time.perf_counter()
    res = import_list(st, path)
    first = time.perf_counter() - t0
    assert res.rows == 20_000
    t0 = time.perf_counter()
    assert import_list(st, path).unchanged
    again = time.perf_counter() - t0
    return first, again


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", help="folder for the databases (default: the system's temporary folder)")
    ap.add_argument("--no-import", action="store_true", help="skip the 20,000-row import")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        tmp = Path(d)
        con = raw_floor_setup(tmp)
        st, codes = station_setup(tmp)
        floor, ours = [], []
        for i in range(N_MARKS):  # alternate, so both see the same disk and CPU load
            floor.append(raw_insert(con, i))
            ours.append(record_one(st, codes, i))
        con.close()
        assert st.verify() == []
        f50, f99 = statistics.median(floor) * 1e3, pct(floor, 99) * 1e3
        o50, o99 = statistics.median(ours) * 1e3, pct(ours, 99) * 1e3
        print(f"durable record, {N_PREFILL:,} events in the database, {N_MARKS} marks")
        print(f"  floor  raw sqlite3 WAL+FULL insert   p50 {f50:7.3f} ms   p99 {f99:7.3f} ms")
        print(f"  ours   Station.record (rules+chain)  p50 {o50:7.3f} ms   p99 {o99:7.3f} ms")
        print(f"  ratio                                p50 {o50 / f50:5.2f}×     p99 {o99 / f99:5.2f}×   "
              "(goal p50 ≤ 1.25×, p99 ≤ 1.1×)")
        if args.no_import:
            return
        first, again = import_20k(tmp)
        print(f"import of a 20,000-row list: {first:.2f} s (goal ≤ 3 s); re-import (no changes) {again:.2f} s")


if __name__ == "__main__":
    main()
