"""The QR on the paper: read from a 200-dpi scan, verified, and rejected when tampered with."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from app.forms.api import render_form
from app.forms.seal import DOMAIN, PREFIX, parse
from app.forms.verify import verify_text
from app.transfer.keys import PublicIdentity
from tests.forms.conftest import pdf_text, qr_of_pdf

ROOT = Path(__file__).resolve().parents[2]


def test_qr_read_from_scan_is_valid_and_current(day, tmp_path):
    st, _ = day
    pdf = render_form(st, "05-02", room="0101", out=tmp_path / "p.pdf")
    text = qr_of_pdf(pdf, tmp_path)
    assert text.startswith(PREFIX)
    v = verify_text(text, st)
    assert v.valid, v.reason
    assert v.record == "current"
    d = v.data
    assert d["form"] == "05-02" and d["room"] == "0101" and d["ppe"] == st.point.code
    assert d["times"] == ["10:05", "13:35"]
    assert d["station"] == st.station_id and len(base64.urlsafe_b64decode(d["content_sha256"] + "=")) == 32
    assert d["head_seq"] == st.log.head(st.station_id)[0] - 1  # then the print job registers its papers
    # the same code is on the second page too
    assert qr_of_pdf(pdf, tmp_path, page=2) == text


def test_qr_reads_from_scans_of_100_to_300_dpi(day, tmp_path):
    """The QR image has 2 pixels a module (app.forms.render.QR_PX); poppler smooths it when a raster
    scales it up, and zbarimg must still read every resolution a scanner or a phone gives."""
    st, _ = day
    pdf = render_form(st, "12-04-МАШ", room="0101", out=tmp_path / "p.pdf")
    for dpi in (100, 150, 300):
        stem = tmp_path / f"scan-{dpi}"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(stem)], check=True)
        res = subprocess.run(["zbarimg", "-q", "--raw", str(stem) + ".png"], capture_output=True, text=True)
        assert res.returncode == 0 and verify_text(res.stdout.strip(), st).valid, dpi


def test_act_qr_names_participant_and_time(day, tmp_path):
    st, who = day
    pdf = render_form(st, "21", participant=who["removed"], out=tmp_path / "a.pdf")
    v = verify_text(qr_of_pdf(pdf, tmp_path), st)
    assert v.valid and v.record == "current"
    assert v.data["participant"] == who["removed"] and v.data["times"] == ["11:05"]


def flip(text: str, pos: int) -> str:
    body = text[len(PREFIX):]
    c = body[pos]
    return PREFIX + body[:pos] + ("A" if c != "A" else "B") + body[pos + 1:]


def test_changed_byte_is_rejected(day, tmp_path):
    st, _ = day
    from app.forms.api import build_documents, stamp_for

    docs = build_documents(st, "05-02", room="0101")
    text = stamp_for(st, docs).qr_text[docs[0].doc_id]
    assert verify_text(text, st).valid
    for pos in (10, 60, len(text) - len(PREFIX) - 20):  # data, hash, signature
        v = verify_text(flip(text, pos), st)
        assert not v.valid, pos
        assert v.reason


def test_forged_payload_keeps_form_but_fails_signature(day):
    st, _ = day
    from app.forms.api import build_documents, stamp_for

    docs = build_documents(st, "05-02", room="0101")
    sealed = parse(stamp_for(st, docs).qr_text[docs[0].doc_id])
    forged = dict(sealed.payload, r="0102")
    from app.domain.event import canonical_json

    msg = canonical_json(forged)
    raw = msg + sealed.signature
    text = PREFIX + base64.b32encode(raw).decode().rstrip("=")
    v = verify_text(text, st)
    assert not v.valid and "signature" in v.reason


def test_foreign_key_is_rejected(day):
    st, _ = day
    from app.domain.event import canonical_json
    from app.forms.api import build_documents, stamp_for

    docs = build_documents(st, "05-02", room="0101")
    sealed = parse(stamp_for(st, docs).qr_text[docs[0].doc_id])
    other = SigningKey.generate()
    msg = canonical_json(sealed.payload)
    sig = other.sign(DOMAIN + msg).signature
    text = PREFIX + base64.b32encode(msg + sig).decode().rstrip("=")
    v = verify_text(text, st)
    assert not v.valid and "foreign key" in v.reason
    # trusting that foreign key explicitly makes it valid: the check is the key, not the format
    pub = PublicIdentity("", "", bytes(other.verify_key), b"\0" * 32)
    assert verify_text(text, None, [pub]).valid


def test_superseded_after_later_marks_and_voids(day, tmp_path):
    st, who = day
    from app.forms.api import build_documents, stamp_for

    docs = build_documents(st, "05-02", room="0101")
    room_text = stamp_for(st, docs).qr_text[docs[0].doc_id]
    act = build_documents(st, "21", participant=who["removed"])
    act_text = stamp_for(st, act).qr_text[act[0].doc_id]
    list_docs = build_documents(st, "05-01", room="0101")
    list_text = stamp_for(st, list_docs).qr_text[list_docs[0].doc_id]
    removal = next(e for e in st.room_state("0101").events if e.kind == "removal")
    st.void("0101", removal.id, "wrong participant")
    v = verify_text(room_text, st)
    assert v.valid and v.record == "superseded"
    v = verify_text(act_text, st)
    assert v.valid and v.record == "superseded" and "no longer" in v.record_reason
    assert verify_text(list_text, st).record == "current"  # the list did not change


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_print_and_verify(day, tmp_path):
    st, who = day
    db = str(st.path)
    outs = []
    for i, name in enumerate(("05-02", "ППЭ-05-02", "ppe-05-02")):
        out = tmp_path / f"f{i}.pdf"
        res = run_cli("print", "--db", db, "--room", "0101", name, "-o", str(out))
        assert res.returncode == 0, res.stderr
        outs.append(out)
    png_text = qr_of_pdf(outs[0], tmp_path)
    png = tmp_path / f"qr-{outs[0].stem}-1.png"
    res = run_cli("verify-act", str(png), "--db", db, "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["valid"] is True and data["record"] == "current" and data["data"]["form"] == "05-02"
    res = run_cli("verify-act", flip(png_text, 30), "--db", db, "--json")
    assert res.returncode == 1 and json.loads(res.stdout)["valid"] is False
    res = run_cli("verify-act", png_text, "--json")  # no trust anchor
    assert res.returncode == 1 and "trusted key" in json.loads(res.stdout)["reason"]
    res = run_cli("print", "--db", db, "--room", "0101", "--all", "-o", str(tmp_path / "set") + "/")
    assert res.returncode == 0, res.stderr
    combined = tmp_path / "set" / "ppe-room-0101.pdf"
    assert list((tmp_path / "set").glob("*.pdf")) == [combined]
    text = pdf_text(combined)
    for code in ("ППЭ-05-01", "ППЭ-05-02", "ППЭ-12-02", "ППЭ-12-03", "ППЭ-12-04-МАШ"):
        assert code in text
    res = run_cli("print", "--db", db, "--room", "0101", "--all", "--separate", "-o", str(tmp_path / "sep"))
    assert res.returncode == 0, res.stderr
    assert len(list((tmp_path / "sep").glob("*.pdf"))) == 5
    res = run_cli("print", "--db", db, "nonsense", "-o", str(tmp_path / "x.pdf"))
    assert res.returncode == 2 and "unknown form" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("print", "--db", db, "21", "--participant", who["removed"], "-o", str(tmp_path / "a.pdf"))
    assert res.returncode == 0, res.stderr
    res = run_cli("print", "--db", db, "--day-pack", "-o", str(tmp_path / "pack"), "--json")
    assert res.returncode == 0, res.stderr
    from app.forms.sources import HQ_FORMS

    assert json.loads(res.stdout)["count"] == len(st.plan.rooms) + len(HQ_FORMS) + 5


def test_day_pack(day, tmp_path):
    st, _ = day
    from app.forms.api import render_day_pack

    seen = []
    printed = render_day_pack(st, tmp_path / "pack", progress=lambda d, t, label: seen.append((d, t)))
    rooms = len(st.plan.rooms)
    from app.forms.sources import HQ_FORMS

    assert len(printed) == rooms + len(HQ_FORMS) + 5  # a set per room, HQ forms (one subject), acts 20, 21, 22, 02, 03
    assert sorted(p.form for p in printed if "acts" in p.path.parts) == ["ППЭ-02", "ППЭ-03", "ППЭ-20", "ППЭ-21", "ППЭ-22"]
    assert seen[-1][0] == seen[-1][1] == len(printed)
    assert all(p.path.exists() and p.pages >= 1 for p in printed)
    assert sorted(p.path.name for p in printed if p.form == "room-set") == [
        f"ppe-room-{r}.pdf" for r in sorted(st.plan.rooms)]
    assert not list((tmp_path / "pack").rglob("*.tmp"))


def test_paper_from_a_paired_station_verifies_at_hq(day, demo_db, tmp_path):
    """HQ trusts the room stations it is paired with (transfer records), and only those."""
    from app.forms.api import build_documents, stamp_for
    from app.forms.qr import verify_payload
    from app.services.station import Station
    from app.transfer import records
    from app.transfer.keys import station_keys

    hq, _ = day
    room = Station.open(demo_db)
    try:
        room.record("admitted", "0101", room.plan.room_participants("0101")[0].code, at="09:10")
        docs = build_documents(room, "05-02", room="0101")
        text = stamp_for(room, docs).qr_text[docs[0].doc_id]
        ident = station_keys(room).public
    finally:
        room.close()
    v = verify_text(text, hq)
    assert not v.valid and "not known here" in v.reason
    with hq.engine.begin() as conn:
        records.add_trusted(conn, ident, "0101", "test", "2026-06-04T03:00:00.000000Z")
    v = verify_text(text, hq)
    assert v.valid and v.signer == ident.fingerprint
    # the server-side entry point: keys given as {station: identity}
    res = verify_payload(text, {ident.station: ident})
    assert res.valid and res.data["doc"] == docs[0].doc_id and res.data["form"] == "05-02"
    assert not verify_payload(flip(text, 40), {ident.station: ident}).valid
    with pytest.raises(TypeError):  # another format: the server falls back to its own adapter
        verify_payload("AUDQ1.e30.AA", {ident.station: ident})


def test_package_exports_render_form_lazily():
    import app.forms as forms

    assert callable(forms.render_form)


@pytest.mark.parametrize("n", [1, 2, 49, 430, 437, 900])
def test_fast_qr_matches_the_qrcode_library(n):
    """app.forms.qrfast computes the codewords and places the modules itself (20x faster than
    qrcode.make); with the same fixed mask the matrix is the library's, bit for bit."""
    import random

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from app.forms import qrfast

    rnd = random.Random(n)
    text = "AU1:" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(n))
    ref = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=qrfast.MASK)
    ref.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    ref.make(fit=True)
    lib = qrcode.util.create_data(ref.version, ERROR_CORRECT_M,
                                  [qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM)])
    assert qrfast.codewords(text, ref.version, ERROR_CORRECT_M) == lib
    assert qrfast.matrix(text) == ref.get_matrix()
