"""A fault-injecting HTTP proxy on loopback: drops, delays, duplicates, reorders, truncates, 5xx.

It reads whole HTTP/1.1 requests from the client, and for each picks (from a seeded random
sequence) one fault or a clean pass to the upstream server:

- drop: close the client connection without forwarding;
- drop-after: forward, let the server commit, then close without answering;
- delay: hold the request for a while, then forward;
- duplicate: forward, answer, and deliver the same bytes again concurrently;
- reorder: forward now, and deliver a stale copy again after the next request;
- truncate: forward, then send only part of the answer and close;
- 503: answer 503 without forwarding; 502-after: forward, then answer 502.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import socket
import ssl
import threading
import time
from collections import Counter

FAULTS = ("drop", "drop-after", "delay", "duplicate", "reorder", "truncate", "503", "502-after")


def _read_request(sock: socket.socket, buf: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, _rest = bytes(buf).partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    total = len(head) + 4 + length
    while len(buf) < total:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    req = bytes(buf[:total])
    del buf[:total]
    return req


def _close_conn(req: bytes) -> bytes:
    head, _, body = req.partition(b"\r\n\r\n")
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


class FaultProxy:
    def __init__(self, upstream_port: int, rate: float = 0.4, seed: int = 7, faults=FAULTS, strip: str = "",
                 upstream_tls=None, tls=None):
        """``strip``: a path prefix taken off every request (a reverse proxy mounting the server under
        /prefix/); ``upstream_tls``: an ``ssl.SSLContext`` to speak TLS to the upstream (nginx);
        ``tls``: a server-side context, so clients speak TLS to this proxy too."""
        self.upstream = ("127.0.0.1", upstream_port)
        self.strip = strip.rstrip("/").encode()
        self.upstream_tls = upstream_tls
        self.tls = tls
        self.rate = rate
        self.rnd = random.Random(seed)
        self.faults = faults
        self.cycle = itertools.cycle(faults)  # every kind comes round in turn
        self.stats: Counter = Counter()
        self.lock = threading.Lock()
        self.stale: list[bytes] = []
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.running = True
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.running = False
        self.srv.close()
        for t in self.threads:
            t.join(5)

    def _rewrite(self, req: bytes) -> bytes:
        if not self.strip:
            return req
        line, sep, rest = req.partition(b"\r\n")
        method, target, version = line.split(b" ", 2)
        if target.startswith(self.strip + b"/"):
            target = target[len(self.strip):]
        return b" ".join([method, target, version]) + sep + rest

    def _forward(self, req: bytes) -> bytes:
        raw = socket.create_connection(self.upstream, timeout=60)
        up = self.upstream_tls.wrap_socket(raw, server_hostname="localhost") if self.upstream_tls else raw
        chunks = []
        with up:
            up.sendall(_close_conn(self._rewrite(req)))
            while True:
                try:
                    c = up.recv(65536)
                except ssl.SSLError:  # the upstream closed without a TLS goodbye: the answer is complete
                    break
                if not c:
                    break
                chunks.append(c)
        return b"".join(chunks)

    def _later(self, req: bytes) -> None:
        t = threading.Thread(target=self._forward_quiet, args=(req,), daemon=True)
        self.threads.append(t)
        t.start()

    def _forward_quiet(self, req: bytes) -> None:
        with contextlib.suppress(OSError):
            self._forward(req)

    def _pick(self) -> str:
        with self.lock:
            f = next(self.cycle) if self.rnd.random() < self.rate else "pass"
            self.stats[f] += 1
            return f

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.tls is not None:
            try:
                client.settimeout(30)
                client = self.tls.wrap_socket(client, server_side=True)
            except OSError:
                client.close()
                return
        buf = bytearray()
        with client:
            while True:
                try:
                    req = _read_request(client, buf)
                except OSError:
                    return
                if req is None:
                    return
                with self.lock:
                    stale, self.stale = self.stale, []
                fault = self._pick()
                try:
                    if fault == "drop":
                        return
                    if fault == "503":
                        client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                       b"Connection: close\r\n\r\n")
                        return
                    if fault == "delay":
                        time.sleep(self.rnd.uniform(0.1, 0.6))
                    resp = self._forward(req)
                    for s in stale:  # a stale copy arrives after a newer request
                        self._later(s)
                    if fault == "drop-after":
                        return
                    if fault == "502-after":
                        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        return
                    if fault == "duplicate":
                        self._later(req)
                    if fault == "reorder":
                        with self.lock:
                            self.stale.append(req)
                    if fault == "truncate":
                        client.sendall(resp[: max(1, len(resp) * 2 // 3)])
                        return
                    client.sendall(resp)
                    return  # the upstream answer says Connection: close; so do we
                except OSError:
                    return
