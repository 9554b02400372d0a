"""``python -m ui.main --demo``: the demo day opens off the GUI thread at 08:55 on the room clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]


def _run(home: Path) -> str:
    env = dict(os.environ, AUDITORIA_HOME=str(home), QT_QPA_PLATFORM="offscreen", AUDITORIA_BENCH_QUIT="1")
    p = subprocess.run([sys.executable, "-m", "ui.main", "--demo"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "Traceback" not in p.stderr
    return p.stdout


def test_demo_opens_at_0855_and_keeps_its_clock_once_under_way(tmp_path):
    from app.services.station import Station

    assert "READY" in _run(tmp_path)
    st = Station.open(tmp_path / "demo.db")
    local = st.now().astimezone(ZoneInfo("Asia/Yekaterinburg"))
    assert (local.date().isoformat(), local.hour, local.minute) in (("2026-06-04", 8, 55), ("2026-06-04", 8, 56))
    st.record("admitted", "0101", st.plan.room_participants("0101")[0].code, at="09:05")
    offset = st.clock.offset
    st.close()
    _run(tmp_path)
    st = Station.open(tmp_path / "demo.db")
    assert st.clock.offset == offset  # not reset to 08:55 under the marks already made
    st.close()


def test_open_station_refuses_an_unknown_room_and_an_empty_database(tmp_path, demo_db):
    import pytest

    from app.errors import UserError
    from app.services.station import Station
    from ui.main import open_station, parse_args

    with pytest.raises(UserError, match="no room 0999"):
        open_station(parse_args(["--db", str(demo_db), "--room", "999"]))
    empty = tmp_path / "empty.db"
    Station.create(empty, role="room", room="0101").close()
    with pytest.raises(UserError, match="no exam day yet"):
        open_station(parse_args(["--db", str(empty)]))
    with pytest.raises(UserError, match="no such database"):
        open_station(parse_args(["--db", str(tmp_path / "missing.db")]))


def test_start_up_objects_are_frozen_once_the_window_is_up(tmp_path):
    """A full collection must not walk start-up's ~90,000 lifelong objects on every mark (20-50 ms a time
    on the GUI thread): once the window is up they are in the permanent generation."""
    out = _run(tmp_path)
    heap = [ln for ln in out.splitlines() if ln.startswith("HEAP ")]
    assert heap, out
    frozen = int(heap[0].split("frozen=")[1])
    assert frozen > 10_000, heap
