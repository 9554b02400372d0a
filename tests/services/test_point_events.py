"""Events of the exam point as a whole (no room): staff changes of outside staff, HQ notes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.errors import UserError
from app.forms.api import render_form
from app.services import hq
from tests.conftest import local
from tests.forms.conftest import pdf_text


def test_outside_staff_change_belongs_to_no_room(station):
    rec = hq.staff_change(station, "OUT01", "OUT04", "unwell", at=local("08:30"))
    assert rec.event.room is None
    assert all(e.id != rec.event.id for num in station.plan.rooms for e in station.room_state(num).events)
    assert [e.id for e in station.point_events()] == [rec.event.id]
    assert [e.id for e in hq.staff_changes(station)] == [rec.event.id]
    # a room organizer's change is still filed under the room
    org = next(s for s in station.plan.staff.values() if s.room == "0101")
    inroom = hq.staff_change(station, org.code, "OUT02", "called away", at=local("09:10"))
    assert inroom.event.room == "0101"
    assert [e.id for e in hq.staff_changes(station)] == [rec.event.id, inroom.event.id]
    assert station.verify() == []


def test_point_event_void_and_refusals(station):
    note = station.record("note", None, payload={"text": "HQ: printer replaced"}, at=local("08:00"))
    assert note.event.room is None and note.advice == []
    with pytest.raises(UserError, match="a room is required"):
        station.record("admitted", None, "100000001")
    with pytest.raises(UserError, match="exam point as a whole"):
        station.void("0101", note.event.id, "wrong")
    inroom = station.record("note", "0101", payload={"text": "window open"})
    with pytest.raises(UserError, match="room 0101: void it there"):
        station.void(None, inroom.event.id, "wrong")
    station.void(None, note.event.id, "typed on the wrong station")
    assert station.point_events() == []
    assert [e.kind for e in station.log.for_point(station.day.key)] == ["note", "void"]  # history kept


def test_act_19_lists_point_level_changes(station, tmp_path):
    hq.staff_change(station, "OUT01", "OUT04", "unwell", at=local("08:30"))
    text = pdf_text(render_form(station, "ППЭ-19", out=tmp_path / "19.pdf"))
    assert "unwell" in text and "08:30" in text


def test_cli_records_a_point_note_without_a_room(tmp_path):
    from app.services.demo import install_demo
    from app.services.station import Station

    db = tmp_path / "hq.db"
    st = Station.create(db, role="hq", room="")
    install_demo(st)
    st.close()
    run = [sys.executable, "-m", "app.cli", "record", "--db", str(db), "note", "text=HQ note"]
    out = subprocess.run(run, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"room": null' in subprocess.run(run[:6] + ["--json"] + run[6:], capture_output=True, text=True).stdout
    bad = subprocess.run(run[:-2] + ["admitted", "--participant", "100000001"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--room is required" in bad.stderr
