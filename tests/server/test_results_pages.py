"""Results pages against a real ``auditoria serve``: the JSON API equals ``server results --json``, pages
under /results (per subject, per school, the distribution), flags in words, suppression marked, demo data
labelled, every figure linked to its source, CSV/XLSX of every table, the annual and the per-date PDF,
the per-session language switch."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import httpx
import pytest

from app.services.station import Station
from app.sync.client import Backoff, sync_once
from tests.server.conftest import LiveServer, cli


@pytest.fixture(scope="module")
def srv(hq_template, tmp_path_factory):
    """A server holding the demo exam point's synced record, three years of demo results, a small school
    of two participants (list results), and the reference names; one official signed in."""
    import shutil

    tmp = tmp_path_factory.mktemp("results-pages")
    hq = tmp / "hq.db"
    shutil.copy(hq_template, hq)
    shutil.copy(str(hq_template) + ".keys", str(hq) + ".keys")  # the room packages were addressed to this key
    s = LiveServer(str(tmp / "s.db"), tmp / "s.log")
    try:
        code = s.add_ppe("0412")
        st = Station.open(hq)
        assert sync_once(st, s.url, enroll_code=code, backoff=Backoff(base=0.05, attempts=4)).outcome == "accepted"
        room = [p for p in st.plan.participants.values() if p.room == "0101"]
        st.close()
        cli("server", "demo-results", "--db", s.db)
        small = tmp / "small.csv"
        # a planted anomaly: room 0101's scores all but equal (its list results replace the demo ones)
        small.write_text("participant_code;exam_date;subject_code;school_code;primary_score;test_score\n"
                         "S-1;2026-06-04;01;999001;30;70\nS-2;2026-06-04;01;999001;31;72\n"
                         + "".join(f"{p.code};2026-06-04;01;{p.school_code};40;{70 + i % 2}\n"
                                   for i, p in enumerate(room)), encoding="utf-8")
        cli("server", "import-results", "--db", s.db, str(small))
        names = tmp / "names.csv"
        names.write_text("Вид;Код;Наименование\nОО;999001;Малая школа № 1\n", encoding="utf-8")
        cli("server", "import-names", "--db", s.db, str(names))
        region = tmp / "region.csv"
        region.write_text("Год;Код предмета;Участников;Средний балл;Медиана;Ниже минимума, %;81–99, %;100 баллов, %\n"
                          "2026;01;21 500;68,4;70;2,1 %;22,5;0,4\n", encoding="utf-8")
        cli("server", "import-region", "--db", s.db, str(region))
        s.client = s.login("chief")
        yield s
        s.client.close()
    finally:
        s.stop()


def test_api_equals_the_cli_and_needs_a_session(srv):
    assert httpx.get(srv.url + "/api/v1/results?year=2026").status_code == 401
    for public in ("", "1"):
        api = srv.client.get("/api/v1/results", params={"year": "2026", "public": public})
        assert api.status_code == 200
        args = ["server", "results", "--db", srv.db, "--year", "2026", "--json"] + (["--public"] if public else [])
        assert api.json() == json.loads(cli(*args, env={"AUDITORIA_LANG": "ru"}).stdout)  # the same language
    one = srv.client.get("/api/v1/results", params={"year": "2026", "subject": "01", "school": "999001"}).json()
    assert [s["code"] for s in one["subjects"]] == ["01"] and one["subjects"][0]["schools"][0]["school"] == "999001"
    for bad in ({"year": "26"}, {"year": "2026", "subject": "1x"}, {"school": "a/b"}, {"public": "maybe"}):
        r = srv.client.get("/api/v1/results", params=bad)
        assert r.status_code == 400 and r.json()["error"] == "bad-parameter", bad


def test_results_page_links_flags_suppression_demo(srv):
    r = httpx.get(srv.url + "/results", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    overview = srv.client.get("/results", params={"year": "2026"}).text
    page = srv.client.get("/results", params={"year": "2026", "subject": "01"})  # a subject's schools
    assert page.status_code == 200
    html = page.text
    text = re.sub(r"<[^>]+>", " ", html)
    for words in ("Результаты экзаменов и ход экзамена", "ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ", "Муниципалитет",
                  "Русский язык", "Малая школа № 1", "на 100"):
        assert words in text, words
    rep = srv.client.get("/api/v1/results", params={"year": "2026"}).json()
    rus = next(s for s in rep["subjects"] if s["code"] == "01")
    school = next(c for c in rus["schools"] if c["participants"] >= 5)
    # the school's conduct links to its filtered monitoring page, its count to the scores it is computed from
    assert (f'/monitoring?date_from=2026-01-01&amp;date_to=2026-12-31&amp;subject=01&amp;school={school["school"]}'
            in html)
    assert f'/results/distribution?year=2026&amp;subject=01&amp;school={school["school"]}">{school["participants"]}<' \
        in html
    assert f'/results/school/{school["school"]}?year=2026' in html
    assert "/results/report.pdf?year=2026" in html
    flags = [f for s in rep["subjects"] for f in s["flags"]]
    assert any(f["kind"] == "uniform-room" and f["room"] == "0101" for f in flags)  # the planted anomaly
    for f in flags:  # each flag in words, linked to the record of the exam it points at, on both views
        assert f["text"] in html.replace("&#39;", "'").replace("&quot;", '"')
        assert f["text"] in overview.replace("&#39;", "'").replace("&quot;", '"')
    # the overview: every subject linked to its schools, no school tables of its own
    assert "/results?year=2026&amp;subject=01" in overview and 'id="choose-subject"' in overview
    assert "data-school=" not in overview and "Русский язык" in overview
    room_flag = html.split('data-kind="uniform-room"', 1)[1].split("</li>", 1)[0]
    assert "/monitoring?date_from=2026-01-01&amp;date_to=2026-12-31&amp;subject=01&amp;ppe=66%2F0412" in room_flag
    assert "Баллы в аудитории 0101 ППЭ 66/0412 необычно похожи" in text
    region = html.split('id="region-01"', 1)[1].split("</tr>", 1)[0]  # the region beside the municipality
    assert "Регион" in region and "68,4" in region and "21500" in region.replace(" ", "")
    # the public view: the small school's cell is marked suppressed and shows no figure
    pub = srv.client.get("/results", params={"year": "2026", "public": "1", "subject": "01"}).text
    row = pub.split('data-school="999001"', 1)[1].split("</tr>", 1)[0]
    assert 'class="supp"' in row and "&lt;5" in row and "71" not in row
    full = srv.client.get("/results", params={"year": "2026", "subject": "01"}).text
    assert "71" in full.split('data-school="999001"', 1)[1].split("</tr>", 1)[0]  # mean 71 without suppression
    # the distribution a figure is computed from, and the school's page over three years
    dist = srv.client.get("/results/distribution", params={"year": "2026", "subject": "01",
                                                           "school": school["school"]}).text
    assert f'id="total">{school["participants"]}<' in dist
    assert "&lt;5" not in dist and "S-1" not in dist
    hidden = srv.client.get("/results/distribution", params={"year": "2026", "subject": "01", "school": "999001",
                                                             "public": "1"}).text
    assert 'id="suppressed"' in hidden and 'id="distribution"' not in hidden
    sp = srv.client.get(f"/results/school/{school['school']}").text
    assert all(str(y) in sp for y in (2024, 2025, 2026)) and "ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ" in sp
    for p in ("S-1", "S-2"):  # no participant codes on any page
        assert p not in html and p not in pub and p not in sp


def test_results_csv_xlsx_of_every_table(srv):
    from openpyxl import load_workbook

    rep = srv.client.get("/api/v1/results", params={"year": "2026"}).json()
    for key in ("subjects", "schools", "flags"):
        r = srv.client.get("/results.csv", params={"year": "2026", "table": key})
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
        if key == "subjects":
            rus = next(x for x in rows if x["Код предмета"] == "01")
            m = next(s for s in rep["subjects"] if s["code"] == "01")["municipality"]
            assert int(rus["Участников"]) == m["participants"]
            assert rus["Средний балл"] == f"{m['mean']:g}".replace(".", ",") and rus["Данные"] == "демонстрационные"
        elif key == "schools":
            assert len(rows) == sum(len(s["schools"]) for s in rep["subjects"])
            assert next(x for x in rows if x["Школа (ОО)"] == "999001")["Наименование ОО"] == "Малая школа № 1"
        else:
            assert len(rows) == sum(len(s["flags"]) for s in rep["subjects"])
    wb = load_workbook(io.BytesIO(srv.client.get("/results.xlsx", params={"year": "2026"}).content))
    assert wb.sheetnames == ["Муниципалитет по предметам", "По школам (ОО)", "Стоит посмотреть внимательнее"]
    assert srv.client.get("/results.csv", params={"table": "x"}).status_code == 400


def _pdf_text(data: bytes, tmp_path) -> str:
    f = tmp_path / "r.pdf"
    f.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True).stdout


def test_results_pdf_from_the_page(srv, tmp_path):
    r = srv.client.get("/results/report.pdf", params={"year": "2026", "public": "1"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content[:4] == b"%PDF"
    text = _pdf_text(r.content, tmp_path)
    assert "Результаты ЕГЭ и ход экзамена, 2026 год" in text and "открытая версия" in text
    assert "ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ" in text and "S-1" not in text
    assert httpx.get(srv.url + "/results/report.pdf?year=2026", follow_redirects=False).status_code == 303


def test_day_report_pdf_page_and_cli(srv, tmp_path):
    r = srv.client.get("/monitoring/report.pdf", params={"date": "2026-06-04"})
    assert r.status_code == 200 and r.content[:4] == b"%PDF", r.text[:300]
    text = _pdf_text(r.content, tmp_path)
    rep = srv.client.get("/api/v1/monitoring", params={"day": "2026-06-04"}).json()
    day = rep["days"][0]
    for words in ("Ход экзамена 04.06.2026", "По предметам", "По ППЭ", "66/0412", "МАОУ СОШ № 8", "Русский язык",
                  "Не явились", "Синхр.", "Распр. — распределено"):
        assert words in text, words
    assert re.search(rf"\b{day['assigned']}\b", text) and re.search(rf"\b{day['absent']}\b", text)
    assert srv.client.get("/monitoring/report.pdf", params={"date": "2026-13-01"}).status_code == 400
    assert srv.client.get("/monitoring/report.pdf", params={"date": "2025-06-04"}).status_code == 400  # no data
    out = tmp_path / "day.pdf"
    cli("server", "day-report", "--db", srv.db, "--date", "2026-06-11", "-o", str(out))
    t2 = _pdf_text(out.read_bytes(), tmp_path)
    assert "Ход экзамена 11.06.2026" in t2 and "Обществознание" in t2 and "Физика" in t2
    bad = cli("server", "day-report", "--db", srv.db, "--date", "11.06.2026", "-o", str(out), check=False)
    assert bad.returncode == 2 and bad.stderr.strip()


def test_language_switch_per_session(srv):
    from tests.server.conftest import LiveServer as _L  # noqa: F401 - the same server, a second official

    other = srv.login("second")
    try:
        page = srv.client.get("/monitoring").text
        assert "Мониторинг экзамена" in page and 'lang="ru"' in page
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = srv.client.post("/language", data={"csrf": csrf, "lang": "en", "next": "/results?year=2026"})
        assert r.status_code == 303 and r.headers["location"] == "/results?year=2026"
        en = srv.client.get("/results?year=2026").text
        assert 'lang="en"' in en and "Exam results and conduct" in en and "DEMO DATA" in en
        assert "Exam monitoring" in srv.client.get("/monitoring").text
        assert "Мониторинг экзамена" in other.get("/monitoring").text  # another session keeps Russian
        csv_en = srv.client.get("/monitoring.csv").content.decode("utf-8-sig")
        assert csv_en.startswith("Level;Date;")
        assert srv.client.post("/language", data={"csrf": "x", "lang": "ru"}).status_code == 403
        evil = srv.client.post("/language", data={"csrf": csrf, "lang": "ru", "next": "//evil.example/"})
        assert evil.headers["location"] == "/monitoring"
        assert srv.client.post("/language", data={"csrf": csrf, "lang": "de"}).status_code == 400
        assert "Мониторинг экзамена" in srv.client.get("/monitoring").text
    finally:
        other.close()
