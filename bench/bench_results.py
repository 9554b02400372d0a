"""Results at the municipal server: a season of results lists, imported and reported, beside floors.

30 exam points × 10 dates × 3 years ≈ 270,000 results (300 per exam point and date). Import goes
through ``import_results`` (every row checked, all or nothing) beside a floor measured in the same run on
the same rows: one ``executemany`` into the same table (SQLite; on PostgreSQL give ``--pg URL`` and the
floor is a COPY). Then the indicators of one year (``results_report``, what /results shows), timed 20 times:
p50 and p95 (goal p95 ≤ 300 ms).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.bench_results [--rows-per-cell 300]
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


def floor(files: list[Path], db: Path) -> float:
    import sqlite3

    from app.server.db import open_server_db

    open_server_db(db).dispose()
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    for f in files:
        with f.open(encoding="utf-8") as fh:
            next(fh)
            rows = [(0, x[1], x[2], x[0], int(x[1][:4]), x[3], int(x[4]), int(x[5]), None, "x", "list")
                    for x in (line.rstrip("\n").split(";") for line in fh)]
        with con:
            con.executemany("INSERT INTO results (practice, exam_date, subject_code, participant_code, year, "
                            "school_code, primary_score, test_score, passed, imported_at, source) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows-per-cell", type=int, default=300)
    args = ap.parse_args()
    from app.server.db import open_server_db
    from app.server.results_figures import results_report
    from app.server.results_import import import_results

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = write_lists(tmp, args.rows_per_cell)
        total = sum(1 for f in files for _ in f.open(encoding="utf-8")) - len(files)
        f_s = floor(files, tmp / "floor.db")
        engine = open_server_db(tmp / "ours.db")
        t0 = time.perf_counter()
        for f in files:
            import_results(engine, f)
        ours = time.perf_counter() - t0
        print(f"results: {total:,} rows ({PPES} exam points × {len(DATES)} dates × {len(YEARS)} years)")
        print(f"  floor  one executemany per file      {f_s:6.2f} s")
        print(f"  ours   import_results (checked)      {ours:6.2f} s   {ours / f_s:5.2f}× the floor")
        times = []
        for i in range(20):
            t0 = time.perf_counter()
            results_report(engine, 2026, subject=SUBJECTS[i % len(SUBJECTS)] if i % 2 else None)
            times.append(time.perf_counter() - t0)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"  results_report of a year: p50 {statistics.median(times) * 1e3:6.0f} ms   "
              f"p95 {p95 * 1e3:6.0f} ms   (goal p95 ≤ 300 ms)")
        engine.dispose()


if __name__ == "__main__":
    main()
