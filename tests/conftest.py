"""Shared fixtures: a demo database made once and copied per test, and a clock tests control."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def offscreen_screen(width: int, height: int) -> str:
    """QT_QPA_PLATFORM for Qt's offscreen platform with one screen of this size (a laptop's, not
    Qt's default 800×800), written to a config file Qt reads at start-up."""
    import json
    import tempfile

    path = Path(tempfile.gettempdir()) / f"auditoria-offscreen-{width}x{height}.json"
    path.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
                                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={path}"


if os.environ["QT_QPA_PLATFORM"] == "offscreen":  # the windows are tested on the laptop they are made for
    os.environ["QT_QPA_PLATFORM"] = offscreen_screen(1366, 768)
os.environ.setdefault("AUDITORIA_LANG", "en")

from app.clock import FixedClock  # noqa: E402

TZ = ZoneInfo("Asia/Yekaterinburg")
UI_TEST_TIMEOUT_S = 120  # a window test that waits on an unanswered dialog fails instead of hanging the run
UI_FOLDERS = ("ui", "ui_hq")


def pytest_collection_modifyitems(items) -> None:
    """Every test under tests/ui and tests/ui_hq gets a pytest-timeout (thread method: a modal
    dialog's event loop never returns to Python's signal handler) unless it sets its own."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "tests" in parts and parts[parts.index("tests") + 1] in UI_FOLDERS and \
                item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(UI_TEST_TIMEOUT_S, method="thread"))


def local(hhmm: str) -> datetime:
    """An instant on the demo day at a local wall-clock time."""
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 6, 4, h, m, tzinfo=TZ)


@pytest.fixture(scope="session", autouse=True)
def _widgets_application_first(qapp):
    """One QApplication for the whole session, made before anything else.

    app.forms makes a bare QGuiApplication to paint when none exists; a QWidget created later
    under it aborts the process (forms tests followed by window tests did exactly that).
    """
    yield qapp


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("AUDITORIA_HOME", str(home))
    from app import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from app.services.demo import install_demo
    from app.services.station import Station

    path = tmp_path_factory.mktemp("template") / "demo.db"
    st = Station.create(path, role="room", room="0101")
    install_demo(st)
    st.close()
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(local("08:50"))


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    dst = tmp_path / "station.db"
    shutil.copy(demo_template, dst)
    return dst


@pytest.fixture
def station(demo_db, clock):
    from app.services.station import Station

    st = Station.open(demo_db, clock=clock)
    yield st
    st.close()


@pytest.fixture(scope="session")
def hq_template(demo_template, tmp_path_factory) -> Path:
    """An HQ database holding a played exam day: three room stations' events and its own (made once)."""
    from tests.server.dayfactory import build_hq_day

    return build_hq_day(demo_template, tmp_path_factory.mktemp("hqday"))


@pytest.fixture
def hq_db(hq_template, tmp_path) -> Path:
    """A copy of the played HQ day (with its keys: a fresh station identity per test is not needed)."""
    d = tmp_path / "hq"
    d.mkdir()
    dst = d / "hq.db"
    shutil.copy(hq_template, dst)
    shutil.copy(str(hq_template) + ".keys", str(dst) + ".keys")  # the room packages were addressed to this key
    return dst
