"""Smoke test of a built bundle, the same on Linux and Windows (CI runs it after tools/build.sh).

    python tools/bundle/smoke.py [dist/auditoria]

1. ``auditoria-gui --self-test``, headless, in portable mode with an empty home folder: it must pass,
   leave the home folder empty (nothing written to the laptop) and keep its data beside the programs;
2. the console program: --version, a demo database, a mark, verify, and one error path;
3. on Linux, the oldest glibc the bundle starts on (the newest symbol version any binary needs).

Only the standard library: it runs with any Python, before anything is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOWS = os.name == "nt"
EXE = ".exe" if WINDOWS else ""


class SmokeFailed(Exception):
    pass


def _run(cmd: list[str], env: dict[str, str], expect: int = 0, echo: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace",
                         timeout=300)
    if echo:
        sys.stdout.write(res.stdout)
    if res.returncode != expect:
        sys.stderr.write(res.stderr)
        raise SmokeFailed(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}: exit {res.returncode}, expected {expect}")
    return res


def _clean_env(home: Path) -> dict[str, str]:
    """A laptop with nothing of ours on it: a fresh home folder and no AUDITORIA_/XDG_ variables."""
    keep = ("PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "COMSPEC", "PATHEXT")
    env = {k: v for k, v in os.environ.items() if k.upper() in keep}
    env.update({"HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"})
    if WINDOWS:
        env.update({"USERPROFILE": str(home), "APPDATA": str(home / "AppData" / "Roaming"),
                    "LOCALAPPDATA": str(home / "AppData" / "Local")})
    return env


def self_test_portable(bundle: Path, gui: Path, tmp: Path) -> None:
    home = tmp / "home"
    home.mkdir()
    marker, data = bundle / "portable.txt", bundle / "data"
    marker.write_text("", encoding="utf-8")
    try:
        start = time.perf_counter()
        res = _run([str(gui), "--self-test"], _clean_env(home))
        if WINDOWS and not res.stdout.strip():  # the windowed program has no console: its report is a file
            report = data / "auditoria-selftest.txt"
            print(report.read_text(encoding="utf-8") if report.exists() else "(no self-test report)")
        print(f"smoke: self-test in {(time.perf_counter() - start) * 1000:.0f} ms (cold start included)")
        left = [p for p in home.rglob("*") if not (WINDOWS and p.is_dir())][:5]
        if left:
            raise SmokeFailed(f"portable mode wrote to the home folder: {[str(p) for p in left]}")
        if not data.is_dir():
            raise SmokeFailed("portable mode made no data folder beside the programs")
    finally:
        marker.unlink(missing_ok=True)
        shutil.rmtree(data, ignore_errors=True)


def console(cli: Path, tmp: Path) -> None:
    env = _clean_env(tmp / "home")
    env["AUDITORIA_HOME"] = str(tmp / "data")
    db = str(tmp / "room.db")
    _run([str(cli), "--version"], env)
    _run([str(cli), "init", "--db", db, "--demo", "--role", "room", "--room", "0101"], env)
    _run([str(cli), "rooms", "--db", db], env)
    state = json.loads(_run([str(cli), "state", "--db", db, "--room", "0101", "--json"], env, echo=False).stdout)
    code = next(p["code"] for p in state["participants"])
    _run([str(cli), "record", "--db", db, "--room", "0101", "admitted", "--participant", code, "--at", "09:05"], env)
    _run([str(cli), "verify", "--db", db], env)
    bad = _run([str(cli), "state", "--db", str(tmp / "missing.db"), "--room", "0101"], env, expect=2)
    if "no such database" not in bad.stderr:
        raise SmokeFailed(f"CLI error path: {bad.stderr.strip()!r}")


def glibc_floor(bundle: Path) -> str | None:
    """The newest GLIBC_x.y symbol version any bundled binary needs (objdump -T), or None."""
    objdump = shutil.which("objdump")
    if objdump is None:
        return None
    seen: set[tuple[int, ...]] = set()
    for f in bundle.rglob("*"):
        if f.is_file() and (".so" in f.name or f.name.startswith("auditoria")):
            out = subprocess.run([objdump, "-T", str(f)], capture_output=True, text=True, errors="replace").stdout
            seen |= {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", out)}
    return ".".join(map(str, max(seen))) if seen else None


def main(argv: list[str]) -> int:
    bundle = Path(argv[0] if argv else "dist/auditoria").resolve()
    gui, cli = bundle / f"auditoria-gui{EXE}", bundle / f"auditoria{EXE}"
    if not (gui.is_file() and cli.is_file()):
        print(f"smoke: no programs in {bundle}", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="auditoria-smoke-"))
    try:
        self_test_portable(bundle, gui, tmp)
        console(cli, tmp)
        if sys.platform.startswith("linux"):
            floor = glibc_floor(bundle)
            import platform

            print(f"smoke: the Linux bundle needs glibc {floor or '(unknown)'} or newer "
                  f"(this machine: {' '.join(platform.libc_ver())})")
    except SmokeFailed as e:
        print(f"smoke: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("smoke: bundle OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
