"""The trust chain to the room: a room station's events are stored only under a head it signed itself.

An HQ station forwards room stations' events, but before this check nothing the room laptop
signed reached the server, so an HQ could invent a room chain, or alter one, and sign the
request with its own key (issue 13). Now the HQ forwards, with each room chain, the manifests
of the result packages it imported: each names the room station, its room and exam date, the
exam point, the HQ it was encrypted to, the sequence range and the head hash, and it is signed
with the room station's Ed25519 key. The server checks, in the ingest transaction:

- the room station was paired by this exam point's HQ (``peer_keys``, registered through
  ``/keys`` by an HQ enrolled for the exam point), for one room and one exam date;
- each head verifies with that paired key, names this exam point, that room and that date, and
  was addressed to an HQ enrolled for this exam point (so the room was set up by it);
- every stored event of the chain lies at or below a signed head whose hash it meets (a hash
  chain: the head at seq n fixes events 1..n), and every event is for that room and date.

One failure refuses the whole batch with the reason and the event id; nothing is stored.

What this cannot prove, stated: pairing starts at HQ (it writes the set-up package and its
pairing secret), so an HQ that registers a key it made itself for a room laptop that never
existed is believed. Such a key is registered once, shown on the pages, and revocable; and a
real room station's chain, once its key is registered, can no longer be altered or extended
by its HQ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select

from app.server import schema as t
from app.server.db import now_iso
from app.server.ingest import Rejected

_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_HEADS = 1000


@dataclass(frozen=True)
class Head:
    station: str
    seq: int
    hash: str
    room: str
    date: str
    package: str
    manifest: dict
    signature: str


def _date(day: Any) -> str:
    return str(day or "").split("/")[0]


def _bad_head(st: str, why: str) -> Rejected:
    return Rejected(403, "bad-room-head", f"the signed head of room station {st[:64]} is refused: {why}; "
                                          "the batch was not stored")


def parse_heads(data: Any) -> list[dict]:
    """The ``heads`` of a push body: a list of ``{"manifest": {...}, "signature": "..."}`` (shape only)."""
    if data is None:
        return []
    if not isinstance(data, list) or len(data) > MAX_HEADS:
        raise Rejected(422, "malformed", f"heads must be a list (at most {MAX_HEADS})")
    for h in data:
        if not isinstance(h, dict) or not isinstance(h.get("manifest"), dict) or not isinstance(
                h.get("signature"), str):
            raise Rejected(422, "malformed", "each head needs a manifest (object) and a signature (text)")
    return data


def _verify(ppe: str, peer, hqs: dict[str, str], h: dict) -> Head:
    """One forwarded head checked against the pairing; raises ``Rejected`` naming what is wrong."""
    from app.transfer import package as pk
    from app.transfer.keys import PublicIdentity, unb64

    m, st = h["manifest"], peer.station
    seq, head_hash = m.get("seq_to"), m.get("head_hash")
    if m.get("kind") != "results" or not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 \
            or not isinstance(head_hash, str) or not _HEX64.fullmatch(head_hash):
        raise _bad_head(st, "it is not a result package's manifest")
    sender = m.get("sender") if isinstance(m.get("sender"), dict) else {}
    if sender.get("station") != st or sender.get("sign_pk") != peer.sign_pk:
        raise _bad_head(st, "it names a key other than the one its HQ paired")
    try:
        ident = PublicIdentity(st, "room", unb64(peer.sign_pk), unb64(peer.box_pk))
        sig = unb64(h["signature"])
    except ValueError:
        raise _bad_head(st, "the signature is not base64") from None
    if not ident.verify(pk.signed_message("results", m), sig):
        raise _bad_head(st, "the signature does not verify with the room station's key (forged or altered)")
    if str(m.get("point", "")) != ppe.partition("/")[2]:
        raise _bad_head(st, f"it names exam point {str(m.get('point'))[:8]}, not {ppe}")
    room, date = str(m.get("room", "")), _date(m.get("day"))
    if room != peer.room or date != peer.date:
        raise _bad_head(st, f"it is for room {room[:4]} on {date[:10]}, but the station was paired for room "
                            f"{peer.room} on {peer.date}")
    rcpt = m.get("recipient") if isinstance(m.get("recipient"), dict) else {}
    if hqs.get(str(rcpt.get("station", ""))) != rcpt.get("fingerprint"):
        raise _bad_head(st, "it was not addressed to an HQ station of this exam point")
    return Head(st, seq, head_hash, room, date, str(m.get("package", ""))[:36], m, h["signature"])


def check_batch(conn, ppe: str, by_station: dict[str, list[dict]], chain_heads: dict, forwarded: list[dict],
                sender: str = "") -> None:
    """Refuse the batch unless every room station's chain in it is covered by heads that station signed.

    ``chain_heads``: the server's stored head row per station (``chains``); ``forwarded``: the heads in
    the request (``parse_heads``); ``sender``: the HQ that signed the request (its own chain needs no
    head: the request's signature is its own). Verified new heads are stored in the same transaction."""
    from app.domain.event import canonical_json

    stations = sorted(by_station)
    enrolled = {r.station for r in conn.execute(select(t.stations.c.station).where(
        t.stations.c.station.in_(stations)))} | {sender}
    room_stations = [s for s in stations if s not in enrolled]
    given: dict[str, list[dict]] = {}
    for h in forwarded:
        given.setdefault(str(h["manifest"].get("station", "")), []).append(h)
    unknown = sorted(set(given) - set(room_stations))
    if not room_stations and not unknown:
        return
    peers = {r.station: r for r in conn.execute(select(t.peer_keys).where(
        t.peer_keys.c.station.in_(room_stations + unknown)))}
    hqs = {r.station: r.fingerprint for r in conn.execute(select(t.stations.c.station, t.stations.c.fingerprint)
                                                          .where(t.stations.c.ppe == ppe))}
    now = now_iso()
    for st in unknown:
        if st not in peers:
            raise _bad_head(st, "no station of this exam point was paired under that id")
    for st in sorted(set(room_stations) | set(unknown)):
        evs = by_station.get(st, [])
        peer = peers.get(st)
        if peer is None or peer.ppe != ppe:
            first = f"event {evs[0]['id']} (station {st}, seq {evs[0]['seq']})" if evs else f"a head of station {st}"
            raise Rejected(403, "unpaired", f"{first}: station {st} was never paired by an HQ of exam point {ppe} "
                                            "(its key was not registered): the batch was not stored")
        if not peer.room or not peer.date:
            raise _bad_head(st, "its HQ registered its key without the room and exam date it was set up for "
                                "(update the HQ station and sync again)")
        stored = {r.seq: r for r in conn.execute(select(t.room_heads).where(t.room_heads.c.station == st))}
        fresh_heads: list[Head] = []
        for h in given.get(st, []):
            head = _verify(ppe, peer, hqs, h)
            have = stored.get(head.seq)
            if have is not None:
                if have.hash != head.hash:
                    raise _bad_head(st, f"it signed two different heads at seq {head.seq}")
                continue
            if any(f.seq == head.seq and f.hash != head.hash for f in fresh_heads):
                raise _bad_head(st, f"it signed two different heads at seq {head.seq}")
            fresh_heads.append(head)
        signed = {r.seq: r.hash for r in stored.values()} | {h.seq: h.hash for h in fresh_heads}
        _covered(conn, st, evs, chain_heads.get(st), signed, peer)
        for h in {h.seq: h for h in fresh_heads}.values():
            conn.execute(insert(t.room_heads).values(
                station=st, seq=h.seq, hash=h.hash, ppe=ppe, room=h.room, date=h.date, package=h.package,
                manifest=canonical_json(h.manifest).decode("utf-8"), signature=h.signature, received_at=now))


def _covered(conn, st: str, evs: list[dict], chain_head, signed: dict[int, str], peer) -> None:
    """Every new event of ``st`` at or below a signed head it meets; each for the paired room and date."""
    if not evs:
        return
    head_seq = chain_head.seq if chain_head is not None else 0
    fresh = [d for d in evs if d["seq"] > head_seq]
    if not fresh:
        return
    top = fresh[-1]["seq"]
    in_batch = {d["seq"]: d for d in evs}
    past = [q for q in signed if q <= head_seq and q not in in_batch]
    held = {r.seq: r.hash for r in conn.execute(select(t.events.c.seq, t.events.c.hash).where(and_(
        t.events.c.station == st, t.events.c.seq.in_(past))))} if past else {}
    covered = 0
    for q in sorted(signed):
        if q > top:
            break
        d = in_batch.get(q)
        have = d["hash"] if d is not None else held.get(q)
        if have is None:
            continue  # below the batch, not held either: a gap the chain check refuses
        if have != signed[q]:
            ident = d["id"] if d is not None else f"seq {q}"
            raise Rejected(409, "invented-room-chain",
                           f"event {ident} (station {st}, seq {q}) is not the event room station {st} signed at "
                           f"that place (its signed head is {signed[q][:16]}…): the room chain was altered or "
                           "invented; the batch was not stored")
        covered = q
    for d in fresh:
        if d["seq"] > covered:
            raise Rejected(403, "unsigned-room-chain",
                           f"event {d['id']} (station {st}, seq {d['seq']}): no chain head signed by room station "
                           f"{st} covers it (HQ forwards the room's result-package manifests; an HQ database that "
                           "imported the packages before it kept them: import them again): the batch was not stored")
        if d["room"] != peer.room or _date(d["day"]) != peer.date:
            raise Rejected(403, "out-of-scope",
                           f"event {d['id']} (station {st}, seq {d['seq']}) is for room {d['room']} on "
                           f"{_date(d['day'])}, but station {st} was paired for room {peer.room} on {peer.date}: "
                           "the batch was not stored")


def peer_scope(conn, station: str) -> tuple[str, str] | None:
    """(room, exam date) a room station was paired for, or None when it is not a paired room station."""
    r = conn.execute(select(t.peer_keys.c.room, t.peer_keys.c.date).where(t.peer_keys.c.station == station)).first()
    return (r.room, r.date) if r is not None else None


def heads_of(conn, ppe: str) -> dict[str, dict]:
    """The newest signed head per room station of an exam point (what the pages and the API show)."""
    out: dict[str, dict] = {}
    for r in conn.execute(select(t.room_heads.c.station, t.room_heads.c.seq, t.room_heads.c.room,
                                 t.room_heads.c.date).where(t.room_heads.c.ppe == ppe)
                          .order_by(t.room_heads.c.station, t.room_heads.c.seq)):
        out[r.station] = {"seq": r.seq, "room": r.room, "date": r.date}
    return out
