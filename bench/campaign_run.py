"""The command line every bounded campaign shares: ``--cases`` and ``--seed``, a data folder of its own
(``AUDITORIA_HOME``) removed afterwards, and one line of counts with the time, then a few examples."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def run(doc: str, campaign: Callable[[int, int], object], cases: int, prefix: str, examples: int = 10) -> None:
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--cases", type=int, default=cases)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    os.environ.setdefault("AUDITORIA_HOME", tempfile.mkdtemp(prefix=f"{prefix}-home-"))
    t0 = time.monotonic()
    c = campaign(args.cases, args.seed)
    print(c.line() + f"  [{time.monotonic() - t0:.0f} s]")
    for ex in getattr(c, "examples", [])[:examples]:
        print("  " + ex)
    shutil.rmtree(os.environ["AUDITORIA_HOME"], ignore_errors=True)


def tables_digest(db: Path, tables: Iterable[str]) -> str:
    """A digest of every row of ``tables``, read without writing (``mode=ro``): a case that should have changed
    nothing must leave it equal."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for t in tables:
            for row in con.execute(f"SELECT * FROM {t} ORDER BY 1"):  # noqa: S608 - fixed table names
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        con.close()


def row_count(db: Path, table: str) -> int:
    """How many rows ``table`` holds, read without writing."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed table names
    finally:
        con.close()
