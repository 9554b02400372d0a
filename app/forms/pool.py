"""Paint a day pack's PDFs in worker processes beside the calling one.

A day pack is ~30 independent PDFs; laying out and painting them is CPU work in Qt under the GIL,
so threads cannot share it out, processes can. The documents are built and their QR codes signed
in the calling process (one state computation, one key, one chain head); a worker only lays out,
paints and writes a temporary file, which the caller renames and registers.

Workers are ``python -m app.forms.worker`` child processes speaking pickled frames over their
pipes, not multiprocessing: a spawned multiprocessing child imports the caller's ``__main__``
again (the whole window, or a script without a main guard). They are kept for the life of the
process and started early with ``warm()``, so their start (~0.5 s of imports and fonts each)
overlaps other work. A worker that cannot start or dies leaves its share to the calling process:
nothing is lost, the pack is only slower.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path

from app.forms.document import Document
from app.forms.render import Stamp
from app.logs import get_logger

log = get_logger("forms")

Job = tuple[list[Document], str, Stamp]  # documents of one PDF, the temporary path, their stamp

_lock = threading.Lock()
_workers: list[Worker] = []
last_cpu: list[float] = []  # CPU seconds of each worker in the last paint_all (the benchmark reads it)


def default_workers() -> int:
    """Worker processes beside the caller: one a core that is idle now, at most one fewer than the
    cores and at most 3; none in a frozen build (its executable is the application, not Python).
    AUDITORIA_PRINT_WORKERS=N overrides.

    Why "idle now": a worker only helps when a core would otherwise wait. Measured on a 2-core VM
    whose other users kept the load at 12: the 20-room pack took 1.6 s painted here alone and 3.3 s
    with a worker (this session's share of the CPU is fixed, and the worker repeats the start-up
    caches); with a core free the worker cuts the critical path from ~0.8 s of CPU to ~0.5 s."""
    env = os.environ.get("AUDITORIA_PRINT_WORKERS", "")
    if env.strip().isdigit():
        return int(env)
    if getattr(sys, "frozen", False):
        return 0
    cores = os.cpu_count() or 1
    try:
        idle = cores - os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average: count the cores alone
        idle = cores - 1
    return max(0, min(cores - 1, 3, int(idle)))


def send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("print worker closed its pipe")
    (n,) = struct.unpack(">Q", head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("print worker closed its pipe")
    return pickle.loads(data)


class Worker:
    """One child process; ``ready`` once it has its fonts (it says so in its first frame)."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p))
        self.proc = subprocess.Popen([sys.executable, "-m", "app.forms.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=root)
        self.lock = threading.Lock()
        self.started = False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self) -> None:
        if not self.started:
            receive(self.proc.stdout)
            self.started = True

    def run(self, jobs: list[Job]) -> tuple[list[int], float]:
        """(pages of each job, the worker's CPU seconds); raises if the worker failed."""
        with self.lock:
            self.wait_ready()
            send(self.proc.stdin, jobs)
            ok, value = receive(self.proc.stdout)
        if not ok:
            raise RuntimeError(value)
        return value

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def get(workers: int | None = None) -> list[Worker]:
    """The running workers (started on first use), as many as asked for."""
    n = default_workers() if workers is None else workers
    with _lock:
        _workers[:] = [w for w in _workers if w.alive()]
        while len(_workers) < n:
            try:
                _workers.append(Worker())
            except OSError as e:
                log.warning("print worker could not start (%s)", type(e).__name__)
                break
        return _workers[:n]


def warm(workers: int | None = None) -> list[Worker]:
    """Start the workers now: their imports run while the caller builds the documents."""
    return get(workers)


def shutdown() -> None:
    with _lock:
        for w in _workers:
            w.stop()
        _workers.clear()


atexit.register(shutdown)


def balance(jobs: list[Job], bins: int, head_start: float = 0.15) -> list[list[Job]]:
    """Share jobs out by their page estimate (documents × copies), biggest first, to the lightest bin.

    The first bin is the calling process's, which has already built and signed every document
    (measured: ~30 % of its CPU in a 20-room pack), so it starts ``head_start`` of a fair share
    heavier."""
    weight = [sum(len(d.copies) * (1 + sum(len(t) for t in d.tables.values()) // 20) for d in docs)
              for docs, _p, _s in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -weight[i])
    out: list[list[Job]] = [[] for _ in range(bins)]
    load = [0.0] * bins
    if bins > 1:
        load[0] = head_start * sum(weight) / bins
    for i in order:
        k = load.index(min(load))
        out[k].append(jobs[i])
        load[k] += weight[i]
    return [b for b in out if b]


def paint_all(jobs: list[Job], workers: int | None = None, done=None) -> dict[str, int]:
    """Write every job's PDF (to its temporary path); {path: pages}. The caller paints a share too.

    ``done(path, pages)`` is called as each file is written (in the calling thread)."""
    from app.forms.render import write_pdf

    pool = get(workers) if len(jobs) > 1 else []
    pages: dict[str, int] = {}

    def local(share: list[Job]) -> None:
        for docs, path, stamp in share:
            pages[path] = write_pdf(docs, path, stamp)
            if done:
                done(path, pages[path])

    shares = balance(jobs, len(pool) + 1)
    mine, theirs = shares[0], shares[1:]
    results: list[tuple[list[int], float] | BaseException | None] = [None] * len(theirs)

    def remote(k: int) -> None:
        try:
            results[k] = pool[k].run(theirs[k])
        except BaseException as e:  # reported below, in the calling thread
            results[k] = e

    last_cpu.clear()
    threads = [threading.Thread(target=remote, args=(k,), daemon=True) for k in range(len(theirs))]
    for t in threads:
        t.start()
    local(mine)
    for k, t in enumerate(threads):
        t.join()
        res = results[k]
        if isinstance(res, BaseException) or res is None:
            log.warning("print worker failed (%s); painting its share in this process", type(res).__name__)
            pool[k].stop()
            local(theirs[k])
            continue
        last_cpu.append(res[1])
        for (_docs, path, _stamp), n in zip(theirs[k], res[0], strict=True):
            pages[path] = n
            if done:
                done(path, n)
    return pages


def tmp_path(out: Path) -> str:
    return str(out.with_name(out.name + ".tmp"))
