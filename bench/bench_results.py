"""Results at the municipal server: a season of results lists, imported and reported, beside floors.

30 exam points × 10 dates × 3 years ≈ 270,000 results (300 per exam point and date). Import goes
through ``import_results`` (every row checked, all or nothing, the stored cells folded in the same
transaction) beside a floor measured in the same run on the same rows: on SQLite one ``executemany``
per file (WAL, synchronous=FULL); with ``--pg`` a throwaway durable PostgreSQL on 127.0.0.1 (fsync,
synchronous commit and full-page writes on) where the floor is one COPY per file into the same table.
Then the indicators of one year (``results_report``, what /results shows), timed 20 times: p50 and p95
(goal p95 ≤ 300 ms).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.bench_results [--rows-per-cell 300] [--pg]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

DATES = ["06-01", "06-04", "06-08", "06-11", "06-15", "06-18", "06-19", "06-22", "06-23", "06-25"]
SUBJECTS = ["07", "01", "02", "12", "06", "25", "25", "08", "01", "02"]
YEARS = (2024, 2025, 2026)
PPES = 30


def write_lists(folder: Path, per_cell: int) -> list[Path]:
    files = []
    rnd = random.Random(2026)
    for year in YEARS:
        path = folder / f"results-{year}.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("participant_code;exam_date;subject_code;school_code;primary_score;test_score\n")
            for ppe in range(PPES):
                for d, s in zip(DATES, SUBJECTS, strict=True):
                    for i in range(per_cell):
                        score = min(100, max(0, int(rnd.gauss(60, 15))))
                        fh.write(f"{ppe:02d}{i:05d};{year}-{d};{s};{660000 + ppe * 3 + i % 3};{score // 2};{score}\n")
        files.append(path)
    return files


def _rows(f: Path):
    with f.open(encoding="utf-8") as fh:
        next(fh)
        return [(False, x[1], x[2], x[0], int(x[1][:4]), x[3], int(x[4]), int(x[5]), None, "x", "list")
                for x in (line.rstrip("\n").split(";") for line in fh)]


COLUMNS = ("practice, exam_date, subject_code, participant_code, year, school_code, primary_score, test_score, "
           "passed, imported_at, source")


def floor_sqlite(files: list[Path], db: Path) -> float:
    import sqlite3

    from app.server.db import open_server_db

    open_server_db(db).dispose()
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    for f in files:
        rows = _rows(f)
        with con:
            con.executemany(f"INSERT INTO results ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()
    return time.perf_counter() - t0


def floor_copy(files: list[Path], url: str) -> float:
    """One COPY per file into the results table of a fresh database (one transaction per file)."""
    import psycopg

    from app.server.db import open_server_db

    open_server_db(url).dispose()
    t0 = time.perf_counter()
    with psycopg.connect(url.replace("postgresql://", "postgresql://", 1)) as con:
        for f in files:
            rows = _rows(f)
            with con.transaction(), con.cursor().copy(f"COPY results ({COLUMNS}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
    return time.perf_counter() - t0


def measure(engine, files: list[Path], floor_s: float, floor_name: str, total: int) -> None:
    from app.server.results_figures import results_report
    from app.server.results_import import import_results

    t0 = time.perf_counter()
    for f in files:
        import_results(engine, f)
    ours = time.perf_counter() - t0
    print(f"results on {engine.dialect.name}: {total:,} rows ({PPES} exam points × {len(DATES)} dates × "
          f"{len(YEARS)} years)")
    print(f"  floor  {floor_name:32s} {floor_s:6.2f} s   {total / floor_s:9,.0f} rows/s")
    print(f"  ours   import_results (checked)   {ours:6.2f} s   {total / ours:9,.0f} rows/s   "
          f"{floor_s / ours:6.1%} of the floor's rate")
    times = []
    for i in range(20):
        t0 = time.perf_counter()
        results_report(engine, 2026, subject=SUBJECTS[i % len(SUBJECTS)] if i % 2 else None)
        times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"  results_report of a year: p50 {statistics.median(times) * 1e3:6.0f} ms   "
          f"p95 {p95 * 1e3:6.0f} ms   (goal p95 ≤ 300 ms)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows-per-cell", type=int, default=300)
    ap.add_argument("--pg", action="store_true", help="also on a throwaway durable PostgreSQL (COPY floor)")
    args = ap.parse_args()
    from app.server.db import open_server_db

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = write_lists(tmp, args.rows_per_cell)
        total = sum(1 for f in files for _ in f.open(encoding="utf-8")) - len(files)
        f_s = floor_sqlite(files, tmp / "floor.db")
        engine = open_server_db(tmp / "ours.db")
        measure(engine, files, f_s, "one executemany per file", total)
        engine.dispose()
        if args.pg:
            from tests.server.pgtemp import start_temp, stop_temp

            pg = start_temp(durable=True)
            try:
                f_pg = floor_copy(files, pg.new_db())
                engine = open_server_db(pg.new_db())
                measure(engine, files, f_pg, "one COPY per file (fsync on)", total)
                engine.dispose()
            finally:
                stop_temp(pg)


if __name__ == "__main__":
    main()
