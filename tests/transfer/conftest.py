"""Fixtures for transfer tests: an HQ demo database made once, rooms set up from real packages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.clock import FixedClock
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


def full_day(st, room: str | None = None, until: str = "end"):
    """A realistic room day: admission, start, exits, extra sheets, incidents, hand-in, closing."""
    room = room or st.home_room
    people = st.plan.room_participants(room)
    if until in ("end", "morning"):
        st.record("room-opened", room, at=local("08:45"), payload={"organizers": ["ORG01", "ORG02"]})
        st.record("absent", room, people[0].code, at=local("09:40"))
        for i, p in enumerate(people[1:]):
            st.record("admitted", room, p.code, at=local(f"09:{10 + i:02d}"))
            st.record("seated", room, p.code, at=local(f"09:{10 + i:02d}"), payload={"seat": p.seat})
        st.record("instruction-given", room, at=local("09:50"))
        st.record("exam-start", room, at=local("10:00"))
        st.record("exit", room, people[2].code, at=local("11:00"), payload={"accompanied_by": "OUT01"})
        st.record("return", room, people[2].code, at=local("11:06"))
        st.record("extra-sheet", room, people[3].code, at=local("11:30"), payload={"sheet": "2600001"})
        st.record("removal", room, people[4].code, at=local("11:40"), payload={"reason": "phone", "item": "phone"})
        st.record("correction", room, people[5].code, at=local("10:20"),
                  payload={"field": "last_name", "old": people[5].last_name, "new": people[5].last_name + "а"})
    if until in ("end", "afternoon"):
        st.record("early-completion", room, people[6].code, at=local("12:10"), payload={"reason": "illness"})
        st.record("appeal", room, people[7].code, at=local("13:20"), payload={"text": "noise"})
        for p in people[7:]:
            st.record("finished", room, p.code, at=local("13:30"))
        for p in people[1:4]:
            st.record("finished", room, p.code, at=local("13:30"))
        st.record("finished", room, people[5].code, at=local("13:30"))
        st.record("materials-collected", room, at=local("13:45"), payload={"blanks": 13, "extra_sheets": 1})
        st.record("room-closed", room, at=local("13:50"))
    return people
