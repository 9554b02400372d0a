"""ui/ goes through services, never the event log itself (issue 12, «close Station's surface»)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ui_does_not_reach_into_the_event_log():
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "ui").rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"\b(station|st|hq)\.log\.", line)]
    assert not hits, "ui/ reads station.log directly: " + ", ".join(hits)
