"""The wire protocol shared by the HQ client and the server: request signing and its checks.

A request is signed over a domain-separated message of method, path (with query), the
SHA-256 of the body, a Unix timestamp and a random nonce. The server refuses a signature that
does not verify, a timestamp outside ``MAX_SKEW_S`` and a nonce it has seen (unique in its DB).
"""

from __future__ import annotations

import hashlib
import secrets
import time

API = "/api/v1"
MAX_SKEW_S = 300
DOMAIN = b"auditoria-sync-v1"

H_STATION = "X-Auditoria-Station"
H_TS = "X-Auditoria-Timestamp"
H_NONCE = "X-Auditoria-Nonce"
H_SIG = "X-Auditoria-Signature"


def message(method: str, path: str, body: bytes, ts: int | str, nonce: str) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return b"\n".join([DOMAIN, method.upper().encode(), path.encode("utf-8"), digest.encode(),
                       str(ts).encode(), nonce.encode()])


def sign_headers(keys, method: str, path: str, body: bytes = b"", ts: int | None = None,
                 nonce: str | None = None) -> dict[str, str]:
    """Headers that authenticate one request by a station's Ed25519 key (``StationKeys``)."""
    from app.transfer.keys import b64

    ts = int(time.time()) if ts is None else ts
    nonce = nonce or secrets.token_hex(16)
    sig = keys.sign(message(method, path, body, ts, nonce))
    return {H_STATION: keys.station, H_TS: str(ts), H_NONCE: nonce, H_SIG: b64(sig)}
