"""Fixtures of the server tests: a real PostgreSQL started in a temp dir, a real server process
on 127.0.0.1. The HQ station databases holding a played exam day (``hq_template``, ``hq_db``) are in
tests/conftest.py: the HQ window's tests sync them too."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.server.pgtemp import free_port, pg_bin, start_temp, stop_temp

ROOT = Path(__file__).resolve().parents[2]
__all__ = ["free_port"]


@pytest.fixture(scope="session")
def pg():
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries not found in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    server = start_temp()
    yield server
    stop_temp(server)


@pytest.fixture(params=["sqlite", "postgres"])
def server_db(request, tmp_path):
    """A fresh server database address: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "server.db")
    return request.getfixturevalue("pg").new_db()


def cli(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, timeout=120)
    if check and res.returncode != 0:
        raise AssertionError(f"auditoria {' '.join(args)} -> {res.returncode}\n{res.stdout}\n{res.stderr}")
    return res


def wait_healthy(proc: subprocess.Popen, url: str, seconds: float, log: Callable[[], str], what: str,
                 verify: bool | ssl.SSLContext = True, timeout: float = 1) -> None:
    """Poll ``url`` until it answers 200; a process that exits or stays silent fails with its log."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited: {log()}")
        try:
            if httpx.get(url, verify=verify, timeout=timeout).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer: {log()}")
        time.sleep(0.1)


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class LiveServer:
    """``auditoria serve`` as a real subprocess on 127.0.0.1."""

    def __init__(self, db: str, log: Path, workers: int = 1, extra: tuple[str, ...] = (), lang: str = "ru"):
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.fh = open(log, "w")  # noqa: SIM115 - kept open for the process's life
        self.proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--db", db, "--host", "127.0.0.1",
                                      "--port", str(self.port), "--workers", str(workers), *extra], cwd=ROOT,
                                     stdout=self.fh, stderr=subprocess.STDOUT,
                                     env={**os.environ, "AUDITORIA_LANG": lang})  # the officials' pages: Russian

        wait_healthy(self.proc, self.url + "/healthz", 60, log.read_text, "server")

    def stop(self) -> None:
        stop_process(self.proc)
        self.fh.close()

    def add_user(self, username: str = "admin", role: str = "admin", region: str = "", msu: str = "",
                 password: str = "correct horse battery") -> str:
        pw = self.log.parent / f"pw-{username}.txt"
        pw.write_text(password + "\n")
        extra = ("--region", region, "--msu", msu) if role == "viewer" else ()
        cli("server", "add-user", "--db", self.db, "--username", username, "--role", role, "--password-file",
            str(pw), *extra)
        return password

    def login(self, username: str = "admin", role: str = "admin", region: str = "", msu: str = "",
              create: bool = True):
        """An httpx client signed in as an official (the account is created first unless ``create`` is off)."""
        import httpx

        password = self.add_user(username, role, region, msu) if create else "correct horse battery"
        c = httpx.Client(base_url=self.url, timeout=30)
        form = c.get("/login").text
        csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = c.post("/login", data={"csrf": csrf, "username": username, "password": password, "next": "/monitoring"})
        assert r.status_code == 303, r.text
        return c

    def add_ppe(self, code: str, region: str = "66", name: str = "МАОУ СОШ № 8") -> str:
        cli("server", "add-ppe", "--db", self.db, "--region", region, "--msu", "043", "--ppe", code, "--name", name)
        return self.enroll_code(code, region)

    def enroll_code(self, code: str, region: str = "66") -> str:
        import json

        out = cli("server", "enroll-code", "--db", self.db, "--ppe", code, "--region", region, "--json")
        return json.loads(out.stdout)["code"]


@pytest.fixture
def live(server_db, tmp_path):
    srv = LiveServer(server_db, tmp_path / "server.log")
    yield srv
    srv.stop()


@pytest.fixture
def official(live):
    """An administrator signed in to ``live`` (an httpx client holding the session cookie)."""
    c = live.login()
    yield c
    c.close()


def copy_hq(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    return dst
