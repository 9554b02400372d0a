"""Act verification: the QR text of a printed form or act → valid / invalid / superseded, with its record.

The payload and its signature are the forms area's (``app.forms.seal``: ``AU1:`` + base32 of
canonical JSON and an Ed25519 signature). The server checks the signature with the key of the
station named in it — an enrolled HQ, or a room station its HQ vouched for — then looks the
document up in the events it holds:

- the signer's chain at the moment of printing (``q``/``h``) must be the chain the server has
  (else the paper does not come from the record the server holds);
- the paper is *superseded* when the event it documents was voided, or a void was recorded in
  its room (for its participant, if it names one) after it was printed: the record changed, the
  paper must be printed again.

The document's content hash cannot be rebuilt here (the server holds no names), so "superseded"
relies on the record's corrections; a station with the full record checks the content itself
(``auditoria verify-act --db``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, select

from app.server import schema as t


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


def _brief(r) -> dict[str, Any]:
    return {"event": r.id, "station": r.station, "seq": r.seq, "kind": r.kind, "at": r.at, "ppe": r.ppe,
            "day": r.day, "room": r.room, "participant": r.participant, "payload": _public(r.payload)}


def _public(text: str) -> dict[str, Any]:
    from app.server.monitoring import public_payload

    try:
        p = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return public_payload(p) if isinstance(p, dict) else {}


def _room_problem(engine: Engine, signer: str, ppe: str, p: dict) -> str | None:
    """Why the signer cannot speak for the room (and date) the act names, or None.

    A room station was paired for one room and one exam date: it prints acts of that room only. An HQ
    prints for any room of its exam point (it takes over a room whose laptop failed), but only for a
    room of that exam point's plan, when the server holds one."""
    from app.server.roomtrust import peer_scope

    room, date = str(p.get("r") or ""), str(p.get("d") or "").split("/")[0]
    with engine.connect() as conn:
        scope = peer_scope(conn, signer)
        if scope is not None:
            paired_room, paired_date = scope
            if paired_room and room != paired_room:
                return (f"signed by the room station of room {paired_room}, but the act names room {room or '—'}: "
                        "the signer does not belong to that room")
            if paired_date and date and date != paired_date:
                return (f"signed by a room station set up for {paired_date}, but the act is dated {date}: the signer "
                        "does not belong to that exam date")
            return None
        if room:
            rooms = {r[0] for r in conn.execute(select(t.rooms.c.number).where(t.rooms.c.ppe == ppe))}
            if rooms and room not in rooms:
                return f"the act names room {room}, which exam point {ppe} does not have"
    return None


def verify_act(engine: Engine, text: str) -> Verdict:
    from app.forms.seal import BadPayload, check_signature, parse
    from app.server.auth import station_keys_full

    if not isinstance(text, str) or len(text) > 8000:
        return Verdict("invalid", "not an Auditoria code (too long)")
    try:
        sealed = parse(text)
    except BadPayload as e:
        return Verdict("invalid", str(e))
    data = sealed.readable()
    p = sealed.payload
    known = station_keys_full(engine).get(str(p.get("s", "")))
    if known is None:
        return Verdict("unknown-key", f"station {p.get('s')} is not known to this server (its HQ has not synced "
                                      "its key)", data)
    ident, signer_ppe, revoked = known
    if not check_signature(sealed, ident):
        return Verdict("invalid", "the signature does not match the data: the code was altered or forged", data)
    if str(p.get("p", "")) not in (signer_ppe, signer_ppe.partition("/")[2]):
        return Verdict("invalid", f"signed by a station of exam point {signer_ppe}, but the act names exam point "
                                  f"{p.get('p')}: the signer does not belong to it", data)
    if revoked:
        return Verdict("invalid", f"the key of station {p.get('s')} was revoked by the authority", data)
    wrong_room = _room_problem(engine, str(p.get("s", "")), signer_ppe, p)
    if wrong_room:
        return Verdict("invalid", wrong_room, data)
    v = Verdict("valid", "signature verified", data)
    with engine.connect() as conn:
        head = None
        if isinstance(p.get("q"), int) and p["q"] > 0:
            head = conn.execute(select(t.events).where(and_(t.events.c.station == p["s"],
                                                            t.events.c.seq == p["q"]))).first()
        if head is None:
            v.reason += "; the record at the time of printing has not reached this server yet"
            return v
        from app.transfer.keys import unb64

        if bytes.fromhex(head.hash) != unb64(p["h"]):
            return Verdict("invalid", "signed, but over a record this server does not hold (the station's chain "
                                      "differs)", data)
        if head.ppe != signer_ppe:
            return Verdict("invalid", "the record the code points at belongs to another exam point", data)
        rows = conn.execute(select(t.events).where(and_(t.events.c.ppe == head.ppe, t.events.c.day == p.get("d"),
                                                        t.events.c.room == p.get("r")))).all()
    by_id = {r.id: r for r in rows}
    short = str(p.get("e") or "")
    doc_event = next((r for r in rows if short and r.id.replace("-", "").startswith(short)), None)
    if doc_event is not None:
        v.record = _brief(doc_event)
    later_voids = []
    for r in rows:
        if r.kind != "void":
            continue
        target = by_id.get(json.loads(r.payload).get("target", ""))
        if doc_event is not None and target is not None and target.id == doc_event.id:
            later_voids.insert(0, r)
        elif r.recorded_at > head.recorded_at and (not p.get("u") or (target is not None
                                                                      and target.participant == p["u"])):
            later_voids.append(r)
    if later_voids:
        v.status, v.superseded_by = "superseded", _brief(later_voids[0])
        v.reason = "signature verified, but the record was corrected after printing: print the document again"
    return v
