"""``auditoria serve``: TLS, refusing plain HTTP off loopback, several workers without losing idempotency."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading

import httpx
import pytest

from app.services.station import Station
from app.sync import protocol as P
from app.sync.client import Backoff, enroll, sync_once
from app.transfer.keys import station_keys
from tests.server.conftest import ROOT, LiveServer, cli, free_port
from tests.server.test_sync_e2e import server_events


def test_refuses_plain_http_off_loopback(tmp_path):
    r = cli("serve", "--db", str(tmp_path / "s.db"), "--host", "0.0.0.0", "--port", "8999", check=False)
    assert r.returncode == 2 and "refusing plain HTTP" in r.stderr
    r = cli("serve", "--db", str(tmp_path / "s.db"), "--cert", str(tmp_path / "c.pem"), check=False)
    assert r.returncode == 2 and "go together" in r.stderr


def test_tls(tmp_path, hq_db):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    db = str(tmp_path / "s.db")
    cli("server", "add-ppe", "--db", db, "--region", "66", "--msu", "043", "--ppe", "0412", "--name", "x")
    code = json.loads(cli("server", "enroll-code", "--db", db, "--ppe", "0412", "--json").stdout)["code"]
    port = free_port()
    log = open(tmp_path / "tls.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--db", db, "--port", str(port), "--cert",
                             str(cert), "--key", str(key)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"https://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", verify=ssl.create_default_context(cafile=str(cert)),
                             timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                import time

                time.sleep(0.1)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        st = Station.open(hq_db)
        res = sync_once(st, url, enroll_code=code, verify=str(cert), backoff=Backoff(base=0.05, attempts=3))
        assert res.outcome == "accepted" and res.sent == st.log.count()
        # over HTTPS the session cookie is Secure (and HttpOnly, SameSite=Strict)
        (tmp_path / "pw").write_text("correct horse battery\n")
        cli("server", "add-user", "--db", db, "--username", "chief", "--role", "admin", "--password-file",
            str(tmp_path / "pw"))
        with httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=str(cert))) as c:
            csrf = c.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            r = c.post("/login", data={"csrf": csrf, "username": "chief", "password": "correct horse battery"})
            cookie = r.headers["set-cookie"].lower()
            assert r.status_code == 303 and "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
            assert c.get("/monitoring").status_code == 200
        # an unknown certificate is not trusted: the round is "retry later", never accepted
        res = sync_once(st, url, backoff=Backoff(base=0.01, attempts=2))
        assert res.outcome == "retry"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def test_workers_keep_idempotency(server_db, tmp_path, hq_db):
    """Three uvicorn workers, many simultaneous pushes of overlapping batches: each event stored once."""
    srv = LiveServer(server_db, tmp_path / "w.log", workers=3)
    try:
        code = srv.add_ppe("0412")
        st = Station.open(hq_db)
        enroll(st, srv.url, code)
        keys = station_keys(st)
        from app.sync.client import Client, _push_keys
        from app.transfer.records import signed_heads

        c = Client(st, srv.url)
        _push_keys(st, c, Backoff(base=0.05, attempts=4), lambda _r: None)  # the room stations HQ paired
        c.close()
        chains = {s: st.log.of_station(s) for s in st.log.stations()}
        heads = {s: [{"manifest": h["manifest"], "signature": h["signature"]} for h in signed_heads(st.engine, s)]
                 for s in chains}
        bodies = []
        for s, evs in chains.items():  # a room chain goes whole, up to the head its room station signed
            bodies += [evs[:40], evs[:80], evs, evs] if s == st.station_id else [evs] * 4
        bodies = bodies * 2
        results: list[int] = []

        def push(evs):
            raw = json.dumps({"events": [e.to_dict() for e in evs], "heads": heads[evs[0].station]}).encode()
            h = P.sign_headers(keys, "POST", "/api/v1/events", raw)
            with httpx.Client(timeout=60) as c:
                results.append(c.post(srv.url + "/api/v1/events", content=raw, headers=h).status_code)

        threads = [threading.Thread(target=push, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # a batch may arrive before its chain's start is stored (then: gap, retry later) but never stores twice
        assert set(results) <= {200, 409}, results
        res = sync_once(st, srv.url, backoff=Backoff(base=0.05, attempts=4), pull=False)
        assert res.outcome == "accepted"
        assert server_events(server_db) == {e.id: (e.station, e.seq, e.hash) for e in st.log.all()}
        log = (tmp_path / "w.log").read_text()
        assert '"workers": 3' in log
    finally:
        srv.stop()
