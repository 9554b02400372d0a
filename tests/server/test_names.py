"""School and exam-point names from the authority's reference list: import (all or nothing, Russian or
English headers, file:line: column errors, idempotent) and the names beside the codes on pages and exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.errors import UserError
from app.server.admin import add_ppe
from app.server.db import open_server_db
from app.server.names import import_names, load_names
from tests.server.conftest import cli


@pytest.fixture
def engine(tmp_path):
    e = open_server_db(tmp_path / "s.db")
    add_ppe(e, "66", "043", "0412", "МАОУ СОШ № 8")
    yield e
    e.dispose()


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_russian_headers_idempotent_and_updates(engine, tmp_path):
    f = _write(tmp_path / "names.csv", "Вид;Код;Наименование\nОО;123456;МБОУ «Лицей № 3»\nППЭ;0412;ППЭ на базе СОШ № 8\n"
               "школа;654321;МАОУ СОШ № 12\n")
    res = import_names(engine, f)
    assert (res.rows, res.schools, res.ppes, res.added, res.unchanged) == (3, 2, 1, 3, False)
    n = load_names(engine)
    assert n.school("123456") == "МБОУ «Лицей № 3»" and n.ppe("66/0412") == "ППЭ на базе СОШ № 8"
    assert import_names(engine, f).unchanged  # the same list again changes nothing
    upd = _write(tmp_path / "en.csv", "code,name,kind\n123456,МБОУ Лицей № 3 им. Пушкина,school\n")
    res = import_names(engine, upd)
    assert (res.changed, res.added) == (1, 0)
    n = load_names(engine)
    assert n.school("123456") == "МБОУ Лицей № 3 им. Пушкина" and n.school("654321") == "МАОУ СОШ № 12"


def test_bad_rows_name_file_line_column_and_nothing_is_stored(engine, tmp_path):
    bad = _write(tmp_path / "bad.csv", "Вид;Код;Наименование;Код региона\nОО;123456;Лицей;\nколледж;1;X;\n"
                 "ОО;12x;Школа;\nППЭ;0412;;\nППЭ;0413;ППЭ 13;6\nОО;123456;Лицей снова;\n")
    with pytest.raises(UserError) as info:
        import_names(engine, bad)
    msg = str(info.value)
    for want in ("bad.csv:3: Вид: must be school/ОО or ppe/ППЭ", "bad.csv:4: Код: a school code is 1-6 digits",
                 "bad.csv:5: Наименование: is empty", "bad.csv:6: Код региона: must be 2 digits",
                 "bad.csv:7: Код: 123456 is named twice (first at line 2)"):
        assert want in msg, msg
    assert load_names(engine).schools == {}  # all or nothing
    with pytest.raises(UserError) as info:
        import_names(engine, _write(tmp_path / "h.csv", "Вид;Наименование\nОО;Лицей\n"))
    assert "h.csv: line 1: header: missing code" in str(info.value)
    with pytest.raises(UserError) as info:  # a bare code of an exam point the server does not hold
        import_names(engine, _write(tmp_path / "p.csv", "kind;code;name\nppe;0999;ППЭ 999\n"))
    assert "p.csv:2: code: exam point 0999 is held in no region" in str(info.value)
    assert import_names(engine, tmp_path / "p.csv", region="66").ppes == 1  # --region says which


def test_cli_import_names(engine, tmp_path):
    db = str(engine.url.database)
    f = _write(tmp_path / "n.csv", "kind;code;name\nschool;111111;Гимназия № 1\n")
    out = json.loads(cli("server", "import-names", "--db", db, str(f), "--json").stdout)
    assert out["rows"] == 1 and out["added"] == 1
    again = cli("server", "import-names", "--db", db, str(f))
    assert "no changes" in again.stdout
    bad = cli("server", "import-names", "--db", db, str(_write(tmp_path / "b.csv", "kind;code;name\nx;1;y\n")),
              check=False)
    assert bad.returncode == 2 and "b.csv:2: kind:" in bad.stderr


def test_names_on_the_page_and_in_exports(live, official, hq_db, tmp_path):
    from app.services.station import Station
    from app.sync.client import Backoff, sync_once

    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    assert sync_once(st, live.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=4)).outcome == "accepted"
    schools = sorted({p.school_code for p in st.plan.participants.values() if p.school_code})
    lines = ["Вид;Код;Наименование", "ППЭ;66/0412;ППЭ № 412 (СОШ № 8)"]
    lines += [f"ОО;{s};Школа номер {i}" for i, s in enumerate(schools)]
    cli("server", "import-names", "--db", live.db, str(_write(tmp_path / "n.csv", "\n".join(lines) + "\n")))
    html = official.get("/monitoring", params={"day": "2026-06-04/01"}).text
    assert "ППЭ № 412 (СОШ № 8)" in html and "Школа номер 0" in html
    rows = list(csv.DictReader(io.StringIO(official.get("/monitoring.csv", params={"table": "schools"})
                                           .content.decode("utf-8-sig")), delimiter=";"))
    assert {r["Наименование ОО"] for r in rows} >= {"Школа номер 0"}
    assert next(r for r in rows if r["Школа (ОО)"] == schools[0])["Наименование ОО"] == "Школа номер 0"
