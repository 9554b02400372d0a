"""Results scoped to a viewer's municipality (issue 16): each result row is placed at import in the
municipality of its school (by the conduct record, or as the import names it), and a viewer of one
municipality sees none of another's results: not in the API, the pages, the exports or the PDF."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from app.errors import UserError
from app.server.admin import add_ppe
from app.server.db import open_server_db
from app.server.plans import push_plan
from app.server.results_figures import results_report
from app.server.results_import import import_results
from tests.server.conftest import LiveServer, cli
from tests.server.test_results import server  # noqa: F401 - the fixture with a conduct record

DAY = "2026-06-04/01"
NORTH, SOUTH = "66/043", "66/044"  # two municipalities of one region
SCHOOL_N, SCHOOL_S = "430001", "440001"
CODES_N = [f"N{i:03d}" for i in range(12)]
CODES_S = [f"S{i:03d}" for i in range(12)]


def _plan(engine, ppe: str, codes: list[str], school: str) -> None:
    push_plan(engine, ppe, {
        "day": DAY, "rooms": [{"number": "0101", "rows": 4, "seats_per_row": 4, "name": ""}],
        "participants": [{"code": c, "room": "0101", "seat": f"{1 + i // 4}{'АБВГ'[i % 4]}", "school_code": school,
                          "ovz": False} for i, c in enumerate(codes)]})


def two_municipalities(db: str):
    engine = open_server_db(db)
    add_ppe(engine, "66", "043", "0412", "ППЭ северный")
    add_ppe(engine, "66", "044", "0501", "ППЭ южный")
    _plan(engine, "66/0412", CODES_N, SCHOOL_N)
    _plan(engine, "66/0501", CODES_S, SCHOOL_S)
    return engine


def _list(path, rows: list[tuple[str, str, int]]):
    path.write_text("participant_code;exam_date;subject_code;school_code;primary_score;test_score\n"
                    + "".join(f"{c};2026-06-04;01;{school};{s // 2};{s}\n" for c, school, s in rows),
                    encoding="utf-8")
    return path


def _both(tmp_path):
    rows = [(c, SCHOOL_N, 90) for c in CODES_N] + [(c, SCHOOL_S, 40 + i) for i, c in enumerate(CODES_S)]
    return _list(tmp_path / "results.csv", rows)


def test_rows_are_placed_by_school_and_reports_keep_apart(server_db, tmp_path):
    engine = two_municipalities(server_db)
    res = import_results(engine, _both(tmp_path))
    assert res.municipalities == {NORTH: 12, SOUTH: 12}
    north = results_report(engine, 2026, municipality=NORTH)
    (subj,) = north["subjects"]
    assert [s["school"] for s in subj["schools"]] == [SCHOOL_N]
    assert subj["municipality"]["participants"] == 12 and subj["municipality"]["mean"] == 90
    south = results_report(engine, 2026, municipality=SOUTH)["subjects"][0]
    assert [s["school"] for s in south["schools"]] == [SCHOOL_S] and south["municipality"]["participants"] == 12
    every = results_report(engine, 2026)["subjects"][0]  # an administrator's view: both
    assert every["municipality"]["participants"] == 24 and len(every["schools"]) == 2
    assert results_report(engine, 2026, municipality="66/099")["subjects"] == []
    engine.dispose()


def test_a_school_no_plan_names_is_refused_when_the_server_holds_two_municipalities(server_db, tmp_path):
    engine = two_municipalities(server_db)
    bad = _list(tmp_path / "bad.csv", [(CODES_N[0], SCHOOL_N, 70), ("X-1", "999999", 55)])
    with pytest.raises(UserError) as e:
        import_results(engine, bad)
    assert "bad.csv:3: school_code:" in str(e.value) and "--municipality" in str(e.value)
    assert results_report(engine, 2026)["subjects"] == []  # all or nothing
    res = import_results(engine, bad, municipality=NORTH)  # the list handed to one municipality says where
    assert res.municipalities == {NORTH: 2}
    assert [s["school"] for s in results_report(engine, 2026, municipality=NORTH)["subjects"][0]["schools"]] == \
        ["430001", "999999"]
    with pytest.raises(UserError, match="region/МСУ"):
        import_results(engine, bad, municipality="north")
    engine.dispose()


def test_the_named_municipality_wins_with_a_note(server_db, tmp_path):
    engine = two_municipalities(server_db)
    res = import_results(engine, _both(tmp_path), municipality=NORTH)
    assert res.municipalities == {NORTH: 24}
    assert any(SCHOOL_S in w and "another municipality" in w for w in res.warnings)
    assert results_report(engine, 2026, municipality=SOUTH)["subjects"] == []
    engine.dispose()


def test_cli_results_of_one_municipality(tmp_path):
    db = str(tmp_path / "s.db")
    two_municipalities(db).dispose()
    out = json.loads(cli("server", "import-results", "--db", db, str(_both(tmp_path)), "--json").stdout)
    assert out["municipalities"] == {NORTH: 12, SOUTH: 12}
    rep = json.loads(cli("server", "results", "--db", db, "--year", "2026", "--municipality", SOUTH,
                         "--json").stdout)
    assert rep["municipality"] == SOUTH and [s["school"] for s in rep["subjects"][0]["schools"]] == [SCHOOL_S]
    bad = cli("server", "results", "--db", db, "--year", "2026", "--municipality", "6604", check=False)
    assert bad.returncode == 2 and "region/МСУ" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def live_two(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scope")
    db = str(tmp / "s.db")
    engine = two_municipalities(db)
    import_results(engine, _both(tmp))
    engine.dispose()
    s = LiveServer(db, tmp / "s.log")
    try:
        s.north = s.login("north", role="viewer", region="66", msu="043")
        s.admin = s.login("chief")
        yield s
        s.north.close()
        s.admin.close()
    finally:
        s.stop()


def test_a_viewer_sees_only_their_municipality_everywhere(live_two, tmp_path):
    n = live_two.north
    api = n.get("/api/v1/results", params={"year": "2026"}).json()
    assert api["municipality"] == NORTH and [s["school"] for s in api["subjects"][0]["schools"]] == [SCHOOL_N]
    # asking for the other municipality changes nothing for a viewer
    other = n.get("/api/v1/results", params={"year": "2026", "municipality": SOUTH}).json()
    assert other == api
    page = n.get("/results", params={"year": "2026"}).text
    assert SCHOOL_N in page and SCHOOL_S not in page and "Муниципалитет: 66/043" in page
    csv_text = n.get("/results.csv", params={"year": "2026"}).content.decode("utf-8-sig")
    assert SCHOOL_N in csv_text and SCHOOL_S not in csv_text
    def words(url: str, **params) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", n.get(url, params=params).text.split("<main", 1)[-1]).split())

    assert "Участников: 12" in words("/results/distribution", year="2026", subject="01")  # the north's 12, not 24
    assert "Участников: 0 " in words("/results/distribution", year="2026", subject="01", school=SCHOOL_S)
    assert "Результатов этой школы нет" in words(f"/results/school/{SCHOOL_S}")
    pdf = n.get("/results/report.pdf", params={"year": "2026"})
    f = tmp_path / "r.pdf"
    f.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True).stdout
    assert SCHOOL_N in text and SCHOOL_S not in text


def test_an_administrator_sees_all_or_chooses_one(live_two):
    a = live_two.admin
    every = a.get("/api/v1/results", params={"year": "2026"}).json()
    assert every["municipality"] is None and len(every["subjects"][0]["schools"]) == 2
    south = a.get("/api/v1/results", params={"year": "2026", "municipality": SOUTH}).json()
    assert [s["school"] for s in south["subjects"][0]["schools"]] == [SCHOOL_S]
    r = a.get("/api/v1/results", params={"year": "2026", "municipality": "south"})
    assert r.status_code == 400 and "municipality" in r.text


def test_results_held_before_the_upgrade_are_placed_and_folded(server_db, tmp_path):
    """A database at s0008n with results: the upgrade places each row by the record and folds its cells."""
    from sqlalchemy import text

    from app.server import migrations
    from app.server.db import make_engine

    engine = make_engine(server_db)
    with engine.begin() as conn:
        migrations.upgrade(conn, target="s0008n")
        for key, msu in (("66/0412", "043"), ("66/0501", "044")):
            conn.execute(text("INSERT INTO ppe (key, region, msu, code, name, tz, address, created_at) VALUES "
                              "(:k, '66', :m, :c, '', 'Asia/Yekaterinburg', '', 'x')"), {"k": key, "m": msu, "c": key[3:]})
        for ppe, code, school in (("66/0412", "N1", SCHOOL_N), ("66/0501", "S1", SCHOOL_S)):
            conn.execute(text("INSERT INTO participants (ppe, day, code, room, seat, school_code, ovz, last_name, "
                              "first_name, middle_name, document_series, document_number, source) VALUES "
                              "(:p, :d, :c, '0101', '1А', :s, false, '', '', '', '', '', 'hq')"),
                         {"p": ppe, "d": DAY, "c": code, "s": school})
            conn.execute(text("INSERT INTO results (practice, exam_date, subject_code, participant_code, year, "
                              "school_code, primary_score, test_score, passed, imported_at, source) VALUES "
                              "(false, '2026-06-04', '01', :c, 2026, :s, 30, 61, NULL, 'x', 'list')"),
                         {"c": code, "s": school})
    engine.dispose()
    engine = open_server_db(server_db)
    with engine.connect() as conn:
        placed = dict(conn.execute(text("SELECT participant_code, municipality FROM results")).all())
    assert placed == {"N1": NORTH, "S1": SOUTH}
    north = results_report(engine, 2026, municipality=NORTH)["subjects"][0]
    assert north["municipality"]["participants"] == 1 and north["schools"][0]["school"] == SCHOOL_N
    engine.dispose()


def _conduct_from_the_report(engine, year: int, municipality: str | None):
    """What the conduct beside results was before it became one grouped read: the monitoring report's
    school rows summed per subject and school."""
    from collections import defaultdict

    from app.server.accounts import municipality_ppes
    from app.server.monitoring import report
    from app.server.results_figures import CONDUCT

    allowed = municipality_ppes(engine, municipality) if municipality else None
    rep = report(engine, date_from=f"{year}-01-01", date_to=f"{year}-12-31", rooms=False, allowed=allowed)
    out = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(("present", *CONDUCT), 0)))
    for row in rep["schools"]:
        for k in ("present", *CONDUCT):
            out[row["subject"]][row["school"]][k] += row.get(k, 0) or 0
    return {s: {k: dict(v) for k, v in d.items()} for s, d in out.items()}


def test_conduct_beside_results_equals_the_monitoring_report(server):  # noqa: F811
    from app.server.accounts import municipality_ppes
    from app.server.results_figures import _conduct

    for muni in (None, "66/043", "66/099"):
        ppes = municipality_ppes(server, muni) if muni else None
        mine = {s: dict(d) for s, d in _conduct(server, 2026, None, ppes).items()}
        assert mine == _conduct_from_the_report(server, 2026, muni)
    assert mine == {}
    some = _conduct(server, 2026, None, None)["01"]
    assert some["111111"]["removed"] == 1 and some["111111"]["present"] == 8  # the fixture's removal


def test_room_sums_follow_a_plan_pushed_after_the_results(server_db, tmp_path):
    """The stored room sums behind the «unusually alike» flag: filled when a plan arrives after the results,
    equal to the scores' own spread, and unchanged by a rebuild."""
    import statistics

    from app.server.results_cells import rebuild_cells
    from app.server.results_rooms import room_spreads

    engine = open_server_db(server_db)
    add_ppe(engine, "66", "043", "0412", "ППЭ северный")
    scores = [60 + (i * 7) % 23 for i in range(len(CODES_N))]
    import_results(engine, _list(tmp_path / "r.csv", [(c, SCHOOL_N, s) for c, s in zip(CODES_N, scores, strict=True)]))
    assert room_spreads(engine, 2026) == {}  # no plan yet: no room to put them in
    _plan(engine, "66/0412", CODES_N, SCHOOL_N)
    ((ppe, room, n, spread),) = room_spreads(engine, 2026)["01"]
    assert (ppe, room, n) == ("66/0412", "0101", 12) and spread == pytest.approx(statistics.pstdev(scores))
    assert room_spreads(engine, 2026, NORTH, frozenset({"66/0412"})) == room_spreads(engine, 2026)
    assert room_spreads(engine, 2026, SOUTH) == {}
    before = room_spreads(engine, 2026)
    rebuild_cells(engine)
    assert room_spreads(engine, 2026) == before
    engine.dispose()


def test_a_school_focus_gives_the_same_figures_as_the_whole_report(server):  # noqa: F811
    """A school's page reads only its cells (``focus``): its figures, change, conduct and flags, and the
    municipality beside it, are exactly those of the whole report."""
    from app.server.results_figures import results_report

    import_results(server, _demo_year(server, 2025))
    import_results(server, _demo_year(server, 2026))
    whole = results_report(server, 2026)
    assert any(f["kind"] == "high-with-incidents" for f in whole["subjects"][0]["flags"])  # one to compare
    for school in ("111111", "222222"):
        one = results_report(server, 2026, focus=school)
        for a, b in zip(whole["subjects"], one["subjects"], strict=True):
            assert a["municipality"] == b["municipality"] and a["region"] == b["region"]
            assert [c for c in a["schools"] if c["school"] == school] == b["schools"]
            assert [f for f in a["flags"] if f.get("school") == school] == b["flags"]


def _demo_year(engine, year: int):
    """A results list of the fixture's 24 participants for a year (school A rises in 2026)."""
    import tempfile
    from pathlib import Path

    from tests.server.test_results import ROOM_A, ROOM_B, SCHOOL_A, SCHOOL_B

    rows = [(c, SCHOOL_A, (95 if year == 2026 else 60) - i) for i, c in enumerate(ROOM_A)]
    rows += [(c, SCHOOL_B, 50 + 2 * i) for i, c in enumerate(ROOM_B)]
    path = Path(tempfile.mkdtemp()) / f"r{year}.csv"
    path.write_text("participant_code;exam_date;subject_code;school_code;primary_score;test_score\n" + "".join(
        f"{c};{year}-06-04;01;{s};{v // 2};{v}\n" for c, s, v in rows), encoding="utf-8")
    return path


def test_pages_answer_while_an_import_holds_the_write_lock(live_two):
    """An official's pages do not wait for a long write (an import of a year's results is one transaction
    of seconds): the session check and every read of the results go through the read-only connection.
    Before, each request's session check took SQLite's write lock and waited for the import to commit."""
    import threading
    import time

    from sqlalchemy import text

    from app.server.db import make_engine

    engine = make_engine(live_two.db)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.begin() as conn:  # BEGIN IMMEDIATE: the writer's lock, as an import holds it
            conn.execute(text("UPDATE names SET updated_at = updated_at"))
            held.set()
            release.wait(30)

    th = threading.Thread(target=hold)
    th.start()
    try:
        assert held.wait(10)
        for page in ("/results?year=2026", "/results?year=2026&subject=01", f"/results/school/{SCHOOL_N}",
                     "/results/distribution?year=2026&subject=01", "/api/v1/results?year=2026",
                     "/conditions", "/monitoring", "/monitoring?day=2026-06-04", "/api/v1/monitoring"):
            # (exports are left out: each writes its line of the audit log, and on SQLite that write waits
            # for the import to commit, by design)
            t0 = time.perf_counter()
            r = live_two.north.get(page)
            took = time.perf_counter() - t0
            assert r.status_code == 200 and took < 5, f"{page}: {r.status_code} after {took:.1f} s"
    finally:
        release.set()
        th.join(30)
        engine.dispose()
