"""The server over an exam period: figures keyed by date and subject, filtered by date range, subject, school."""

from __future__ import annotations

from datetime import date

import pytest

from app.clock import FixedClock
from app.services.hq_demo import local, make_hq, room_day, set_up_room
from app.sync.client import Backoff, sync_once
from app.transfer.results import export_results, import_package

FAST = Backoff(base=0.05, cap=0.5, attempts=6)


@pytest.fixture
def period_hq(tmp_path):
    hq = make_hq(tmp_path / "hq.db", clock=FixedClock(local("15:00", date(2026, 6, 11))))
    rooms = {}
    for day, plan in (("2026-06-04", {"0101": "end"}), ("2026-06-11", {"0101": "end", "0203": "morning"})):
        hq.use_day(day)
        for room, until in plan.items():
            st = set_up_room(hq, room, tmp_path, name=f"{day}-{room}")
            room_day(st, until=until)
            export_results(st, tmp_path / f"{day}-{room}.pkg")
            import_package(hq, tmp_path / f"{day}-{room}.pkg")
            rooms[(day, room)] = st.room_state(room)
            st.close()
    yield hq, rooms
    hq.close()


def _get(official, **params):
    r = official.get("/api/v1/monitoring", params={k: v for k, v in params.items() if v is not None})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)
def test_figures_by_date_subject_and_school(live, official, period_hq):
    hq, rooms = period_hq
    code = live.add_ppe("0412")
    res = sync_once(hq, live.url, enroll_code=code, backoff=FAST)
    assert res.outcome == "accepted"
    rep = _get(official)
    keys = sorted(d["day"] for d in rep["days"])
    assert keys == ["2026-06-04/01", "2026-06-11/03", "2026-06-11/12"]
    dates = {d["date"]: d for d in rep["dates"]}
    assert dates["2026-06-11"]["subjects"] == ["03", "12"]
    p4 = rooms[("2026-06-04", "0101")].counts()["present"]
    p11 = rooms[("2026-06-11", "0101")].counts()["present"] + rooms[("2026-06-11", "0203")].counts()["present"]
    assert dates["2026-06-04"]["present"] == p4 and dates["2026-06-11"]["present"] == p11
    assert rep["period"]["present"] == p4 + p11
    # one subject of a date: its rooms only, figures equal to the room station's
    phys = _get(official, subject="03")
    assert [d["day"] for d in phys["days"]] == ["2026-06-11/03"]
    room_rows = {r["room"]: r for r in phys["rooms"]}
    assert set(room_rows) == {"0203", "0204", "0205", "0301", "0302", "0303"}
    st = rooms[("2026-06-11", "0203")].counts()
    for k in ("assigned", "present", "absent", "removed", "exits", "extra_sheets"):
        assert room_rows["0203"][k] == st[k], k
    # a date range
    june4 = _get(official, date_from="2026-06-01", date_to="2026-06-05")
    assert [d["day"] for d in june4["days"]] == ["2026-06-04/01"] and june4["period"]["present"] == p4
    # a school: its participants' figures only
    hq.use_day("2026-06-11")
    school = hq.plan.participants[next(iter(rooms[("2026-06-11", "0203")].participants))].school_code
    by_school = _get(official, date_from="2026-06-11", school=school)
    want = sum(1 for (d, r), s in rooms.items() if d == "2026-06-11" for p in s.listed()
               if p.present and hq.plan.participants[p.code].school_code == school)
    assert by_school["period"]["present"] == want > 0
    assert {r["school"] for r in by_school["schools"]} == {school}
    # a bad filter is a clear 400, never a 500
    for bad in ({"date_from": "2026-13-01"}, {"subject": "x"}, {"day": "x/y/z"}, {"school": "abc"}):
        r = official.get("/api/v1/monitoring", params=bad)
        assert r.status_code == 400 and "expected" in r.json()["reason"], bad
    page = official.get("/monitoring", params={"date_from": "2026-06-11"})
    assert page.status_code == 200 and 'id="by-date"' in page.text and "2026-06-11" in page.text
