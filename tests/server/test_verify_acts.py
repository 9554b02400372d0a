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


def test_room_station_keys_registered_through_hq(live, hq_db, tmp_path):
    """A room station's act checks out once its HQ (which paired with it) has synced its key."""
    from app.services.demo import install_demo
    from app.store.db import open_engine
    from app.transfer.records import add_trusted

    room = Station.create(tmp_path / "room.db", role="room", room="0104")
    install_demo(room)
    e = room.record("removal", "0104", room.plan.room_participants("0104")[1].code, at="12:00",
                    payload={"reason": "notes"})
    text = act_code(room, e.event, "ППЭ-21-7")
    st = Station.open(hq_db)
    st.log.insert_foreign(room.log.all())
    with open_engine(hq_db).begin() as conn:
        add_trusted(conn, station_keys(room).public, "0104", "setup", "2026-06-04T00:00:00.000000Z")
    code = live.add_ppe("0412")
    assert sync_once(st, live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": text}).json()
    assert v["status"] == "valid" and v["record"]["station"] == room.station_id


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
