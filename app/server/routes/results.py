"""Results beside the conduct of the exam (issue 16), for a signed-in official: the JSON of
``auditoria server results --json`` at ``/api/v1/results``, pages under ``/results`` (per subject, per
school, the score distribution each figure is computed from), CSV/XLSX of every table and the annual PDF."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.server.deps import ApiViewer, PageViewer, bad, engine
from app.server.routes import render
from app.server.routes.exports import download, logged
from app.server.tables import CSV_TYPE, XLSX_TYPE, csv_bytes, pick, xlsx_bytes
from app.sync.protocol import API

router = APIRouter(tags=["results"])


def _flag(name: str, value: str | None) -> bool:
    if value in (None, "", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise bad(name, "1 or 0")


def _year(value: str | None, years: list[int]) -> int:
    if value in (None, ""):
        from datetime import date

        return years[-1] if years else date.today().year
    if not re.fullmatch(r"\d{4}", value) or not 2000 <= int(value) <= 2100:
        raise bad("year", "a year such as 2026")
    return int(value)


def _subject(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not re.fullmatch(r"\d{2}", value):
        raise bad("subject", "a two-digit subject code")
    return value


def _school(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not re.fullmatch(r"\d{1,6}", value):
        raise bad("school", "a school code of up to 6 digits")
    return value


def _municipality(v, value: str | None) -> str | None:
    """Whose results an official sees: a viewer always their own municipality, whatever the address asks;
    an administrator every municipality, or the one named by ``?municipality=66/001``."""
    from app.server.results_place import MUNICIPALITY_RE

    if not v.admin:
        return f"{v.region}/{v.msu}"
    if value in (None, ""):
        return None
    if not MUNICIPALITY_RE.fullmatch(value):
        raise bad("municipality", "region/МСУ code, e.g. 66/001")
    return value


async def _query(request: Request, v, year, subject, school, public, practice) -> dict:
    from app.server.results_views import result_years

    pr = _flag("practice", practice)
    muni = _municipality(v, request.query_params.get("municipality"))
    years = await run_in_threadpool(result_years, engine(request), pr, muni)
    return {"year": _year(year, years), "subject": _subject(subject), "school": _school(school),
            "public": _flag("public", public), "practice": pr, "years": years, "municipality": muni,
            "chosen": v.admin and muni is not None}


def _report(eng, q: dict) -> dict:
    from app.server.results_figures import results_report

    return results_report(eng, q["year"], subject=q["subject"], school=q["school"], public=q["public"],
                          practice=q["practice"], municipality=q["municipality"])


@router.get(f"{API}/results", summary="Result indicators by subject and school beside the conduct per 100 "
                                      "(as `auditoria server results --json`)")
async def api_results(request: Request, v: ApiViewer, year: str | None = None, subject: str | None = None,
                      school: str | None = None, public: str | None = None, practice: str | None = None):
    from fastapi.responses import JSONResponse

    q = await _query(request, v, year, subject, school, public, practice)
    # plain dicts and numbers: json.dumps directly (FastAPI's jsonable_encoder took 55 ms of a 200 KB report)
    return JSONResponse(await run_in_threadpool(_report, engine(request), q))


def _qs(q: dict, **over) -> str:
    from urllib.parse import urlencode

    d = {"year": q["year"], "subject": q["subject"] or "", "school": q["school"] or "",
         "public": 1 if q["public"] else "", "practice": 1 if q["practice"] else "",
         "municipality": q["municipality"] if q.get("chosen") else ""}
    d.update(over)
    return urlencode({k: v for k, v in d.items() if v not in ("", None)})


@router.get("/results", include_in_schema=False)
async def results_page(request: Request, v: PageViewer, year: str | None = None, subject: str | None = None,
                       public: str | None = None, practice: str | None = None):
    from app.server import results_views as rv
    from app.server.charts import bars
    from app.server.names import load_names

    q = await _query(request, v, year, subject, None, public, practice)
    eng = engine(request)
    rep = await run_in_threadpool(_report, eng, q)
    names = await run_in_threadpool(load_names, eng)
    titles = rv.subject_titles(q["year"])
    # the whole year is an overview (subjects and flags); a subject's schools, region and chart are shown
    # when it is chosen: ten subjects of ninety schools each were a 0.5 MB page that took 0.7 s to render
    detail = bool(q["subject"]) or len(rep["subjects"]) == 1
    charts = {}
    for s in rep["subjects"] if detail else []:
        items = [(f"{c['school']} {names.school(c['school'])}"[:40], [c["mean"]],
                  rv.distribution_link(q["year"], s["code"], c["school"], q["public"], q["practice"]))
                 for c in s["schools"] if isinstance(c.get("mean"), int | float)]
        if items:
            m = s["municipality"]
            if isinstance(m.get("mean"), int | float):
                from app.i18n import _

                items.insert(0, (_("Municipality"), [m["mean"]],
                                 rv.distribution_link(q["year"], s["code"], None, q["public"], q["practice"])))
            from app.i18n import _

            charts[s["code"]] = bars(items, [_("Mean score")], _("Mean score by school"), width=560)
    return render(request, "results.html", v, rep=rep, q=q, qs=_qs, titles=titles, names=names, rv=rv,
                  charts=charts, detail=detail, conduct=rv.CONDUCT, conduct_titles=rv.CONDUCT_TITLES)


@router.get("/results/school/{code}", include_in_schema=False)
async def school_page(request: Request, v: PageViewer, code: str, public: str | None = None,
                      practice: str | None = None, year: str | None = None):
    from app.server import results_views as rv
    from app.server.names import load_names

    school = _school(code)
    q = await _query(request, v, year, None, school, public, practice)
    eng = engine(request)
    years = q["years"] or [q["year"]]
    history = await run_in_threadpool(rv.school_history, eng, school, years, q["public"], q["practice"],
                                      q["municipality"])
    names = await run_in_threadpool(load_names, eng)
    return render(request, "results_school.html", v, school=school, history=history, q=q, qs=_qs, names=names,
                  titles=rv.subject_titles(q["year"]), rv=rv, conduct=rv.CONDUCT, conduct_titles=rv.CONDUCT_TITLES,
                  demo=any(y["demo"] for h in history for y in h["years"]))


@router.get("/results/distribution", include_in_schema=False)
async def distribution_page(request: Request, v: PageViewer, year: str | None = None, subject: str | None = None,
                            school: str | None = None, public: str | None = None, practice: str | None = None):
    from app.i18n import _
    from app.server import results_views as rv
    from app.server.charts import bars
    from app.server.names import load_names
    from app.server.results_figures import SMALL_CELL
    from app.server.results_import import Scale, scales

    q = await _query(request, v, year, subject, school, public, practice)
    if not q["subject"]:
        raise bad("subject", "required")
    eng = engine(request)
    dist = await run_in_threadpool(rv.distribution, eng, q["year"], q["subject"], q["school"], q["practice"],
                                   q["municipality"])
    scale = scales(q["year"]).get(q["subject"]) or Scale(0)
    n = sum(c for _s, c in dist)
    hidden = q["public"] and 0 < n < SMALL_CELL
    groups = [] if hidden else rv.buckets(dist, scale.top)
    chart = bars([(label, [c], "#") for label, c in groups], [_("Participants")],
                 _("Participants by test score"), width=560) if groups else ""
    names = await run_in_threadpool(load_names, eng)
    return render(request, "results_distribution.html", v, q=q, qs=_qs, dist=[] if hidden else dist, n=n,
                  hidden=hidden, scale=scale, chart=chart, names=names, titles=rv.subject_titles(q["year"]), rv=rv,
                  small_cell=SMALL_CELL)


async def _tables(request: Request, v, what: str, table: str | None, year, subject, school, public, practice):
    from app.server import results_views as rv
    from app.server.names import load_names

    q = await _query(request, v, year, subject, school, public, practice)
    eng = engine(request)

    def build():
        return rv.results_tables(_report(eng, q), load_names(eng), rv.subject_titles(q["year"]))

    tables = pick(await run_in_threadpool(build), table)
    await logged(request, v, f"export-results-{what}", _qs(q) + (f" table={table}" if table else ""))
    return q, tables


@router.get("/results.csv", include_in_schema=False)
async def results_csv(request: Request, v: PageViewer, year: str | None = None, subject: str | None = None,
                      school: str | None = None, public: str | None = None, practice: str | None = None,
                      table: str | None = None):
    q, tables = await _tables(request, v, "csv", table or "schools", year, subject, school, public, practice)
    return download(csv_bytes(tables[0]), CSV_TYPE, f"results-{q['year']}-{tables[0].key}.csv")


@router.get("/results.xlsx", include_in_schema=False)
async def results_xlsx(request: Request, v: PageViewer, year: str | None = None, subject: str | None = None,
                       school: str | None = None, public: str | None = None, practice: str | None = None,
                       table: str | None = None):
    q, tables = await _tables(request, v, "xlsx", table, year, subject, school, public, practice)
    return download(xlsx_bytes(tables), XLSX_TYPE, f"results-{q['year']}.xlsx")


@router.get("/results/report.pdf", include_in_schema=False)
async def results_pdf(request: Request, v: PageViewer, year: str | None = None, subject: str | None = None,
                      public: str | None = None):
    from app.server.pdf_job import run_job

    q = await _query(request, v, year, subject, None, public, None)
    args = ["results", "--year", str(q["year"])] + (["--subject", q["subject"]] if q["subject"] else []) + \
        (["--public"] if q["public"] else []) + \
        (["--municipality", q["municipality"]] if q["municipality"] else [])
    data = await run_in_threadpool(run_job, request.app.state.db, args)
    await logged(request, v, "export-results-pdf", _qs(q))
    return download(data, "application/pdf", f"results-{q['year']}{'-public' if q['public'] else ''}.pdf")
