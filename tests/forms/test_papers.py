"""Issue 15, the paper loop: print → rasterize at 150 dpi → zbarimg → returned; a void → superseded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.forms.api import render_form, render_room_set
from app.forms.papers import mark_returned, papers_by_room

ROOT = Path(__file__).resolve().parents[2]


def room(st, num: str):
    return next(r for r in papers_by_room(st) if r.room == num)


def states(st, num: str) -> dict[str, str]:
    return {p.form + (f" {p.participant}" if p.participant else ""): p.state for p in room(st, num).papers}


def print_acts(st, tmp_path, num: str) -> list[Path]:
    out = []
    for p in room(st, num).papers:
        if p.event:
            out.append(render_form(st, p.form, participant=p.participant, event_id=p.event,
                                   out=tmp_path / f"act-{p.document}.pdf"))
    return out


def test_every_print_is_registered_and_nothing_is_back_yet(day, tmp_path):
    st, _ = day
    before = room(st, "0101")
    assert before.papers and all(p.state == "not_printed" for p in before.papers)
    forms = [p.form for p in before.papers]
    assert forms[:5] == ["ППЭ-05-01", "ППЭ-05-02", "ППЭ-12-02", "ППЭ-12-03", "ППЭ-12-04-МАШ"]
    assert {"ППЭ-20", "ППЭ-21", "ППЭ-22", "ППЭ-02", "ППЭ-03"} <= set(forms)  # the room's acts
    render_room_set(st, "0101", tmp_path)
    ev = [e for e in st.point_events() if e.kind == "papers-printed"]
    assert len(ev) == 1 and ev[0].room is None
    reg = {p["f"]: p for p in ev[0].payload["papers"]}
    assert set(reg) == set(forms[:5]) and all(p["r"] == "0101" and len(p["c"]) == 43 for p in reg.values())
    assert ev[0].payload["head_seq"] == ev[0].seq - 1 and ev[0].payload["subject"] == st.plan.room_subject("0101")
    after = room(st, "0101")
    assert [p.state for p in after.papers[:5]] == ["printed"] * 5
    assert not after.all_in


def test_verify_back_print_rasterize_150dpi_zbarimg_returned(day, tmp_path):
    st, _ = day
    pdf = render_room_set(st, "0101", tmp_path)[0].path
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "3", "-l", "3", "-singlefile", str(pdf),
                    str(tmp_path / "scan")], check=True)
    res = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "scan.png")], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("AU1:")
    got = mark_returned(st, res.stdout.strip())  # as a keyboard-wedge scanner types it
    assert [(r.outcome, r.form) for r in got] == [("returned", "ППЭ-05-02")]
    assert states(st, "0101")["ППЭ-05-02"] == "returned"
    again = mark_returned(st, str(tmp_path / "scan.png"))  # the same paper from an image file
    assert [r.outcome for r in again] == ["already"]
    # the whole scanned stack as one PDF: every form of the set, one code each
    got = mark_returned(st, str(pdf))
    assert sorted(r.outcome for r in got) == ["already"] + ["returned"] * 4
    for act in print_acts(st, tmp_path, "0101"):
        mark_returned(st, str(act))
    r = room(st, "0101")
    assert all(p.state == "returned" for p in r.papers) and r.all_in
    assert [e.payload["via"] for e in st.point_events() if e.kind == "paper-returned"][:2] == ["scanner", "pdf"]


def test_void_after_printing_supersedes_the_paper(day, tmp_path):
    st, who = day
    render_room_set(st, "0101", tmp_path)
    print_acts(st, tmp_path, "0101")
    mark_returned(st, str(tmp_path / "ppe-room-0101.pdf"))
    assert states(st, "0101")["ППЭ-05-02"] == "returned"
    kit = next(e for e in st.room_state("0101").events if e.kind == "kit-replaced")
    st.void("0101", kit.id, "ошибочная отметка")
    s = states(st, "0101")
    assert s["ППЭ-05-02"] == "superseded" and s["ППЭ-05-01"] == "returned"
    assert not room(st, "0101").all_in
    # the old paper read back now is refused: the record changed
    old = [r for r in mark_returned(st, str(tmp_path / "ppe-room-0101.pdf")) if r.form == "05-02"]
    assert old and old[0].outcome == "superseded"
    # voiding the removal takes the act out of the record: its printed act is superseded too
    removal = next(e for e in st.room_state("0101").events if e.kind == "removal")
    st.void("0101", removal.id, "удаление отменено")
    assert states(st, "0101")[f"ППЭ-21 {who['removed']}"] == "superseded"
    # printed again, the protocol is owed in its new content
    render_form(st, "05-02", room="0101", out=tmp_path / "again.pdf")
    assert states(st, "0101")["ППЭ-05-02"] == "printed"


def test_a_foreign_or_damaged_code_is_not_recorded(day, tmp_path):
    st, _ = day
    pdf = render_form(st, "05-02", room="0101", out=tmp_path / "p.pdf")
    text = mark_returned.__globals__["codes_from"](str(pdf))[0][0]
    bad = text[:-6] + ("AAAAAA" if not text.endswith("AAAAAA") else "BBBBBB")
    got = mark_returned(st, bad)
    assert got[0].outcome == "invalid"
    assert not [e for e in st.point_events() if e.kind == "paper-returned"]


def _cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=300)


def test_cli_papers_and_paper_returned(day, tmp_path):
    st, _ = day
    db = st.path if hasattr(st, "path") else None
    assert db is not None
    date = st.day.date.isoformat()
    pdf = render_room_set(st, "0102", tmp_path)[0].path
    st.close()
    res = _cli("papers", "--db", str(db), "--date", date, "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    r2 = next(r for r in data["rooms"] if r["room"] == "0102")
    assert r2["printed"] == 5 and r2["returned"] == 0 and not r2["all_in"] and not data["all_in"]
    res = _cli("paper-returned", "--db", str(db), str(pdf), "--json")
    assert res.returncode == 0, res.stderr
    assert [r["outcome"] for r in json.loads(res.stdout)["results"]] == ["returned"] * 5
    res = _cli("papers", "--db", str(db), "--date", date)
    assert res.returncode == 0 and "0102: all papers in" in res.stdout
    wrong = _cli("papers", "--db", str(db), "--date", "2026-06-05")
    assert wrong.returncode != 0 and "2026-06-05" in (wrong.stderr + wrong.stdout)


@pytest.mark.parametrize("bad", ["AU1:NOTBASE32!!", "/no/such/file.png"])
def test_cli_paper_returned_refuses_garbage(day, bad):
    st, _ = day
    db = st.path
    st.close()
    res = _cli("paper-returned", "--db", str(db), bad)
    assert res.returncode != 0
