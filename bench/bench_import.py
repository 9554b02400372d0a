"""Import of an exam-period list: 20,000 rows over 10 dates and 6 subjects, beside its floor.

The floor, measured in the same run on the same file: ``csv`` parsing plus one ``executemany`` of the
rows into the same participants table of a fresh station database (no checks, no comparison). Goal:
the first import ≤ 5× the floor and ≤ 1 s on a quiet machine; the re-import with no changes too.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.bench_import
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from pathlib import Path

DATES = ["2026-06-01", "2026-06-04", "2026-06-08", "2026-06-11", "2026-06-15", "2026-06-18", "2026-06-19",
         "2026-06-22", "2026-06-23", "2026-06-25"]
SUBJECTS = ["01", "02", "03", "07", "12", "22"]
ROWS = 20_000


def write_list(path: Path) -> Path:
    from app.services.importer import HEADER

    per_date = ROWS // len(DATES)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for d_i, d in enumerate(DATES):
            for i in range(per_date):
                room = f"{i // 25 + 1:04d}"
                seat = f"{(i % 25) // 5 + 1}{'АБВГД'[i % 5]}"
                subject = SUBJECTS[(d_i + i // 500) % len(SUBJECTS)]  # each room one subject, several a date
                w.writerow(["66", "0412", d, subject, room, seat, f"{7_000_000 + d_i * per_date + i}", "Иванова",
                            "Мария", "Петровна", "6505", f"{100000 + i}", "660101", "ovz" if i % 40 == 0 else ""])
    return path


def floor(path: Path, db: Path) -> float:
    """csv parsing + one executemany into the participants table (what any import must at least do)."""
    from app.services.station import Station

    Station.create(db, role="hq").close()
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        r = csv.reader(fh, delimiter=";")
        next(r)
        rows = [(x[2], x[6], x[3], x[4], x[5], x[7], x[8], x[9], x[10], x[11], x[12], x[13] != "") for x in r]
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    with con:
        con.executemany("INSERT INTO participants (day, code, subject_code, room, seat, last_name, first_name, "
                        "middle_name, document_series, document_number, school_code, ovz) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()
    return time.perf_counter() - t0


def ours(path: Path, db: Path) -> tuple[float, float, int]:
    from app.services.importer import import_list
    from app.services.station import Station

    st = Station.create(db, role="hq")
    t0 = time.perf_counter()
    res = import_list(st, path)
    first = time.perf_counter() - t0
    assert res.rows == ROWS and len(res.days) == len(DATES)
    t0 = time.perf_counter()
    assert import_list(st, path).unchanged
    again = time.perf_counter() - t0
    n = len(st.days())
    st.close()
    return first, again, n


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = write_list(tmp / "period.csv")
        floors, firsts, agains = [], [], []
        for i in range(3):  # alternate, so both see the same load; best of three
            floors.append(floor(path, tmp / f"floor{i}.db"))
            first, again, n = ours(path, tmp / f"ours{i}.db")
            firsts.append(first)
            agains.append(again)
        f, o, a = min(floors), min(firsts), min(agains)
        print(f"import of a {ROWS:,}-row period list ({len(DATES)} dates, {len(SUBJECTS)} subjects, {n} dates held)")
        print(f"  floor  csv + one executemany        {f:6.3f} s")
        print(f"  ours   import_list (checks, all-or-nothing)  {o:6.3f} s   {o / f:5.2f}× the floor (goal ≤ 5×, ≤ 1 s)")
        print(f"  ours   re-import, no changes        {a:6.3f} s   {a / f:5.2f}× the floor")


if __name__ == "__main__":
    main()
