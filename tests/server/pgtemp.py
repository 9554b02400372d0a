"""A throwaway PostgreSQL cluster on 127.0.0.1 (initdb + pg_ctl in a temp dir), for tests and bench.

As root, the server runs as the ``postgres`` OS user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class PgServer:
    """``durable``: fsync, synchronous commit and full-page writes on, as production runs (benchmarks);
    tests run without them, which changes no result, only the speed."""

    def __init__(self, base: Path, durable: bool = False):
        self.durable = durable
        self.bin = pg_bin()
        self.dir = base / "pgdata"
        self.sock = base / "sock"
        self.port = free_port()
        self.n = 0

    def start(self) -> None:
        base = self.dir.parent
        base.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        _as_postgres([str(self.bin / "initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--no-locale"])
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir), "-o", opts, "-w", "-l",
                      str(base / "pg.log"), "start"])

    def stop(self) -> None:
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", "immediate", "-w", "stop"])

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def new_db(self) -> str:
        import psycopg

        self.n += 1
        name = f"auditoria_t{self.n}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return self.url(name)




def start_temp(durable: bool = False) -> PgServer:
    """Start a fresh cluster outside root-only temp trees (the postgres user must reach it)."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="auditoria-pg-"))
    os.chmod(base, 0o755)
    server = PgServer(base / "pg", durable=durable)
    server.base = base
    try:
        server.start()
    except subprocess.CalledProcessError as e:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {e.stderr}") from None
    return server


def stop_temp(server: PgServer) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.base, ignore_errors=True)
