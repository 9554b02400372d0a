"""PDF reports of the server painted in a child process.

Qt (QPdfWriter, QTextDocument) wants its QGuiApplication on a process's main thread; a uvicorn worker
serves requests on an event loop and a thread pool. So a report asked for on a page is painted by
``python -m app.server.pdf_job KIND ...`` — the database address goes in the environment (never on a
command line another user could read in ``ps``), the file comes back through a private temporary folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_S = 180


def run_job(db: str, args: list[str]) -> bytes:
    """Paint one report in a child process; its bytes, or a Rejected naming what went wrong."""
    from app.server.ingest import Rejected

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="auditoria-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        env = {**os.environ, "AUDITORIA_SERVER_DB": db, "QT_QPA_PLATFORM": "offscreen"}
        try:
            res = subprocess.run([sys.executable, "-m", "app.server.pdf_job", *args, "-o", str(out)], cwd=root,
                                 env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise Rejected(503, "report-timeout", f"the report took longer than {TIMEOUT_S} s") from None
        if res.returncode != 0 or not out.is_file():
            last = (res.stderr.strip().splitlines() or ["no output"])[-1][:300]
            raise Rejected(400 if res.returncode == 2 else 503, "report-failed", f"cannot make the report: {last}")
        return out.read_bytes()


def main(argv: list[str] | None = None) -> int:
    from app.errors import UserError
    from app.server.db import open_server_db

    p = argparse.ArgumentParser(prog="pdf_job")
    sub = p.add_subparsers(dest="kind", required=True)
    r = sub.add_parser("results")
    r.add_argument("--year", type=int, required=True)
    r.add_argument("--subject")
    r.add_argument("--public", action="store_true")
    r.add_argument("--municipality", help="only this municipality's results (region/МСУ)")
    d = sub.add_parser("day")
    d.add_argument("--date", required=True)
    d.add_argument("--ppe")
    d.add_argument("--allowed", help="comma-separated exam points the official may see")
    d.add_argument("--lang", default="ru")
    for x in (r, d):
        x.add_argument("-o", "--output", required=True)
    a = p.parse_args(argv)
    try:
        engine = open_server_db(os.environ["AUDITORIA_SERVER_DB"], migrate=False)
        if a.kind == "results":
            from app.server.results_pdf import write_report

            write_report(engine, a.year, a.output, subject=a.subject, public=a.public, municipality=a.municipality)
        else:
            from app.server.day_report import write_day_report

            allowed = frozenset(x for x in a.allowed.split(",") if x) if a.allowed is not None else None
            write_day_report(engine, a.date, a.output, ppe=a.ppe, allowed=allowed, lang=a.lang)
    except UserError as e:
        print(str(e).splitlines()[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
