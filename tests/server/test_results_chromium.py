"""The monitoring and results pages in a real headless Chromium at 1366 px: signed in through the form,
every table fits the width, Russian text, charts drawn; the results report's PDF pages as images.
``AUDITORIA_SCREENSHOTS=1`` copies the screenshots into docs/screenshots/ (looked at before committing)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.server.conftest import ROOT
from tests.server.test_monitoring_chromium import CHROMIUM, _real_content
from tests.server.test_results_pages import srv  # noqa: F401 - the module's server with results

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


def _sign_in(b, srv_) -> None:
    b.goto(f"{srv_.url}/login")
    b.js("document.getElementById('username').value = 'chief';"
         "document.getElementById('password').value = 'correct horse battery';"
         "document.getElementById('sign-in').click()", wait=True)


def test_pages_fit_1366_and_screenshots(srv, tmp_path):  # noqa: F811 - the fixture imported above
    from tests.server.cdp import Browser

    rep = srv.client.get("/api/v1/results", params={"year": "2026"}).json()
    school = next(c["school"] for s in rep["subjects"] for c in s["schools"] if c["participants"] >= 5)
    pages = {
        "monitoring.png": "/monitoring?day=2026-06-04%2F01&ppe=66%2F0412",
        "monitoring-period.png": "/monitoring",
        "results.png": "/results?year=2026&subject=01",
        "results-overview.png": "/results?year=2026",
        "results-public.png": "/results?year=2026&subject=01&public=1",
        "results-school.png": f"/results/school/{school}?year=2026",
        "results-distribution.png": f"/results/distribution?year=2026&subject=01&school={school}",
    }
    shots = []
    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        _sign_in(b, srv)
        for name, path in pages.items():
            b.goto(srv.url + path)
            assert b.js("location.pathname") == path.split("?")[0], name
            width = b.js("document.documentElement.scrollWidth")
            assert width <= 1366, f"{name}: the page is {width} px wide"
            widest = b.js("Math.max(...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right))")
            assert widest <= 1366, f"{name}: a table ends at {widest} px"
            text = b.js("document.body.innerText")
            assert "Мониторинг" in text and "Results" not in text, name
            if name.startswith("results") and name != "results-distribution.png":
                assert "ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ" in text, name
            if name in ("results.png", "monitoring.png", "results-distribution.png"):
                # chart labels readable: each ends before its bars begin, none starts off the chart
                over = b.js("[...document.querySelectorAll('svg.chart')].flatMap(svg => {"
                            " const bars = [...svg.querySelectorAll('rect')].filter(r => +r.getAttribute('y') > 30);"
                            " const x0 = Math.min(...bars.map(r => +r.getAttribute('x')));"
                            " return [...svg.querySelectorAll('a text')].map(t => t.getBBox())"
                            "  .filter(r => r.x < 0 || r.x + r.width > x0 - 2).map(r => r.width)})")
                assert b.js("document.querySelectorAll('svg.chart a text').length") > 0, name
                assert over == [], f"{name}: {len(over)} chart labels run into their bars"
            shot = tmp_path / name
            b.screenshot(shot)
            _real_content(shot, 1366)
            shots.append(shot)
    finally:
        b.close()
    pdf = tmp_path / "results-report.pdf"
    pdf.write_bytes(srv.client.get("/results/report.pdf", params={"year": "2026"}).content)
    day = tmp_path / "day-report.pdf"
    day.write_bytes(srv.client.get("/monitoring/report.pdf", params={"date": "2026-06-04"}).content)
    for f, stem in ((pdf, "results-report"), (day, "monitoring-report")):
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "2", str(f), str(tmp_path / stem)],
                       check=True)
    pngs = sorted(tmp_path.glob("results-report-*.png")) + sorted(tmp_path.glob("monitoring-report-*.png"))
    assert len(pngs) >= 2
    if os.environ.get("AUDITORIA_SCREENSHOTS"):
        docs = ROOT / "docs" / "screenshots"
        for p in shots + pngs:
            shutil.copy(p, docs / p.name)
