"""Benchmark of the municipal server: ingest of a city's exam day and one exam point synced over loopback.

    .venv/bin/python -m bench.bench_server [--events 300000] [--no-postgres]

1. Ingest (PostgreSQL: a durable cluster, fsync on): 300,000 events (30 exam points × 10 station chains × 1,000 events) go through
   ``app.server.ingest.ingest`` — shape checks, each event's hash recomputed, chain continuity
   against the stored head, idempotency checks, bulk insert, head moves — on SQLite and on
   PostgreSQL. Beside it, the floor: the same rows bulk-inserted raw by the driver
   (``executemany`` of prepared tuples in one transaction) into an identical empty table.
   Goal: ingest ≥ 30% of the floor's rows per second.
2. One exam point's day (10,000 events in 10 chains, as an HQ holds them) synced to a real
   server process on 127.0.0.1 by ``sync_once``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.domain.event import GENESIS  # noqa: E402
from app.server.ingest import event_hash  # noqa: E402

KINDS = ("admitted", "seated", "exit", "return", "extra-sheet", "desk-check", "note", "finished")
# The smallest payload each kind's catalog entry accepts (the server validates payloads at ingest).
PAYLOADS = {"seated": {"seat": "1A"}, "extra-sheet": {"sheet": "1234567890"}, "desk-check": {"verdict": "permitted"},
            "note": {"text": "x"}}


def make_chain(station: str, n: int, day: str = "2026-06-04/01", room: str = "0101") -> list[dict]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        k = KINDS[seq % len(KINDS)]
        d = {"id": str(uuid.uuid4()), "station": station, "seq": seq, "at": f"2026-06-04T05:{(seq // 60) % 60:02d}:{seq % 60:02d}.000000Z",
            "recorded_at": "2026-06-04T05:00:00.000000Z", "tz": "Asia/Yekaterinburg",
            "author": "ORG01", "kind": k, "day": day, "room": room, "participant": f"6600{seq % 15:05d}",
            "payload": dict(PAYLOADS.get(k, {})), "prev_hash": prev}
        d["hash"] = event_hash(d)
        prev = d["hash"]
        out.append(d)
    return out


def city(n_total: int, ppes: int = 30, chains: int = 10) -> dict[str, list[dict]]:
    per = n_total // (ppes * chains)
    return {f"66/{p:04d}": [e for c in range(chains) for e in make_chain(f"room-{p:04d}-{c:02d}", per,
                                                                        room=f"{c + 1:04d}")]
            for p in range(1, ppes + 1)}


def rows_of(data: dict[str, list[dict]]) -> list[tuple]:
    return [(d["id"], ppe, d["station"], d["seq"], d["at"], d["recorded_at"], d["tz"], d["author"], d["kind"],
             d["day"], d["room"], d["participant"], json.dumps(d["payload"], ensure_ascii=False, sort_keys=True),
             d["prev_hash"], d["hash"]) for ppe, evs in data.items() for d in evs]


COLS = "id, ppe, station, seq, at, recorded_at, tz, author, kind, day, room, participant, payload, prev_hash, hash"


def floor(engine, rows: list[tuple], copy: bool = False) -> float:
    """Raw driver bulk insert of prepared rows into a copy of the events table (same indexes).

    SQLite: one executemany in one transaction. PostgreSQL: COPY (``copy=True``) or executemany."""
    is_pg = engine.dialect.name == "postgresql"
    ph = ", ".join(["%s" if is_pg else "?"] * 15)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS floor_events")
        if is_pg:
            conn.exec_driver_sql("CREATE TABLE floor_events (LIKE events INCLUDING ALL)")
        else:
            ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name='events'").scalar()
            conn.exec_driver_sql(ddl.replace("CREATE TABLE events", "CREATE TABLE floor_events")
                                 .replace("uq_srv_events_station_seq", "uq_floor_station_seq"))
            conn.exec_driver_sql("CREATE INDEX ix_floor_ppe_day ON floor_events (ppe, day)")
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        if not is_pg:
            cur.execute("BEGIN")
        if copy:
            with cur.copy(f"COPY floor_events ({COLS}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        else:
            cur.executemany(f"INSERT INTO floor_events ({COLS}) VALUES ({ph})", rows)
        raw.commit() if is_pg else cur.execute("COMMIT")
        dt = time.perf_counter() - t0
    finally:
        raw.close()
    return dt


def ingest_all(engine, data: dict[str, list[dict]], batch: int) -> float:
    from app.server.ingest import ingest

    t0 = time.perf_counter()
    for ppe, evs in data.items():
        for i in range(0, len(evs), batch):
            ingest(engine, ppe, evs[i:i + batch], station="bench")  # ingest never mutates the dicts
    return time.perf_counter() - t0


def bench_backend(name: str, url: str, data, rows, batch: int) -> dict:
    from sqlalchemy import insert

    from app.server import schema as t
    from app.server.db import make_engine, open_server_db

    engine = open_server_db(url)
    with engine.begin() as conn:
        conn.execute(insert(t.ppe), [dict(key=p, region="66", msu="043", code=p[3:], name=p, tz="Asia/Yekaterinburg",
                                          address="", created_at="2026-06-04T00:00:00.000000Z") for p in data])
    is_pg = engine.dialect.name == "postgresql"
    dt_floor = floor(engine, rows, copy=is_pg)
    dt_many = floor(engine, rows, copy=False) if is_pg else dt_floor
    dt_ingest = ingest_all(engine, data, batch)
    n = len(rows)
    # resend everything: all duplicates, nothing stored twice
    t0 = time.perf_counter()
    ingest_all(engine, data, batch)
    dt_dup = time.perf_counter() - t0
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT count(*) FROM events").scalar()
    from app.server import monitoring

    monitoring._cache.clear()
    t0 = time.perf_counter()
    rep = monitoring.report(engine)  # the stored figures (folded at ingest)
    dt_report = time.perf_counter() - t0
    t0 = time.perf_counter()
    monitoring.scratch_report(engine)  # every room projected from its events, as before
    dt_cached = time.perf_counter() - t0
    assert len(rep["ppes"]) == len(data)
    engine.dispose()
    make_engine(url).dispose()
    res = {"backend": name, "events": n, "stored": stored, "floor_rows_s": round(n / dt_floor),
           "ingest_rows_s": round(n / dt_ingest), "ratio": round(dt_floor / dt_ingest, 3),
           "resend_rows_s": round(n / dt_dup), "executemany_rows_s": round(n / dt_many), "floor_s": round(dt_floor, 2), "ingest_s": round(dt_ingest, 2),
           "report_s": round(dt_report, 2), "report_cached_s": round(dt_cached, 3)}
    assert stored == n, res
    return res


def bench_sync(tmp: Path, n: int = 10_000) -> dict:
    from app.services.station import Station
    from app.sync.client import sync_once
    from tests.server.pgtemp import free_port

    hq = Station.create(tmp / "hq.db", role="hq")
    from app.domain.event import Event

    chains = [make_chain(f"room-sync-{c:02d}", n // 10, room=f"{c + 1:04d}") for c in range(10)]
    hq.log.insert_foreign([Event.from_dict(d) for ch in chains for d in ch])
    db = str(tmp / "sync-server.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "app.cli"]
    subprocess.run([*run, "server", "add-ppe", "--db", db, "--region", "66", "--msu", "043", "--ppe", "0412",
                    "--name", "bench"], check=True, cwd=ROOT, env=env, capture_output=True)
    code = json.loads(subprocess.run([*run, "server", "enroll-code", "--db", db, "--ppe", "0412", "--json"],
                                     check=True, cwd=ROOT, env=env, capture_output=True, text=True).stdout)["code"]
    port = free_port()
    proc = subprocess.Popen([*run, "serve", "--db", db, "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        t0 = time.perf_counter()
        res = sync_once(hq, f"http://127.0.0.1:{port}", enroll_code=code, pull=False)
        dt = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)
    assert res.outcome == "accepted" and res.sent == n, res
    return {"events": n, "batches": res.batches, "seconds": round(dt, 2), "events_s": round(n / dt)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="auditoria-bench-"))
    t0 = time.perf_counter()
    data = city(args.events)
    rows = rows_of(data)
    print(f"generated {len(rows)} chained events in {time.perf_counter() - t0:.1f} s (not timed below)")
    results = [bench_backend("sqlite", str(tmp / "server.db"), data, rows, args.batch)]
    if not args.no_postgres:
        from tests.server.pgtemp import pg_bin, start_temp, stop_temp

        if pg_bin() is None:
            print("postgresql: binaries not found, skipped")
        else:
            pg = start_temp(durable=True)  # fsync on: what production gets (off roughly doubles ingest)
            try:
                results.append(bench_backend("postgresql", pg.new_db(), data, rows, args.batch))
            finally:
                stop_temp(pg)
    print(f"\ningest of {len(rows)} verified events (batches of {args.batch}) beside a raw bulk-insert floor:")
    print("floor: SQLite executemany in one transaction; PostgreSQL COPY (its executemany shown apart)")
    print(f"{'backend':<11} {'floor rows/s':>13} {'ingest rows/s':>14} {'of floor':>9} {'resend rows/s':>14}")
    for r in results:
        flag = "ok" if r["ratio"] >= 0.30 else "BELOW GOAL"
        print(f"{r['backend']:<11} {r['floor_rows_s']:>13,} {r['ingest_rows_s']:>14,} {r['ratio']:>8.0%} "
              f"{r['resend_rows_s']:>14,}  {flag} (goal ≥ 30%)"
              + (f"; executemany floor {r['executemany_rows_s']:,} rows/s" if r["backend"] == "postgresql" else ""))
    for r in results:
        print(f"monitoring figures over all {r['events']} events ({r['backend']}): {r['report_s']} s from the "
              f"stored figures; {r['report_cached_s']} s projecting every room from its events")
    s = bench_sync(tmp)
    print(f"\none exam point's day over loopback (sync_once → serve, SQLite): {s['events']} events in "
          f"{s['batches']} batches, {s['seconds']} s = {s['events_s']:,} events/s")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
