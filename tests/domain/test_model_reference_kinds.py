import json
import shutil

import pytest

from app.domain.event import GENESIS, Event, check_chain
from app.domain.kinds import KINDS, validate_payload
from app.domain.model import Room, normalize_seat, parse_seat, room_number
from app.domain.reference import load_reference
from app.errors import UserError
from app.paths import resources_dir


def test_seats_and_rooms():
    assert parse_seat("1А") == (1, 0) and parse_seat("12к") == (12, 9)
    assert normalize_seat(" 3a ") == "3А"  # Latin look-alike from a scanner
    with pytest.raises(ValueError):
        parse_seat("А1")
    assert Room("0101", 2, 3).seat_labels() == ["1А", "1Б", "1В", "2А", "2Б", "2В"]
    assert room_number("12") == "0012"
    with pytest.raises(ValueError):
        room_number("12345")


def test_reference_2026():
    ref = load_reference(2026)
    assert ref.subject("01").minutes == 210 and ref.subject("02").minutes == 235
    assert ref.subject("22").minutes == 180 and ref.subject("09").audio
    assert [a.key for a in ref.subject_aids("03")] == ["ruler", "calculator"]
    assert ref.ovz_extra_minutes == 90
    assert {d.key for d in ref.desk_general} >= {"pen", "id_document", "drafts", "medicines"}
    for name in ("05-02", "ППЭ-05-02", "ppe-05-02", "12-04-МАШ", "ppe-12-04-mash"):
        assert ref.form(name).code.startswith("ППЭ-")
    assert ref.form("ppe-12-04-mash").title.startswith("Ведомость учета времени отсутствия")
    assert load_reference(2031).year == 2026  # newest year not after the exam date


def test_region_corrects_a_duration_by_editing_data(tmp_path):
    root = tmp_path / "res"
    shutil.copytree(resources_dir(), root)
    path = root / "reference" / "2026" / "subjects.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    next(s for s in data["subjects"] if s["code"] == "01")["minutes"] = 215
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_reference(2026, root).subject("01").minutes == 215


def test_payload_validation():
    assert validate_payload("extra-sheet", {"sheet": " 123 "}, "p1") == {"sheet": "123"}
    assert validate_payload("materials-collected", {"blanks": "14", "drafts": "30"}, None) == {"blanks": 14,
                                                                                             "drafts": 30}
    with pytest.raises(UserError, match="field 'sheet' is required"):
        validate_payload("extra-sheet", {}, "p1")
    with pytest.raises(UserError, match="verdict must be one of"):
        validate_payload("desk-check", {"verdict": "maybe"}, "p1")
    with pytest.raises(UserError, match="unknown field 'colour'"):
        validate_payload("note", {"text": "x", "colour": "red"}, None)
    assert all(k == k.lower() and " " not in k for k in KINDS)


def test_chain_detects_gaps_edits_and_reordering():
    evs, prev = [], GENESIS
    for i in range(1, 4):
        e = Event(id=f"e{i}", station="s", seq=i, at="2026-06-04T04:00:00.000000Z",
                  recorded_at="2026-06-04T04:00:00.000000Z", tz="UTC", author="", kind="note", day=None, room="0101",
                  participant=None, payload={"text": str(i)}, prev_hash=prev).sealed()
        evs.append(e)
        prev = e.hash
    assert check_chain(evs) is None
    assert "gap" in check_chain([evs[0], evs[2]])
    forged = Event(**{**evs[1].to_dict(), "payload": {"text": "x"}})
    assert "altered" in check_chain([evs[0], forged, evs[2]])
    assert check_chain([evs[1], evs[0], evs[2]]) is not None
