"""HQ on a date holding two subjects: its state is the union of its room stations' states, moved as files;
forms carry each room's subject, and the forms that total the point are printed per subject."""

from __future__ import annotations

import re
import subprocess

import pytest

from app.clock import FixedClock
from app.services import hq as hqs
from app.services.hq_demo import local, make_hq, room_day, set_up_room
from app.transfer.results import export_results, import_package

JUNE11 = "2026-06-11"


@pytest.fixture
def exchange(tmp_path):
    from datetime import date

    hq = make_hq(tmp_path / "hq.db", clock=FixedClock(local("12:00", date(2026, 6, 11))))
    assert hq.day.key == JUNE11 and hq.day_reason == "today"
    rooms = {}
    for room, until in (("0101", "end"), ("0102", "morning"), ("0203", "end"), ("0204", "morning")):
        st = set_up_room(hq, room, tmp_path)
        assert st.day.key == JUNE11
        room_day(st, until=until)
        pkg = tmp_path / f"{room}-results.pkg"
        export_results(st, pkg)
        assert import_package(hq, pkg).outcome == "applied"
        rooms[room] = st
    return hq, rooms


def _figures(state):
    return (state.subject, state.phase, state.counts(), sorted(e.id for e in state.events),
            {c: (p.status, p.end) for c, p in state.participants.items()})


def test_hq_state_is_the_union_of_its_rooms_of_two_subjects(exchange):
    hq, rooms = exchange
    for num, st in rooms.items():
        assert _figures(hq.room_state(num)) == _figures(st.room_state(num))
    subjects = {r.room: r.subject for r in hqs.overview(hq)}
    assert subjects["0101"] == subjects["0102"] == "12" and subjects["0203"] == subjects["0204"] == "03"
    tot = hqs.ppe_totals(hq)
    assert set(tot["per_subject"]) == {"03", "12"}
    for code in ("03", "12"):
        mine = [n for n in rooms if subjects[n] == code]
        assert tot["per_subject"][code]["present"] == sum(rooms[n].room_state(n).counts()["present"] for n in mine)
    assert tot["totals"]["present"] == sum(f["present"] for f in tot["per_subject"].values())
    # 4 June is another date: nothing of 11 June shows there
    hq.use_day("2026-06-04")
    assert all(r.phase == "not-opened" for r in hqs.overview(hq))
    assert hqs.ppe_totals(hq)["totals"]["present"] == 0


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_forms_for_two_subjects_on_one_date(exchange, tmp_path):
    from app.forms import api

    hq, _ = exchange
    social = _pdf_text(api.render_form(hq, "05-02", room="0101", out=tmp_path / "0101.pdf"))
    physics = _pdf_text(api.render_form(hq, "05-02", room="0203", out=tmp_path / "0203.pdf"))
    assert "Обществознание" in social and "Физика" not in social and "11.06.2026" in social
    assert "Физика" in physics and "Обществознание" not in physics
    summary = _pdf_text(api.render_form(hq, "13-02-МАШ", out=tmp_path / "13-02.pdf"))
    assert summary.count("ППЭ-13-02-МАШ") >= 2 and "Физика" in summary and "Обществознание" in summary
    only = _pdf_text(api.render_form(hq, "13-02-МАШ", out=tmp_path / "13-02-03.pdf", subject="03"))
    cells = re.sub(r"(?<=\d) (?=\d)", "", only)  # one digit per box: "0 2 0 3" is room 0203
    assert "Физика" in only and "Обществознание" not in only and "0203" in cells and "0101" not in cells
    printed = api.render_day_pack(hq, tmp_path / "pack")
    hq_files = sorted(p.path.name for p in printed if p.path.parent.name == "hq")
    assert "ppe-13-02-mash_03.pdf" in hq_files and "ppe-13-02-mash_12.pdf" in hq_files
    assert "ppe-10_03.pdf" in hq_files and "ppe-10_12.pdf" in hq_files


def test_a_package_of_a_date_hq_has_no_list_for_is_refused(exchange, tmp_path):
    from app.errors import UserError
    from app.store import plan_repo

    hq, rooms = exchange
    st = rooms["0203"]
    st.record("note", "0203", payload={"text": "late note"})
    pkg = tmp_path / "again.pkg"
    export_results(st, pkg)
    with hq.engine.begin() as conn:  # HQ has lost 11 June's list (re-installed from an older list)
        conn.exec_driver_sql("DELETE FROM participants WHERE day = '2026-06-11'")
        conn.exec_driver_sql("DELETE FROM exam_days WHERE date = '2026-06-11'")
    hq.invalidate()
    before = hq.log.count()
    with pytest.raises(UserError, match="exam date 2026-06-11, and this HQ has no list for that date"):
        import_package(hq, pkg)
    assert hq.log.count() == before and plan_repo.days(hq.engine)[-1].key == "2026-06-04"
