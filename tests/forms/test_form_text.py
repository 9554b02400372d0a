"""Every form's PDF read back: participant data, counts and signers come from the record."""

from __future__ import annotations

import re

import pytest

from app.forms.api import render_form
from tests.forms.conftest import pdf_pages, pdf_text


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_05_01_lists_every_participant_in_seat_order(day, tmp_path):
    st, _ = day
    out = render_form(st, "05-01", room="0101", out=tmp_path / "l.pdf")
    text = pdf_text(out)
    people = st.plan.room_participants("0101")
    assert "Список участников ГИА в аудитории ППЭ" in text and "ППЭ-05-01" in text
    positions = []
    for p in people:
        assert p.last_name in text and p.document_number in text
        positions.append(text.index(p.document_number))
    assert positions == sorted(positions)
    assert "стр. 1 из 1" in text


def test_05_02_marks_and_counts_match_projection(day, tmp_path):
    st, who = day
    out = render_form(st, "ППЭ-05-02", room="0101", out=tmp_path / "p.pdf")
    text = squash(pdf_text(out))
    c = st.room_state("0101").counts()
    assert c["absent"] == 1 and c["removed"] == 1 and c["finished_early"] == 1 and c["extra_sheets"] == 3
    assert "Протокол проведения ГИА в аудитории" in text
    for p in st.plan.room_participants("0101"):
        assert p.last_name in text
    assert "ППЭ-21 11:05" in text and "ППЭ-22 12:15" in text and "опоздал 10:20" in text
    assert "место 5В" in text
    counts = re.search(r"Участников по списку (\d+) Явились на экзамен (\d+)", text)
    assert counts and counts.groups() == (str(c["assigned"]), str(c["present"]))
    assert re.search(r"Не явились 1 ", text) and re.search(r"Выдано доп\. бланков ответов № 2 3", text)
    assert "Начало экзамена: 10:05" in text and "13:35" in text
    assert "ВНИМАНИЕ" not in text  # room 0101 is consistent
    lead = next(s for s in st.plan.room_staff("0101") if s.lead)
    assert lead.full_name in text and "Подпись участника" in text
    assert re.search(r"стр\. 1 из (\d)", text)


def test_05_02_with_disagreeing_figures_keeps_the_warning_off_the_paper(day, tmp_path):
    """Issue 15: the warning goes to the screen (api.discrepancies), not onto the signed protocol."""
    from app.forms.api import build_documents

    st, _ = day
    assert st.room_state("0102").problems()
    text = squash(pdf_text(render_form(st, "05-02", room="0102", out=tmp_path / "w.pdf")))
    assert "ВНИМАНИЕ" not in text
    doc = build_documents(st, "05-02", room="0102")[0]
    assert any("не отмечены ни как явившиеся, ни как не явившиеся: 3" in w for w in doc.warnings)


def test_12_forms_rows(day, tmp_path):
    st, who = day
    t02 = squash(pdf_text(render_form(st, "12-02", room="0101", out=tmp_path / "a.pdf")))
    p = st.plan.participants[who["corrected"]]
    assert who["corrected"] in t02 and p.document_number in t02 and "123456" in t02 and "Номер документа" in t02
    t03 = squash(pdf_text(render_form(st, "12-03", room="0101", out=tmp_path / "b.pdf")))
    assert "2690011234501" in t03 and "2690011234502" in t03 and "2690011234517" in t03
    assert re.search(r"Выдано доп\. бланков ответов № 2 3", t03)
    t04 = pdf_text(render_form(st, "ppe-12-04-mash", room="0101", out=tmp_path / "c.pdf"))
    flat = re.sub(r"[\s:]+", "", t04)
    for hhmm in ("1042", "1049", "1115", "1121", "1202", "1208", "1140"):
        assert hhmm in flat  # one digit per cell
    assert "Ведомость учета времени отсутствия участников ГИА в аудитории" in squash(t04)
    assert re.search(r"Всего выходов из аудитории 4", squash(t04))


def test_hq_summary_totals_all_rooms(day, tmp_path):
    st, _ = day
    text = squash(pdf_text(render_form(st, "13-02-МАШ", out=tmp_path / "s.pdf")))
    rooms = st.rooms_summary()
    total = sum(r["assigned"] for r in rooms)
    present = sum(r["present"] for r in rooms)
    flat = text.replace(" ", "")
    assert f"Итого{total:03d}{present:03d}" in flat
    for r in rooms:
        assert f"{r['room']}{r['assigned']:03d}{r['present']:03d}" in flat
    assert "Аудитория 0102" not in text  # its disagreement is on the screen, not on the paper


def test_staff_changes_and_gek_facts(day, tmp_path):
    st, who = day
    t19 = squash(pdf_text(render_form(st, "19", out=tmp_path / "a.pdf")))
    assert st.plan.staff["ORG02"].full_name in t19 and st.plan.staff["OUT04"].full_name in t19
    assert "болезнь" in t19
    t10 = squash(pdf_text(render_form(st, "ППЭ-10", out=tmp_path / "b.pdf")))
    assert "ППЭ-21" in t10 and who["removed"] in t10 and "ППЭ-22" in t10 and who["early"] in t10
    assert "Отчет члена ГЭК о проведении ГИА в ППЭ" in t10


@pytest.mark.parametrize("form,case,words", [
    ("21", "removed", ["Акт об удалении участника ГИА", "Использование мобильного телефона", "Член ГЭК"]),
    ("22", "early", ["Акт о досрочном завершении экзамена по объективным причинам", "головная боль",
                     "Медицинский работник"]),
    ("20", "no_doc", ["Акт об идентификации личности участника ГИА", "Иванова Т. С."]),
    ("02", "appellant", ["Апелляция о нарушении установленного порядка проведения ГИА", "громко разговаривали"]),
    ("03", "appellant", ["Протокол рассмотрения апелляции", "Регистрационный номер в апелляционной комиссии"]),
])
def test_acts(day, tmp_path, form, case, words):
    st, who = day
    out = render_form(st, form, participant=who[case], out=tmp_path / "act.pdf")
    text = squash(pdf_text(out))
    p = st.plan.participants[who[case]]
    assert p.full_name in text
    for w in words:
        assert w in text
    copies = st.forms_copies if hasattr(st, "forms_copies") else None  # noqa: F841
    if form in ("21", "22", "02", "20"):
        assert "Экземпляр 1" in text and "Экземпляр 2" in text
        assert pdf_pages(out) >= 2


def test_removal_act_ticks_the_item(day, tmp_path):
    st, who = day
    from app.forms.api import build_documents

    doc = build_documents(st, "21", participant=who["removed"])[0]
    assert doc.fields["violation"] == "phone" and doc.copies == ["Экземпляр 1", "Экземпляр 2"]


def test_act_without_event_is_a_clear_error(day, tmp_path):
    from app.errors import UserError

    st, who = day
    with pytest.raises(UserError, match="no event"):
        render_form(st, "21", participant=who["absent"], out=tmp_path / "x.pdf")


def test_long_list_paginates_with_header_on_every_page(day, tmp_path):
    st, _ = day
    # 12-04-МАШ with many exits: one row per exit, several sheets
    codes = [p.code for p in st.plan.room_participants("0103")]
    st.record("room-opened", "0103", at="08:45")
    for c in codes:
        st.record("admitted", "0103", c, at="09:10")
    st.record("exam-start", "0103", at="10:00")
    for i in range(50):
        c = codes[i % len(codes)]
        st.record("exit", "0103", c, at=f"{10 + i // 20:02d}:{(i * 3) % 60:02d}")
        st.record("return", "0103", c, at=f"{10 + i // 20:02d}:{(i * 3) % 60 + 1:02d}")
    out = render_form(st, "12-04-МАШ", room="0103", out=tmp_path / "long.pdf")
    n = pdf_pages(out)
    assert n >= 2
    text = pdf_text(out)
    assert text.count("Ведомость учета времени отсутствия") == 1  # title once
    assert text.count("ППЭ-12-04-МАШ") >= n and f"стр. {n} из {n}" in text
    assert text.count("Номер аудитории") == n  # header cells on every sheet
