"""The command line every bounded campaign shares: ``--cases`` and ``--seed``, a data folder of its own
(``AUDITORIA_HOME``) removed afterwards, and one line of counts with the time, then a few examples."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable


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
