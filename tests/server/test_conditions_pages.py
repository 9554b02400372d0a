"""The conditions page against a real ``auditoria serve``: ОВЗ figures and public observers per exam point
and date, behind a session, counts only (no codes, no names), each table as CSV for Excel."""

from __future__ import annotations

import csv
import io
import shutil

import httpx
import pytest

from app.services import observers
from app.services.station import Station
from app.sync.client import Backoff, sync_once
from tests.server.conftest import LiveServer


@pytest.fixture(scope="module")
def srv(hq_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("conditions-pages")
    hq = tmp / "hq.db"
    shutil.copy(hq_template, hq)
    shutil.copy(str(hq_template) + ".keys", str(hq) + ".keys")  # the room packages were addressed to this key
    st = Station.open(hq)
    st.use_day("2026-06-04")
    a = observers.add_observer(st, "Наблюдаева", "Ольга", "Петровна")
    b = observers.add_observer(st, "Смотров", "Пётр")
    observers.arrived(st, a.code, at="08:30")
    observers.left(st, a.code, at="12:30")
    observers.arrived(st, b.code, at="09:00")
    s = LiveServer(str(tmp / "s.db"), tmp / "s.log")
    try:
        code = s.add_ppe("0412")
        res = sync_once(st, s.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=4))
        assert res.outcome == "accepted", (res.message, res.rejected)
        st.close()
        s.client = s.login("chief")
        yield s
        s.client.close()
    finally:
        s.stop()


def test_conditions_need_a_session_and_show_counts_only(srv):
    assert httpx.get(srv.url + "/api/v1/conditions").status_code == 401
    assert httpx.get(srv.url + "/conditions", follow_redirects=False).status_code in (303, 401)
    api = srv.client.get("/api/v1/conditions").json()
    (row,) = [r for r in api["observers"] if r["date"] == "2026-06-04"]
    assert row["observers"] == 2 and row["still_checked_in"] == 1 and row["hours_present"] == 4.0
    page = srv.client.get("/conditions")
    assert page.status_code == 200
    text = page.text
    assert "Общественные наблюдатели" in text and "04.06.2026" in text
    for private in ("Наблюдаева", "Смотров", "OBS0"):
        assert private not in text and private not in str(api)
    assert srv.client.get("/conditions", params={"date_from": "2026-13-01"}).status_code == 400


def test_conditions_csv_for_excel(srv):
    r = srv.client.get("/conditions.csv", params={"table": "conditions-observers"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["ППЭ", "Наименование ППЭ", "Дата", "Наблюдателей"]  # Russian headers for Excel
    assert any(r[2] == "04.06.2026" and r[3] == "2" for r in rows[1:])
    ovz = list(csv.reader(io.StringIO(srv.client.get("/conditions.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert ovz[0][3] == "Предмет" and {r[3] for r in ovz[1:]} >= {"01 Русский язык", "03 Физика"}
    assert srv.client.get("/conditions.csv", params={"table": "nope"}).status_code == 400


def test_conditions_page_in_chromium_at_1366(srv, tmp_path):
    """Signed in through the form in a real headless Chromium: Russian, every table inside 1366 px.
    ``AUDITORIA_SCREENSHOTS=1`` copies the screenshot into docs/screenshots/ (looked at before committing)."""
    import os
    from pathlib import Path

    from tests.server.conftest import ROOT
    from tests.server.test_monitoring_chromium import CHROMIUM, _real_content

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    from tests.server.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        b.goto(f"{srv.url}/login")
        b.js("document.getElementById('username').value = 'chief';"
             "document.getElementById('password').value = 'correct horse battery';"
             "document.getElementById('sign-in').click()", wait=True)
        b.goto(srv.url + "/conditions")
        assert b.js("location.pathname") == "/conditions"
        assert b.js("document.documentElement.scrollWidth") <= 1366
        text = b.js("document.body.innerText")
        assert "Условия проведения экзамена" in text and "Общественные наблюдатели" in text
        assert "Наблюдаева" not in text
        shot = tmp_path / "conditions.png"
        b.screenshot(shot)
        _real_content(shot, 1366)
    finally:
        b.close()
    if os.environ.get("AUDITORIA_SCREENSHOTS"):
        shutil.copy(shot, ROOT / "docs" / "screenshots" / "conditions.png")
