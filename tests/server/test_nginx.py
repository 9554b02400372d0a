"""Issue 13, several workers, several hosts: the documented production set-up, end to end.

Three HQs sync at once, each through the fault proxy (drops, duplicates, reorders, truncation, 5xx)
in front of nginx (Debian's package) with TLS (a self-signed certificate made here with openssl),
which mounts the server under /auditoria/ and passes to 4 uvicorn workers on 127.0.0.1. Nothing
may be lost or duplicated, and every figure must equal a direct sync of the same stations.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from app.errors import UserError
from app.services.station import Station
from app.sync.client import Backoff, Client, enroll, sync_once
from tests.server.conftest import LiveServer, free_port, stop_process, wait_healthy
from tests.server.faultproxy import FaultProxy
from tests.server.test_sync_e2e import server_events

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
POINTS = ("0412", "0413", "0414")

NGINX_CONF = """
worker_processes 2;
{user}
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    client_max_body_size 70m;
    upstream auditoria {{ server 127.0.0.1:{upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location /auditoria/ {{
            proxy_pass http://auditoria/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def _certificate(d: Path) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1 (its own CA: the HQ trusts this file)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
                   check=True, capture_output=True, timeout=30)
    (d / "key.pem").chmod(0o600)
    return d / "cert.pem"


class Nginx:
    def __init__(self, d: Path, upstream: int):
        import os

        self.d, self.port = d, free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (d / sub).mkdir()
        user = "user root;" if os.geteuid() == 0 else ""  # the temp folders are the test's own (0700)
        (d / "nginx.conf").write_text(NGINX_CONF.format(d=d, upstream=upstream, port=self.port, user=user))
        self.proc = subprocess.Popen([NGINX, "-p", str(d), "-e", str(d / "error.log"), "-c", str(d / "nginx.conf"),
                                      "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        ctx = ssl.create_default_context(cafile=str(d / "cert.pem"))
        wait_healthy(self.proc, f"https://localhost:{self.port}/auditoria/healthz", 15,
                     (d / "error.log").read_text, "nginx", verify=ctx, timeout=2)

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="module")
def three_hqs(tmp_path_factory) -> list[Path]:
    """Three exam points' HQ databases, each with two room stations brought back on packages (made once)."""
    from tests.server.dayfactory import build_hq_day

    return [build_hq_day(None, tmp_path_factory.mktemp(f"hq{p}"), rooms=("0101", "0102"), point=p)
            for p in POINTS]


def _copy(src: Path, dst_dir: Path) -> Path:
    dst_dir.mkdir()
    dst = dst_dir / "hq.db"
    shutil.copy(src, dst)
    shutil.copy(str(src) + ".keys", str(dst) + ".keys")
    return dst


def _figures(db: str) -> dict:
    """Every monitoring figure of the server, without the times of the last sync (they differ by nature)."""
    from app.server.db import open_server_db
    from app.server.monitoring import report

    engine = open_server_db(db, migrate=False)
    try:
        rep = report(engine)
    finally:
        engine.dispose()

    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if "sync" not in k and "silent" not in k}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x

    return clean(rep)


def _code(db: str, point: str) -> str:
    """An exam point and its one-time enrollment code, written in process (the CLI's start-up is seconds
    on a loaded machine, six times over)."""
    from app.server.admin import add_ppe, enroll_code
    from app.server.db import open_server_db

    engine = open_server_db(db, migrate=False)
    try:
        return enroll_code(engine, add_ppe(engine, "66", "043", point, f"ППЭ {point}"))[0]
    finally:
        engine.dispose()


def _server_db(request, tmp_path: Path, name: str) -> str:
    from tests.server.pgtemp import pg_bin

    if pg_bin() is not None:  # production runs PostgreSQL; SQLite where it is not installed
        return request.getfixturevalue("pg").new_db()
    return str(tmp_path / f"{name}.db")


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (tools/setup.sh test installs Debian's nginx)")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed (tools/setup.sh test)")
def test_three_hqs_through_faults_tls_nginx_and_four_workers(request, three_hqs, tmp_path):
    t0 = time.monotonic()
    d = tmp_path / "nginx"
    d.mkdir()
    cert = _certificate(d)
    srv = LiveServer(_server_db(request, tmp_path, "proxied"), tmp_path / "server.log", workers=4)
    web = Nginx(d, srv.port)
    client_tls = ssl.create_default_context(cafile=str(cert))
    proxy = FaultProxy(web.port, rate=0.3, seed=13, upstream_tls=client_tls, tls=_server_tls(d))
    hqs = [_copy(p, tmp_path / f"via{i}") for i, p in enumerate(three_hqs)]
    outcomes: dict[int, list[str]] = {}
    started = time.monotonic() - t0
    try:
        url = f"https://localhost:{proxy.port}/auditoria/"
        for db, point in zip(hqs, POINTS, strict=True):
            st = Station.open(db)
            code = _code(srv.db, point)
            c = Client(st, url, verify=str(cert))
            try:
                for _ in range(20):  # enrollment goes through the faults too; the same key again is idempotent
                    try:
                        enroll(st, url, code, client=c, backoff=Backoff(base=0.02, cap=0.2, attempts=5))
                        break
                    except UserError:  # every attempt of a round dropped: another round
                        time.sleep(0.05)
            finally:
                c.close()
            st.close()

        def run(i: int, db: Path) -> None:
            st = Station.open(db)  # each HQ on its own thread with its own station
            rounds = outcomes.setdefault(i, [])
            try:
                for _ in range(30):
                    res = sync_once(st, url, batch_size=60, backoff=Backoff(base=0.02, cap=0.2, attempts=4),
                                    timeout=20, verify=str(cert))
                    rounds.append(res.outcome if not res.rejected else f"rejected: {res.rejected}")
                    if res.outcome == "accepted":
                        break
            finally:
                st.close()

        t_sync = time.monotonic()
        threads = [threading.Thread(target=run, args=(i, db)) for i, db in enumerate(hqs)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        t_sync = time.monotonic() - t_sync
        assert all(r and r[-1] == "accepted" for r in outcomes.values()) and len(outcomes) == 3, \
            (outcomes, proxy.stats)
        assert sum(proxy.stats[f] for f in proxy.stats if f != "pass") >= 10, proxy.stats  # faults really happened
    finally:
        proxy.close()
        web.stop()
        srv.stop()
    # nothing lost, nothing duplicated: the server holds exactly the union of the three HQs' events
    local: dict[str, tuple] = {}
    for db in hqs:
        st = Station.open(db)
        local |= {e.id: (e.station, e.seq, e.hash) for e in st.log.all()}
        st.close()
    assert server_events(srv.db) == local
    via_proxy = time.monotonic() - t0
    print(f"\nnginx+TLS+faults, 4 workers: start {started:.1f} s, 3 HQs syncing at once {t_sync:.1f} s, in all "
          f"{via_proxy:.1f} s; {len(local)} events, rounds {outcomes}, faults {dict(proxy.stats)}")
    # the same stations synced directly to a fresh single-worker server give the very same figures
    direct = LiveServer(_server_db(request, tmp_path, "direct"), tmp_path / "direct.log")
    try:
        for i, (src, point) in enumerate(zip(three_hqs, POINTS, strict=True)):
            st = Station.open(_copy(src, tmp_path / f"direct{i}"))
            res = sync_once(st, direct.url, enroll_code=_code(direct.db, point),
                            backoff=Backoff(base=0.02, attempts=3))
            assert res.outcome == "accepted" and not res.rejected, res.message
            st.close()
    finally:
        direct.stop()
    assert server_events(direct.db) == local
    figures = _figures(srv.db)
    assert figures == _figures(direct.db)
    print(f"direct sync and comparison: {time.monotonic() - t0 - via_proxy:.1f} s")
    assert {p["ppe"] for p in figures["ppes"]} == {f"66/{p}" for p in POINTS}
    # ~45 s on the loaded 2-core machine; the bound only catches a hang (the timings depend on the load)
    assert t_sync < 120, f"three HQs through nginx and the faults took {t_sync:.0f} s"


def _server_tls(d: Path) -> ssl.SSLContext:
    """The fault proxy presents the same certificate: the HQ speaks TLS all the way to nginx."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(d / "cert.pem"), str(d / "key.pem"))
    return ctx
