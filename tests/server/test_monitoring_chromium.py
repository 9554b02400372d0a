"""The officials' pages in a real headless Chromium: sign in through the form → monitoring (Russian) →
export → the events of a figure → sign out; screenshots at 1366 px are kept (docs/screenshots/ on demand)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.services.station import Station
from app.sync.client import Backoff, sync_once
from tests.server.conftest import ROOT, LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _real_content(shot: Path, width: int) -> None:
    from PIL import Image

    img = Image.open(shot)
    assert img.size[0] == width and shot.stat().st_size > 20_000
    assert len(img.convert("RGB").getcolors(1 << 20) or []) > 50  # real content, not a blank page


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)")
def test_login_monitoring_export_logout_in_chromium(tmp_path, hq_db):
    from tests.server.cdp import Browser

    srv = LiveServer(str(tmp_path / "s.db"), tmp_path / "s.log")
    b = None
    try:
        code = srv.add_ppe("0412")
        password = srv.add_user("chief")
        st = Station.open(hq_db)
        assert sync_once(st, srv.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=3)).outcome == "accepted"
        b = Browser(CHROMIUM, tmp_path / "profile")
        url = f"{srv.url}/monitoring?day=2026-06-04%2F01&ppe=66%2F0412"
        b.goto(url)
        assert b.js("location.pathname") == "/login"  # no session: the sign-in page, which returns here after
        assert "Вход" in b.js("document.body.innerText")
        b.js(f"document.getElementById('username').value = 'chief';"
             f"document.getElementById('password').value = {password!r};"
             "document.getElementById('sign-in').click()", wait=True)
        assert b.js("location.pathname + location.search") == "/monitoring?day=2026-06-04%2F01&ppe=66%2F0412"
        text = b.js("document.body.innerText")
        for words in ("Мониторинг экзамена", "По ППЭ", "По аудиториям", "Не отмечены", "Последняя синхронизация",
                      "04.06.2026", "Присутствуют"):
            assert words in text, words
        for english in ("Monitoring of the exam", "By school", "early-completion", "Exam point"):
            assert english not in text, english
        html = b.js("document.documentElement.outerHTML")
        absent = sum(st.room_state(r).counts()["absent"] for r in st.plan.rooms)
        assert f'metric=absent&amp;day=2026-06-04%2F01&amp;ppe=66%2F0412">{absent}</a>' in html
        assert b.js("document.documentElement.scrollWidth") <= 1366  # the tables fit the screen
        shot = tmp_path / "monitoring.png"
        b.screenshot(shot)
        _real_content(shot, 1366)
        # an export with the session cookie (same-site fetch), then the events a figure was counted from
        assert b.js("fetch('/monitoring.csv').then(r => r.status + ' ' + r.headers.get('content-type'))") == \
            "200 text/csv; charset=utf-8"
        b.goto(f"{srv.url}/monitoring/events?metric=exits&day=2026-06-04%2F01&ppe=66%2F0412")
        html = b.js("document.documentElement.outerHTML")
        assert html.count('data-kind="exit"') == 8 and html.count('data-kind="return"') == 8
        assert "Покинул аудиторию" in b.js("document.body.innerText") or "Вышел" in b.js("document.body.innerText")
        ev_shot = tmp_path / "monitoring-events.png"
        b.screenshot(ev_shot)
        b.js("document.getElementById('logout').click()", wait=True)
        assert b.js("location.pathname") == "/login"
        b.goto(url)
        assert b.js("location.pathname") == "/login"  # the session is gone
        login_shot = tmp_path / "login.png"
        b.screenshot(login_shot)
        if os.environ.get("AUDITORIA_SCREENSHOTS"):  # refresh docs/screenshots/ on demand only
            docs = ROOT / "docs" / "screenshots"
            docs.mkdir(parents=True, exist_ok=True)
            for p in (shot, ev_shot, login_shot):
                shutil.copy(p, docs / p.name.replace("login", "server-login"))
    finally:
        if b is not None:
            b.close()
        srv.stop()
