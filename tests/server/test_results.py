"""Results at the municipal server: import (all or nothing), indicators by hand, suppression, flags."""

from __future__ import annotations

import json
import statistics

import pytest

from app.errors import UserError
from app.server.admin import add_ppe
from app.server.db import open_server_db
from app.server.ingest import ingest
from app.server.plans import push_plan
from app.server.results_figures import indicators, results_report
from app.server.results_import import import_results, scales
from app.services.importer import import_list
from app.services.station import Station
from tests.period.helpers import HEADER

SCHOOL_A, SCHOOL_B = "111111", "222222"
ROOM_A = [f"5{i:03d}" for i in range(8)]  # school A, room 0101
ROOM_B = [f"6{i:03d}" for i in range(16)]  # school B, room 0102


def db_arg(engine) -> str:
    """The --db argument that opens the same database as ``engine`` (a SQLite file or a PostgreSQL URL)."""
    if engine.dialect.name == "sqlite":
        return str(engine.url.database)
    return engine.url.render_as_string(hide_password=False).replace("+psycopg", "")


@pytest.fixture
def server(server_db, tmp_path):
    """A server holding one exam point's conduct record of 4 June 2026 (русский) and its plan, on SQLite
    and on PostgreSQL (the results' SQL must run on both)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.clock import FixedClock

    engine = open_server_db(server_db)
    add_ppe(engine, "66", "043", "0412", "МАОУ СОШ № 8")
    rows = [f"66,0412,2026-06-04,01,0101,{1 + i // 4}{'АБВГ'[i % 4]},{c},Иванов,Иван,Иванович,6500,{100000 + i},"
            f"{SCHOOL_A}," for i, c in enumerate(ROOM_A)]
    rows += [f"66,0412,2026-06-04,01,0102,{1 + i // 4}{'АБВГ'[i % 4]},{c},Петров,Пётр,Петрович,6500,{200000 + i},"
             f"{SCHOOL_B}," for i, c in enumerate(ROOM_B)]
    lst = tmp_path / "list.csv"
    lst.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    hq = Station.create(tmp_path / "hq.db", role="hq",
                        clock=FixedClock(datetime(2026, 6, 4, 12, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg"))))
    import_list(hq, lst, tz="Asia/Yekaterinburg", msu="043")
    for room, codes in (("0101", ROOM_A), ("0102", ROOM_B)):
        for c in codes:
            hq.record("admitted", room, c, at="09:20")
        hq.record("exam-start", room, at="10:00")
    hq.record("removal", "0101", ROOM_A[0], at="11:00", payload={"reason": "phone"})
    hq.record("early-completion", "0101", ROOM_A[1], at="11:10", payload={"reason": "illness"})
    hq.record("appeal", "0101", ROOM_A[2], at="13:00", payload={"text": "noise"})
    plan = hq.plan
    push_plan(engine, "66/0412", {
        "day": "2026-06-04/01",
        "rooms": [{"number": r.number, "rows": r.rows, "seats_per_row": r.seats_per_row, "name": ""}
                  for r in plan.rooms.values()],
        "participants": [{"code": p.code, "room": p.room, "seat": p.seat, "school_code": p.school_code,
                          "ovz": p.ovz} for p in plan.participants.values()]})
    ingest(engine, "66/0412", [e.to_dict() for e in hq.log.of_station(hq.station_id)], station=hq.station_id)
    hq.close()
    yield engine
    engine.dispose()


def _results(path, year: int, scores: dict[str, int], russian: bool = False):
    head = ("Код участника;Дата экзамена;Код предмета;Код ОО;Первичный балл;Тестовый балл" if russian else
            "participant_code;exam_date;subject_code;school_code;primary_score;test_score")
    day = f"{year}-06-04" if not russian else f"04.06.{year}"
    lines = [head] + [f"{c};{day};01;{SCHOOL_A if c.startswith('5') else SCHOOL_B};{s // 2};{s}"
                      for c, s in scores.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_indicators_by_hand():
    sc = scales(2026)["01"]  # minimum 24
    got = indicators([20, 24, 81, 99, 100, 60], sc)
    assert got == {"participants": 6, "mean": 64.0, "median": 70.5, "below_minimum": round(1 / 6, 3),
                   "high_81_99": round(2 / 6, 3), "top_100": round(1 / 6, 3)}
    base = indicators([2, 3, 5, 4], scales(2026)["22"])  # математика базовая: grades, minimum 3
    assert base["below_minimum"] == 0.25 and base["high_81_99"] is None and base["top_100"] is None


def test_import_is_all_or_nothing_and_idempotent(server, tmp_path):
    scores = {c: 70 for c in ROOM_A + ROOM_B}
    res = import_results(server, _results(tmp_path / "r.csv", 2026, scores, russian=True))
    assert (res.rows, res.added, res.joined, res.unchanged) == (24, 24, 24, False)
    again = import_results(server, _results(tmp_path / "r2.csv", 2026, scores))
    assert again.unchanged and again.added == again.changed == 0
    scores[ROOM_A[0]] = 71
    assert import_results(server, _results(tmp_path / "r3.csv", 2026, scores)).changed == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("Код участника;Дата экзамена;Код предмета;Код ОО;Первичный балл;Тестовый балл\n"
                   f"{ROOM_A[0]};04.06.2026;01;{SCHOOL_A};10;101\n"
                   f"{ROOM_A[1]};31.06.2026;01;{SCHOOL_A};10;50\n"
                   f"{ROOM_A[2]};04.06.2026;01;{SCHOOL_A};10;5x\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        import_results(server, bad)
    msg = str(info.value)
    assert "bad.csv:2: Тестовый балл: 101 is above the subject's top mark 100" in msg
    assert "bad.csv:3: Дата экзамена: must be a date" in msg and "bad.csv:4: Тестовый балл: must be a whole" in msg
    rep = results_report(server, 2026)
    assert rep["subjects"][0]["municipality"]["participants"] == 24  # nothing of the bad file went in


def test_indicators_suppression_and_flags(server, tmp_path):
    last = {**{c: 60 for c in ROOM_A}, **{c: 62 + i % 7 for i, c in enumerate(ROOM_B)}}
    now = {**{c: 85 + i for i, c in enumerate(ROOM_A)}, **{c: 70 + i % 2 for i, c in enumerate(ROOM_B)}}
    import_results(server, _results(tmp_path / "2025.csv", 2025, last))
    import_results(server, _results(tmp_path / "2026.csv", 2026, now))
    rep = results_report(server, 2026)
    s = rep["subjects"][0]
    a = next(x for x in s["schools"] if x["school"] == SCHOOL_A)
    assert a["participants"] == 8 and a["mean"] == statistics.fmean(now[c] for c in ROOM_A)
    by_hand = indicators([now[c] for c in ROOM_A], scales(2026)["01"])
    assert {k: a[k] for k in by_hand} == by_hand  # computed in the database, equal to the plain computation
    b = next(x for x in s["schools"] if x["school"] == SCHOOL_B)
    b_hand = indicators([now[c] for c in ROOM_B], scales(2026)["01"])
    assert {k: b[k] for k in b_hand} == b_hand
    assert a["change"]["high"] == 1.0 and a["change"]["mean"] == round(a["mean"] - 60, 1)
    # conduct per 100 present: 3 incidents among school A's 8 (removal, early completion, appeal)
    assert a["conduct_per_100"]["removed"] == 12.5 and a["conduct_per_100"]["incidents"] == 37.5
    assert s["municipality"]["conduct_per_100"]["incidents"] == 12.5
    kinds = {(f["kind"], f.get("school") or f.get("room")) for f in s["flags"]}
    assert ("high-with-incidents", SCHOOL_A) in kinds and ("uniform-room", "0102") in kinds
    assert ("uniform-room", "0101") not in kinds  # eight participants: too few to say
    text = next(f["text"] for f in s["flags"] if f["kind"] == "high-with-incidents")
    assert "worth a look" in text and SCHOOL_A in text
    # the public view: a cell under five participants shows no figure
    import_results(server, _results(tmp_path / "small.csv", 2026, {"7001": 90, "7002": 91}))  # school B by prefix
    with server.begin() as conn:
        conn.exec_driver_sql("UPDATE results SET school_code = '333333' WHERE participant_code IN ('7001', '7002')")
    from app.server.results_cells import rebuild_cells

    rebuild_cells(server)  # a direct edit of the results: the stored cells are folded again
    pub = results_report(server, 2026, public=True)
    small = next(x for x in pub["subjects"][0]["schools"] if x["school"] == "333333")
    assert small["participants"] == "<5" and small["mean"] is None and small["conduct_per_100"] is None
    full = next(x for x in results_report(server, 2026)["subjects"][0]["schools"] if x["school"] == "333333")
    assert full["mean"] == 90.5
    assert "7001" not in json.dumps(pub, ensure_ascii=False)  # no participant codes in any view


def test_import_preview_shows_the_mapping_and_writes_nothing(server, tmp_path):
    from tests.cli.test_cli_contract import run

    f = _results(tmp_path / "r.csv", 2026, {c: 70 for c in ROOM_A + ROOM_B}, russian=True)
    res = import_results(server, f, preview=True)
    assert res.preview and (res.rows, res.added, res.joined) == (24, 24, 24)
    assert res.mapping["Код участника"] == "participant_code" and res.mapping["Тестовый балл"] == "test_score"
    assert results_report(server, 2026)["subjects"] == []  # nothing written
    out = run("server", "import-results", "--db", db_arg(server), str(f), "--preview").stdout
    assert "Код ОО → school_code" in out and "preview, nothing written" in out
    assert results_report(server, 2026)["subjects"] == []
    assert import_results(server, f).added == 24  # the real import after the preview


def test_cli_import_and_results(server, tmp_path):
    from tests.cli.test_cli_contract import run

    db = db_arg(server)
    f = _results(tmp_path / "r.csv", 2026, {c: 70 for c in ROOM_A + ROOM_B})
    out = json.loads(run("server", "import-results", "--db", db, str(f), "--year", "2026", "--json").stdout)
    assert out["rows"] == 24 and out["joined"] == 24
    wrong = run("server", "import-results", "--db", db, str(f), "--year", "2025", ok=False)
    assert wrong.returncode == 2 and "is not in 2025 (--year)" in wrong.stderr
    rep = json.loads(run("server", "results", "--db", db, "--year", "2026", "--public", "--json").stdout)
    assert rep["public"] and rep["subjects"][0]["municipality"]["mean"] == 70.0


def test_demo_results_and_the_pdf_report(server, tmp_path):
    import subprocess

    from app.server.results_demo import demo_results
    from app.server.results_pdf import write_report

    n = demo_results(server)
    assert n == 3 * 24 and demo_results(server) == n  # deterministic, replaced not added
    rep = results_report(server, 2026)
    assert rep["demo"] is True and rep["subjects"][0]["municipality"]["participants"] == 24
    again = results_report(server, 2026)
    assert again == rep
    assert rep["subjects"][0]["schools"][0]["change"] is not None  # three years: trends
    pdf = write_report(server, 2026, tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Результаты ЕГЭ и ход экзамена, 2026 год" in text and "ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ" in text
    assert "Русский язык" in text and SCHOOL_A in text and "Муниципалитет: участников 24" in text
    pub = write_report(server, 2026, tmp_path / "public.pdf", public=True)
    ptext = subprocess.run(["pdftotext", str(pub), "-"], capture_output=True, text=True, check=True).stdout
    assert "открытая версия" in ptext and ROOM_A[0] not in ptext



def test_histogram_indicators_equal_the_per_participant_ones():
    """The report counts scores per (subject, school, score) in the database; the median and spread from
    those histograms must equal statistics' over the scores themselves."""
    import random
    from collections import Counter

    from app.server.results_figures import _hist_median, _spread, hist_indicators

    rnd = random.Random(7)
    scale = scales(2026)["01"]
    for _ in range(500):
        xs = [rnd.randint(0, 100) for _ in range(rnd.randint(1, 60))]
        assert _hist_median(Counter(xs), len(xs)) == statistics.median(xs)
        assert abs(_spread(Counter(xs)) - statistics.pstdev(xs)) < 1e-9
        assert hist_indicators(Counter(xs), scale) == indicators(xs, scale) | {
            "median": statistics.median(xs), "mean": round(statistics.fmean(xs), 1)}


def test_stored_cells_equal_the_results_and_a_rebuild(server, tmp_path):
    """Cells folded at import (and by the demo) equal indicators computed from the result rows themselves,
    and ``server rebuild-results`` gives identical cells."""
    import subprocess
    import sys
    from collections import defaultdict

    from app.server.results_cells import read_cells
    from app.server.results_demo import demo_results

    rnd = __import__("random").Random(3)
    import_results(server, _results(tmp_path / "a.csv", 2026, {c: rnd.randint(20, 100) for c in ROOM_A + ROOM_B}))
    import_results(server, _results(tmp_path / "b.csv", 2026, {c: rnd.randint(20, 100) for c in ROOM_A[:5]}))  # changes
    demo_results(server, years=(2025,))
    for year in (2025, 2026):
        cells, _demo, hists = read_cells(server, year, False, None, None)
        raw: dict = defaultdict(lambda: defaultdict(list))
        with server.connect() as conn:
            for subj, school, score in conn.exec_driver_sql(
                    f"SELECT subject_code, school_code, test_score FROM results WHERE year = {int(year)}"):
                raw[subj][school].append(score)
        assert cells and {s: set(v) for s, v in cells.items()} == {s: set(v) for s, v in raw.items()}
        for subj, per in raw.items():
            scale = scales(year)[subj]
            for school, xs in per.items():
                assert cells[subj][school] == indicators(xs, scale), (year, subj, school)
            assert sorted(hists[subj].elements()) == sorted(x for xs in per.values() for x in xs)
    before = {y: read_cells(server, y, False, None, None) for y in (2025, 2026)}
    db = db_arg(server)
    r = subprocess.run([sys.executable, "-m", "app.cli", "server", "rebuild-results", "--db", db, "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert {y: read_cells(server, y, False, None, None) for y in (2025, 2026)} == before
