"""The windows fit a school laptop (issue 12 §4): room and HQ at 1366×768 and 1280×720, Russian and
English, text size +2, a long status-bar notice shown: minimum size and the window within the screen,
and an off-screen geometry is never saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import offscreen_screen

ROOT = Path(__file__).resolve().parents[2]
TITLE_AND_TASKBAR = 70  # px a real desktop takes from the height: a title bar and a taskbar


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)], ids=["1366x768", "1280x720"])
def test_windows_fit_the_screen(size, demo_db, hq_db, tmp_path):
    w, h = size
    env = dict(os.environ, QT_QPA_PLATFORM=offscreen_screen(w, h), AUDITORIA_HOME=str(tmp_path / "home"))
    run = subprocess.run([sys.executable, "-m", "tests.ui.size_probe", str(demo_db), str(hq_db)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    line = next((x for x in run.stdout.splitlines() if x.startswith("SIZES ")), None)
    assert run.returncode == 0 and line, run.stderr[-3000:]
    data = json.loads(line[6:])
    assert data["screen"] == [w, h]
    seen = set()
    for win in data["windows"]:
        seen.add((win["window"], win["lang"]))
        mw, mh = win["min"]
        assert mw <= w and mh <= h - TITLE_AND_TASKBAR, win
        x, y, fw, fh = win["frame"]
        assert x >= 0 and y >= 0 and x + fw <= w and y + fh <= h, win
    assert seen == {("room", "ru"), ("room", "en"), ("hq", "ru"), ("hq", "en")}


def test_off_screen_geometry_is_never_saved_and_is_fixed_on_restore(station, qtbot):
    from ui.qt import QtCore
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    s = Settings()
    w = RoomWindow(station, room="0101", settings=s, ask_start=False)
    qtbot.addWidget(w)
    w.show()
    w.setGeometry(900, 300, 1696, 768)  # what the long notice once made of it, half off the screen
    w.close()
    saved = s.get("window/geometry")
    assert not (isinstance(saved, QtCore.QByteArray) and not saved.isEmpty())
    w.timer.stop()
    # an off-screen geometry saved by an older version is brought back onto the screen
    w2 = RoomWindow(station, room="0101", settings=s, ask_start=False)
    qtbot.addWidget(w2)
    w2.setGeometry(900, 300, 1696, 768)
    s.set("window/geometry", w2.saveGeometry())
    w2.timer.stop()
    w3 = RoomWindow(station, room="0101", settings=s, ask_start=False)
    qtbot.addWidget(w3)
    g = w3.frameGeometry()
    assert g.x() >= 0 and g.right() < 1366 + 16 and g.width() <= 1366, g
    w3.timer.stop()
