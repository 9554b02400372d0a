"""Act verification: a QR payload from a printed act → valid / invalid / superseded, with its record.

When the forms area provides ``app.forms.qr.verify_payload`` it is used; until then a small
adapter reads the payload format below and checks the signature with the registered station
keys. Payload: ``AUDQ1.<base64url JSON>.<base64url Ed25519 signature over the JSON bytes>``;
the JSON names at least ``station`` and ``doc`` (document id), and usually ``form``, ``ppe``,
``room``, ``participant``, ``sha256`` (hash of the document content) and key times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from app.server import schema as t

PREFIX = "AUDQ1"


@dataclass
class Verdict:
    status: str  # valid, invalid, superseded, unknown-key
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] | None = None
    superseded_by: dict[str, Any] | None = None

    def to_dict(self) -> dict:
        return {"status": self.status, "reason": self.reason, "data": self.data, "record": self.record,
                "superseded_by": self.superseded_by}


def _decode(payload: str) -> tuple[dict, bytes, bytes]:
    from app.transfer.keys import unb64

    parts = payload.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise ValueError("not an Auditoria act code")
    body = unb64(parts[1])
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    return data, body, unb64(parts[2])


def encode_payload(keys, data: dict) -> str:
    """Make a payload the way a station signs it (used by tests and by the adapter's round trip)."""
    from app.transfer.keys import b64

    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return f"{PREFIX}.{b64(body)}.{b64(keys.sign(body))}"


def _record(engine: Engine, data: dict) -> tuple[dict | None, dict | None]:
    """The act-drawn event for this document, and a later act for the same form and target (superseding it)."""
    doc = str(data.get("doc", ""))
    with engine.connect() as conn:
        rows = conn.execute(select(t.events).where(t.events.c.kind == "act-drawn")).all()
        voids = {json.loads(r.payload).get("target") for r in conn.execute(
            select(t.events.c.payload).where(t.events.c.kind == "void"))}
    mine = None
    acts = []
    for r in rows:
        p = json.loads(r.payload)
        if r.id in voids:
            continue
        item = {"event": r.id, "station": r.station, "seq": r.seq, "at": r.at, "ppe": r.ppe, "room": r.room,
                "participant": r.participant, "form": p.get("form"), "target": p.get("target"),
                "document_id": p.get("document_id")}
        acts.append(item)
        if p.get("document_id") == doc:
            mine = item
    if mine is None:
        return None, None
    later = [a for a in acts if a["form"] == mine["form"] and a["target"] == mine["target"]
             and a["participant"] == mine["participant"] and a["room"] == mine["room"] and a["at"] > mine["at"]]
    return mine, (max(later, key=lambda a: a["at"]) if later else None)


def verify_act(engine: Engine, payload: str) -> Verdict:
    try:
        from app.forms.qr import verify_payload  # type: ignore[import-not-found]
    except ImportError:
        verify_payload = None
    if verify_payload is not None:  # the forms area's own format, checked with the registered keys
        from app.server.auth import station_keys_of

        try:
            res = verify_payload(payload, station_keys_of(engine))
            data = dict(getattr(res, "data", None) or (res.get("data") if isinstance(res, dict) else {}) or {})
            ok = bool(getattr(res, "valid", None) if not isinstance(res, dict) else res.get("valid"))
            if not ok:
                reason = getattr(res, "reason", None) if not isinstance(res, dict) else res.get("reason")
                return Verdict("invalid", str(reason or "signature does not verify"), data)
            return _with_record(engine, Verdict("valid", "signature verified", data))
        except (TypeError, AttributeError):
            pass  # different signature than expected: fall back to the adapter below
    try:
        data, body, sig = _decode(payload)
    except (ValueError, UnicodeDecodeError) as e:
        return Verdict("invalid", f"cannot read the code: {e}")
    from app.server.auth import station_keys_of

    keys = station_keys_of(engine)
    ident = keys.get(str(data.get("station", "")))
    if ident is None:
        return Verdict("unknown-key", f"station {data.get('station')!r} is not registered on this server", data)
    if not ident.verify(body, sig):
        return Verdict("invalid", "the signature does not match the data (altered or forged)", data)
    return _with_record(engine, Verdict("valid", "signature verified", data))


def _with_record(engine: Engine, v: Verdict) -> Verdict:
    mine, later = _record(engine, v.data)
    v.record = mine
    if mine is None:
        v.reason += "; the act is not (yet) in the events this server holds"
    elif later is not None:
        v.status, v.superseded_by = "superseded", later
        v.reason = "signature verified, but a later act replaces this one"
    return v
