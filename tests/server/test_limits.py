"""Issue 13 probes against a real server: bad events refused and monitoring still up, bodies cut while
streaming (chunked too), deep JSON, malformed query parameters (400, never 500), plan bounds, empty and
concurrent plans (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from sqlalchemy import insert

from app.domain.event import Event
from app.server import schema as t
from app.server.db import make_engine
from app.services.station import Station
from app.sync import protocol as P
from app.sync.client import enroll, sync_once
from app.transfer.keys import station_keys
from tests.server.test_sync_e2e import FAST, signed

DAY = "2026-06-04/01"


def _synced(live, hq_db) -> Station:
    st = Station.open(hq_db)
    assert sync_once(st, live.url, enroll_code=live.add_ppe("0412"), backoff=FAST).outcome == "accepted"
    return st


def _next_event(st: Station, **change) -> dict:
    """A new event continuing the HQ's own chain, with ``change`` applied and sealed (a consistent chain)."""
    last = st.log.of_station(st.station_id)[-1]
    d = last.to_dict() | {"id": "probe-" + last.id[:20], "seq": last.seq + 1, "prev_hash": last.hash, "hash": ""}
    d.update(change)
    return Event.from_dict(d).sealed().to_dict()


PROBES = [({"at": "2026-06-04 10:00:00 local!!"}, "at is not a UTC instant"),
          ({"tz": "Europe/Atlantis"}, "unknown time zone"),
          ({"kind": "teleported"}, "unknown kind")]


@pytest.mark.parametrize("change,reason", PROBES)
def test_bad_event_refused_and_monitoring_stays_up(live, official, hq_db, change, reason):
    st = _synced(live, hq_db)
    before = official.get("/api/v1/monitoring").json()
    bad = _next_event(st, **change)
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [bad]})
    assert r.status_code == 422 and r.json()["error"] == "invalid-event"
    assert bad["id"] in r.json()["reason"] and reason in r.json()["reason"]
    for path in ("/monitoring", "/api/v1/monitoring", "/monitoring.csv", "/monitoring.xlsx", "/admin"):
        assert official.get(path).status_code == 200, path
    assert official.get("/api/v1/monitoring").json()["days"] == before["days"]


def test_stored_bad_event_is_skipped_and_counted_for_the_admin(live, official, hq_db):
    st = _synced(live, hq_db)
    bad = _next_event(st, at="not a date at all, 27 chars", kind="teleported")
    row = {k: bad[k] for k in ("id", "station", "seq", "at", "recorded_at", "tz", "author", "kind", "day", "room",
                               "participant", "prev_hash", "hash")}
    e = make_engine(live.db)
    with e.begin() as conn:  # written past the server, as an older version might have stored it
        conn.execute(insert(t.events).values(**row, ppe="66/0412", payload=json.dumps(bad["payload"])))
    from app.server.figures import rebuild

    rebuild(e)  # what the upgrade does (migration s0006f): the stored figures are rebuilt from the log
    e.dispose()
    for path in ("/monitoring", "/monitoring?ppe=66%2F0412", "/api/v1/monitoring", "/monitoring.csv",
                 "/monitoring.xlsx", f"/monitoring/events?day={DAY}&metric=exits&ppe=66%2F0412"):
        assert official.get(path).status_code == 200, path
    assert official.get("/api/v1/monitoring").json()["unreadable"] == 1
    assert 'id="unreadable"' in official.get("/monitoring").text
    assert '<b id="unreadable">1</b>' in official.get("/admin").text
    viewer = live.login("v043", "viewer", "66", "043")
    assert "unreadable" not in viewer.get("/api/v1/monitoring").json()  # an admin's matter


BAD_QUERIES = ["/monitoring?day=x/y/z", "/monitoring?day=2026-02-30/01", "/monitoring?ppe=%00", "/monitoring?ppe=66",
               "/monitoring?day=" + "9" * 5000, "/monitoring/events?day=x/y/z&metric=absent",
               "/monitoring/events?day=2026-06-04/01&metric=nope", "/monitoring/events?metric=absent",
               "/monitoring/events?day=2026-06-04/01&metric=absent&room=%27;drop",
               "/monitoring/events?day=2026-06-04/01&metric=absent&kind=%F0%9F%92%A5",
               "/monitoring/events?day=2026-06-04/01&metric=absent&school=" + "x" * 300,
               "/api/v1/monitoring?day=2026-13-01/01", "/api/v1/monitoring?ppe=66/04120",
               "/api/v1/monitoring/events?day=&metric=absent", "/monitoring.csv?day=%ff", "/monitoring.xlsx?ppe=../..",
               "/api/v1/monitoring/events?day=2026-06-04/00&metric=absent"]


def test_malformed_query_parameters_answer_400_with_a_reason(live, official, hq_db):
    st = _synced(live, hq_db)
    for q in BAD_QUERIES:
        r = official.get(q)
        assert r.status_code == 400, (q, r.status_code, r.text[:200])
        assert "reason" in r.text or "error" in r.text
    r = signed(st, live.url, "GET", "/api/v1/list?day=x/y/z")
    assert r.status_code == 400 and r.json()["error"] == "bad-parameter"


def _chunks(n_mb: int):
    block = b"[" * 1024 * 1024
    for _ in range(n_mb):
        yield block


def test_body_limits_while_streaming(live, official, hq_db):
    st = _synced(live, hq_db)
    keys = station_keys(st)
    # chunked (no Content-Length): cut at the limit, not read whole (200 MB would take the server's memory)
    h = P.sign_headers(keys, "POST", "/api/v1/events", b"")
    r = httpx.post(live.url + "/api/v1/events", content=_chunks(200), headers=h, timeout=60)
    assert r.status_code == 413 and r.json()["error"] == "too-large"
    for path in ("/login", "/verify", "/api/v1/enroll"):
        r = httpx.post(live.url + path, content=_chunks(30), timeout=60)
        assert r.status_code == 413, path
    # a declared length over the limit is refused before a byte is read
    r = httpx.post(live.url + "/login", content=b"x" * 300_000)
    assert r.status_code == 413
    # unsigned: refused from the headers, before the body
    r = httpx.post(live.url + "/api/v1/events", content=b"{}")
    assert r.status_code == 401
    # deep JSON: 422, never a RecursionError 500 — on the public act check too
    for depth in (50, 100_000):
        deep = b"[" * depth + b"]" * depth
        r = httpx.post(live.url + "/api/v1/verify", content=deep, headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["error"] == "too-deep", depth
    deep = b'{"events": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = httpx.post(live.url + "/api/v1/events", content=deep, headers=P.sign_headers(keys, "POST", "/api/v1/events",
                                                                                      deep))
    assert r.status_code == 422
    assert official.get("/monitoring").status_code == 200


def _plan(rooms, people) -> dict:
    return {"day": DAY, "rooms": rooms, "participants": people}


def test_plans_bounded_nonempty_and_safe_under_concurrency(live, official, hq_db, tmp_path):
    st = _synced(live, hq_db)
    before = official.get("/api/v1/monitoring").json()["days"][0]
    people = [{"code": "660000001", "room": "0101", "seat": "1A", "school_code": "", "ovz": False}]
    for rows in (-5, 0, 10**12, True, "5"):
        r = signed(st, live.url, "POST", "/api/v1/plan", _plan([{"number": "0101", "rows": rows, "seats_per_row": 4}],
                                                               people))
        assert r.status_code == 422, rows
    r = signed(st, live.url, "POST", "/api/v1/plan", _plan([], []))
    assert r.status_code == 422 and r.json()["error"] == "empty-plan"
    assert official.get("/api/v1/monitoring").json()["days"][0] == before  # attendance not zeroed
    # two HQs of one exam point (and repeats) pushing the same new day's plan at once: never a 500
    second = Station.create(tmp_path / "hq2.db", role="hq")
    enroll(second, live.url, live.enroll_code("0412"))
    body = _plan([{"number": "0101", "rows": 5, "seats_per_row": 4, "name": ""}], people) | {"day": "2026-06-08/02"}
    statuses: list[int] = []

    def push(station):
        statuses.append(signed(station, live.url, "POST", "/api/v1/plan", body).status_code)

    threads = [threading.Thread(target=push, args=(s,)) for s in (st, second) * 4]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert statuses == [200] * 8, statuses


def test_station_ids_cannot_be_squatted(live, hq_db, tmp_path):
    """Issue 13: an HQ delivered events under the station id of another exam point's HQ (or paired room
    station) before that one had synced; the owner then got 403. Ids are bound by enrollment and pairing."""
    st = Station.open(hq_db)
    enroll(st, live.url, live.add_ppe("0412"))  # enrolled, nothing synced yet
    intruder = Station.create(tmp_path / "intruder.db", role="hq")
    enroll(intruder, live.url, live.add_ppe("0413", name="СОШ № 4"))
    chain = [e.to_dict() for e in st.log.of_station(st.station_id)[:3]]
    r = signed(intruder, live.url, "POST", "/api/v1/events", {"events": chain})
    assert r.status_code == 403 and r.json()["error"] == "other-ppe" and "enrolled for exam point 66/0412" in \
        r.json()["reason"]
    assert sync_once(st, live.url, backoff=FAST).outcome == "accepted"  # the owner is not locked out
