"""End to end: a real server process, a real HQ database, SQLite and PostgreSQL alike."""

from __future__ import annotations

import json

import httpx
import pytest

from app.server.db import make_engine
from app.services.station import Station
from app.sync import protocol as P
from app.sync.client import Backoff, sync_once, sync_status
from app.transfer.keys import station_keys
from tests.server.conftest import cli

FAST = Backoff(base=0.05, cap=0.5, attempts=6)


def server_events(db: str) -> dict[str, tuple]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, station, seq, hash FROM events").all()
    engine.dispose()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def signed(st: Station, url: str, method: str, path: str, body: dict | None = None, **kw) -> httpx.Response:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = P.sign_headers(station_keys(st), method, path, raw, **kw)
    return httpx.request(method, url + path, content=raw or None, headers=headers, timeout=30)


def test_demo_day_sync_matches_stations(live, official, hq_db):
    from app.services import hq

    before = Station.open(hq_db)
    outside = hq.staff_change(before, "OUT01", "OUT04", "unwell").event  # an event of no room travels too
    before.close()
    assert outside.room is None
    code = live.add_ppe("0412")
    out = cli("sync", "--db", str(hq_db), "--server", live.url, "--enroll", code, "--json")
    res = json.loads(out.stdout)
    st = Station.open(hq_db)
    local = {e.id: (e.station, e.seq, e.hash) for e in st.log.all()}
    assert res["outcome"] == "accepted" and res["sent"] == len(local) and res["rejected"] == []
    assert len(st.log.stations()) == 4  # three room stations and the HQ itself
    assert server_events(live.db) == local and outside.id in local
    # the server's figures are the stations' own projections
    rep = official.get("/api/v1/monitoring", params={"ppe": "66/0412", "day": "2026-06-04"}).json()
    rooms = {r["room"]: r for r in rep["rooms"]}
    for room in ("0101", "0102", "0103", "0201"):
        state = st.room_state(room)
        c = state.counts()
        for k in ("assigned", "present", "absent", "late", "removed", "finished_early", "exits", "extra_sheets",
                  "corrections", "appeals"):
            assert rooms[room][k] == c[k], (room, k)
        assert rooms[room]["exit_minutes"] == round(state.exit_minutes(), 1)
        assert rooms[room]["incidents"] == len([e for e in state.incidents if e.kind != "correction"])
    assert rooms["0101"]["absent"] == 2 and rooms["0102"]["absent"] == 3 and rooms["0101"]["removed"] == 1
    assert rooms["0101"]["exit_minutes"] == 11.0 and rooms["0101"]["extra_sheets"] == 1  # the voided sheet is out
    day = rep["days"][0]
    assert day["assigned"] == 180 and day["present"] == sum(r["present"] for r in rep["rooms"])
    # every figure traces to its events
    evs = official.get("/api/v1/monitoring/events",
                    params={"ppe": "66/0412", "day": "2026-06-04/01", "metric": "absent", "room": "0102"}).json()
    assert evs["count"] == 3 and {e["kind"] for e in evs["events"]} == {"absent"}
    status = sync_status(st, live.url)
    assert status["servers"][0]["outcome"] == "accepted" and status["servers"][0]["pending_events"] == 0


def test_idempotent_resend_and_conflict(live, hq_db):
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    first = sync_once(st, live.url, enroll_code=code, backoff=FAST)
    assert first.outcome == "accepted" and first.sent > 0
    again = sync_once(st, live.url, backoff=FAST)
    assert again.outcome == "accepted" and again.sent == 0 and again.batches == 0
    # resend a whole chain by hand: every event is a duplicate, nothing stored twice
    chain = st.log.of_station(st.station_id)
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [e.to_dict() for e in chain]})
    assert r.status_code == 200 and r.json()["inserted"] == 0 and r.json()["duplicates"] == len(chain)
    # same id and seq, other body: refused as a conflict, nothing changes
    bad = chain[3].to_dict() | {"author": "ORG99"}
    from app.domain.event import Event

    bad["hash"] = Event.from_dict(bad).compute_hash()
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [bad]})
    assert r.status_code == 409 and r.json()["error"] == "fork" and "seq 4" in r.json()["reason"]
    assert len(server_events(live.db)) == st.log.count()


def test_chain_checks_refuse_altered_gap_and_fork(live, hq_db):
    from app.domain.event import Event

    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    sync_once(st, live.url, enroll_code=code, backoff=FAST, pull=False)
    # a station nobody paired: refused whole, naming the event
    room_chain = st.log.of_station(sorted(s for s in st.log.stations() if s.startswith("room"))[0])
    fake = [Event.from_dict(e.to_dict() | {"station": "room-new", "id": f"x{e.seq}"}) for e in room_chain[:4]]
    sealed, prev = [], "0" * 64
    for e in fake:
        e = Event.from_dict(e.to_dict() | {"prev_hash": prev, "hash": ""}).sealed()
        sealed.append(e)
        prev = e.hash
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [e.to_dict() for e in sealed]})
    assert r.status_code == 403 and r.json()["error"] == "unpaired" and "x1" in r.json()["reason"]
    # the HQ's own chain goes on with a hole in it
    head_seq, head_hash = st.log.head(st.station_id)
    last = st.log.of_station(st.station_id)[-1]
    more, prev = [], head_hash
    for n in range(head_seq + 1, head_seq + 5):
        e = Event.from_dict(last.to_dict() | {"id": f"y{n}", "seq": n, "prev_hash": prev, "hash": ""}).sealed()
        more.append(e)
        prev = e.hash
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [more[0].to_dict(), more[2].to_dict()]})
    assert r.status_code == 409 and r.json()["error"] == "gap" and f"gap before seq {head_seq + 3}" in r.json()["reason"]
    altered = more[0].to_dict() | {"kind": "absent"}
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [altered]})
    assert r.status_code == 409 and r.json()["error"] == "altered"
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [e.to_dict() for e in more[:2]]})
    assert r.status_code == 200 and r.json()["inserted"] == 2
    # a fork: the next seq that does not follow the stored one
    forked = Event.from_dict(more[2].to_dict() | {"prev_hash": "f" * 64, "hash": ""}).sealed()
    r = signed(st, live.url, "POST", "/api/v1/events", {"events": [forked.to_dict()]})
    assert r.status_code == 409 and r.json()["error"] == "fork"
    # resumes from the server's high-water mark
    heads = signed(st, live.url, "GET", "/api/v1/heads").json()["heads"]
    assert heads[st.station_id]["seq"] == head_seq + 2


def test_auth_refusals(live, hq_db, tmp_path):
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    sync_once(st, live.url, enroll_code=code, backoff=FAST, pull=False)
    url = live.url
    assert httpx.get(url + "/api/v1/heads").status_code == 401  # unsigned
    # the code is single-use
    r = cli("sync", "--db", str(hq_db), "--server", url, "--enroll", code, "--json", check=False)
    assert json.loads(r.stdout)["outcome"] == "accepted"  # same station, same key: idempotent re-enroll
    other = Station.create(tmp_path / "other.db", role="hq")
    r = cli("sync", "--db", str(tmp_path / "other.db"), "--server", url, "--enroll", code, check=False)
    assert r.returncode == 2 and "already used" in r.stderr
    # a key that is not the enrolled station's
    body = b""
    forged = P.sign_headers(station_keys(other), "GET", "/api/v1/heads", body)
    forged[P.H_STATION] = st.station_id
    r = httpx.get(url + "/api/v1/heads", headers=forged)
    assert r.status_code == 401 and r.json()["error"] == "bad-signature"
    # replay: the same signed request twice
    h = P.sign_headers(station_keys(st), "GET", "/api/v1/heads", body)
    assert httpx.get(url + "/api/v1/heads", headers=h).status_code == 200
    r = httpx.get(url + "/api/v1/heads", headers=h)
    assert r.status_code == 401 and r.json()["error"] == "replay"
    # stale
    import time

    r = signed(st, url, "GET", "/api/v1/heads", ts=int(time.time()) - 3600)
    assert r.status_code == 401 and r.json()["error"] == "stale"
    # signature over another path or body does not carry over
    h = P.sign_headers(station_keys(st), "GET", "/api/v1/days", body)
    assert httpx.get(url + "/api/v1/heads", headers=h).status_code == 401
    # another exam point's HQ cannot write this exam point's chains
    code2 = live.add_ppe("0413", name="СОШ № 4")
    intruder_db = tmp_path / "intruder.db"
    intruder = Station.create(intruder_db, role="hq")
    from app.sync.client import enroll

    enroll(intruder, url, code2)
    chain = st.log.of_station(st.station_id)
    r = signed(intruder, url, "POST", "/api/v1/events", {"events": [e.to_dict() for e in chain[:3]]})
    assert r.status_code == 403 and r.json()["error"] == "other-ppe"
    heads = signed(intruder, url, "GET", "/api/v1/heads").json()
    assert heads["ppe"] == "66/0413" and heads["heads"] == {}
    # and reads only its own days
    assert signed(intruder, url, "GET", "/api/v1/list?day=2026-06-04%2F01").status_code == 404


def test_pull_days_and_list(live, tmp_path):
    """A fresh HQ enrolls and receives the list the authority uploaded."""
    from app.services.demo import build_demo

    code = live.add_ppe("0412")
    _, people, _ = build_demo()
    lst = tmp_path / "list.csv"
    head = ("region,ppe_code,exam_date,subject_code,room,seat,participant_code,last_name,first_name,middle_name,"
            "document_series,document_number,school_code,special_conditions")
    rows = [f"66,0412,2026-06-04,01,{p.room},{p.seat},{p.code},{p.last_name},{p.first_name},{p.middle_name},"
            f"{p.document_series},{p.document_number},{p.school_code},{'ovz' if p.ovz else ''}" for p in people]
    lst.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    up = json.loads(cli("server", "upload-list", "--db", live.db, str(lst), "--json").stdout)
    assert up["rows"] == 180 and up["days"] == ["2026-06-04/01"]
    hq = Station.create(tmp_path / "fresh.db", role="hq")
    res = sync_once(hq, live.url, enroll_code=code, backoff=FAST)
    assert res.outcome == "accepted" and res.pulled_days == ["2026-06-04/01"]
    hq = Station.open(tmp_path / "fresh.db")
    assert hq.point.code == "0412" and len(hq.plan.participants) == 180
    assert hq.plan.participants[people[0].code].last_name == people[0].last_name
    again = sync_once(hq, live.url, backoff=FAST)
    assert again.pulled_days == [] and again.list_notes == []


def test_bad_input_to_cli(live, tmp_path):
    r = cli("server", "add-ppe", "--db", live.db, "--region", "6", "--msu", "043", "--ppe", "0412", "--name", "x",
            check=False)
    assert r.returncode == 2 and "--region must be 2 digits" in r.stderr and "Traceback" not in r.stderr
    r = cli("server", "enroll-code", "--db", live.db, "--ppe", "9999", check=False)
    assert r.returncode == 2 and "no exam point 9999" in r.stderr
    hq = Station.create(tmp_path / "h.db", role="hq")
    hq.close()
    r = cli("sync", "--db", str(tmp_path / "h.db"), "--server", live.url, check=False)
    assert r.returncode == 2 and "not enrolled" in r.stderr
    r = cli("sync", "--db", str(tmp_path / "h.db"), "--server", "http://example.org", check=False)
    assert r.returncode == 2 and "plain HTTP" in r.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html", "openapi"])
def test_exports_and_pages(live, official, hq_db, fmt):
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    sync_once(st, live.url, enroll_code=code, backoff=FAST, pull=False)
    total_absent = sum(st.room_state(r).counts()["absent"] for r in st.plan.rooms)
    if fmt == "csv":  # for Excel: ';', UTF-8 with a BOM, Russian headers, every level in one table
        import csv
        import io

        r = official.get("/monitoring.csv")
        assert r.headers["content-type"] == "text/csv; charset=utf-8" and r.content.startswith(b"\xef\xbb\xbf")
        text = r.content.decode("utf-8")[1:]
        assert text.split("\r\n", 1)[0].count(";") > 20 and "," not in text.split("\r\n", 1)[0]
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        day = next(x for x in rows if x["Уровень"] == "дата и предмет")
        assert int(day["Не явились"]) == total_absent and int(day["Распределено"]) == 180
        assert day["Дата"] == "04.06.2026" and day["Предмет"] == "Русский язык"
        assert {x["Уровень"] for x in rows} == {"весь период", "дата", "дата и предмет", "ППЭ", "аудитория", "школа"}
        assert int(day["Удалён за нарушение Порядка"]) == 4
        ppe = next(x for x in rows if x["Уровень"] == "ППЭ")
        assert ppe["ППЭ"] == "66/0412" and ppe["Наименование ППЭ"] == "МАОУ СОШ № 8"
        one = official.get("/monitoring.csv", params={"table": "ppes"})
        assert 'filename="monitoring-ppes.csv"' in one.headers["content-disposition"]
        ppes = list(csv.DictReader(io.StringIO(one.content.decode("utf-8-sig")), delimiter=";"))
        assert len(ppes) == 3 and int(ppes[0]["Не явились"]) == total_absent  # 4 June; 11 June: two subjects
        assert official.get("/monitoring.csv", params={"table": "nope"}).status_code == 400
    elif fmt == "xlsx":
        import io

        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(official.get("/monitoring.xlsx").content))
        assert wb.sheetnames == ["По датам", "По датам и предметам", "По ППЭ", "По школам (ОО)", "По аудиториям",
                                 "Нештатные ситуации по видам"]
        ws = wb["По датам и предметам"]
        head = [c.value for c in ws[1]]
        assert ws.cell(2, head.index("Не явились") + 1).value == total_absent
    elif fmt == "html":
        html = official.get("/monitoring", params={"ppe": "66/0412"}).text
        assert "<svg" in html and 'id="by-school"' in html and 'id="by-room"' in html
        assert "/monitoring/events?metric=absent" in html
        page = official.get("/monitoring/events", params={"ppe": "66/0412", "day": "2026-06-04/01",
                                                                  "metric": "removed"}).text
        assert page.count('data-kind="removal"') == 4
        for p in st.plan.participants.values():  # no names on the authority's pages
            assert p.last_name not in html and p.last_name not in page
    else:
        assert httpx.get(live.url + "/openapi.json").status_code == 401  # a session first
        spec = official.get("/openapi.json").json()
        assert "/api/v1/events" in spec["paths"] and "/api/v1/monitoring" in spec["paths"]
        assert official.get("/docs").status_code == 200


def test_enrollment_survives_host_port_and_prefix_change(live, hq_db):
    """Issue 13: signatures covered the path as the server saw it and enrollment was bound to the exact URL,
    so a reverse proxy that mounts the server under a prefix (another host name and port) broke every sync.
    Enrolled at http://127.0.0.1:P1/, the HQ syncs through http://localhost:P2/prefix/."""
    from app.sync.client import enroll
    from tests.server.faultproxy import FaultProxy

    st = Station.open(hq_db)
    enroll(st, live.url + "/", live.add_ppe("0412"))
    proxy = FaultProxy(live.port, rate=0.0, strip="/prefix")
    try:
        moved = f"http://localhost:{proxy.port}/prefix/"
        res = sync_once(st, moved, backoff=FAST)
        assert res.outcome == "accepted", res.message
        assert res.rejected == [] and res.sent == st.log.count()
        assert proxy.stats["pass"] > 3  # every request went through the proxy, prefix and all
        status = sync_status(st, moved)["servers"][0]
        assert status["ppe"] == "66/0412" and status["pending_events"] == 0
        assert sync_once(st, moved, backoff=FAST).outcome == "accepted"
        # a station the server never enrolled is still told to enroll
        from app.errors import UserError

        stranger = Station.create(hq_db.parent / "stranger.db", role="hq")
        with pytest.raises(UserError, match="not enrolled"):
            sync_once(stranger, moved, backoff=FAST)
    finally:
        proxy.close()
    local = {e.id: (e.station, e.seq, e.hash) for e in st.log.all()}
    assert server_events(live.db) == local
