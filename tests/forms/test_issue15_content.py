"""Issue 15: the forms held against what the procedure says, each read back from the PDF."""

from __future__ import annotations

import re
import subprocess

import pytest

from app.errors import UserError
from app.forms.api import build_documents, discrepancies, render_form
from tests.forms.conftest import pdf_pages, pdf_text


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_21_grounds_name_em_takeout_and_photo_not_the_notice(day, tmp_path):
    from app.domain.rules import removal_grounds

    st, who = day
    text = squash(pdf_text(render_form(st, "21", participant=who["removed"], out=tmp_path / "a.pdf")))
    assert "Уведомление о регистрации" not in text
    assert "Вынос экзаменационных материалов из аудитории" in text
    assert "Фотографирование экзаменационных материалов" in text
    for ground in ("Средства связи", "Справочные материалы", "Письменные заметки"):
        assert ground in text
    keys = [d.key for d in removal_grounds(st.ref)]
    assert "notice" not in keys and "em-takeout" in keys and "em-photo" in keys


def test_21_ticks_photographing_em(day, tmp_path):
    st, who = day
    p = st.plan.room_participants("0103")[0]
    st.record("admitted", "0103", p.code, at="09:10")
    st.record("exam-start", "0103", at="10:00")
    st.record("removal", "0103", p.code, payload={"reason": "сфотографировал КИМ", "item": "em-photo"}, at="10:40")
    doc = build_documents(st, "21", participant=p.code)[0]
    assert doc.fields["violation"] == "em-photo"
    assert doc.fields["item_title"] == "Фотографирование ЭМ"


@pytest.mark.parametrize("form,room", [("05-02", "0102"), ("13-02-МАШ", None), ("10", None)])
def test_disagreements_stay_off_the_signed_paper(day, tmp_path, form, room):
    st, _ = day
    assert st.room_state("0102").problems()
    text = squash(pdf_text(render_form(st, form, room=room, out=tmp_path / "w.pdf")))
    assert "ВНИМАНИЕ" not in text and "расходятся с записью" not in text
    doc = build_documents(st, form, room=room)[0]
    assert "warnings" not in doc.content()  # the QR vouches for what is printed, nothing else


def test_discrepancies_are_given_to_the_screen(day):
    st, _ = day
    room = discrepancies(st, room="0102")
    assert any("не отмечены ни как явившиеся, ни как не явившиеся: 3" in w for w in room)
    assert len(room) == len(set(room))
    hq = discrepancies(st)
    assert any(w.startswith("Аудитория 0102:") for w in hq)
    assert discrepancies(st, ["05-02"], room="0101") == []


@pytest.mark.parametrize("form,room", [("12-04-МАШ", "0101"), ("13-02-МАШ", None)])
def test_mash_forms_say_what_the_print_is_for(day, tmp_path, form, room):
    st, _ = day
    text = squash(pdf_text(render_form(st, form, room=room, out=tmp_path / "m.pdf")))
    assert "Печать Auditoria" in text and "официальный бланк" in text
    plain = squash(pdf_text(render_form(st, "05-02", room="0101", out=tmp_path / "p.pdf")))
    assert "Печать Auditoria" not in plain


def test_05_01_in_two_copies_one_for_the_door(day, tmp_path):
    st, _ = day
    out = render_form(st, "05-01", room="0101", out=tmp_path / "l.pdf")
    text = squash(pdf_text(out))
    assert pdf_pages(out) == 2
    assert "Экземпляр 1" in text and "Экземпляр 2 (у входа в аудиторию)" in text
    last = st.plan.room_participants("0101")[-1].document_number
    assert text.count(last) == 2


def test_03_registration_number_is_six_cells(day, tmp_path):
    """The 2020 template's 6-cell box for the appeal commission's number (not a plain line)."""
    from app.forms.render import Pager

    st, who = day
    doc = build_documents(st, "03", participant=who["appellant"])[0]
    cells: list[int] = []
    orig = Pager.cells

    def spy(self, x, y, groups, value, *a, **k):
        cells.append(sum(groups))
        return orig(self, x, y, groups, value, *a, **k)

    Pager.cells = spy
    try:
        Pager(doc, "").run()
    finally:
        Pager.cells = orig
    assert 6 in cells
    text = squash(pdf_text(render_form(st, "03", participant=who["appellant"], out=tmp_path / "a.pdf")))
    assert "Регистрационный номер в апелляционной комиссии" in text


def test_10_has_the_gek_report_checklist(day, tmp_path):
    """The part «Проведение ГИА в аудиториях ППЭ» as the 2018 Сборник's ППЭ-10 has it: a box for «no
    violations», then each violation with its own box (not «да/нет» answers)."""
    st, _ = day
    text = squash(pdf_text(render_form(st, "10", out=tmp_path / "g.pdf")))
    for item in ("Нарушений в аудиториях ППЭ не выявлено", "Выявлены нарушения в аудиториях ППЭ",
                 "не закрыты материалы со справочно-познавательной информацией", "в зоне видимости камер",
                 "проведён не полностью", "ранее 10:00 по местному времени", "средства связи"):
        assert item in text
    assert " да " not in text and " нет " not in text


def test_14_01_k_code_and_title(day):
    st, _ = day
    f = st.ref.form("ППЭ-14-01-К")
    assert f.title == "Акт приема-передачи экзаменационных материалов в ППЭ"
    assert all(x.code != "ППЭ-14-01" for x in st.ref.forms.values())


def _kit_day(st):
    p = st.plan.room_participants("0103")
    st.record("admitted", "0103", p[0].code, at="09:10")
    st.record("admitted", "0103", p[1].code, at="09:11")
    st.record("exam-start", "0103", at="10:00")
    st.record("kit-replaced", "0103", p[1].code, payload={"kit": "1234567", "new_kit": "7654321", "reason": "defect"},
              at="10:07")
    return p[1]


def test_kit_replaced_is_validated_and_advised(day):
    from app.domain.kinds import validate_payload

    st, _ = day
    with pytest.raises(UserError, match="reason"):
        validate_payload("kit-replaced", {"kit": "1", "new_kit": "2", "reason": "lost"}, "660000101")
    with pytest.raises(UserError, match="new_kit"):
        validate_payload("kit-replaced", {"kit": "1", "reason": "spoiled"}, "660000101")
    p = st.plan.room_participants("0103")[0]
    st.record("admitted", "0103", p.code, at="09:10")
    rec = st.record("kit-replaced", "0103", p.code, payload={"kit": "1", "new_kit": "2", "reason": "spoiled"},
                    at="10:07")
    assert any(a.code == "kit-replaced" and a.act == "ППЭ-05-02" for a in rec.advice)


def test_kit_replaced_printed_on_05_02_and_13_02(day, tmp_path):
    st, _ = day
    who = _kit_day(st)
    t = squash(pdf_text(render_form(st, "05-02", room="0103", out=tmp_path / "p.pdf")))
    assert re.search(r"Испорченных / замененных ИК 1", t)
    assert "1234567" in t and "7654321" in t and "брак" in t and who.last_name in t
    t13 = pdf_text(render_form(st, "13-02-МАШ", out=tmp_path / "s.pdf"))
    assert "Использовано ИК" in squash(t13) and "Испорчено / заменено ИК" in squash(t13)
    flat = t13.replace(" ", "").replace("\n", "")
    # room 0103: 2 present, kits used 2 + 1 replacement, 1 replaced
    assert "0103" + "015" + "002" + "000" * 5 + "003" + "01" in flat
    t10 = squash(pdf_text(render_form(st, "10", out=tmp_path / "g.pdf")))
    assert re.search(r"Замен ИК из резерва \(брак / порча\) 2", t10)  # 0101 of the sample day and 0103


def test_voided_kit_replacement_is_not_printed(day, tmp_path):
    st, _ = day
    _kit_day(st)
    ev = next(e for e in st.log.for_room(st.day.key, "0103") if e.kind == "kit-replaced")
    st.record("void", "0103", payload={"target": ev.id, "reason": "ошибка"}, at="10:09")
    t = squash(pdf_text(render_form(st, "05-02", room="0103", out=tmp_path / "p.pdf")))
    assert "1234567" not in t and re.search(r"Испорченных / замененных ИК 0", t) and "Замен ИК не было" in t


def test_qr_still_decodes_with_the_subset_font_and_vector_qr(day, tmp_path):
    """The room set PDF: the QR (a 1-bit image) is read by zbarimg from a 150-dpi raster, as a scanner would."""
    from app.forms.api import render_room_set
    from app.forms.verify import verify_text

    st, _ = day
    printed = render_room_set(st, "0101", tmp_path)
    pdf = printed[0].path
    assert pdf.stat().st_size <= 150 * 1024
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "3", "-l", "3", "-singlefile", str(pdf),
                    str(tmp_path / "p")], check=True)
    res = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "p.png")], capture_output=True, text=True)
    assert res.returncode == 0
    v = verify_text(res.stdout.strip(), st)
    assert v.valid and v.record == "current" and v.data["form"] == "05-02"


def test_qr_is_a_lossless_one_bit_image(day, tmp_path):
    """Every page's QR is a 1-bit Flate image (no JPEG, no 8-bit RGB) with QR_PX pixels a module, so a
    viewer that smooths small images still shows sharp modules."""
    from pypdf import PdfReader

    from app.forms.api import render_room_set
    from app.forms.render import QR_PX

    st, _ = day
    pdf = render_room_set(st, "0101", tmp_path)[0].path
    for page in PdfReader(str(pdf)).pages:
        images = [o.get_object() for o in page["/Resources"]["/XObject"].values()]
        assert len(images) == 1
        img = images[0]
        assert img["/BitsPerComponent"] == 1 and img["/ColorSpace"] == "/DeviceGray"
        assert img["/Filter"] == "/FlateDecode" and img["/Width"] % QR_PX == 0 and img["/Width"] >= 21 * QR_PX


def test_laid_out_text_reprints_the_same(day, tmp_path):
    """A text seen again is painted from cached glyph runs (app.forms.render.text_runs): the second
    print of a room set reads back word for word like the first and looks the same."""
    from PIL import Image, ImageChops

    from app.forms import render
    from app.forms.api import render_room_set

    st, _ = day
    render._runs_local.__dict__.clear()  # nothing seen yet: every text goes through drawText
    first = render_room_set(st, "0101", tmp_path / "a")[0].path
    second = render_room_set(st, "0101", tmp_path / "b")[0].path
    assert len(render._runs_local.cache) > 100  # the repeated labels are glyph runs now
    assert squash(pdf_text(first)) == squash(pdf_text(second))

    def words(pdf):  # every word of page 3 (ППЭ-05-02: tables, centred and wrapped cells) with its box
        out = subprocess.run(["pdftotext", "-bbox", "-f", "3", "-l", "3", str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
        return re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<', out)
    a, b = words(first), words(second)
    assert len(a) == len(b) > 100
    for (xa, ya, ta), (xb, yb, tb) in zip(a, b, strict=True):  # placed where drawText put them
        assert ta == tb and abs(float(xa) - float(xb)) < 0.05 and abs(float(ya) - float(yb)) < 0.05, (ta, xa, xb, ya, yb)
    for pdf in (first, second):
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "2", "-l", "2", "-singlefile", str(pdf),
                        str(pdf.with_suffix(""))], check=True)
    a, b = (Image.open(p.with_suffix(".png")).convert("L") for p in (first, second))
    diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
    assert diff.crop((0, 120, a.width, a.height - 40)).histogram()[255] / (a.width * a.height) < 0.003


def test_forms_readme_field_tables_are_up_to_date():
    """docs/forms/README.md lists every field of every layout with its verification status."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    res = subprocess.run([sys.executable, str(root / "tools" / "forms_fields.py"), "--check"], cwd=root)
    assert res.returncode == 0, "run tools/forms_fields.py"
    text = (root / "docs" / "forms" / "README.md").read_text(encoding="utf-8")
    for form in ("ППЭ-05-01", "ППЭ-05-02", "ППЭ-13-02-МАШ", "ППЭ-21", "ППЭ-10"):
        assert f"### {form} (" in text
    assert "[V] Сборник форм 2020, ППЭ-03 (F2)" in text and "[R] unverified" in text


def test_printing_on_a_worker_thread_then_on_the_main_thread(day, tmp_path):
    """Qt's font engines are per thread: the boxed-character glyph runs must not reuse a raw font made
    on a print worker that has ended (that crashed the next print on the GUI thread)."""
    import threading

    st, _ = day
    path = st.path
    st.close()

    def work():
        from app.services.station import Station

        w = Station.open(path)
        try:
            render_form(w, "05-02", room="0101", out=tmp_path / "worker.pdf")
        finally:
            w.close()

    t = threading.Thread(target=work)
    t.start()
    t.join()
    from app.services.station import Station

    again = Station.open(path)
    try:
        out = render_form(again, "12-04-МАШ", room="0101", out=tmp_path / "main.pdf")
    finally:
        again.close()
    assert "Ведомость учета времени отсутствия" in squash(pdf_text(out))


def test_first_print_looks_like_a_reprint_header_included(day, tmp_path):
    """The header and footer are glyph runs from the first print on (app.forms.render.header_ops): a
    fresh process's print and a reprint are the same pixels, header included. Before, the first print
    drew the copy label with drawText, which clipped its second line «аудитории)» on ППЭ-05-01."""
    from PIL import Image, ImageChops, ImageDraw

    from app.forms import render
    from app.forms.api import render_room_set

    st, _ = day
    render._runs_local.__dict__.clear()
    render._furniture_local.__dict__.clear()
    first = render_room_set(st, "0101", tmp_path / "a")[0].path
    second = render_room_set(st, "0101", tmp_path / "b")[0].path
    for pdf in (first, second):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(pdf.with_suffix(""))], check=True)
    a, b = (Image.open(p.with_suffix(".png")).convert("L") for p in (first, second))
    for img in (a, b):  # the QR differs (the second print is signed against a later chain head)
        ImageDraw.Draw(img).rectangle([0, 0, round(52 / 25.4 * 60), round(47 / 25.4 * 60)], fill=255)
    diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 48 else 0)
    assert diff.histogram()[255] / (a.width * a.height) < 0.0001


def test_header_laid_out_once_per_form_and_room(day, tmp_path, monkeypatch):
    """A reprint lays out no header at all: the frame is kept per form and copy, the values per room."""
    from app.forms import render
    from app.forms.api import render_room_set

    st, _ = day
    render_room_set(st, "0101", tmp_path / "a")
    calls = []
    real = render._header_layer
    monkeypatch.setattr(render, "_header_layer", lambda *a: calls.append(a[:4]) or real(*a))
    render_room_set(st, "0101", tmp_path / "b")
    assert calls == []
    render_room_set(st, "0102", tmp_path / "c")  # another room: only values, no frame
    assert calls and all(c[3] is not None for c in calls)
