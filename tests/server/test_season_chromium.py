"""The season's pages in a real headless Chromium at 1366 px (issue 13): the whole period as a summary with
paged, sortable exam points and schools; one date; the admin page with each room station's pairing; the
events behind a figure in words. Every page fits the screen; screenshots go to docs/screenshots/ on demand
(AUDITORIA_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from app.services.station import Station
from app.sync.client import Backoff, sync_once
from tests.server.conftest import ROOT, LiveServer
from tests.server.test_monitoring_chromium import CHROMIUM, _real_content
from tests.server.test_monitoring_paging import _season


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)")
def test_season_pages_in_chromium(tmp_path, hq_db):
    from tests.server.cdp import Browser

    db = str(tmp_path / "s.db")
    srv = LiveServer(db, tmp_path / "s.log")
    b = None
    try:
        keys = _season(db, 18, 3, 1)  # 54 exam-point dates, 540 school rows
        code = srv.add_ppe("0412")
        password = srv.add_user("chief")
        st = Station.open(hq_db)
        assert sync_once(st, srv.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=3)).outcome == "accepted"
        st.close()
        b = Browser(CHROMIUM, tmp_path / "profile")
        b.goto(f"{srv.url}/login")
        b.js(f"document.getElementById('username').value = 'chief';"
             f"document.getElementById('password').value = {password!r};"
             "document.getElementById('sign-in').click()", wait=True)
        shots = []

        def shoot(path: str, name: str, words: tuple[str, ...]) -> str:
            b.goto(srv.url + path)
            text = b.js("document.body.innerText")
            for w in words:
                assert w in text, (path, w)
            assert b.js("document.documentElement.scrollWidth") <= 1366, path  # fits the screen
            shot = tmp_path / name
            b.screenshot(shot)
            _real_content(shot, 1366)
            shots.append(shot)
            return text

        text = shoot("/monitoring", "monitoring-season.png",
                     ("Весь период", "По датам", "По ППЭ", "По школам (ОО)", "Строки 1–50 из 55",
                      "Явка по датам и предметам"))
        assert "Явка по ППЭ" not in text  # no bar per exam point and date over a season
        schools = int(re.search(r"Строки 1–50 из (\d+)", text.split("По школам (ОО)", 1)[1]).group(1))
        assert schools > 540
        assert b.js("document.querySelectorAll('#by-ppe tr').length") == 51
        # a click on a column's header sorts the table (most first), a click on the pager turns the page
        b.js("document.querySelector('#by-ppe a.sort[data-sort=\"exits\"]').click()", wait=True)
        assert "ppes_sort=exits" in b.js("location.search") and "▼" in b.js("document.querySelector('#by-ppe').innerText")
        b.js("document.querySelector('#pager-schools a[rel=next]').click()", wait=True)
        assert f"Строки 51–100 из {schools}" in b.js("document.body.innerText")
        shoot(f"/monitoring?day={keys[0]}&ppes_sort=absent&ppes_desc=1", "monitoring-season-date.png",
              ("Явка по ППЭ", "По ППЭ"))
        shoot("/admin", "admin-pairing.png", ("Станции аудиторий и их сопряжение", "Сопряжена штабом"))
        shoot("/monitoring/events?metric=present&day=2026-06-04%2F01&ppe=66%2F0412", "monitoring-events-words.png",
              ("Присутствуют", "личность: по документу"))
        if os.environ.get("AUDITORIA_SCREENSHOTS"):
            docs = ROOT / "docs" / "screenshots"
            for p in shots:
                shutil.copy(p, docs / p.name)
    finally:
        if b is not None:
            b.close()
        srv.stop()
