"""Public observers checked in at HQ: staff with the observer role, on ППЭ-19, ППЭ-10 and the acts they sign."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from app.errors import UserError
from app.forms.api import render_form
from app.services import observers
from app.services.station import Station
from tests.forms.conftest import pdf_text


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def hq(hq_db):
    st = Station.open(hq_db)
    st.use_day("2026-06-04")
    yield st
    st.close()


def test_observer_added_as_staff_and_checked_in_and_out(hq):
    m = observers.add_observer(hq, "Наблюдаева", "Ольга", "Петровна")
    assert m.role == "observer" and hq.plan.staff[m.code].last_name == "Наблюдаева"
    assert observers.add_observer(hq, "Наблюдаева", "Ольга", "Петровна").code == m.code  # no second person
    ev = observers.arrived(hq, m.code, rooms=["101"], at="09:05").event
    assert ev.room is None and ev.payload == {"observer": m.code, "rooms": ["0101"]}
    assert "Наблюдаева" not in json.dumps(ev.payload, ensure_ascii=False)  # the code travels, not the name
    with pytest.raises(UserError, match="already checked in"):
        observers.arrived(hq, m.code, at="09:10")
    with pytest.raises(UserError, match="before arriving"):
        observers.left(hq, m.code, at="08:00")
    observers.left(hq, m.code, at="12:00")
    (v,) = [v for v in observers.visits(hq) if v.code == m.code]
    assert v.name == "Наблюдаева Ольга Петровна" and v.left is not None and v.rooms == ("0101",)


def test_observer_only_at_hq(station):
    with pytest.raises(UserError, match="HQ"):
        observers.add_observer(station, "Наблюдаева", "Ольга")


def test_observer_on_forms_19_10_and_on_the_removal_act_while_present(hq, tmp_path):
    m = observers.add_observer(hq, "Наблюдаева", "Ольга", "Петровна")
    observers.arrived(hq, m.code, at="09:05")
    text19 = squash(pdf_text(render_form(hq, "ППЭ-19", out=tmp_path / "19.pdf")))
    assert "Общественные наблюдатели в ППЭ" in text19 and "Наблюдаева Ольга Петровна" in text19 and "09:05" in text19
    text10 = squash(pdf_text(render_form(hq, "ППЭ-10", subject="01", out=tmp_path / "10.pdf")))
    assert "Общественных наблюдателей в ППЭ 1" in text10
    # the removal at 12:10 (dayfactory): the observer is present, so the act names her on the observer's line
    act = squash(pdf_text(render_form(hq, "ППЭ-21", room="0101", out=tmp_path / "21.pdf")))
    assert "Наблюдаева О.П." in act or "Наблюдаева Ольга Петровна" in act


def test_observer_who_left_before_the_act_is_not_on_it(hq, tmp_path):
    m = observers.add_observer(hq, "Наблюдаева", "Ольга", "Петровна")
    observers.arrived(hq, m.code, at="09:05")
    observers.left(hq, m.code, at="11:00")
    act = squash(pdf_text(render_form(hq, "ППЭ-21", room="0101", out=tmp_path / "21.pdf")))
    assert "Наблюдаева" not in act


def test_cli_observer(hq_db):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "app.cli", "observer", "--db", str(hq_db), "--date", "2026-06-04",
                               *args], capture_output=True, text=True)

    r = run("arrived", "--last", "Наблюдаева", "--first", "Ольга", "--at", "09:05", "--json")
    assert r.returncode == 0, r.stderr
    code = json.loads(r.stdout)["observer"]
    r = run("left", "--code", code, "--at", "08:00")
    assert r.returncode == 2 and "before arriving" in r.stderr and "Traceback" not in r.stderr
    assert run("left", "--code", code, "--at", "13:00").returncode == 0
    listed = json.loads(run("list", "--json").stdout)
    assert [v["code"] for v in listed] == [code] and listed[0]["left"]


def test_ppe_07_lists_staff_and_observers(hq, tmp_path):
    m = observers.add_observer(hq, "Наблюдаева", "Ольга", "Петровна")
    text = squash(pdf_text(render_form(hq, "ППЭ-07", out=tmp_path / "07.pdf")))
    assert "Список работников ППЭ и общественных наблюдателей" in text and "ППЭ-07" in text
    head = next(s for s in hq.plan.staff.values() if s.role == "ppe-head")
    lead = next(s for s in hq.plan.staff.values() if s.lead and s.room == "0101")
    assert head.full_name in text and f"{lead.full_name} Ответственный организатор в аудитории 0101" in text
    assert f"{m.full_name} Общественный наблюдатель" in text
    assert text.index(head.full_name) < text.index(lead.full_name) < text.index(m.full_name)
