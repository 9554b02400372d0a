"""Kill a writing process with SIGKILL at random moments: every acknowledged mark survives, chains verify."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.station import Station

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import sys, time
from app.services.station import Station
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
st = Station.open(sys.argv[1])
codes = [p.code for p in st.plan.room_participants("0101")]
i = 0
while True:
    r = st.record("extra-sheet", "0101", codes[i % len(codes)], payload={"sheet": f"{sys.argv[2]}{i}"})
    print(r.event.id, flush=True)
    i += 1
    if pause:
        time.sleep(pause)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_loses_nothing_acknowledged(demo_db):
    rnd = random.Random(7)
    acked: list[str] = []
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(demo_db), f"r{round_}-"], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        acked.append(proc.stdout.readline().strip())  # imports done, writing has begun
        time.sleep(0.05 + rnd.random() * 0.6)  # then kill at a random moment mid-stream
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        acked += [line for line in out.splitlines() if line.strip()]
    assert len(acked) > 20
    st = Station.open(demo_db)
    held = {e.id for e in st.log.all()}
    assert set(acked) <= held
    assert st.verify() == []
    seqs = [e.seq for e in st.log.of_station(st.station_id)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_two_writers_keep_the_chain_gapless(demo_db):
    """Two processes writing as one station (e.g. the app and the CLI): one gapless chain, nothing lost."""
    import os
    import selectors

    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(demo_db), f"w{n}-", "0.005"], cwd=ROOT,
                              stdout=subprocess.PIPE) for n in range(2)]
    outs: list[list[str]] = [[], []]
    sel = selectors.DefaultSelector()
    for n, p in enumerate(procs):
        os.set_blocking(p.stdout.fileno(), False)
        sel.register(p.stdout, selectors.EVENT_READ, n)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and min(len(o) for o in outs) < 20:
        for key, _ in sel.select(timeout=0.5):
            data = key.fileobj.read() or b""
            outs[key.data] += data.decode().split()
    for p in procs:
        p.send_signal(signal.SIGKILL)
        outs[procs.index(p)] += (p.communicate()[0] or b"").decode().split()
    st = Station.open(demo_db)
    assert all(outs) and st.verify() == []
    assert {e.id for e in st.log.all()} >= set(outs[0]) | set(outs[1])


def test_wal_and_full_sync_are_on(station):
    with station.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
