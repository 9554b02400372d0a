"""Act verification: a QR payload → valid / invalid / superseded, with the recorded data."""

from __future__ import annotations

import httpx

from app.services.station import Station
from app.server.verify import encode_payload
from app.sync.client import Backoff, sync_once
from app.transfer.keys import station_keys


def test_verify_act_payloads(live, hq_db):
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    p = st.plan.room_participants("0104")[0].code
    first = st.record("act-drawn", "0104", p, at="12:00", payload={"form": "ППЭ-21", "target": "x", "document_id":
                                                                   "DOC-1"})
    assert sync_once(st, live.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=3)).outcome == "accepted"
    keys = station_keys(st)
    data = {"station": st.station_id, "doc": "DOC-1", "form": "ППЭ-21", "ppe": "0412", "room": "0104",
            "participant": p}
    payload = encode_payload(keys, data)
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": payload}).json()
    assert v["status"] == "valid" and v["record"]["event"] == first.event.id and v["data"]["doc"] == "DOC-1"
    # a forged change of the data
    head, body, sig = payload.split(".")
    other = encode_payload(keys, {**data, "participant": "999"}).split(".")[1]
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": f"{head}.{other}.{sig}"}).json()
    assert v["status"] == "invalid"
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": "garbage"}).json()
    assert v["status"] == "invalid" and "cannot read" in v["reason"]
    # a later act for the same target supersedes the first
    st.record("act-drawn", "0104", p, at="12:30", payload={"form": "ППЭ-21", "target": "x", "document_id": "DOC-2"})
    sync_once(st, live.url, backoff=Backoff(base=0.05, attempts=3))
    v = httpx.post(live.url + "/api/v1/verify", json={"payload": payload}).json()
    assert v["status"] == "superseded" and v["superseded_by"]["document_id"] == "DOC-2"
    # the HTML page says the same
    page = httpx.post(live.url + "/verify", data={"payload": payload}).text
    assert 'class="verdict superseded"' in page and "DOC-2" in page


def test_retry_later_when_the_server_is_down(hq_db, tmp_path):
    from tests.server.conftest import LiveServer, free_port

    st = Station.open(hq_db)
    srv = LiveServer(str(tmp_path / "s.db"), tmp_path / "s.log")
    try:
        code = srv.add_ppe("0412")
        from app.sync.client import enroll, sync_status

        enroll(st, srv.url, code)
        url = srv.url
    finally:
        srv.stop()
    res = sync_once(st, url, backoff=Backoff(base=0.01, attempts=2), timeout=2)
    assert res.outcome == "retry" and "could not be reached" in res.message and res.retries >= 2
    status = sync_status(st, url)["servers"][0]
    assert status["outcome"] == "retry" and status["next_attempt_at"] and status["failures"] == 1
    assert status["pending_events"] == st.log.count()
    assert free_port()
