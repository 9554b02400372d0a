"""Issue 15: the paper register travels to the server, which shows per exam point how many printed
papers came back matching (SQLite; the register is plain events, so PostgreSQL is the same path)."""

from __future__ import annotations

import json

import pytest

from app.services.station import Station
from tests.server.conftest import cli


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)
def test_paper_register_reaches_the_server(live, official, hq_db, tmp_path):
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.forms.api import render_room_set
    from app.forms.papers import mark_returned

    st = Station.open(hq_db)
    pdf = render_room_set(st, "0101", tmp_path)[0].path
    got = mark_returned(st, str(pdf))
    assert len(got) == 5
    render_room_set(st, "0102", tmp_path)
    st.close()
    code = live.add_ppe("0412")
    out = cli("sync", "--db", str(hq_db), "--server", live.url, "--enroll", code, "--json")
    assert json.loads(out.stdout)["outcome"] == "accepted"
    rep = official.get("/api/v1/monitoring", params={"ppe": "66/0412"}).json()
    row = rep["ppes"][0]
    returned = sum(1 for r in got if r.outcome == "returned")
    assert row["papers_printed"] == 10 and row["papers_returned"] == returned and not row["papers_all_back"]
    page = official.get("/monitoring", params={"ppe": "66/0412"}).text
    assert f"{returned} / 10" in page
