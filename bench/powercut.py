"""Power-cut campaign: a scripted exam day written through a FUSE file system whose power is cut.

Run: ``.venv/bin/python -m bench.powercut --trials 200`` (root, /dev/fuse, Debian fuse3, mfusepy:
``bash tools/setup.sh test`` installs them). Each trial copies the demo room database into a
fresh folder, mounts bench/powerfs.py over it, starts a writer process that plays the room day
(hq_demo.room_day, then notes) and prints each mark's id once ``Station.record`` returned, and
at a random moment kills the file system process — everything written but not fsync'd is gone —
then the writer. The database left in the backing folder is then opened as after a reboot: every
acknowledged mark must be there and ``verify`` must pass.

``--sync off`` runs the same with ``PRAGMA synchronous=OFF`` to show that the harness can fail:
acknowledged marks are lost. Prints: cases, acknowledged, lost, verify failures, tracebacks.
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

ROOT = Path(__file__).resolve().parents[1]

WRITER = r"""
import sys
from app.store import db as dbmod
if sys.argv[2] == "off":
    _orig = dbmod._on_connect
    def _off(conn, rec):
        _orig(conn, rec)
        conn.execute("PRAGMA synchronous=OFF")
    dbmod._on_connect = _off
from app.clock import FixedClock
from app.errors import UserError
from app.services import hq_demo
from app.services.station import Station
st = Station.open(sys.argv[1])
st.clock = FixedClock(st.day.local("10:30", st.point.tz))
_record = st.record
def record(*a, **k):
    r = _record(*a, **k)
    print(r.event.id, flush=True)  # acknowledged: Station.record returned
    return r
st.record = record
print("ready", flush=True)
try:
    hq_demo.room_day(st, "0101")
except UserError:
    pass
i = 0
while True:
    st.record("note", "0101", payload={"text": f"note {i}"})
    i += 1
"""


@dataclass
class Trial:
    acked: int = 0
    lost: int = 0
    verify_failed: bool = False
    traceback: str = ""


@dataclass
class Campaign:
    cases: int = 0
    acked: int = 0
    lost: int = 0
    trials_losing: int = 0
    verify_failures: int = 0
    tracebacks: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self, sync: str) -> str:
        return (f"power cut (synchronous={sync.upper()}): cases {self.cases}, acknowledged marks {self.acked}, "
                f"lost {self.lost} (in {self.trials_losing} trials), verify failures {self.verify_failures}, "
                f"tracebacks {self.tracebacks}")


def available() -> str | None:
    """Why the harness cannot run here, or None."""
    if sys.platform != "linux":
        return "FUSE harness is Linux-only"
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not shutil.which("fusermount3"):
        return "fusermount3 missing (apt-get install fuse3)"
    try:
        import mfusepy  # noqa: F401
    except (ImportError, OSError) as e:
        return f"mfusepy unusable ({e.__class__.__name__})"
    return None


def template(folder: Path) -> Path:
    """The demo room database (made once per campaign)."""
    from app.services.demo import install_demo
    from app.services.station import Station

    path = folder / "template.db"
    st = Station.create(path, role="room", room="0101")
    install_demo(st)
    st.close()
    return path


def _mounted(mnt: Path) -> bool:
    with open("/proc/mounts", encoding="utf-8") as fh:
        return any(line.split()[1] == str(mnt) for line in fh)


def run_trial(tpl: Path, work: Path, rnd: random.Random, sync: str = "full") -> Trial:
    back, mnt = work / "back", work / "mnt"
    back.mkdir()
    mnt.mkdir()
    shutil.copy(tpl, back / "room.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    fs = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "bench.powerfs", str(back), str(mnt)], cwd=ROOT,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = Trial()
    writer = None
    try:
        deadline = time.monotonic() + 10
        while not _mounted(mnt):
            if time.monotonic() > deadline or fs.poll() is not None:
                raise RuntimeError("the FUSE file system did not mount")
            time.sleep(0.02)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(mnt / "room.db"), sync], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = writer.stdout.readline()
        if first.strip() != "ready":
            raise RuntimeError(f"writer did not start: {writer.stderr.read()[-300:]}")
        time.sleep(0.02 + rnd.random() * 0.8)
        died_early = writer.poll() is not None  # the writer failed on its own, before any cut
        fs.send_signal(signal.SIGKILL)  # the power cut: the unsynced cache is gone
        fs.wait()
        writer.send_signal(signal.SIGKILL)  # errors it meets after the cut are expected
        out, err = writer.communicate()
        acked = [x.strip() for x in out.splitlines() if x.strip()]
        if died_early:
            t.traceback = err[-1500:] or f"writer exited with {writer.returncode}"
    finally:
        for p in (writer, fs):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["fusermount3", "-u", "-z", str(mnt)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.acked = len(acked)
    # after the reboot: the backing folder is the disk
    from app.services.station import Station
    from app.store.integrity import verify_file

    rep = verify_file(back / "room.db")
    t.verify_failed = not rep.ok
    st = Station.open(back / "room.db")
    held = {e.id for e in st.log.all()}
    st.close()
    t.lost = len(set(acked) - held)
    return t


def campaign(trials: int, seed: int, sync: str = "full", log=print) -> Campaign:
    rnd = random.Random(seed)
    c = Campaign()
    with tempfile.TemporaryDirectory(prefix="powercut-") as d:
        base = Path(d)
        tpl = template(base)
        for n in range(trials):
            work = base / f"t{n}"
            work.mkdir()
            t = run_trial(tpl, work, rnd, sync)
            c.cases += 1
            c.acked += t.acked
            c.lost += t.lost
            c.trials_losing += t.lost > 0
            c.verify_failures += t.verify_failed
            c.tracebacks += bool(t.traceback)
            if t.traceback:
                c.notes.append(t.traceback)
            shutil.rmtree(work, ignore_errors=True)
            if log and (n + 1) % 20 == 0:
                log(f"  {n + 1}/{trials}: {c.line(sync)}")
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--sync", choices=("full", "off"), default="full")
    args = ap.parse_args()
    why = available()
    if why:
        print(f"power cut: skipped ({why})")
        return
    t0 = time.monotonic()
    c = campaign(args.trials, args.seed, args.sync)
    print(c.line(args.sync) + f"  [{time.monotonic() - t0:.0f} s]")
    for note in c.notes[:3]:
        print("  traceback:", note.replace("\n", " | ")[:300])


if __name__ == "__main__":
    main()
