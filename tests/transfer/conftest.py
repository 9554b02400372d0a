"""Fixtures for transfer tests: an HQ demo database made once, rooms set up from real packages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.clock import FixedClock
from app.services.hq_demo import room_day
from tests.conftest import local

PASS = "TEST-PASS-WORD-2345"


@pytest.fixture(scope="session")
def hq_template(tmp_path_factory) -> Path:
    from app.services.demo import install_demo
    from app.services.station import Station
    from app.transfer.keys import station_keys

    path = tmp_path_factory.mktemp("hqtemplate") / "hq.db"
    st = Station.create(path, role="hq")
    install_demo(st)
    station_keys(st)
    st.close()
    return path


def copy_hq(template: Path, dst: Path):
    from app.services.station import Station

    shutil.copy(template, dst)
    shutil.copy(str(template) + ".keys", str(dst) + ".keys")
    return Station.open(dst, clock=FixedClock(local("08:30")))


@pytest.fixture
def hq(hq_template, tmp_path):
    st = copy_hq(hq_template, tmp_path / "hq.db")
    yield st
    st.close()


def setup_room(hq, room: str, folder: Path, name: str | None = None):
    """Export a set-up package at HQ and initialise a room station from it (real files)."""
    from app.transfer.setup import export_setup, init_from

    name = name or f"room{room}"
    pkg = folder / f"{name}-setup.pkg"
    export_setup(hq, room, pkg, passphrase=PASS)
    st, _ = init_from(folder / f"{name}.db", pkg, PASS, clock=FixedClock(local("08:40")))
    return st


full_day = room_day
