"""Enrollment of HQ stations and the check of every signed request.

The enrollment code is single-use: it is consumed by a conditional UPDATE (``used_at IS NULL``)
so two workers cannot both accept it. Nonces are unique in the database, so a replayed request
is refused by whichever worker sees it second.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from app.server import schema as t
from app.server.admin import code_hash, get_ppe
from app.server.db import now_iso
from app.server.ingest import Rejected
from app.sync import protocol as P


@dataclass(frozen=True)
class Caller:
    station: str
    ppe: str
    role: str


def _public(sign_pk: str, box_pk: str, station: str, role: str):
    from app.transfer.keys import PublicIdentity, unb64

    try:
        pk, bk = unb64(sign_pk), unb64(box_pk)
    except ValueError:
        raise Rejected(422, "malformed", "keys are not base64") from None
    if len(pk) != 32 or len(bk) != 32:
        raise Rejected(422, "malformed", "keys must be 32 bytes each")
    return PublicIdentity(station, role, pk, bk)


def check_signature(ident, method: str, path: str, body: bytes, headers) -> tuple[int, str]:
    from app.transfer.keys import unb64

    ts_text, nonce, sig = headers.get(P.H_TS, ""), headers.get(P.H_NONCE, ""), headers.get(P.H_SIG, "")
    if not ts_text or not nonce or not sig:
        raise Rejected(401, "unsigned", "the request is not signed (timestamp, nonce and signature required)")
    try:
        ts = int(ts_text)
    except ValueError:
        raise Rejected(401, "unsigned", "bad timestamp") from None
    skew = int(time.time()) - ts
    if abs(skew) > P.MAX_SKEW_S:
        raise Rejected(401, "stale", f"the request time differs from the server's by {skew} s "
                                     f"(more than {P.MAX_SKEW_S} s): check the station clock")
    if not (8 <= len(nonce) <= 64):
        raise Rejected(401, "unsigned", "bad nonce")
    try:
        raw_sig = unb64(sig)
    except ValueError:
        raise Rejected(401, "bad-signature", "the signature is not base64") from None
    if not ident.verify(P.message(method, path, body, ts, nonce), raw_sig):
        raise Rejected(401, "bad-signature", "the signature does not verify with this station's key")
    return ts, nonce


def _use_nonce(engine: Engine, station: str, ts: int, nonce: str) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(insert(t.nonces).values(nonce=nonce, station=station, ts=ts))
            if random.random() < 0.02:
                conn.execute(delete(t.nonces).where(t.nonces.c.ts < int(time.time()) - 4 * P.MAX_SKEW_S))
    except DBIntegrityError:
        raise Rejected(401, "replay", "this request was already received (replayed nonce)") from None


def precheck(engine: Engine, headers) -> None:
    """What can be refused from the headers alone, before the body is read: no signature, an unknown or
    revoked station, a stale timestamp."""
    station = headers.get(P.H_STATION, "")
    if not station or not headers.get(P.H_SIG) or not headers.get(P.H_NONCE):
        raise Rejected(401, "unsigned", "the request is not signed (station, timestamp, nonce and signature "
                                        "required)")
    try:
        ts = int(headers.get(P.H_TS, ""))
    except ValueError:
        raise Rejected(401, "unsigned", "bad timestamp") from None
    if abs(int(time.time()) - ts) > P.MAX_SKEW_S:
        raise Rejected(401, "stale", f"the request time differs from the server's by {int(time.time()) - ts} s "
                                     f"(more than {P.MAX_SKEW_S} s): check the station clock")
    with engine.connect() as conn:
        row = conn.execute(select(t.stations.c.revoked).where(t.stations.c.station == station[:200])).first()
    if row is None:
        raise Rejected(401, "unknown-station", f"station {station[:64]} is not enrolled on this server")
    if row.revoked:
        raise Rejected(401, "revoked", f"station {station[:64]}'s key was revoked by the authority")


def authenticate(engine: Engine, method: str, path: str, body: bytes, headers) -> Caller:
    """Who signed this request; raises ``Rejected`` (401) for unknown keys, bad signatures, stale or replayed requests."""
    from app.transfer.keys import PublicIdentity, unb64

    station = headers.get(P.H_STATION, "")
    if not station:
        raise Rejected(401, "unsigned", "the request does not name its station")
    with engine.connect() as conn:
        row = conn.execute(select(t.stations).where(t.stations.c.station == station)).first()
    if row is None:
        raise Rejected(401, "unknown-station", f"station {station} is not enrolled on this server")
    if row.revoked:
        raise Rejected(401, "revoked", f"station {station}'s key was revoked by the authority")
    ident = PublicIdentity(row.station, row.role, unb64(row.sign_pk), unb64(row.box_pk))
    ts, nonce = check_signature(ident, method, path, body, headers)
    _use_nonce(engine, station, ts, nonce)
    return Caller(row.station, row.ppe, row.role)


def enroll(engine: Engine, method: str, path: str, body: bytes, headers, data: dict) -> dict:
    """Consume a one-time code and register the station's public keys for its exam point.

    The request is signed by the new key itself (proof of possession)."""
    if not isinstance(data, dict):
        raise Rejected(422, "malformed", "expected an object")
    code, station, role = data.get("code"), data.get("station"), data.get("role", "hq")
    sign_pk, box_pk = data.get("sign_pk"), data.get("box_pk")
    if not all(isinstance(x, str) and x for x in (code, station, sign_pk, box_pk)):
        raise Rejected(422, "malformed", "code, station, sign_pk and box_pk are required")
    if headers.get(P.H_STATION) != station:
        raise Rejected(401, "unsigned", "the request must be signed by the enrolling station")
    ident = _public(sign_pk, box_pk, station, role)
    ts, nonce = check_signature(ident, method, path, body, headers)
    h = code_hash(code)
    now = now_iso()
    with engine.begin() as conn:
        row = conn.execute(select(t.enroll_codes).where(t.enroll_codes.c.code_hash == h)).first()
        if row is None:
            raise Rejected(403, "bad-code", "unknown enrollment code")
        if row.used_at is not None:
            if row.station == station:
                existing = conn.execute(select(t.stations).where(t.stations.c.station == station)).first()
                if existing is not None and existing.sign_pk == sign_pk:
                    ppe = get_ppe(conn, row.ppe)
                    return {"station": station, "ppe": ppe.to_dict(), "fingerprint": existing.fingerprint,
                            "again": True}
            raise Rejected(403, "used-code", "this enrollment code was already used; ask for a new one")
        want = data.get("ppe")
        if isinstance(want, str) and want and want != row.ppe:
            raise Rejected(403, "other-ppe", f"this code is for exam point {row.ppe}, the station is {want}")
        if row.expires_at < now:
            raise Rejected(403, "expired-code", "this enrollment code has expired; ask for a new one")
        other = conn.execute(select(t.stations).where(t.stations.c.station == station)).first()
        if other is not None and other.ppe != row.ppe:
            raise Rejected(403, "other-ppe", f"station {station} is enrolled for another exam point")
        res = conn.execute(update(t.enroll_codes).where(and_(t.enroll_codes.c.code_hash == h,
                                                             t.enroll_codes.c.used_at.is_(None)))
                           .values(used_at=now, station=station))
        if res.rowcount != 1:
            raise Rejected(403, "used-code", "this enrollment code was already used; ask for a new one")
        if other is not None:
            conn.execute(update(t.stations).where(t.stations.c.station == station).values(
                sign_pk=sign_pk, box_pk=box_pk, fingerprint=ident.fingerprint, enrolled_at=now, revoked=False,
                role=role))
        else:
            conn.execute(insert(t.stations).values(station=station, ppe=row.ppe, role=role, sign_pk=sign_pk,
                                                   box_pk=box_pk, fingerprint=ident.fingerprint, enrolled_at=now,
                                                   revoked=False))
        ppe = get_ppe(conn, row.ppe)
    _use_nonce(engine, station, ts, nonce)
    return {"station": station, "ppe": ppe.to_dict(), "fingerprint": ident.fingerprint, "again": False}


def whoami(engine: Engine, caller: Caller) -> dict:
    """The signing station's enrollment as the server holds it: station, fingerprint, exam point."""
    with engine.connect() as conn:
        fp = conn.execute(select(t.stations.c.fingerprint).where(t.stations.c.station == caller.station)).scalar()
        ppe = get_ppe(conn, caller.ppe)
    return {"station": caller.station, "role": caller.role, "fingerprint": fp or "",
            "ppe": ppe.to_dict() if ppe else {"key": caller.ppe}}


def station_keys_of(engine: Engine) -> dict:
    """Public identities of enrolled HQ stations and of the room stations they vouched for (acts)."""

    return {k: v[0] for k, v in station_keys_full(engine).items()}


def station_keys_full(engine: Engine) -> dict:
    """station -> (public identity, exam point key, revoked) of every HQ and vouched-for room station."""
    from app.transfer.keys import PublicIdentity, unb64

    with engine.connect() as conn:
        peers = conn.execute(select(t.peer_keys)).all()
        rows = conn.execute(select(t.stations)).all()
    out = {r.station: (PublicIdentity(r.station, r.role, unb64(r.sign_pk), unb64(r.box_pk)), r.ppe, bool(r.revoked))
           for r in peers}
    out.update({r.station: (PublicIdentity(r.station, r.role, unb64(r.sign_pk), unb64(r.box_pk)), r.ppe,
                            bool(r.revoked)) for r in rows})
    return out


def register_peers(engine: Engine, caller: Caller, data: dict) -> dict:
    """An HQ registers the public keys of its room stations (paired through USB set-up packages)."""
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or len(keys) > 1000:
        raise Rejected(422, "malformed", "keys must be a list (at most 1000)")
    try:
        return _register_peers(engine, caller, keys)
    except DBIntegrityError:  # another worker registered the same key this instant: ask again
        raise Rejected(503, "busy", "try again") from None


def _scope_of(k: dict) -> tuple[str, str]:
    """The room and exam date a room station was set up for, as its HQ registers them ('' if not sent)."""
    from app.server.validate import day_ok

    room, date = k.get("room") or "", k.get("date") or ""
    if not isinstance(room, str) or not (room == "" or re.fullmatch(r"[0-9A-Za-z]{1,4}", room)):
        raise Rejected(422, "malformed", f"station {str(k.get('station'))[:64]}: room must be a room number")
    if not isinstance(date, str) or not (date == "" or (len(date) == 10 and day_ok(date))):
        raise Rejected(422, "malformed", f"station {str(k.get('station'))[:64]}: date must be YYYY-MM-DD")
    return room, date


def _register_peers(engine: Engine, caller: Caller, keys: list) -> dict:
    added = same = 0
    now = now_iso()
    with engine.begin() as conn:
        for k in keys:
            if not isinstance(k, dict) or not isinstance(k.get("station"), str) or not k["station"]:
                raise Rejected(422, "malformed", "each key needs station, sign_pk, box_pk")
            ident = _public(k.get("sign_pk") or "", k.get("box_pk") or "", k["station"], str(k.get("role", "room")))
            if k["station"] == caller.station:
                continue
            enrolled = conn.execute(select(t.stations.c.station).where(t.stations.c.station == k["station"])).first()
            if enrolled is not None:
                raise Rejected(403, "other-station", f"station {k['station']} is enrolled itself")
            chain = conn.execute(select(t.chains.c.ppe).where(t.chains.c.station == k["station"])).first()
            if chain is not None and chain.ppe != caller.ppe:
                raise Rejected(403, "other-ppe", f"station {k['station']} delivers for exam point {chain.ppe}")
            room, date = _scope_of(k)
            have = conn.execute(select(t.peer_keys).where(t.peer_keys.c.station == k["station"])).first()
            if have is not None:
                if have.sign_pk != k["sign_pk"] or have.ppe != caller.ppe:
                    raise Rejected(409, "key-differs", f"station {k['station']} is registered with another key")
                if (have.room or have.date) and (have.room, have.date) != (room, date) and (room or date):
                    raise Rejected(409, "scope-differs", f"station {k['station']} was paired for room {have.room} "
                                                         f"on {have.date}, not room {room} on {date}")
                if not (have.room or have.date) and (room or date):  # registered before scopes were sent
                    conn.execute(update(t.peer_keys).where(t.peer_keys.c.station == k["station"])
                                 .values(room=room, date=date))
                same += 1
                continue
            conn.execute(insert(t.peer_keys).values(station=k["station"], ppe=caller.ppe, role=ident.role,
                                                    sign_pk=k["sign_pk"], box_pk=k["box_pk"],
                                                    fingerprint=ident.fingerprint, vouched_by=caller.station,
                                                    at=now, room=room, date=date))
            added += 1
    return {"added": added, "known": same}
