"""SIGKILL campaign: a writer playing the room day is killed with SIGKILL at random moments.

Run: ``.venv/bin/python -m bench.campaign_sigkill [--trials 200] [--seed 14]``. Each trial copies the demo
room database, starts the same writer process as the power-cut bench (bench/powercut.py: the room day, then
notes, each mark's id printed once ``Station.record`` returned), kills it with SIGKILL after a random delay,
and opens the database as the next start would: every acknowledged mark must be there, ``verify`` (read-only,
with the guard and signed head-anchor checks) must pass, and each station's chain must be gapless.

SIGKILL keeps the OS page cache, so this proves the commit protocol (nothing acknowledged before COMMIT, no
half-written event), not the disk sync; bench/powercut.py proves the sync. Prints: cases, acknowledged, lost,
partial writes (an event stored but broken, or a gap), verify failures, tracebacks (the writer failing on its
own before the kill).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.powercut import ROOT, WRITER, template


@dataclass
class Campaign:
    cases: int = 0
    acked: int = 0
    lost: int = 0
    partial_writes: int = 0
    verify_failures: int = 0
    tracebacks: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"SIGKILL: cases {self.cases}, acknowledged marks {self.acked}, lost {self.lost}, partial writes "
                f"{self.partial_writes}, verify failures {self.verify_failures}, tracebacks {self.tracebacks}")


def run_trial(tpl: Path, work: Path, rnd: random.Random, c: Campaign) -> None:
    from app.services.station import Station
    from app.store.integrity import verify_file

    db = work / "room.db"
    shutil.copy(tpl, db)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "full"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if writer.stdout.readline().strip() != "ready":
            c.tracebacks += 1
            c.notes.append(writer.stderr.read()[-500:])
            return
        time.sleep(0.02 + rnd.random() * 0.6)
        died_early = writer.poll() is not None
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    if died_early:
        c.tracebacks += 1
        c.notes.append(err[-500:] or f"writer exited with {writer.returncode}")
    acked = [x.strip() for x in out.splitlines() if x.strip()]
    c.cases += 1
    c.acked += len(acked)
    rep = verify_file(db)
    c.verify_failures += not rep.ok
    st = Station.open(db)
    try:
        events = st.log.all()
        held = {e.id for e in events}
        c.lost += len(set(acked) - held)
        mine = [e.seq for e in events if e.station == st.station_id]
        broken = [e for e in events if e.compute_hash() != e.hash]
        c.partial_writes += bool(broken) or mine != list(range(1, len(mine) + 1))
    finally:
        st.close()


def campaign(trials: int, seed: int, log=print) -> Campaign:
    rnd = random.Random(seed)
    c = Campaign()
    with tempfile.TemporaryDirectory(prefix="sigkill-") as d:
        base = Path(d)
        tpl = template(base)
        for n in range(trials):
            work = base / f"t{n}"
            work.mkdir()
            run_trial(tpl, work, rnd, c)
            shutil.rmtree(work, ignore_errors=True)
            if log and (n + 1) % 50 == 0:
                log(f"  {n + 1}/{trials}: {c.line()}")
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    if sys.platform == "win32":
        print("SIGKILL: skipped (POSIX only)")
        return
    t0 = time.monotonic()
    c = campaign(args.trials, args.seed)
    print(c.line() + f"  [{time.monotonic() - t0:.0f} s]")
    for note in c.notes[:3]:
        print("  traceback:", note.replace("\n", " | ")[:300])


if __name__ == "__main__":
    main()
