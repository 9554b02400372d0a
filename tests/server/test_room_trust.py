"""Issue 13, trust chain to the room: an HQ could invent room-station chains, because nothing signed by
the room station reached the server. Now a room chain is stored only under a head its room station
signed (the manifest of its result package), for the room and date it was paired for."""

from __future__ import annotations

import httpx

from app.domain.event import Event
from app.services.station import Station
from app.sync.client import Backoff, Client, _push_keys, enroll
from app.transfer.records import signed_heads
from tests.server.test_sync_e2e import server_events, signed

FAST = Backoff(base=0.05, cap=0.5, attempts=4)


def _resealed(chain: list[Event], i: int, **change) -> list[Event]:
    """The chain with event ``i`` changed and every hash from there on recomputed: a consistent chain
    that HQ could write with the room station's id, but not what the room station signed."""
    out = list(chain[:i])
    prev = chain[i - 1].hash if i else "0" * 64
    for n, e in enumerate(chain[i:]):
        d = e.to_dict() | ({**change} if n == 0 else {}) | {"prev_hash": prev, "hash": ""}
        e2 = Event.from_dict(d).sealed()
        out.append(e2)
        prev = e2.hash
    return out


def _ready(live, hq_db) -> tuple[Station, str]:
    """An HQ enrolled, its room stations' keys (with room and date) registered; nothing pushed yet."""
    st = Station.open(hq_db)
    enroll(st, live.url, live.add_ppe("0412"))
    c = Client(st, live.url)
    try:
        _push_keys(st, c, FAST, lambda _r: None)
    finally:
        c.close()
    room = sorted(s for s in st.log.stations() if s != st.station_id)[0]
    return st, room


def _push(st: Station, url: str, events: list[Event], heads: list[dict] | None) -> httpx.Response:
    body: dict = {"events": [e.to_dict() for e in events]}
    if heads is not None:
        body["heads"] = [{"manifest": h["manifest"], "signature": h["signature"]} for h in heads]
    return signed(st, url, "POST", "/api/v1/events", body)


def test_invented_room_chain_refused(live, hq_db):
    st, room = _ready(live, hq_db)
    chain = st.log.of_station(room)
    heads = signed_heads(st.engine, room)
    assert heads and heads[-1]["seq"] == chain[-1].seq  # HQ kept the room's signed head at import
    # a room chain with no head the room signed: refused whole, naming the first event
    r = _push(st, live.url, chain, None)
    assert r.status_code == 403 and r.json()["error"] == "unsigned-room-chain", r.text
    assert chain[0].id in r.json()["reason"] and room in r.json()["reason"]
    # HQ rewrites one event (a consistent chain, rehashed) and forwards the room's genuine head
    invented = _resealed(chain, 4, author="ORG99")
    r = _push(st, live.url, invented, heads)
    assert r.status_code == 409 and r.json()["error"] == "invented-room-chain", r.text
    assert invented[-1].id in r.json()["reason"]
    # HQ moves the head: the room's signature no longer verifies
    forged = [h | {"manifest": h["manifest"] | {"head_hash": invented[-1].hash}} for h in heads]
    r = _push(st, live.url, invented, forged)
    assert r.status_code == 403 and r.json()["error"] == "bad-room-head" and "does not verify" in r.json()["reason"]
    # HQ signs a head itself, in the room station's name
    from app.transfer import package as pk
    from app.transfer.keys import station_keys

    m = heads[-1]["manifest"] | {"head_hash": invented[-1].hash}
    own = [{"manifest": m, "signature": pk.b64(station_keys(st).sign(pk.signed_message("results", m)))}]
    r = _push(st, live.url, invented, own)
    assert r.status_code == 403 and r.json()["error"] == "bad-room-head"
    assert not any(v[0] == room for v in server_events(live.db).values())  # nothing of it stored
    # the genuine chain with its genuine head goes in
    r = _push(st, live.url, chain, heads)
    assert r.status_code == 200 and r.json()["inserted"] == len(chain), r.text
    # HQ appends an event of its own making to the room's chain: no head covers it
    extra = Event.from_dict(chain[-1].to_dict() | {"id": "x-appended", "seq": chain[-1].seq + 1,
                                                   "prev_hash": chain[-1].hash, "hash": ""}).sealed()
    r = _push(st, live.url, [extra], heads)
    assert r.status_code == 403 and r.json()["error"] == "unsigned-room-chain" and "x-appended" in r.json()["reason"]
    assert "x-appended" not in server_events(live.db)


def test_room_station_paired_for_another_room_or_date(live, hq_db):
    """The head must name the room and date the HQ paired the station for, and the exam point."""
    st = Station.open(hq_db)
    enroll(st, live.url, live.add_ppe("0412"))
    room = sorted(s for s in st.log.stations() if s != st.station_id)[0]
    heads = signed_heads(st.engine, room)
    real_room = heads[0]["manifest"]["room"]
    from app.transfer.records import trusted

    ident = trusted(st.engine, station=room)[0].identity.to_dict()
    # the HQ registers the room station for another room than it set it up for
    r = signed(st, live.url, "POST", "/api/v1/keys", {"keys": [ident | {"room": "0999", "date": "2026-06-04"}]})
    assert r.status_code == 200, r.text
    r = _push(st, live.url, st.log.of_station(room), heads)
    assert r.status_code == 403 and r.json()["error"] == "bad-room-head", r.text
    assert f"room {real_room}" in r.json()["reason"] and "room 0999" in r.json()["reason"]
    # and cannot re-pair it afterwards
    r = signed(st, live.url, "POST", "/api/v1/keys", {"keys": [ident | {"room": real_room, "date": "2026-06-04"}]})
    assert r.status_code == 409 and r.json()["error"] == "scope-differs"


def test_room_head_of_another_exam_point_refused(live, hq_db, tmp_path):
    """A second exam point's HQ forwarding 0412's room chain (with its genuine head) is refused."""
    from tests.server.dayfactory import build_hq_day

    st, room = _ready(live, hq_db)
    chain, heads = st.log.of_station(room), signed_heads(st.engine, room)
    assert _push(st, live.url, chain, heads).status_code == 200
    other_db = build_hq_day(None, tmp_path, rooms=("0101",), point="0413")
    other = Station.open(other_db)
    enroll(other, live.url, live.add_ppe("0413", name="СОШ № 4"))
    r = _push(other, live.url, chain, heads)
    assert r.status_code == 403 and r.json()["error"] == "other-ppe"
    # its own room station goes in under its own head, bound to 0413
    c = Client(other, live.url)
    try:
        _push_keys(other, c, FAST, lambda _r: None)
    finally:
        c.close()
    oroom = next(s for s in other.log.stations() if s != other.station_id)
    oheads = signed_heads(other.engine, oroom)
    assert oheads[0]["manifest"]["point"] == "0413"
    r = _push(other, live.url, other.log.of_station(oroom), oheads)
    assert r.status_code == 200, r.text
    # and 0412's HQ cannot forward it, nor its head alone
    r = _push(st, live.url, other.log.of_station(oroom), oheads)
    assert r.status_code == 403 and r.json()["error"] == "other-ppe"
    r = _push(st, live.url, [], oheads)
    assert r.status_code == 403 and r.json()["error"] == "unpaired", r.text


def test_an_older_hq_database_gets_its_heads_by_importing_the_packages_again(hq_template, hq_db):
    """HQ databases that imported result packages before heads were kept: importing a package again (a
    duplicate, nothing applied) keeps its signed head, so the room chain can be synced."""
    from sqlalchemy import text

    from app.transfer.results import import_package

    st = Station.open(hq_db)
    with st.engine.begin() as conn:
        conn.execute(text("DELETE FROM signed_heads"))
    pkg = hq_template.parent / "0101-results.pkg"
    receipt = import_package(st, pkg)
    assert receipt.outcome == "duplicate" and receipt.new_events == 0
    heads = signed_heads(st.engine, receipt.station)
    assert [h["seq"] for h in heads] == [receipt.seq_to] and heads[0]["manifest"]["room"] == "0101"
