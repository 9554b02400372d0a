"""Setting up a room station is all or nothing, and the desktop's way names the database itself."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.transfer import records
from app.transfer.setup import export_setup, init_from, init_in_folder
from tests.transfer.conftest import PASS


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".pkg"))


def test_failure_after_the_database_was_made_removes_it(hq, tmp_path, monkeypatch):
    export_setup(hq, "0101", tmp_path / "s.pkg", passphrase=PASS)
    room = tmp_path / "room"
    room.mkdir()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(records, "add_trusted", boom)
    with pytest.raises(OSError):
        init_from(room / "r.db", tmp_path / "s.pkg", PASS)
    assert _files(room) == []  # no database, no -wal/-shm, no keys


def test_an_existing_database_is_refused_and_left_alone(hq, tmp_path):
    export_setup(hq, "0101", tmp_path / "s.pkg", passphrase=PASS)
    db = tmp_path / "r.db"
    db.write_bytes(b"someone's station")
    with pytest.raises(UserError, match="already exists"):
        init_from(db, tmp_path / "s.pkg", PASS)
    assert db.read_bytes() == b"someone's station"


def test_init_in_folder_names_the_station_and_never_overwrites(hq, tmp_path):
    export_setup(hq, "0101", tmp_path / "s1.pkg", passphrase=PASS)
    export_setup(hq, "0101", tmp_path / "s2.pkg", passphrase=PASS)
    room = tmp_path / "room"
    room.mkdir()
    a, _ = init_in_folder(room, tmp_path / "s1.pkg", PASS)
    b, _ = init_in_folder(room, tmp_path / "s2.pkg", PASS)
    name = f"room-{hq.point.code}-0101-2026-06-04"
    assert (a.path.name, b.path.name) == (f"{name}.db", f"{name}-2.db")
    assert a.station_id != b.station_id
    a.close()
    b.close()
    with pytest.raises(UserError, match="wrong passphrase"):
        init_in_folder(room, tmp_path / "s1.pkg", "AAAA-BBBB-CCCC-DDDD")
    assert len(list(room.glob("*.db"))) == 2
