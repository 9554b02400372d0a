"""The monitoring page in a real headless Chromium: it renders the figures, and a screenshot is kept."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.services.station import Station
from app.sync.client import Backoff, sync_once
from tests.server.conftest import ROOT, LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-dev-shm-usage"]


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install -y chromium)")
def test_monitoring_page_in_chromium(tmp_path, hq_db):
    srv = LiveServer(str(tmp_path / "s.db"), tmp_path / "s.log")
    try:
        code = srv.add_ppe("0412")
        st = Station.open(hq_db)
        assert sync_once(st, srv.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=3)).outcome == "accepted"
        url = f"{srv.url}/monitoring?day=2026-06-04%2F01&ppe=66%2F0412"
        dom = chromium(["--dump-dom", url], tmp_path / "profile1").stdout
        assert 'id="by-ppe"' in dom and 'id="by-school"' in dom and "<svg" in dom
        absent = sum(st.room_state(r).counts()["absent"] for r in st.plan.rooms)
        assert f'metric=absent&amp;day=2026-06-04%2F01&amp;ppe=66%2F0412">{absent}</a>' in dom
        shot = tmp_path / "monitoring.png"
        chromium([f"--screenshot={shot}", "--window-size=1400,1500", url], tmp_path / "profile2")
        assert shot.exists() and shot.stat().st_size > 20_000
        from PIL import Image

        img = Image.open(shot)
        assert img.size == (1400, 1500)
        assert len(img.convert("RGB").getcolors(1 << 20) or []) > 50  # real content, not a blank page
        if os.environ.get("AUDITORIA_SCREENSHOTS"):  # refresh docs/screenshots/ on demand only
            docs = ROOT / "docs" / "screenshots"
            docs.mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, docs / "monitoring.png")
        # a figure opens the events it was counted from
        ev_url = f"{srv.url}/monitoring/events?metric=exits&day=2026-06-04%2F01&ppe=66%2F0412"
        dom = chromium(["--dump-dom", ev_url], tmp_path / "profile3").stdout
        assert dom.count("<td class=\"l\">exit</td>") == 8 and dom.count("<td class=\"l\">return</td>") == 8
        if os.environ.get("AUDITORIA_SCREENSHOTS"):
            chromium([f"--screenshot={docs / 'monitoring-events.png'}", "--window-size=1400,700", ev_url],
                     tmp_path / "profile4")
    finally:
        srv.stop()
