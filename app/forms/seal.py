"""The signed QR payload of a printed form: compact, versioned, verifiable with the station's key.

Text in the QR: ``AU1:`` + base32 (no padding) of ``canonical JSON || Ed25519 signature``.
Base32 fits the QR alphanumeric mode (5.5 bits a character), needs no quoting on a command
line, and the signature covers a domain-separated message so it cannot be replayed as a
transfer package signature. Short keys keep the code readable when printed at 3–4 cm.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from app.domain.event import canonical_json
from app.transfer.keys import b64, unb64

PREFIX = "AU1:"
VERSION = 1
SIG_LEN = 64
DOMAIN = b"auditoria-form-qr-v1\x00"
# Payload keys (one letter each) and what they mean; verify-act prints the long names.
KEYS = {"v": "version", "f": "form", "i": "document_id", "p": "ppe", "d": "day", "r": "room",
        "u": "participant", "e": "event", "t": "times", "c": "content_sha256", "s": "station",
        "q": "head_seq", "h": "head_hash"}


@dataclass(frozen=True)
class Sealed:
    payload: dict[str, Any]
    message: bytes
    signature: bytes

    @property
    def text(self) -> str:
        raw = self.message + self.signature
        return PREFIX + base64.b32encode(raw).decode("ascii").rstrip("=")

    def readable(self) -> dict[str, Any]:
        return {KEYS.get(k, k): v for k, v in self.payload.items()}


class BadPayload(ValueError):
    """The text is not an Auditoria QR payload (why is in the message)."""


def make_payload(doc, station_id: str, head: tuple[int, str]) -> dict[str, Any]:
    """The compact payload of a document (``app.forms.document.Document``)."""
    p: dict[str, Any] = {"v": VERSION, "f": doc.slug, "i": doc.doc_id, "p": doc.header.get("ppe", ""),
                         "d": doc.day}
    if doc.room:
        p["r"] = doc.room
    if doc.participant:
        p["u"] = doc.participant
    if doc.event_id:
        p["e"] = doc.event_id.replace("-", "")[:12]
    if doc.times:
        p["t"] = doc.times
    p["c"] = b64(doc.content_hash())
    p["s"] = station_id
    p["q"] = head[0]
    p["h"] = b64(bytes.fromhex(head[1]))
    return p


def seal(payload: dict[str, Any], sign) -> Sealed:
    """Sign a payload with ``sign(bytes) -> signature`` (``StationKeys.sign``)."""
    msg = canonical_json(payload)
    return Sealed(payload, msg, sign(DOMAIN + msg))


def parse(text: str) -> Sealed:
    """Decode QR text into payload + signature (no signature check here)."""
    t = text.strip()
    if not t.upper().startswith(PREFIX):
        raise BadPayload(f"not an Auditoria form code (expected it to start with {PREFIX})")
    body = t[len(PREFIX):].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (ValueError, base64.binascii.Error):
        raise BadPayload("damaged code: not valid base32") from None
    if len(raw) <= SIG_LEN:
        raise BadPayload("damaged code: too short")
    msg, sig = raw[:-SIG_LEN], raw[-SIG_LEN:]
    try:
        payload = json.loads(msg.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadPayload("damaged code: the data part is not readable") from None
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        raise BadPayload(f"unsupported payload version {payload.get('v') if isinstance(payload, dict) else '?'}")
    if canonical_json(payload) != msg:
        raise BadPayload("damaged code: data is not in canonical form")
    for k in ("f", "i", "p", "d", "c", "s", "h"):
        if k not in payload:
            raise BadPayload(f"damaged code: field {KEYS[k]} missing")
    return Sealed(payload, msg, sig)


def check_signature(sealed: Sealed, identity) -> bool:
    """True when ``identity`` (``PublicIdentity``) signed this payload."""
    return identity.verify(DOMAIN + sealed.message, sealed.signature)


def content_hash_of(sealed: Sealed) -> bytes:
    return unb64(sealed.payload["c"])


def qr_matrix(text: str) -> list[list[bool]]:
    """Module matrix of the QR (error correction M, alphanumeric mode, no quiet zone): app.forms.qrfast."""
    from app.forms.qrfast import matrix

    return matrix(text)
