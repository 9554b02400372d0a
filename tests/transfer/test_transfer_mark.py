"""The transfer mark: someone the PPE head sends from room 0101 to room 0102 of the same exam point and date.

Real room stations set up from HQ's packages, real result packages imported at HQ, the CLI as a subprocess,
and the printed ППЭ-05-02 of both rooms read back from the PDF.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.domain.event import Event, utc_iso
from app.domain.projection import project_room
from app.errors import UserError
from app.transfer.results import export_results, import_package
from tests.conftest import local
from tests.transfer.conftest import hq, hq_template, setup_room  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
REASON = "неисправна мебель на месте 2А"


def details(hq_station, code: str) -> dict:
    p = hq_station.plan.participants[code]
    return {"from_room": p.room, "reason": REASON, "decided_by": "HEAD01", "last_name": p.last_name,
            "first_name": p.first_name, "middle_name": p.middle_name, "document_series": p.document_series,
            "document_number": p.document_number, "seat": "5В"}


def mover(hq_station) -> str:
    return hq_station.plan.room_participants("0101")[1].code


# --- domain ------------------------------------------------------------------------------------------
def _ev(seq: int, kind: str, room: str, code: str | None, at: str, payload: dict | None = None,
        station: str = "s") -> Event:
    return Event(id=f"{station}-{seq}", station=station, seq=seq, at=utc_iso(local(at)), recorded_at=utc_iso(local(at)),
                 tz="Asia/Yekaterinburg", author="", kind=kind, day="2026-06-04", room=room, participant=code,
                 payload=payload or {})


def test_projection_moves_the_participant_between_the_rooms(hq):  # noqa: F811
    plan, ref = hq.plan, hq.ref
    code = mover(hq)
    t = _ev(1, "transfer-in", "0102", code, "09:20", details(hq, code), station="b")
    absent_later = _ev(1, "absent", "0101", code, "10:30", station="a")
    events = [t, absent_later]
    src = project_room(plan, ref, "0101", events)
    dst = project_room(plan, ref, "0102", events)
    assert src.participants[code].status == "transferred_out" and src.participants[code].transferred_to == "0102"
    c = src.counts()
    assert c["transferred_out"] == 1 and c["absent"] == 0 and c["assigned"] == len(plan.room_participants("0101"))
    assert all(ch.ok for ch in src.checks() if ch.code in ("assigned-balance", "on-list"))
    p = dst.participants[code]
    assert p.status == "present" and p.transferred_from == "0101" and p.seat == "5В"
    d = dst.counts()
    assert d["transferred_in"] == 1 and d["present"] == 1
    assert all(ch.ok for ch in dst.checks() if ch.code in ("assigned-balance", "on-list"))
    # the same in any arrival order; a void of the transfer (filed in the receiving room) undoes both sides
    assert project_room(plan, ref, "0101", events[::-1]).participants[code].status == "transferred_out"
    void = _ev(2, "void", "0102", code, "09:25", {"target": t.id, "reason": "ошибка"}, station="b")
    src2 = project_room(plan, ref, "0101", [*events, void])
    dst2 = project_room(plan, ref, "0102", [*events, void])
    assert src2.participants[code].status == "absent" and code not in dst2.participants


# --- the room station ---------------------------------------------------------------------------------
def test_plain_admission_of_another_rooms_participant_points_to_the_transfer(hq, tmp_path):  # noqa: F811
    r2 = setup_room(hq, "0102", tmp_path)
    code = mover(hq)
    assert code not in r2.plan.participants  # the package names only room 0102's people (and codes of others)
    for kind in ("admitted", "late", "seated"):
        payload = {"seat": "1А"} if kind == "seated" else {}
        with pytest.raises(UserError, match=r"on the list of room 0101, not room 0102.*transfer-in from_room=0101"):
            r2.record(kind, "0102", code, payload=payload)
    bad_head = {**details(hq, code), "decided_by": "ORG01"}
    with pytest.raises(UserError, match="not the PPE head"):
        r2.record("transfer-in", "0102", code, payload=bad_head)
    with pytest.raises(UserError, match="on the list of room 0101, not room 0103"):
        r2.record("transfer-in", "0102", code, payload={**details(hq, code), "from_room": "0103"})
    with pytest.raises(UserError, match="no transfer is needed"):
        own = r2.plan.room_participants("0102")[0].code
        r2.record("transfer-in", "0102", own, payload={**details(hq, code), "from_room": "0101"})
    with pytest.raises(UserError, match="required"):
        r2.record("transfer-in", "0102", code, payload={"from_room": "0101", "reason": REASON, "decided_by": "HEAD01"})
    assert r2.log.count() == 0
    res = r2.record("transfer-in", "0102", code, payload=details(hq, code))
    assert any(a.code == "transfer-in" for a in res.advice)
    assert r2.room_state("0102").participants[code].status == "present"
    r2.record("finished", "0102", code)  # after the transfer every other mark is ordinary
    assert r2.room_state("0102").participants[code].status == "finished"
    with pytest.raises(UserError, match="already admitted here on transfer"):
        r2.record("transfer-in", "0102", code, payload=details(hq, code))


def test_hq_station_refuses_the_plain_admission_too(hq):  # noqa: F811
    code = mover(hq)
    with pytest.raises(UserError, match="transfer-in from_room=0101"):
        hq.record("admitted", "0102", code)


# --- HQ with both packages ---------------------------------------------------------------------------
def _two_rooms(hq, tmp_path):  # noqa: F811
    r1 = setup_room(hq, "0101", tmp_path)
    r2 = setup_room(hq, "0102", tmp_path)
    code = mover(hq)
    for st, room in ((r1, "0101"), (r2, "0102")):
        st.record("room-opened", room, at=local("08:50"))
    r1.record("admitted", "0101", code, at=local("09:05"))  # admitted in 0101 first, then sent on
    r2.record("transfer-in", "0102", code, at=local("09:20"), payload=details(hq, code))
    for st, room in ((r1, "0101"), (r2, "0102")):
        st.record("exam-start", room, at=local("10:00"))
    r2.record("finished", "0102", code, at=local("13:00"))
    r1.record("absent", "0101", code, at=local("10:30"))  # the source organizer, not knowing: HQ shows the transfer
    export_results(r1, tmp_path / "r1.pkg")
    export_results(r2, tmp_path / "r2.pkg")
    return r1, r2, code


def test_hq_imports_both_packages_and_shows_the_transfer_in_both_rooms(hq, tmp_path):  # noqa: F811
    r1, r2, code = _two_rooms(hq, tmp_path)
    for name in ("r2.pkg", "r1.pkg"):
        assert import_package(hq, tmp_path / name).outcome == "applied"
    src, dst = hq.room_state("0101"), hq.room_state("0102")
    assert src.participants[code].status == "transferred_out"
    assert dst.participants[code].status == "finished" and dst.participants[code].transferred_from == "0101"
    assert src.counts()["transferred_out"] == 1 and dst.counts()["transferred_in"] == 1
    rows = {r["room"]: r for r in hq.rooms_summary()}
    assert rows["0101"]["transferred_out"] == 1 and rows["0102"]["transferred_in"] == 1
    assert next(ch for ch in src.checks() if ch.code == "assigned-balance").ok
    # the source room's own laptop knows nothing of it (no link): it keeps its organizer's marks
    assert r1.room_state("0101").participants[code].status == "present"


def test_hq_refuses_a_transfer_of_someone_on_no_list_of_this_exam_point(hq, tmp_path):  # noqa: F811
    r2 = setup_room(hq, "0102", tmp_path)
    code = mover(hq)
    r2.record("transfer-in", "0102", code, payload=details(hq, code))
    forged = r2.log.append(kind="transfer-in", at=r2.now(), recorded_at=r2.now(), tz=r2.point.tz, author="",
                           day=r2.day.key, room="0102", participant="990000123",
                           payload={**details(hq, code), "from_room": "0105"})
    export_results(r2, tmp_path / "r2.pkg")
    before = hq.log.count()
    with pytest.raises(UserError, match=f"{forged.id}.*990000123.*on none of this exam point's lists"):
        import_package(hq, tmp_path / "r2.pkg")
    assert hq.log.count() == before


@pytest.mark.parametrize("forge", ["no-transfer", "wrong-source"])
def test_hq_refuses_another_rooms_participant_without_a_fitting_transfer(hq, tmp_path, forge):  # noqa: F811
    r2 = setup_room(hq, "0102", tmp_path)
    code = mover(hq)
    if forge == "no-transfer":
        bad = r2.log.append(kind="admitted", at=r2.now(), recorded_at=r2.now(), tz=r2.point.tz, author="",
                            day=r2.day.key, room="0102", participant=code, payload={"identity": "document"})
        expect = "without a transfer mark"
    else:
        bad = r2.log.append(kind="transfer-in", at=r2.now(), recorded_at=r2.now(), tz=r2.point.tz, author="",
                            day=r2.day.key, room="0102", participant=code,
                            payload={**details(hq, code), "from_room": "0107"})
        expect = "but the list seats them in room 0101"
    export_results(r2, tmp_path / "r2.pkg")
    with pytest.raises(UserError, match=f"{bad.id}.*{expect}"):
        import_package(hq, tmp_path / "r2.pkg")


# --- CLI ----------------------------------------------------------------------------------------------
def run(*args, ok=True):
    p = subprocess.run([sys.executable, "-m", "app.cli", "--lang", "en", *map(str, args)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert (p.returncode == 0) == ok, p.stderr
    return p


def test_cli_records_the_transfer_and_refuses_the_plain_admission(hq, tmp_path):  # noqa: F811
    r2 = setup_room(hq, "0102", tmp_path)
    db = r2.path
    r2.close()
    code = mover(hq)
    d = details(hq, code)
    p = run("record", "--db", db, "--room", "0102", "admitted", "--participant", code, ok=False)
    assert p.returncode == 2 and "transfer-in from_room=0101" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    fields = [f"{k}={v}" for k, v in d.items()]
    p = run("record", "--db", db, "--room", "0102", "transfer-in", "--participant", code, "--json", *fields)
    assert '"transfer-in"' in p.stdout
    p = run("state", "--db", db, "--room", "0102", "--json")
    assert f'"code": "{code}"' in p.stdout and '"transferred_in": 1' in p.stdout


# --- the printed ППЭ-05-02 of both rooms ---------------------------------------------------------------
def test_05_02_of_both_rooms_prints_the_transfer(hq, tmp_path):  # noqa: F811
    from app.forms.api import render_form
    from tests.forms.conftest import pdf_text

    r1, r2, code = _two_rooms(hq, tmp_path)
    for name in ("r1.pkg", "r2.pkg"):
        import_package(hq, tmp_path / name)
    person = hq.plan.participants[code]
    texts = {}
    for room in ("0101", "0102"):
        out = render_form(hq, "ППЭ-05-02", room=room, out=tmp_path / f"p-{room}.pdf")
        texts[room] = re.sub(r"\s+", " ", pdf_text(out))
    assert "Переведён в аудиторию 0102 (основание: неисправна мебель на месте 2А)" in texts["0101"]
    assert "Прибыл из аудитории 0101 (основание: неисправна мебель на месте 2А)" in texts["0102"]
    for room in ("0101", "0102"):
        assert person.last_name in texts[room]
    # the receiving room's own laptop prints it too, with the details from the document (it has no list row)
    out = render_form(r2, "ППЭ-05-02", room="0102", out=tmp_path / "r2-0102.pdf")
    own = re.sub(r"\s+", " ", pdf_text(out))
    assert "Прибыл из аудитории 0101" in own and person.last_name in own and person.document_number in own
    assert "ВНИМАНИЕ" not in own
