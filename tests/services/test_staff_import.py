"""The staff list (ППЭ-07) at HQ: Russian or English headers and roles, all or nothing, idempotent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.errors import UserError
from app.services.staff_import import import_staff
from app.services.station import Station
from app.store import plan_repo

RU = ("Код;Фамилия;Имя;Отчество;Должность (роль);Аудитория;Ответственный\n"
      "R01;Соколова;Анна;Павловна;Организатор в аудитории;0101;да\n"
      "R02;Орлов;Борис;Ильич;организатор в аудитории;101;\n"
      "H01;Зайцева;Ирина;Олеговна;Руководитель ППЭ;;\n"
      "G01;Маркова;Алла;Юрьевна;Член ГЭК;;\n"
      "N01;Наблюдаева;Ольга;Петровна;Общественный наблюдатель;;\n")


@pytest.fixture
def hq(tmp_path, demo_template):
    from app.services.demo import install_demo

    st = Station.create(tmp_path / "hq.db", role="hq")
    install_demo(st)
    yield st
    st.close()


def test_staff_list_imported_with_russian_headers_and_roles(hq, tmp_path):
    f = tmp_path / "ppe07.csv"
    f.write_text(RU, encoding="utf-8")
    res = import_staff(hq, f)
    assert (res.rows, res.unchanged) == (5, False)
    assert res.roles == {"organizer-room": 2, "ppe-head": 1, "gek": 1, "observer": 1}
    staff = plan_repo.load_staff(hq.engine)
    assert staff["R01"].room == "0101" and staff["R01"].lead and not staff["R02"].lead and staff["R02"].room == "0101"
    assert staff["G01"].role == "gek" and hq.plan.staff["N01"].role == "observer"
    assert import_staff(hq, f).unchanged  # the same file again changes nothing


def test_staff_list_all_or_nothing_with_file_line_column(hq, tmp_path):
    before = plan_repo.load_staff(hq.engine)
    bad = tmp_path / "bad.csv"
    bad.write_text(RU + "R03;Петров;Пётр;;Организатор в аудитории;;\n"
                        "R04;Кузнецов;Иван;;Организатор в аудитории;0999;\n"
                        "R05;Смирнов;;;Завхоз;;\n"
                        "R01;Соколова;Анна;;Член ГЭК;;\n"
                        "R06;Попов;Олег;;Организатор в аудитории;0101;да\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        import_staff(hq, bad)
    msg = str(e.value)
    assert "bad.csv:7: Аудитория: an organizer in the room needs the room number" in msg
    assert "bad.csv:8: Аудитория: room 0999 is on none of this exam point's lists" in msg
    assert "bad.csv:9: Имя: is empty" in msg and "bad.csv:9: Должность (роль): unknown role 'Завхоз'" in msg
    assert "bad.csv:10: Код: R01 appears twice (first at line 2)" in msg
    assert "bad.csv:11: Ответственный: room 0101 already has a lead organizer (line 2)" in msg
    assert plan_repo.load_staff(hq.engine) == before


def test_staff_list_only_at_hq_and_cli(station, hq, tmp_path):
    f = tmp_path / "ppe07.csv"
    f.write_text(RU, encoding="utf-8")
    with pytest.raises(UserError, match="imported at HQ"):
        import_staff(station, f)
    hq.close()
    r = subprocess.run([sys.executable, "-m", "app.cli", "import-staff", "--db", str(hq.path), str(f), "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == 5
    r = subprocess.run([sys.executable, "-m", "app.cli", "import-staff", "--db", str(hq.path),
                        str(tmp_path / "nope.csv")], capture_output=True, text=True)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
