"""Act verification with the forms area's signed QR (AU1): valid / invalid / superseded, by text or photo."""

from __future__ import annotations

import base64
import shutil

import httpx

from app.forms.seal import seal
from app.services.station import Station
from app.sync.client import Backoff, sync_once
from app.transfer.keys import b64, station_keys

FAST = Backoff(base=0.05, attempts=3)


def act_code(st: Station, event, doc: str = "ППЭ-21-1") -> str:
    seq, h = st.log.head()
    payload = {"v": 1, "f": "ppe-21", "i": doc, "p": "0412", "d": st.day.key, "r": event.room,
               "u": event.participant, "e": event.id.replace("-", "")[:12], "c": b64(b"\1" * 32),
               "s": st.station_id, "q": seq, "h": b64(bytes.fromhex(h))}
    return seal(payload, station_keys(st).sign).text


def test_verify_act_payloads(live, hq_db, tmp_path):
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    p = st.plan.room_participants("0104")[0].code
    removal = st.record("removal", "0104", p, at="12:00", payload={"reason": "phone"})
    text = act_code(st, removal.event)

    def check(t: str) -> dict:
        return httpx.post(live.url + "/api/v1/verify", json={"payload": t}).json()

    assert check(text)["status"] == "unknown-key"  # the server has not met this station yet
    assert sync_once(st, live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    v = check(text)
    assert v["status"] == "valid" and v["record"]["event"] == removal.event.id and v["data"]["participant"] == p
    # one changed character of the data part breaks the signature
    raw = bytearray(base64.b32decode(text[4:] + "=" * (-len(text[4:]) % 8)))
    raw[raw.index(b"0104")] = ord("9")
    forged = "AU1:" + base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert check(forged)["status"] == "invalid"
    assert check("garbage")["status"] == "invalid" and "not an Auditoria" in check("garbage")["reason"]
    # the removal is voided afterwards: the paper no longer matches the record
    st.void("0104", removal.event.id, "wrong participant")
    sync_once(st, live.url, backoff=FAST)
    v = check(text)
    assert v["status"] == "superseded" and v["superseded_by"]["kind"] == "void"
    with httpx.Client(base_url=live.url) as c:  # the public page's form carries a CSRF token (cookie-bound)
        assert c.post("/verify", data={"payload": text}).status_code == 403
        form = c.get("/verify").text
        csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        page = c.post("/verify", data={"payload": text, "csrf": csrf}).text
    assert 'class="verdict superseded"' in page and "void" in page
    # a photo of the code works too
    if shutil.which("zbarimg"):
        import qrcode

        img = tmp_path / "qr.png"
        qrcode.make(text).save(img)
        v = httpx.post(live.url + "/api/v1/verify", content=img.read_bytes(),
                       headers={"Content-Type": "image/png"}).json()
        assert v["status"] == "superseded"
        r = httpx.post(live.url + "/api/v1/verify", content=b"\x89PNG not an image",
                       headers={"Content-Type": "image/png"})
        assert r.status_code == 422


def _room_from_hq(hq_db, tmp_path, room: str = "0104"):
    """HQ (at 14:30 on the demo date) sets up a room laptop from its package, the room plays its day and
    comes back on a result package; returns (HQ, the room station reopened)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.clock import FixedClock
    from tests.server.dayfactory import room_through_sticks

    clock = FixedClock(datetime(2026, 6, 4, 14, 30, tzinfo=ZoneInfo("Asia/Yekaterinburg")))
    st = Station.open(hq_db, clock=clock)
    room_through_sticks(st, room, tmp_path, 0, clock)
    return st, Station.open(tmp_path / f"r{room}.db", clock=clock)


def test_room_station_keys_registered_through_hq(live, hq_db, tmp_path):
    """A room station's act checks out once its HQ (which paired with it) has synced its key."""
    st, room = _room_from_hq(hq_db, tmp_path)
    e = next(e for e in room.log.all() if e.kind == "removal")
    text = act_code(room, e, "ППЭ-21-7")
    code = live.add_ppe("0412")
    assert sync_once(st, live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": text}).json()
    assert v["status"] == "valid" and v["record"]["station"] == room.station_id


def test_forged_act_for_another_room(live, hq_db, tmp_path):
    """Issue 13: the signer must belong to the exam point AND the room named in the act. A room station
    paired for 0104 signs an act naming room 0101 (its key is genuine, its data is not its own)."""
    st, room = _room_from_hq(hq_db, tmp_path)
    assert sync_once(st, live.url, enroll_code=live.add_ppe("0412"), backoff=FAST).outcome == "accepted"
    seq, h = room.log.head()
    e = next(e for e in room.log.all() if e.kind == "removal")
    forged = {"v": 1, "f": "ppe-21", "i": "ППЭ-21-8", "p": "0412", "d": room.day.key, "r": "0101",
              "u": e.participant, "e": e.id.replace("-", "")[:12], "c": b64(b"\1" * 32), "s": room.station_id,
              "q": seq, "h": b64(bytes.fromhex(h))}
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": seal(forged, station_keys(room).sign).text}).json()
    assert v["status"] == "invalid" and "room 0104" in v["reason"] and "room 0101" in v["reason"], v
    other_day = forged | {"r": "0104", "d": "2026-06-11"}
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": seal(other_day, station_keys(room).sign).text}).json()
    assert v["status"] == "invalid" and "2026-06-11" in v["reason"], v
    # HQ prints for any room of its exam point, but not for a room the exam point does not have
    hq_seq, hq_h = st.log.head()
    by_hq = forged | {"r": "0999", "s": st.station_id, "q": hq_seq, "h": b64(bytes.fromhex(hq_h))}
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": seal(by_hq, station_keys(st).sign).text}).json()
    assert v["status"] == "invalid" and "room 0999" in v["reason"], v
    genuine = forged | {"r": "0104", "i": "ППЭ-21-9"}
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": seal(genuine, station_keys(room).sign).text}).json()
    assert v["status"] == "valid", v


def test_retry_later_when_the_server_is_down(hq_db, tmp_path):
    from app.sync.client import enroll, sync_status
    from tests.server.conftest import LiveServer

    st = Station.open(hq_db)
    srv = LiveServer(str(tmp_path / "s.db"), tmp_path / "s.log")
    try:
        enroll(st, srv.url, srv.add_ppe("0412"))
        url = srv.url
    finally:
        srv.stop()
    res = sync_once(st, url, backoff=Backoff(base=0.01, attempts=2), timeout=2)
    assert res.outcome == "retry" and "could not be reached" in res.message and res.retries >= 2
    status = sync_status(st, url)["servers"][0]
    assert status["outcome"] == "retry" and status["next_attempt_at"] and status["failures"] == 1
    assert status["pending_events"] == st.log.count()


def test_forged_act_of_another_exam_point_and_revocation(live, hq_db, tmp_path):
    """Issue 13: an act signed by exam point 0413's HQ key but naming 0412 was reported VALID."""
    from tests.server.conftest import cli

    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    assert sync_once(st, live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    other = Station.create(tmp_path / "other.db", role="hq")
    from app.sync.client import enroll

    enroll(other, live.url, live.add_ppe("0413", name="СОШ № 4"))
    p = st.plan.room_participants("0101")[0].code
    ev = st.log.all()[-1]
    seq, h = st.log.head()
    forged = {"v": 1, "f": "ppe-21", "i": "ППЭ-21-9", "p": "0412", "d": st.day.key, "r": "0101", "u": p,
              "e": ev.id.replace("-", "")[:12], "c": b64(b"\1" * 32), "s": other.station_id, "q": seq,
              "h": b64(bytes.fromhex(h))}
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": seal(forged, station_keys(other).sign).text}).json()
    assert v["status"] == "invalid" and "does not belong" in v["reason"]
    # the genuine act checks out until the authority revokes the station's key: then at once it does not,
    # and the station's own requests are refused
    removal = st.record("removal", "0101", p, at="12:00", payload={"reason": "phone"})
    genuine = act_code(st, removal.event)
    assert sync_once(st, live.url, backoff=FAST).outcome == "accepted"
    assert httpx.post(live.url + "/api/v1/verify", json={"payload": genuine}).json()["status"] == "valid"
    out = cli("server", "revoke-ppe-key", "--db", live.db, "--ppe", "0412", "--json")
    assert st.station_id in out.stdout
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": genuine}).json()
    assert v["status"] == "invalid" and "revoked" in v["reason"]
    res = sync_once(st, live.url, backoff=FAST)
    assert res.outcome != "accepted"
    from app.sync import protocol as P

    r = httpx.get(live.url + "/api/v1/heads", headers=P.sign_headers(station_keys(st), "GET", "/api/v1/heads"))
    assert r.status_code == 401 and r.json()["error"] == "revoked"
    r = cli("server", "revoke-station", "--db", live.db, "--station", "nobody", check=False)
    assert r.returncode == 2 and "no station nobody" in r.stderr
