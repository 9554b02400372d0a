"""Season benchmark of the municipal server: figures that stay fast while a whole season is ingested.

    .venv/bin/python -m bench.bench_season [--scale 1.0] [--ppes 30] [--dates 10] [--no-verify]

A season: 30 exam points × 10 exam dates × 300,000 events per date (3 M events) at ``--scale 1``: per
exam point and date 20 rooms of 25 participants, each room a station of its own with ~500 events in live
order (admission, start, exits and returns, extra sheets, desk checks, notes, hand-in, closing), one
mark per exam point and date stated 30 minutes late (a desk check: with ``--split`` 2 or more it arrives
after marks it precedes, and is applied where it is) and one void from HQ (of an extra sheet: taken out of
the stored room state). ``--scale`` scales the rooms per exam point and date (0.05 = one room).

On a durable PostgreSQL (fsync, synchronous_commit, full_page_writes on; tests.server.pgtemp):

1. Floors, measured first in the same run on the first date's rows: COPY of them in one transaction
   into a copy of the events table, and COPY of the same batches each committed on its own; each the
   median of three measurements, the two alternating (one measurement is noisy on a shared machine).
2. Ingest: the dates one after another, the 30 exam points' HQs interleaved batch by batch (2,000
   events, the sync client's batch), through ``app.server.ingest.ingest`` — every check, the events and the
   stored figures in one transaction per batch. Goal: ≥ 30% of the COPY floor's rows per second.
3. Meanwhile a separate process signed in as an official loads monitoring pages from a real
   ``auditoria serve`` over the same database, round robin, and reports p50/p95 per page.
   Goal: every page p95 ≤ 300 ms.
4. ``--verify``: the stored figures equal the from-scratch projection (one date, one exam point) and a
   rebuild from the log changes no stored row.

A full season takes a long time to ingest on a shared machine, so the two halves can be run apart:

- ``--pg-dir DIR --build-only``: a durable cluster kept in DIR (made when missing), the season ingested
  once without the page prober (the floors and the ingest rate are still printed);
- ``--pg-dir DIR --pages-only``: against that kept season, the pages are loaded while a lighter ingest
  runs beside them: one more exam date for every exam point, batch by batch, at most ``--pace`` events/s
  (default 5,000, about the season ingest's own rate), for at least ``--seconds``. The report says so.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.domain.event import GENESIS, utc_iso  # noqa: E402
from app.server.ingest import event_hash  # noqa: E402

TZ = "Asia/Yekaterinburg"
UTC_OFFSET_H = 5
ROOMS_FULL = 20
PEOPLE = 25
BATCH = 2000
PASSWORD = "season bench password"


def season_days(n: int) -> list[str]:
    """(date, subject) keys of the main period from the year's schedule, one subject per date."""
    sched = json.loads((ROOT / "resources/reference/2026/schedule.json").read_text(encoding="utf-8"))
    main = [d for d in sched["dates"] if d["kind"] in ("main", "reserve")]
    keys = [f"{d['date']}/{d['subjects'][0]}" for d in main]
    return keys[:n]


def spare_days(season: list[str]) -> list[str]:
    """Other dates of the year (any kind), each with its first subject: the lighter ingest beside a
    ``--pages-only`` run takes one that the kept season does not hold yet."""
    sched = json.loads((ROOT / "resources/reference/2026/schedule.json").read_text(encoding="utf-8"))
    taken = {k[:10] for k in season}
    return [f"{d['date']}/{d['subjects'][0]}" for d in sched["dates"] if d["date"] not in taken]


def ppe_key(i: int) -> str:
    return f"66/{i + 1:04d}"


def plan_body(key: str, pi: int, di: int, rooms: int) -> dict:
    return {"day": key,
            "rooms": [{"number": f"{r + 1:04d}", "rows": 5, "seats_per_row": 5, "name": ""} for r in range(rooms)],
            "participants": [{"code": code(pi, di, r, i), "room": f"{r + 1:04d}", "seat": f"{i // 5 + 1}{'ABCDE'[i % 5]}",
                              "school_code": f"{pi + 1:03d}{(r * PEOPLE + i) % 10:03d}", "ovz": i == 0}
                             for r in range(rooms) for i in range(PEOPLE)]}


def code(pi: int, di: int, r: int, i: int) -> str:
    return f"{pi + 1:03d}{di:02d}{r:02d}{i:03d}"


def _room_marks(rnd: random.Random, pi: int, di: int, r: int, retro: bool) -> list[tuple[int, str, str | None, dict]]:
    """(seconds after local midnight, kind, participant, payload) of one room's day, in recording order."""
    people = [code(pi, di, r, i) for i in range(PEOPLE)]
    out: list[tuple[int, str, str | None, dict]] = [(8 * 3600 + 45 * 60, "room-opened", None,
                                                     {"organizers": ["ORG01", "ORG02"]})]
    absent = set(people[-2:])
    t = 9 * 3600 + 10 * 60
    for p in people:
        if p in absent:
            continue
        out.append((t, "admitted", p, {}))
        out.append((t, "seated", p, {"seat": "1A"}))
        t += 45
    out += [(9 * 3600 + 40 * 60, "absent", p, {}) for p in sorted(absent)]
    out += [(9 * 3600 + 50 * 60, "instruction-given", None, {}), (10 * 3600, "exam-start", None, {})]
    t = 10 * 3600 + 60
    present = [p for p in people if p not in absent]
    out_now: dict[str, int] = {}
    sheet = 0
    while len(out) < 470:
        t += rnd.randint(10, 40)
        x = rnd.random()
        if out_now and (x < 0.3 or len(out_now) > 2):
            p = rnd.choice(sorted(out_now))
            del out_now[p]
            out.append((t, "return", p, {}))
        elif x < 0.55:
            p = rnd.choice([q for q in present if q not in out_now])
            out_now[p] = t
            out.append((t, "exit", p, {"accompanied_by": "OUT01"}))
        elif x < 0.7:
            sheet += 1
            out.append((t, "extra-sheet", rnd.choice(present), {"sheet": f"{pi:02d}{di:02d}{r:02d}{sheet:04d}"}))
        elif x < 0.9:
            out.append((t, "desk-check", rnd.choice(present), {"verdict": "permitted"}))
        else:
            out.append((t, "note", None, {"text": "x"}))
        if retro and len(out) == 300:  # told late: stated half an hour before what is already folded
            out.append((t - 1800, "desk-check", rnd.choice(present), {"verdict": "permitted"}))
    t = max(t, 13 * 3600)
    for p in sorted(out_now):
        out.append((t, "return", p, {}))
        t += 5
    for p in present:
        t += 5
        out.append((t, "finished", p, {}))
    out += [(t + 300, "materials-collected", None, {"blanks": len(present), "extra_sheets": sheet}),
            (t + 600, "room-closed", None, {})]
    return out


def _chain(station: str, key: str, marks, base: datetime) -> list[dict]:
    out, prev, rec = [], GENESIS, 0
    date = key[:10]
    for seq, (sec, kind, p, payload) in enumerate(marks, start=1):
        rec = max(rec, sec)
        d = {"id": str(uuid.uuid4()), "station": station, "seq": seq, "at": utc_iso(base + timedelta(seconds=sec)),
             "recorded_at": utc_iso(base + timedelta(seconds=rec)), "tz": TZ, "author": "ORG01", "kind": kind,
             "day": date, "room": station[-4:], "participant": p, "payload": payload, "prev_hash": prev}
        d["hash"] = event_hash(d)
        prev = d["hash"]
        out.append(d)
    return out


def ppe_date_batches(pi: int, di: int, key: str, rooms: int, split: int = 0) -> list[list[dict]]:
    """One exam point's date as its HQ delivers it: the rooms' chains merged in recording order, in
    batches of ``BATCH``; the HQ's void of one extra sheet last."""
    rnd = random.Random(pi * 1000 + di)
    y, m, d = map(int, key[:10].split("-"))
    base = datetime(y, m, d, tzinfo=UTC) - timedelta(hours=UTC_OFFSET_H)
    chains = [_chain(f"rm{pi + 1:04d}{di:02d}-{r + 1:04d}", key, _room_marks(rnd, pi, di, r, retro=r == 0), base)
              for r in range(rooms)]
    if split:  # as the sync client sends: one station's new events per batch, at each sync round
        batches = []
        for rnd_i in range(split):
            for ch in chains:
                n = -(-len(ch) // split)
                if ch[rnd_i * n:(rnd_i + 1) * n]:
                    batches.append(ch[rnd_i * n:(rnd_i + 1) * n])
    else:
        merged = list(heapq.merge(*chains, key=lambda e: e["recorded_at"]))
        batches = [merged[i:i + BATCH] for i in range(0, len(merged), BATCH)]
    target = next(e for e in chains[-1] if e["kind"] == "extra-sheet")
    hq = [{"id": str(uuid.uuid4()), "station": f"hq{pi + 1:04d}", "seq": di + 1, "at": utc_iso(base + timedelta(hours=14)),
           "recorded_at": utc_iso(base + timedelta(hours=14)), "tz": TZ, "author": "HQ01", "kind": "void",
           "day": key[:10], "room": target["room"], "participant": target["participant"],
           "payload": {"target": target["id"], "reason": "wrong participant"}, "prev_hash": _hq_prev(pi, di)}]
    hq[0]["hash"] = event_hash(hq[0])
    _HQ_HEADS[pi] = hq[0]["hash"]
    batches.append(hq)
    return batches


_HQ_HEADS: dict[int, str] = {}


def _hq_prev(pi: int, di: int) -> str:
    return _HQ_HEADS.get(pi, GENESIS) if di else GENESIS


def rows_of(ppe: str, batch: list[dict]) -> list[tuple]:
    return [(d["id"], ppe, d["station"], d["seq"], d["at"], d["recorded_at"], d["tz"], d["author"], d["kind"],
             d["day"], d["room"], d["participant"], json.dumps(d["payload"], ensure_ascii=False, sort_keys=True),
             d["prev_hash"], d["hash"]) for d in batch]


COLS = "id, ppe, station, seq, at, recorded_at, tz, author, kind, day, room, participant, payload, prev_hash, hash"


FLOOR_ROUNDS = 3


def floors(engine, batches: list[list[tuple]], rounds: int = FLOOR_ROUNDS) -> tuple[float, float, str]:
    """rows/s of COPY into a copy of the events table: all rows in one transaction; then batch by batch.

    Each floor is measured ``rounds`` times, the two kinds alternating, and the median is taken: one
    COPY of a date's rows lasts under a second here, and single measurements of it ranged 91–167k rows/s
    on this shared machine (a lucky one made the goal harder, an unlucky one easier). Returns both medians
    and the measurements as text."""
    rows = [r for b in batches for r in b]
    got: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for one in (True, False):
            got[one].append(_copy_floor(engine, [rows] if one else batches, len(rows)))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE floor_events")
    spread = "; ".join(f"{name} {', '.join(f'{x / 1000:,.0f}k' for x in got[one])}"
                       for name, one in (("one transaction", True), ("per batch", False)))
    return statistics.median(got[True]), statistics.median(got[False]), spread


def _copy_floor(engine, batches: list[list[tuple]], n: int) -> float:
    """One measurement: the batches COPYed into an empty copy of the events table, each committed."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS floor_events")
        conn.exec_driver_sql("CREATE TABLE floor_events (LIKE events INCLUDING ALL)")
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        for b in batches:
            with cur.copy(f"COPY floor_events ({COLS}) FROM STDIN") as cp:
                for r in b:
                    cp.write_row(r)
            raw.commit()
        return n / (time.perf_counter() - t0)
    finally:
        raw.close()


# --- the page prober (a process of its own, so ingest's GIL never delays its clock) -----------------------
def pages(keys: list[str], ppes: int) -> list[str]:
    p1 = ppe_key(0).replace("/", "%2F")
    d = keys[0][:10]
    # /healthz first: the floor of an answer from this server under the same load (no database, no page)
    return ["/healthz", "/monitoring", f"/monitoring?day={d}", f"/monitoring?ppe={p1}", f"/monitoring?day={keys[0]}&ppe={p1}",
            "/monitoring?school=001003", f"/monitoring?date_from={d}&date_to={keys[-1][:10]}&subject={keys[0][11:]}",
            "/api/v1/monitoring", f"/api/v1/monitoring?day={d}", "/monitoring.csv", "/monitoring.xlsx",
            f"/monitoring/events?day={keys[0]}&ppe={p1}&metric=exits&room=0001",
            f"/monitoring/events?day={keys[0]}&ppe={p1}&metric=removed",
            "/monitoring?schools_sort=present&schools_desc=1&ppes_page=4", "/admin"]


def probe(url: str, out: Path, stop: Path, urls: list[str]) -> int:
    import httpx

    c = httpx.Client(base_url=url, timeout=120)
    form = c.get("/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = c.post("/login", data={"csrf": csrf, "username": "bench", "password": PASSWORD, "next": "/monitoring"})
    assert r.status_code == 303, r.text
    times: dict[str, list[float]] = {u: [] for u in urls}
    bad: list[str] = []
    while not stop.exists():
        for u in urls:
            t0 = time.perf_counter()
            r = c.get(u)
            times[u].append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                bad.append(f"{u}: {r.status_code}")
            time.sleep(0.05)
    out.write_text(json.dumps({"times": times, "bad": bad[:20]}))
    return 0


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="rooms per exam point and date: 20 × scale")
    ap.add_argument("--ppes", type=int, default=30)
    ap.add_argument("--dates", type=int, default=10)
    ap.add_argument("--split", type=int, default=1,
                    help="sync rounds per date: each room station's chain arrives in this many batches (the sync "
                         "client sends one station per batch); 0: the rooms merged in live order, 2,000 a batch")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--profile", metavar="FILE", help="profile the ingest calls (cProfile) into FILE and print the "
                                                      "functions that took most of their time")
    ap.add_argument("--db", help="an existing empty PostgreSQL database instead of a temporary durable cluster")
    ap.add_argument("--pg-dir", help="keep the durable cluster in this folder (made when missing, reused after)")
    ap.add_argument("--build-only", action="store_true", help="ingest the season into --pg-dir, no page prober")
    ap.add_argument("--pages-only", action="store_true",
                    help="load the pages of the season kept in --pg-dir under a lighter ingest of one more date")
    ap.add_argument("--pace", type=float, default=5000, help="--pages-only: at most this many events/s ingested")
    ap.add_argument("--seconds", type=float, default=120, help="--pages-only: probe at least this long")
    ap.add_argument("--probe", nargs=3, metavar=("URL", "OUT", "STOP"), help=argparse.SUPPRESS)
    ap.add_argument("--urls", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        return probe(args.probe[0], Path(args.probe[1]), Path(args.probe[2]), json.loads(args.urls))
    rooms = max(1, round(ROOMS_FULL * args.scale))
    keys = season_days(args.dates)
    pg = None
    url = args.db
    if (args.build_only or args.pages_only) and not args.pg_dir:
        ap.error("--build-only and --pages-only need --pg-dir")
    if args.pg_dir:
        pg, url = kept_cluster(Path(args.pg_dir))
    elif url is None:
        from tests.server.pgtemp import start_temp

        pg = start_temp(durable=True)
        url = pg.new_db()
    tmp = Path(tempfile.mkdtemp(prefix="auditoria-season-"))
    try:
        return _run(args, url, keys, rooms, tmp)
    finally:
        if pg is not None and args.pg_dir:
            pg.stop()  # the data stays in --pg-dir for the next run
        elif pg is not None:
            from tests.server.pgtemp import stop_temp

            stop_temp(pg)


def kept_cluster(base: Path):
    """A durable cluster whose data stays in ``base``: made (initdb, one database) the first time,
    started again on the same files after."""
    from tests.server.pgtemp import PgServer, _as_postgres, free_port

    base = base.resolve()
    server = PgServer(base / "pg", durable=True)
    if not (server.dir / "PG_VERSION").exists():
        base.mkdir(parents=True, exist_ok=True)
        os.chmod(base, 0o755)
        server.start()
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres",
                             autocommit=True) as c:
            c.execute("CREATE DATABASE season")
        return server, server.url("season")
    server.port = free_port()
    opts = f"-p {server.port} -k {server.sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
    _as_postgres([str(server.bin / "pg_ctl"), "-D", str(server.dir), "-o", opts, "-w", "-l",
                  str(base / "pg" / "pg.log"), "start"])
    return server, server.url("season")


def _run(args, url: str, keys: list[str], rooms: int, tmp: Path) -> int:
    from sqlalchemy import insert

    from app.server import schema as t
    from app.server.db import open_server_db

    engine = open_server_db(url)
    with engine.connect() as conn:
        settings = {k: conn.exec_driver_sql(f"SHOW {k}").scalar() for k in ("fsync", "synchronous_commit",
                                                                             "full_page_writes")}
    print(f"PostgreSQL {settings} (durable: every commit is flushed)")
    if args.pages_only:
        return _serve(args, engine, url, keys, rooms, tmp, None, 0.0, 0.0)
    with engine.begin() as conn:
        conn.execute(insert(t.ppe), [dict(key=ppe_key(i), region="66", msu="043", code=ppe_key(i)[3:],
                                          name=f"ППЭ {i + 1}", tz=TZ, address="",
                                          created_at="2026-05-01T00:00:00.000000Z") for i in range(args.ppes)])
    t0 = time.perf_counter()
    first = {pi: ppe_date_batches(pi, 0, keys[0], rooms, args.split) for pi in range(args.ppes)}
    per_date = sum(len(b) for bs in first.values() for b in bs)
    print(f"season: {args.ppes} exam points × {len(keys)} dates × {per_date:,} events per date "
          f"({rooms} rooms × {PEOPLE} participants per exam point and date) = {per_date * len(keys):,} events; "
          f"first date generated in {time.perf_counter() - t0:.1f} s (not timed)")
    floor_rows = [rows_of(ppe_key(pi), b) for pi, bs in first.items() for b in bs]
    copy_one, copy_batches, spread = floors(engine, floor_rows)
    floor_batches = floor_rows
    del floor_rows
    print(f"floors (durable, {per_date:,} rows of the first date, median of {FLOOR_ROUNDS}): COPY in one transaction "
          f"{copy_one:,.0f} rows/s; COPY of the same {len(floor_batches)} batches ingest gets, each committed "
          f"{copy_batches:,.0f} rows/s (rows/s measured: {spread})")
    if args.build_only:
        return _season(args, engine, url, keys, rooms, tmp, None, None, first, copy_one, copy_batches)
    return _serve(args, engine, url, keys, rooms, tmp, first, copy_one, copy_batches)


def _serve(args, engine, url, keys, rooms, tmp, first, copy_one, copy_batches) -> int:
    """A real ``auditoria serve`` over the database, an official's account, then the run with pages."""
    # the server the official reads, and the prober
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUDITORIA_LANG": "ru"}
    pw = tmp / "pw.txt"
    pw.write_text(PASSWORD + "\n")
    subprocess.run([sys.executable, "-m", "app.cli", "server", "add-user", "--db", url, "--username", "bench",
                    "--role", "admin", "--password-file", str(pw), "--replace"], check=True, cwd=ROOT, env=env,
                   capture_output=True)
    from tests.server.pgtemp import free_port

    port = free_port()
    log = open(tmp / "serve.log", "w")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--db", url, "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        if args.pages_only:
            return _pages_only(args, engine, keys, rooms, tmp, port, env)
        return _season(args, engine, url, keys, rooms, tmp, port, env, first, copy_one, copy_batches)
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def _season(args, engine, url, keys, rooms, tmp, port, env, first, copy_one, copy_batches) -> int:
    from app.server.ingest import ingest
    from app.server.plans import push_plan

    stop, out = tmp / "stop", tmp / "probe.json"
    urls = pages(keys, args.ppes)
    prober = None
    ingest_s = ingest_cpu = 0.0
    n = 0
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
    try:
        for di, key in enumerate(keys):
            data = first if di == 0 else {pi: ppe_date_batches(pi, di, key, rooms, args.split) for pi in range(args.ppes)}
            for pi in range(args.ppes):
                push_plan(engine, ppe_key(pi), plan_body(key, pi, di, rooms))
            if prober is None and port is not None:  # pages are loaded from the first batch on
                prober = subprocess.Popen([sys.executable, "-m", "bench.bench_season", "--probe",
                                           f"http://127.0.0.1:{port}", str(out), str(stop), "--urls",
                                           json.dumps(urls)], cwd=ROOT, env=env)
            depth = max(len(bs) for bs in data.values())
            t_date = time.perf_counter()
            for k in range(depth):
                for pi in range(args.ppes):
                    if k < len(data[pi]):
                        b = data[pi][k]
                        t1, c1 = time.perf_counter(), time.thread_time()
                        if prof is not None:
                            prof.enable()
                        ingest(engine, ppe_key(pi), b, station="bench")
                        if prof is not None:
                            prof.disable()
                        ingest_s += time.perf_counter() - t1
                        ingest_cpu += time.thread_time() - c1
                        n += len(b)
            print(f"  {key}: {n:,} events stored, ingest {n / ingest_s:,.0f} events/s so far "
                  f"(date took {time.perf_counter() - t_date:.1f} s)", flush=True)
            del data
            first = None
        # the floors again, now that the page server and the prober load the machine as they loaded ingest
        again = [rows_of(ppe_key(pi), b) for pi in range(args.ppes)
                 for b in ppe_date_batches(pi, 0, keys[0], rooms, args.split)]
        loaded_one, loaded_batches, loaded_spread = floors(engine, again)
        del again
    finally:
        stop.touch()
        if prober is not None:
            prober.wait(300)
    if prof is not None:
        import pstats

        prof.dump_stats(args.profile)
        print(f"profile of ingest (cProfile, inflates Python time) in {args.profile}; cumulative, top 25:")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    rate = n / ingest_s
    print(f"\ningest: {n:,} events in {ingest_s:.1f} s = {rate:,.0f} events/s = {rate / copy_one:.0%} of the "
          f"one-transaction COPY floor, {rate / copy_batches:.0%} of the per-batch COPY floor "
          f"({'ok' if rate >= 0.3 * copy_one else 'BELOW GOAL'}: goal ≥ 30% of the COPY floor)")
    print(f"  of those {ingest_s:.1f} s, this process computed {ingest_cpu:.1f} s ({ingest_cpu / ingest_s:.0%}; the rest "
          f"it waited for PostgreSQL)")
    print(f"  the floors measured again after ingest, with the page server and prober running as during ingest: "
          f"{loaded_one:,.0f} and {loaded_batches:,.0f} rows/s; ingest = {rate / loaded_one:.0%} and "
          f"{rate / loaded_batches:.0%} of them ({loaded_spread})")
    if prober is None:
        print("(--build-only: no pages loaded, so the floors again ran without them; run --pages-only on the "
              "same --pg-dir)")
        return 0
    _print_pages(json.loads(out.read_text()))
    if not args.no_verify:
        _verify(engine, keys)
    return 0


def _pages_only(args, engine, keys, rooms, tmp, port, env) -> int:
    """The kept season's pages, under a lighter ingest of one more date (paced, HQ void left out)."""
    from sqlalchemy import func, select

    from app.server import schema as t
    from app.server.ingest import ingest
    from app.server.plans import push_plan

    with engine.connect() as conn:
        held = {r[0] for r in conn.execute(select(t.days.c.key).distinct())}
        events = conn.execute(select(func.count()).select_from(t.events)).scalar()
    spare = [k for k in spare_days(keys) if k not in held]
    if not events:
        print(f"no season in {args.pg_dir}: run --build-only first")
        return 1
    if not spare:
        print("no spare date left for the lighter ingest")
        return 1
    key = spare[0]
    di = len(held)
    print(f"kept season: {events:,} events, {len(held)} date keys; lighter ingest beside the pages: date {key} for "
          f"{args.ppes} exam points, at most {args.pace:,.0f} events/s, pages for at least {args.seconds:.0f} s")
    for pi in range(args.ppes):
        push_plan(engine, ppe_key(pi), plan_body(key, pi, di, rooms))
    data = {pi: ppe_date_batches(pi, di, key, rooms, args.split)[:-1] for pi in range(args.ppes)}
    stop, out = tmp / "stop", tmp / "probe.json"
    urls = pages(keys, args.ppes)
    prober = subprocess.Popen([sys.executable, "-m", "bench.bench_season", "--probe", f"http://127.0.0.1:{port}",
                               str(out), str(stop), "--urls", json.dumps(urls)], cwd=ROOT, env=env)
    n, ingest_s, t0 = 0, 0.0, time.perf_counter()
    try:
        depth = max(len(bs) for bs in data.values())
        for k in range(depth):
            for pi in range(args.ppes):
                if k < len(data[pi]):
                    b = data[pi][k]
                    t1 = time.perf_counter()
                    ingest(engine, ppe_key(pi), b, station="bench")
                    ingest_s += time.perf_counter() - t1
                    n += len(b)
                    ahead = n / args.pace - (time.perf_counter() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
        busy = time.perf_counter() - t0
        while time.perf_counter() - t0 < args.seconds:
            time.sleep(1)
    finally:
        stop.touch()
        prober.wait(300)
    print(f"lighter ingest: {n:,} events in {busy:.1f} s ({n / busy:,.0f} events/s; {n / ingest_s:,.0f} events/s "
          f"while ingesting), then pages alone until {time.perf_counter() - t0:.0f} s")
    _print_pages(json.loads(out.read_text()))
    return 0


def _print_pages(res: dict) -> None:
    print(f"pages under ingest (a separate process, {sum(len(v) for v in res['times'].values())} loads):")
    print(f"{'page':<78} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for u, xs in res["times"].items():
        p95 = _pct(xs, 0.95)
        if u != "/healthz":
            worst = max(worst, p95)
        print(f"{u:<78} {len(xs):>4} {statistics.median(xs) if xs else float('nan'):>8.0f} {p95:>8.0f}")
    print(f"worst p95 {worst:.0f} ms ({'ok' if worst <= 300 else 'BELOW GOAL'}: goal ≤ 300 ms)"
          + (f"; non-200 answers: {res['bad']}" if res["bad"] else ""))


def _verify(engine, keys: list[str]) -> None:
    from app.server.figures import rebuild, stored_figures
    from app.server.monitoring import report, scratch_report

    t0 = time.perf_counter()
    for f in ({"day": keys[0][:10]}, {"ppe": ppe_key(0)}):
        a, b = report(engine, **f), scratch_report(engine, **f)
        same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
        print(f"stored figures {'==' if same else '!='} from-scratch projection for {f}")
    print(f"  (compared in {time.perf_counter() - t0:.1f} s)")
    before = stored_figures(engine)
    t0 = time.perf_counter()
    days = rebuild(engine)
    dt = time.perf_counter() - t0
    after = stored_figures(engine)
    changed = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    print(f"rebuild-figures: {days} exam-point days from the log in {dt:.1f} s; {len(changed)} of {len(after)} "
          f"stored rows changed")


if __name__ == "__main__":
    sys.exit(main())
