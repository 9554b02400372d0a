"""ASGI middleware of the server: body limits while streaming, security headers, the access log.

Pure ASGI (not ``BaseHTTPMiddleware``) so the body limit counts bytes as they arrive — a chunked
body has no Content-Length to trust, and a 200 MB body must be cut at the limit, not read whole
before a handler says 401 (issue 13).
"""

from __future__ import annotations

import time

from app.sync.protocol import API

MB = 1024 * 1024
# The largest body each route accepts; anything else gets the small default (forms, JSON of a few fields).
LIMITS: tuple[tuple[str, int], ...] = ((f"{API}/events", 64 * MB), (f"{API}/plan", 16 * MB),
                                       (f"{API}/verify", 20 * MB), (f"{API}/keys", 1 * MB))
DEFAULT_LIMIT = 256 * 1024

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Swagger UI (/docs) loads its script and style from its CDN and runs one inline script.
CSP_DOCS = ("default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"request body over {limit // 1024} KB")
        self.limit = limit


def limit_for(path: str) -> int:
    for prefix, n in LIMITS:
        if path == prefix or path.startswith(prefix + "/"):
            return n
    return DEFAULT_LIMIT


async def _send_json(send, status: int, body: bytes, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a body over its route's limit: at once by Content-Length, else when the streamed bytes pass it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = limit_for(scope.get("path", ""))
        too_big = (b'{"outcome":"rejected","error":"too-large","reason":"request body over %d KB"}'
                   % (limit // 1024))
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    return await _send_json(send, 400, b'{"error":"bad-request","reason":"bad Content-Length"}')
                if n > limit:
                    return await _send_json(send, 413, too_big)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return msg

        async def tracked(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _send_json(send, 413, too_big)


class SecurityHeaders:
    """CSP, no framing, no referrer, no MIME sniffing, no caching of figures — on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        csp = (CSP_DOCS if path in ("/docs", "/docs/oauth2-redirect") else CSP).encode()

        async def with_headers(msg):
            if msg["type"] == "http.response.start":
                names = {k.lower() for k, _ in msg.get("headers", [])}
                extra = [(b"content-security-policy", csp), (b"x-frame-options", b"DENY"),
                         (b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff"),
                         (b"cross-origin-opener-policy", b"same-origin")]
                if b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                msg = {**msg, "headers": [*msg.get("headers", []), *extra]}
            await send(msg)

        await self.app(scope, receive, with_headers)


class AccessLog:
    """One JSON line per request: method, route template (never the query: it may name a school), status, ms."""

    def __init__(self, app, log):
        self.app, self.log = app, log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from app.server import logjson

        t0 = time.perf_counter()
        status = [500]

        async def seen(msg):
            if msg["type"] == "http.response.start":
                status[0] = msg["status"]
            await send(msg)

        try:
            await self.app(scope, receive, seen)
        finally:
            route = scope.get("route")
            station = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                            if k == b"x-auditoria-station"), "")
            logjson.info(self.log, "request", method=scope.get("method", ""), route=getattr(route, "path", "?"),
                         status=status[0], ms=round((time.perf_counter() - t0) * 1000, 1), station=station[:64])
