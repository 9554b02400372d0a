"""A list of a whole exam period: many dates and subjects, imported, re-imported and updated per date."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.services.importer import ImportErrors, import_list
from app.services.station import Station
from tests.period.helpers import HEADER, PERIOD, period_rows, write_period


@pytest.fixture
def hq(tmp_path):
    return Station.create(tmp_path / "hq.db", role="hq")


def test_period_list_holds_every_date_and_subject(hq, tmp_path):
    res = import_list(hq, write_period(tmp_path / "period.csv"), tz="Asia/Yekaterinburg")
    assert res.rows == 32 and res.days == sorted(PERIOD) and not res.unchanged
    days = {d.key: d.subjects for d in hq.days()}
    assert days == {"2026-06-01": ("04", "07", "18"), "2026-06-04": ("01",), "2026-06-11": ("03", "12")}
    hq.use_day("2026-06-11")
    assert {r["room"]: r["subject"] for r in hq.rooms_summary()} == {"0101": "12", "0102": "12", "0103": "03"}
    hq.use_day("2026-06-01")
    assert {r["room"]: r["subject"] for r in hq.rooms_summary()} == {"0101": "07", "0102": "18", "0103": "04"}


def test_reimport_changes_nothing_and_an_update_of_one_date_leaves_the_others(hq, tmp_path):
    import_list(hq, write_period(tmp_path / "period.csv"), tz="Asia/Yekaterinburg")
    assert import_list(hq, write_period(tmp_path / "again.csv")).unchanged
    hq.use_day("2026-06-04")
    first = hq.plan.room_participants("0101")[0]
    mark = hq.record("admitted", "0101", first.code, at="09:10")
    with hq.engine.connect() as conn:
        before = {r[0]: tuple(r) for r in conn.exec_driver_sql(
            "SELECT code, day, subject_code, room, seat, last_name FROM participants WHERE day != '2026-06-11'")}
    res = import_list(hq, write_period(tmp_path / "update.csv", period_rows(changed={"2026-06-11": "а"})))
    assert res.changed == 12 and res.added == res.removed == 0
    with hq.engine.connect() as conn:
        after = {r[0]: tuple(r) for r in conn.exec_driver_sql(
            "SELECT code, day, subject_code, room, seat, last_name FROM participants WHERE day != '2026-06-11'")}
        names = {r[0] for r in conn.exec_driver_sql("SELECT last_name FROM participants WHERE day = '2026-06-11'")}
    assert after == before and all(n.endswith("а") for n in names)
    assert hq.log.get(mark.event.id) == mark.event and hq.verify() == []


def test_russian_headers_any_order_and_dotted_dates(hq, tmp_path):
    ru = ["Код участника", "Фамилия", "Имя", "Отчество", "Код региона", "Код ППЭ", "Дата экзамена", "Код предмета",
          "Аудитория", "Место", "Серия документа", "Номер документа", "Код ОО", "ОВЗ"]
    rows = [";".join(ru),
            "660001;Котова;Анна;Петровна;66;0412;11.06.2026;12;0101;1А;6500;123456;500;",
            "660002;Орлов;Иван;Ильич;66;0412;11.06.2026;03;0102;1А;6500;123457;500;ОВЗ"]
    f = tmp_path / "ru.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = import_list(hq, f)
    assert res.rows == 2 and res.days == ["2026-06-11"]
    hq.use_day("2026-06-11")
    p = hq.plan.participants["660002"]
    assert (p.subject_code, p.ovz, p.room) == ("03", True, "0102")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([rows[0], rows[1].replace("11.06.2026", "31.06.2026")]) + "\n", encoding="utf-8")
    with pytest.raises(ImportErrors) as info:
        import_list(hq, bad)
    assert "bad.csv:2: Дата экзамена: must be a date YYYY-MM-DD or DD.MM.YYYY, not '31.06.2026'" in info.value.errors


def test_a_room_with_two_subjects_and_an_unscheduled_subject_are_advice(hq, tmp_path):
    rows = period_rows()
    rows.append("66,0412,2026-06-11,01,0101,2А,6699,Белов,Пётр,Ильич,6500,777777,500,")  # русский in 0101
    res = import_list(hq, write_period(tmp_path / "mixed.csv", rows))
    assert any("room 0101 on 2026-06-11 holds two or more subjects (01, 12)" in w for w in res.warnings)
    assert any("subject 01 on 2026-06-11: the schedule holds 12, 03" in w for w in res.warnings)
    hq.use_day("2026-06-11")
    st = hq.room_state("0101")
    assert st.subject == "12" and st.participants["6699"].minutes == 210


def test_one_participant_twice_on_a_date_is_refused(hq, tmp_path):
    rows = period_rows()
    first = rows[0].split(",")
    first[3], first[4], first[5] = "18", "0102", "3А"
    with pytest.raises(ImportErrors, match="appears twice on 2026-06-01"):
        import_list(hq, write_period(tmp_path / "twice.csv", [*rows, ",".join(first)]))
    assert hq.days() == []


def test_record_refuses_a_code_on_no_list_and_names_the_other_date(hq, tmp_path):
    import_list(hq, write_period(tmp_path / "period.csv"), tz="Asia/Yekaterinburg")
    hq.use_day("2026-06-04")
    with pytest.raises(UserError, match="on none of this station's lists"):
        hq.record("admitted", "0101", "999")
    other = next(p for p in period_rows() if ",2026-06-11," in p).split(",")[6]
    with pytest.raises(UserError, match=f"participant {other} is on the list for 2026-06-11, not for 2026-06-04"):
        hq.record("admitted", "0101", other)
    assert hq.log.count() == 0


def test_header_names_are_data(tmp_path):
    from app.paths import resources_dir

    assert (resources_dir() / "lists" / "columns.json").exists()
    assert HEADER.split(",")[0] == "region"


def test_a_room_may_be_laid_out_otherwise_on_one_date(hq, tmp_path):
    rows = period_rows()
    rows.append("66,0412,2026-06-11,03,0103,5Д,6698,Белова,Анна,Ильинична,6500,777778,500,")
    import_list(hq, write_period(tmp_path / "big.csv", rows))
    hq.use_day("2026-06-11")
    r = hq.plan.rooms["0103"]
    assert (r.rows, r.seats_per_row) == (5, 5)
    hq.use_day("2026-06-01")
    r = hq.plan.rooms["0103"]
    assert (r.rows, r.seats_per_row) == (1, 4)
    assert sorted(hq.plan.rooms) == ["0101", "0102", "0103"]
    hq.use_day("2026-06-04")
    assert sorted(hq.plan.rooms) == ["0101", "0102"]  # a room not used that date is not in that date's plan
