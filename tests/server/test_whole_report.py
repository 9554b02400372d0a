"""The whole-period report from kept parts (app.server.whole_report, issue 13): after every batch and every
plan push it equals the from-scratch projection, on SQLite (nothing kept) and PostgreSQL (parts kept by
the fig_days row version); only the exam-point days a batch touched are read again; the JSON API and
the CSV answer what ``report`` and the every-level table say, for an administrator and for a viewer of
one municipality, whose school rows are never another scope's."""

from __future__ import annotations

import csv
import io
import json

import orjson
import pytest
from sqlalchemy import insert

from app.server import schema as t
from app.server.db import open_server_db
from app.server.ingest import ingest
from app.server.monitoring import report, scratch_report
from app.server.plans import push_plan
from app.server.whole_report import build, forget
from bench.bench_season import TZ, plan_body, ppe_date_batches, ppe_key, season_days


def _norm(rep: dict) -> dict:
    return json.loads(json.dumps(rep, sort_keys=True))


def _ppes(engine, n: int, msu: dict[int, str] | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(t.ppe), [dict(key=ppe_key(i), region="66", msu=(msu or {}).get(i, "043"),
                                          code=ppe_key(i)[3:], name=f"ППЭ {i + 1}", tz=TZ, address="",
                                          created_at="2026-05-01T00:00:00.000000Z") for i in range(n)])


def _shared_schools(body: dict) -> dict:
    """Every exam point's participants from the same two schools (a school row sums several exam points)."""
    for i, p in enumerate(body["participants"]):
        p["school_code"] = f"66000{i % 2 + 1}"
    return body


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's cell values as openpyxl reads them (not read-only: pitfalls, the dimension tag), and
    the header's font and the frozen pane."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws["A1"].font.b
        out[ws.title] = [tuple(r) for r in ws.iter_rows(values_only=True)]
    return out


def _same(engine, **f) -> None:
    whole = build(engine, **f)
    want = _norm(scratch_report(engine, **f))
    assert _norm(whole.as_report()) == want, f
    assert orjson.loads(whole.json_bytes()) == want, f


def test_kept_parts_follow_every_batch_and_plan_push(server_db):
    """Two exam points × two dates, each room's chain in two batches: after every batch the report equals the
    scratch projection (whole period, one date, one viewer's scope); on PostgreSQL only the exam-point day the
    batch went to is read again, the others are the very parts kept before. A plan push that only moves a
    participant (no event: no figure of the log changes but the plan's) is followed too."""
    forget()
    engine = open_server_db(server_db)
    _ppes(engine, 2)
    keys = season_days(2)
    kept = server_db.startswith("postgresql")
    for di, key in enumerate(keys):
        for pi in range(2):
            push_plan(engine, ppe_key(pi), _shared_schools(plan_body(key, pi, di, 2)))
            for b in ppe_date_batches(pi, di, key, 2, split=2):
                before = {d.key: d for d in build(engine).days}
                ingest(engine, ppe_key(pi), b, station="bench")
                after = {d.key: d for d in build(engine).days}
                for k, part in after.items():
                    if kept and k != (ppe_key(pi), key) and k in before:
                        assert part is before[k], k  # untouched: kept, not read again
                    elif k in before:
                        assert part is not before[k], k
                _same(engine)
                _same(engine, day=key[:10])
                _same(engine, allowed=frozenset({ppe_key(1)}))
    # a new plan for one exam point and date: a participant fewer (assigned and unmarked change, no event)
    body = _shared_schools(plan_body(keys[0], 0, 0, 2))
    body["participants"] = [p for p in body["participants"] if p["code"] != body["participants"][-1]["code"]]
    old = build(engine).as_report()["period"]["assigned"]
    push_plan(engine, ppe_key(0), body)
    assert build(engine).as_report()["period"]["assigned"] == old - 1
    _same(engine)
    _same(engine, rooms=False)
    engine.dispose()


def test_api_and_csv_answer_the_report_in_each_scope(server_db, live):
    """The JSON API and the every-level CSV from a real server: the report's figures and the flat table's bytes,
    for the administrator and for a viewer of one municipality (alternating, so kept parts of one scope would
    show in the other), and again after one more batch."""
    from app.i18n import language
    from app.server.monitoring_tables import flat_table, monitoring_tables
    from app.server.names import load_names
    from app.server.tables import csv_bytes, xlsx_bytes

    engine = open_server_db(server_db)
    _ppes(engine, 3, msu={2: "044"})
    keys = season_days(2)
    later: list = []
    for di, key in enumerate(keys):
        for pi in range(3):
            push_plan(engine, ppe_key(pi), _shared_schools(plan_body(key, pi, di, 1)))
            batches = ppe_date_batches(pi, di, key, 1, split=2)
            if di == 1 and pi == 2:
                later = batches[1:]
                batches = batches[:1]
            for b in batches:
                ingest(engine, ppe_key(pi), b, station="bench")
    admin = live.login()
    viewer = live.login("viewer043", role="viewer", region="66", msu="043")
    scope = frozenset({ppe_key(0), ppe_key(1)})
    names = load_names(engine)

    def check() -> None:
        for client, allowed in ((admin, None), (viewer, scope), (admin, None), (viewer, scope)):
            rep = _norm(report(engine, allowed=allowed))
            got = client.get("/api/v1/monitoring")
            assert got.status_code == 200 and got.headers["content-type"] == "application/json"
            if allowed is not None:
                rep.pop("unreadable")
            assert got.json() == rep
            with language("ru"):
                want = csv_bytes(flat_table(report(engine, allowed=allowed), names))
            body = client.get("/monitoring.csv")
            assert body.status_code == 200 and body.content == want
            rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig")), delimiter=";"))
            assert rows[0][0] == "Уровень" and len(rows) > 10
            assert (ppe_key(2) in body.text) == (allowed is None)
            with language("ru"):
                want_x = _sheets(xlsx_bytes(monitoring_tables(report(engine, allowed=allowed), names)))
            book = client.get("/monitoring.xlsx")
            assert book.status_code == 200 and _sheets(book.content) == want_x
            assert [len(v) for v in want_x.values()] == [len(rep["dates"]) + 2, len(rep["days"]) + 1,
                                                         len(rep["ppes"]) + 1, len(rep["schools"]) + 1,
                                                         len(rep["rooms"]) + 1, len(rep["ppes"]) + 1]
            one = _sheets(client.get("/monitoring.xlsx", params={"table": "rooms"}).content)
            assert list(one.values()) == [want_x["По аудиториям"]]
            day = client.get("/api/v1/monitoring", params={"day": keys[1]})
            assert day.json()["days"] == rep["days"][1:] and len(day.json()["rooms"]) == len(
                [r for r in rep["rooms"] if r["day"] == keys[1]])

    check()
    for b in later:
        ingest(engine, ppe_key(2), b, station="bench")
    check()
    admin.close()
    viewer.close()
    engine.dispose()


@pytest.mark.parametrize("server_db", ["postgres"], indirect=True)
def test_a_rebuild_is_followed(server_db):
    """``rebuild-figures`` deletes and writes every stored row again: the kept parts are all read again (a new
    version for every exam-point day) and the report is unchanged; a caller changing its report's rows
    changes no kept row."""
    from app.server.figures import rebuild

    forget()
    engine = open_server_db(server_db)
    _ppes(engine, 1)
    key = season_days(1)[0]
    push_plan(engine, ppe_key(0), plan_body(key, 0, 0, 1))
    for b in ppe_date_batches(0, 0, key, 1, split=1):
        ingest(engine, ppe_key(0), b, station="bench")
    first = build(engine)
    rebuild(engine)
    again = build(engine)
    assert [d is e for d, e in zip(first.days, again.days, strict=True)] == [False]
    assert _norm(again.as_report()) == _norm(first.as_report()) == _norm(scratch_report(engine))
    # a caller that changes its report changes no kept row
    rep = report(engine)
    rep["rooms"][0]["present"] = -1
    rep["rooms"][0]["incidents_by_kind"]["removal"] = 99
    rep["rooms"][0]["problems"].append("x")
    rep["schools"][0]["incidents_by_kind"]["removal"] = 99
    assert _norm(report(engine)) == _norm(scratch_report(engine))
    engine.dispose()


OLD_CELLS = """{% macro cells(row, links=True) %}
{% for k in metric_keys %}<td>{% if links and row[k] and k != "unmarked" %}<a href="{{ link(k, row) }}">{{ row[k]|num }}</a>{% else %}{{ (row[k] or 0)|num }}{% endif %}{% if k in ("present", "absent", "unmarked") and row.assigned %}<span class="pct">{{ (100 * row[k] / row.assigned)|round|int }}%</span>{% endif %}</td>{% endfor %}
{% endmacro %}{{ cells(row, links=links) }}"""  # noqa: E501 - the page's macro before, verbatim


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_figure_cells_write_what_the_macro_wrote(lang):
    """The page's figure cells, now Python, are the macro's HTML byte for byte: links (none for a zero, for
    «не отмечены» or without links), decimal commas, shares of the assigned rounded as Jinja's filter rounds."""
    from jinja2 import Environment

    from app.i18n import language
    from app.server.monitoring import METRIC_KEYS
    from app.server.routes.pages import cells, link
    from app.server.texts import num

    env = Environment(autoescape=True)
    env.filters["num"] = num
    tpl = env.from_string(OLD_CELLS)
    rows = [
        {"day": "2026-06-04/01", "ppe": "66/0412", "room": "0001", "school": "", **dict.fromkeys(METRIC_KEYS, 0)},
        {"day": "2026-06-04/01", "ppe": "66/0412", "room": "", "school": "", **dict.fromkeys(METRIC_KEYS, 3),
         "assigned": 8, "present": 5, "absent": 2, "unmarked": 1, "exit_minutes": 12.25},
        {"day": "2026-06-04", "ppe": "", "room": "", "school": "660001", **dict.fromkeys(METRIC_KEYS, 1),
         "assigned": 200, "present": 1, "absent": 199, "unmarked": 0, "exit_minutes": 3.0},
        {"day": "2026-06-04/01", "ppe": "", "room": "", "school": "", **dict.fromkeys(METRIC_KEYS, 7),
         "assigned": 8, "present": 4, "absent": 3, "unmarked": 1, "exit_minutes": 0.1 + 0.2},
    ]
    with language(lang):
        for r in rows:
            for links in (True, False):
                want = tpl.render(row=dict(r), links=links, metric_keys=METRIC_KEYS, link=link)
                assert str(cells(dict(r), links)) == want, (r, links)
