"""The room and HQ windows lie wholly on a 1366×768 screen once the window manager has framed them.

Found using the room window under Xvfb + openbox: at ``showEvent`` the frame is not known yet, so the
1366×768 window looked as if it fitted; openbox then added its 20-px title bar and the status bar (the
room's counts, «Записано: …») hung below the bottom edge of the screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.test_dialog_lag import xserver  # noqa: F401 - the fixture: Xvfb 1366×768 + openbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("role", ["room", "hq"])
def test_window_and_status_bar_on_the_screen(xserver, tmp_path, demo_db, hq_db, role):  # noqa: F811
    db = demo_db if role == "room" else hq_db
    env = {k: v for k, v in xserver.items() if k != "WM_PID"}
    env = dict(env, QT_QPA_PLATFORM="xcb", AUDITORIA_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, str(ROOT / "tests" / "ui" / "xcb_frame_child.py"), str(db), role],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=100)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, p.stderr[-3000:]
    got = json.loads(line[7:])
    x, y, w, h = got["frame"]
    sw, sh = got["screen"]
    assert got["framed"], got  # the window manager did frame it: the check below means something
    assert x >= 0 and y >= 0 and x + w <= sw and y + h <= sh, got
    assert got["status_bottom"] < sh, got
