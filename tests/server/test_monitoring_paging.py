"""The monitoring page over a season (issue 13): a summary an official can read, with the exam points,
schools and rooms 50 a page, sorted in SQL, every row equal to the report's; the CSV streams every row.

A season small enough for a test comes from the season benchmark's own generator (bench/bench_season.py):
each exam point's dates with one room station per room, ~500 events a room, a late mark and a void."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import insert

from app.server import schema as t
from app.server.db import open_server_db
from app.server.ingest import ingest
from app.server.plans import push_plan
from bench.bench_season import TZ, plan_body, ppe_date_batches, ppe_key, season_days


def _season(url: str, ppes: int, dates: int, rooms: int) -> list[str]:
    """``ppes`` exam points × ``dates`` exam dates × ``rooms`` rooms, ingested as the HQs deliver them."""
    engine = open_server_db(url)
    with engine.begin() as conn:
        conn.execute(insert(t.ppe), [dict(key=ppe_key(i), region="66", msu="043", code=ppe_key(i)[3:],
                                          name=f"ППЭ {i + 1}", tz=TZ, address="",
                                          created_at="2026-05-01T00:00:00.000000Z") for i in range(ppes)])
    keys = season_days(dates)
    for di, key in enumerate(keys):
        for pi in range(ppes):
            push_plan(engine, ppe_key(pi), plan_body(key, pi, di, rooms))
            for b in ppe_date_batches(pi, di, key, rooms, split=1):
                ingest(engine, ppe_key(pi), b, station="bench")
    engine.dispose()
    return keys


@pytest.fixture
def small_season(server_db):
    """3 exam points × 2 dates × 2 rooms: 6 exam-point days, 60 school rows, 12 room rows."""
    return server_db, _season(server_db, 3, 2, 2)


SORT_KEY = {"ppe": "ppe", "name": "ppe_name", "school": "school", "room": "room"}


def _all_pages(fetch, order_cls, sort: str, desc: bool) -> list[dict]:
    out, page = [], 1
    while True:
        got = fetch(order_cls(page, sort, desc))
        out += got.rows
        if page >= got.pages:
            assert len(out) == got.total
            return out
        page += 1


def _expected(rows: list[dict], sort: str, desc: bool, tie: tuple[str, ...]) -> list[dict]:
    """The report's rows in the page's order: the sort column, then the table's own order."""
    key = SORT_KEY.get(sort, sort)
    ordered = sorted(rows, key=lambda r: tuple(r[k] for k in tie))
    return sorted(ordered, key=lambda r: r[key], reverse=desc)


def test_pages_equal_the_report(small_season, monkeypatch):
    """Every page of every table, in every order, holds exactly the report's rows; the summary its totals."""
    from app.server import monitoring_page as mp
    from app.server.monitoring import report

    url, keys = small_season
    engine = open_server_db(url)
    monkeypatch.setattr(mp, "PAGE_SIZE", 7)
    for filters in ({}, {"day": keys[0][:10]}, {"ppe": "66/0002"}, {"school": "002003"},
                    {"date_from": keys[1][:10], "date_to": keys[1][:10]}, {"subject": keys[0][11:]}):
        rep = report(engine, **filters)
        summ = mp.summary(engine, **filters)
        for level in ("period", "dates", "days", "unreadable", "filters"):
            assert summ[level] == rep[level], (filters, level)
        titles = {r["day"]: r["subject_title"] for r in summ["days"]}
        scope = {k: v for k, v in filters.items() if k != "school"}
        for sort in ("day", "school", "present", "absent", "exit_minutes", "incidents"):
            for desc in (False, True):
                got = _all_pages(lambda o, ti=titles, f=filters: mp.school_page(engine, o, ti, **f), mp.Order, sort, desc)
                assert got == _expected(rep["schools"], sort, desc, ("day", "school")), (filters, sort, desc)
        if "school" in filters:
            continue
        for sort in ("day", "ppe", "present", "unmarked", "exits", "extra_sheets"):
            for desc in (False, True):
                got = _all_pages(lambda o, sc=scope: mp.ppe_page(engine, o, **sc), mp.Order, sort, desc)
                assert got == _expected(rep["ppes"], sort, desc, ("day", "ppe")), (filters, sort, desc)
                got = _all_pages(lambda o, ti=titles, sc=scope: mp.room_page(engine, o, ti, **sc), mp.Order,
                                 "room" if sort == "ppe" else sort, desc)
                assert got == _expected(rep["rooms"], "room" if sort == "ppe" else sort, desc,
                                        ("day", "ppe", "room")), (filters, sort, desc)
    engine.dispose()


def test_bad_paging_parameters_are_400(small_season, live_on):
    """A page, sort or direction the tables do not have is refused with its name, never a 500."""
    official = live_on(small_season[0])
    for q in ("ppes_page=0", "ppes_page=x", "schools_sort=name%27", "rooms_desc=2", "schools_page=10000000"):
        r = official.get(f"/monitoring?{q}")
        assert r.status_code == 400 and q.split("=")[0] in r.text, (q, r.status_code)
    # a page past the last one is empty, but says how many rows there are
    page = official.get("/monitoring?schools_page=99").text
    assert "<td" not in _table(page, "by-school")


@pytest.fixture
def live_on(tmp_path):
    """A real ``auditoria serve`` over a given database, and an administrator signed in to it."""
    from tests.server.conftest import LiveServer

    servers, clients = [], []

    def start(url: str):
        srv = LiveServer(url, tmp_path / f"server{len(servers)}.log")
        servers.append(srv)
        clients.append(srv.login())
        return clients[-1]

    yield start
    for c in clients:
        c.close()
    for s in servers:
        s.stop()


def _table(html: str, table_id: str) -> str:
    m = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert m, f"no table {table_id}"
    return m.group(1)


def _rows(html: str, table_id: str) -> list[str]:
    """The data rows of a table (the header row has no <td>)."""
    return [r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", _table(html, table_id), re.S) if "<td" in r]


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)
def test_season_page_is_a_summary_with_pagers(server_db, live_on):
    """26 exam points × 2 dates: the whole period is its totals, dates and subjects and a chart of the
    dates and subjects (not one bar per exam point and date); the 52 exam-point rows and 520 school rows
    come 50 at a time, sortable, with a pager; the CSV still has every row, streamed."""
    keys = _season(server_db, 26, 2, 1)
    official = live_on(server_db)
    page = official.get("/monitoring")
    assert page.status_code == 200
    html = page.text
    assert len(_rows(html, "by-ppe")) == 50 and len(_rows(html, "by-school")) == 50
    assert len(_rows(html, "by-day")) == 2 and len(_rows(html, "by-date")) == 3  # two dates and the period
    assert 'id="period-total"' in html
    assert "Строки 1–50 из 52" in html and "Строки 1–50 из 520" in html
    # the attendance chart has one group of bars per date and subject
    chart = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert chart.count("<a href=") == 2 and "ППЭ" not in chart
    nxt = re.search(r'<nav class="pager" id="pager-ppes".*?<a href="([^"]+)" rel="next"', html, re.S).group(1)
    second = official.get(nxt.replace("&amp;", "&")).text
    assert len(_rows(second, "by-ppe")) == 2 and len(_rows(second, "by-school")) == 50
    assert "Строки 51–52 из 52" in second
    # sorted by exits, most first: the page's first row is the season's largest figure
    from app.server.monitoring import report

    engine = open_server_db(server_db)
    rep = report(engine)
    engine.dispose()
    most = max(rep["ppes"], key=lambda r: r["exits"])
    top = _rows(official.get("/monitoring?ppes_sort=exits&ppes_desc=1").text, "by-ppe")[0]
    assert most["ppe"] in top and f">{most['exits']}<" in top
    # the link on the sorted column's header turns the order round
    sorted_page = official.get("/monitoring?ppes_sort=exits&ppes_desc=1").text
    assert 'ppes_sort=exits&amp;ppes_desc=0' in sorted_page or "ppes_desc=0&amp;ppes_sort=exits" in sorted_page
    # the export keeps every row, streamed (no length known in advance)
    with official.stream("GET", "/monitoring.csv") as r:
        assert r.status_code == 200 and "content-length" not in r.headers
        body = b"".join(r.iter_bytes()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 1 + 1 + 2 + 2 + 52 + 52 + 520  # header, period, dates, days, exam points, rooms, schools
    assert keys[0][:10]


def test_csv_chunks_write_what_csv_bytes_wrote():
    """The streamed CSV is byte for byte the file the export wrote before (floats, bools, None, names)."""
    from app.i18n import language
    from app.server.tables import Table, _cell, csv_chunks

    rows = [["Иванов; «А»", 3, 2.5, None, True, False, 1e16, 'a"b', "x\ny", 0.1 + 0.2]] * 4500
    table = Table("t", "T", ["Уровень", "n"], rows)

    def before(tb: Table, comma: bool) -> bytes:  # the export before it was streamed
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(tb.head)
        for r in tb.rows:
            w.writerow([_cell(v, comma) for v in r])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")

    for lang, comma in (("ru", True), ("en", False)):
        with language(lang):
            chunks = list(csv_chunks(table, rows_per_chunk=1000))
        assert len(chunks) == 5 and b"".join(chunks) == before(table, comma)
