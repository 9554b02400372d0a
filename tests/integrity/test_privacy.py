"""Privacy at rest: every station file is owner-only under the usual umask 022 (Linux)."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes; Windows relies on the folder's ACL")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_wal_shm_keys_anchor_are_0600(tmp_path, umask022, clock):
    from app.services.demo import install_demo
    from app.services.station import Station
    from app.transfer.keys import station_keys

    db = tmp_path / "room.db"
    st = Station.create(db, role="room", room="0101", clock=clock)
    install_demo(st)
    station_keys(st)
    code = st.plan.room_participants("0101")[0].code
    st.record("admitted", "0101", code)  # -wal and -shm exist while it is open
    st.log.anchor.flush()
    files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.keys"), Path(f"{db}.head")]
    assert all(f.exists() for f in files)
    assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}
    st.close()


def test_an_older_0644_database_is_narrowed_when_opened(demo_db, umask022):
    from app.services.station import Station

    os.chmod(demo_db, 0o644)
    Station.open(demo_db).close()
    assert mode(demo_db) == 0o600


def test_data_folder_0700_and_debug_log_0600(tmp_path, monkeypatch, umask022):
    from app import logs
    from app.paths import data_dir

    home = tmp_path / "data"
    monkeypatch.setenv("AUDITORIA_HOME", str(home))
    assert data_dir() == home and mode(home) == 0o700
    log = logging.getLogger("auditoria")
    saved = list(log.handlers)
    for h in saved:
        log.removeHandler(h)
    try:
        logs.setup_logging()
        handler = log.handlers[0]
        log.info("a line")
        handler.flush()
        path = home / "auditoria-debug.log"
        assert mode(path) == 0o600
        handler.doRollover()  # the rotated file and the new one stay private
        log.info("after rotation")
        assert mode(path) == 0o600 and mode(home / "auditoria-debug.log.1") == 0o600
    finally:
        for h in list(log.handlers):
            log.removeHandler(h)
            h.close()
        for h in saved:
            log.addHandler(h)


def test_packages_are_0600(tmp_path, umask022):
    from app.transfer.media import safe_write

    out = tmp_path / "x.pkg"
    safe_write(out, b"sealed")
    assert mode(out) == 0o600
