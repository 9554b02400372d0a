"""HTML pages for officials (a session) and the public act-verification page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import quote_plus, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.i18n import _
from app.server.deps import (
    OptViewer,
    PageViewer,
    check_csrf,
    engine,
    form_of,
    opt_day,
    opt_kind,
    opt_ppe,
    opt_room,
    opt_school,
    req_day,
    req_metric,
    scope_of,
)
from app.server.routes import render

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parents[1] / "templates" / "static"


@router.get("/")
def root():
    return RedirectResponse("/monitoring", status_code=303)


@router.get("/static/{name}")
def static(name: str):
    types = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
    p = STATIC / name
    if "/" in name or p.suffix not in types or not p.is_file():
        return Response(status_code=404)
    return Response(p.read_bytes(), media_type=types[p.suffix], headers={"Cache-Control": "max-age=3600"})


def link(metric: str, row: dict, kind: str | None = None) -> str:
    """The events a figure of a row was counted from (``/monitoring/events?metric=…&day=…&ppe=…``)."""
    q = row.get("_q")
    if q is None:  # what identifies the row, encoded once for its dozen figures
        q = row["_q"] = urlencode({k: row[k] for k in ("day", "ppe", "room", "school") if row.get(k)})
    return f"/monitoring/events?metric={quote_plus(metric)}&{q}" + (f"&{urlencode({'kind': kind})}" if kind else "")


_PCT_KEYS = ("present", "absent", "unmarked")


def cells(row: dict, links: bool = True):
    """A row's figure cells, as the template's macro wrote them (a test renders both): each figure a link to
    its events (not «не отмечены», nor a zero), the present/absent/unmarked share of the assigned beside it.
    Python, not a Jinja macro: the page writes ~1,500 such cells and the macro took a third of its time."""
    from markupsafe import Markup, escape

    from app.server.monitoring import METRIC_KEYS
    from app.server.texts import num

    out = ["\n"]
    assigned = row["assigned"]
    for k in METRIC_KEYS:
        v = row[k]
        if links and v and k != "unmarked":
            out.append(f'<td><a href="{escape(link(k, row))}">{escape(num(v))}</a>')
        else:
            out.append(f"<td>{escape(num(v or 0))}")
        if assigned and k in _PCT_KEYS:
            out.append(f'<span class="pct">{int(round(100 * v / assigned, 0))}%</span>')
        out.append("</td>")
    out.append("\n")
    return Markup("".join(out))


CHART_ROWS = 20  # exam points in one date's chart: the first rows of the table's page, in its order


def _charts(summary: dict, ppes: list[dict]) -> list[str]:
    """The attendance chart per (date, subject) of the period, or per exam point of the page's rows when
    one date and subject is shown, and the incidents by kind: tens of bars, never one per row of a season."""
    from app.domain.kinds import KINDS
    from app.server.charts import bars
    from app.server.texts import day_label

    charts: list[str] = []
    days = summary["days"]
    if not days:
        return charts
    series = [_("Present"), _("Absent"), _("Unmarked"), _("Removed"), _("Early completions")]

    def vals(r: dict) -> list[float]:
        return [r["present"], r["absent"], r["unmarked"], r["removed"], r["finished_early"]]

    if len(days) > 1 or not ppes:
        charts.append(bars([(f"{day_label(r['day'])} · {r['subject_title']}", vals(r),
                             f"/monitoring?{urlencode({'day': r['day']})}") for r in days],
                           series, _("Attendance by date and subject")))
    else:
        charts.append(bars([(f"{r['ppe']} {r.get('ppe_name') or ''}".strip(), vals(r),
                             f"/monitoring?{urlencode({'day': r['day'], 'ppe': r['ppe']})}") for r in ppes[:CHART_ROWS]],
                           series, _("Attendance by exam point") + ("" if len(ppes) <= CHART_ROWS else " " + _(
                               "(the first {n} rows of the table)").format(n=CHART_ROWS))))
    inc = Counter()
    for k, v in summary["period"]["incidents_by_kind"].items():
        if k != "correction":
            inc[k] += v
    if inc:
        only = summary["filters"].get("day") or ""
        charts.append(bars([(_(KINDS[k].title), [v], f"/monitoring?{urlencode({'day': only})}")
                            for k, v in sorted(inc.items())], [_("Incidents")], _("Incidents by kind")))
    return charts


def _pager_url(params: dict[str, str], **change: str | int | None) -> str:
    """This page's address with some parameters changed (a page, a sort); empty values dropped."""
    q = {**params, **{k: ("" if v is None else str(v)) for k, v in change.items()}}
    return "/monitoring?" + urlencode({k: v for k, v in q.items() if v not in ("", None)})


@router.get("/monitoring")
async def monitoring_page(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None,
                          date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                          school: str | None = None):
    """The period's summary (totals, dates, dates and subjects, charts) and the long tables one page at a
    time (app.server.monitoring_page): the same cost for one date as for a whole season."""
    from app.server.monitoring import INCIDENT_KINDS, METRIC_KEYS, METRICS, period_filters
    from app.server.monitoring_page import (
        PAGE_SIZE,
        kept,
        page_order,
        ppe_page,
        room_page,
        school_page,
        summary,
    )
    from app.server.names import load_names
    from app.server.plans import list_days

    d, p = opt_day(day), opt_ppe(ppe)
    filters = period_filters(d, p, date_from, date_to, subject, school)
    qp = request.query_params
    orders = {name: page_order(name, qp.get(f"{name}_page"), qp.get(f"{name}_sort"), qp.get(f"{name}_desc"))
              for name in ("ppes", "schools", "rooms")}
    allowed = await scope_of(request, v)
    eng = engine(request)
    scope = {k: val for k, val in filters.items() if k != "school"}

    def read():
        all_days = sorted({x["day"] for x in list_days(eng) if allowed is None or x["ppe"] in allowed})
        whole = None if filters["school"] else kept(eng, **scope, allowed=allowed)  # one read for both
        summ = summary(eng, **filters, allowed=allowed, whole=whole)
        titles = {r["day"]: r["subject_title"] for r in summ["days"]}
        # with a school chosen the exam-point rows would not be that school's figures: the report has none
        ppes = None if filters["school"] else ppe_page(eng, orders["ppes"], **scope, allowed=allowed)
        schools = school_page(eng, orders["schools"], titles, **filters, allowed=allowed, whole=whole)
        rooms = room_page(eng, orders["rooms"], titles, **scope, allowed=allowed) \
            if p and not filters["school"] else None
        return all_days, summ, ppes, schools, rooms, load_names(eng)

    all_days, summ, ppes, schools, rooms, names = await run_in_threadpool(read)
    query = urlencode({k: val for k, val in summ["filters"].items() if val})
    params = {k: val for k, val in qp.items()}
    return render(request, "monitoring.html", v, rep=summ, ppes=ppes, schools=schools, rooms=rooms,
                  page_size=PAGE_SIZE, pager_url=lambda **c: _pager_url(params, **c), params=params,
                  metrics=METRICS, metric_keys=METRIC_KEYS, link=link, cells=cells, incident_kinds=list(INCIDENT_KINDS),
                  charts=_charts(summ, ppes.rows if ppes else []), all_days=all_days, day=d, ppe=p, query=query,
                  names=names, report_date=(d or summ["filters"].get("date_from") or "")[:10])


@router.get("/monitoring/events")
async def events_page(request: Request, v: PageViewer, day: str | None = None, metric: str | None = None, ppe: str | None = None,
                      room: str | None = None, school: str | None = None, kind: str | None = None):
    from app.domain.event import parse_utc
    from app.i18n import format_time
    from app.server.monitoring import METRICS, metric_events, public_payload
    from app.server.texts import payload_text, void_targets

    d, m, p = req_day(day), req_metric(metric), opt_ppe(ppe)
    r, s, k = opt_room(room), opt_school(school), opt_kind(kind)
    allowed = await scope_of(request, v)
    eng = engine(request)
    evs = await run_in_threadpool(metric_events, eng, p, d, m, r, s, k, allowed)
    # a mark that names another (a countersign, an act) shows that mark's kind and time, never its id
    targets = await run_in_threadpool(void_targets, eng, {str(e.payload["target"]) for e in evs
                                                          if e.payload.get("target")}, allowed)
    rows = [{"e": e, "local": format_time(parse_utc(e.at), e.tz, seconds=True),
             "data": payload_text(e.kind, public_payload(e.payload), e.tz, targets)} for e in evs]
    return render(request, "events.html", v, rows=rows, ppe=p, day=d, metric=m, room=r, school=s, kind=k,
                  title=dict(METRICS).get(m, m), tz=evs[0].tz if evs else "UTC")


@router.get("/admin")
async def admin_page(request: Request, v: PageViewer):
    from app.server.ingest import Rejected

    if not v.admin:
        raise Rejected(403, "forbidden", "administrators only")
    from app.server.texts import admin_overview

    page = request.query_params.get("stations_page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= 1_000_000:
        from app.server.deps import bad

        raise bad("stations_page", "a page number from 1")
    data = await run_in_threadpool(admin_overview, engine(request), int(page))
    return render(request, "admin.html", v, **data)


@router.get("/verify")
async def verify_form(request: Request, v: OptViewer):
    return render(request, "verify.html", v, verdict=None, payload="")


@router.post("/verify")
async def verify_post(request: Request, v: OptViewer):
    from app.server.verify import verify_act

    form = await form_of(request)
    check_csrf(request, form, v)
    payload = (form.get("payload") or [""])[0]
    verdict = await run_in_threadpool(verify_act, engine(request), payload)
    return render(request, "verify.html", v, verdict=verdict, payload=payload)


def _safe_next(target: str) -> str:
    """Only a path of this server (no scheme, no '//host'): the switch never sends anyone elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(c < " " for c in target):
        return "/monitoring"
    return target[:2000]


@router.post("/language")
async def set_language_post(request: Request, v: OptViewer):
    """The page language of this browser session (a session cookie; Russian when none is set)."""
    from app.i18n import LANGUAGES
    from app.server.deps import bad, is_https
    from app.server.lang import LANG_COOKIE

    form = await form_of(request)
    check_csrf(request, form, v)
    lang = (form.get("lang") or [""])[0]
    if lang not in LANGUAGES:
        raise bad("lang", "one of " + ", ".join(LANGUAGES))
    response = RedirectResponse(_safe_next((form.get("next") or ["/monitoring"])[0]), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict", secure=is_https(request), path="/")
    return response


@router.get("/monitoring/report.pdf")
async def day_report_pdf(request: Request, v: PageViewer, date: str | None = None, ppe: str | None = None):
    """The printable report of one exam date (in the session's language: Russian unless English was chosen)."""
    from app.i18n import current_language
    from app.server.deps import bad, client_ip
    from app.server.monitoring import period_filters
    from app.server.pdf_job import run_job

    if not date or len(date) != 10:
        raise bad("date", "a date YYYY-MM-DD")
    f = period_filters(day=date, ppe=opt_ppe(ppe))
    allowed = await scope_of(request, v)
    args = ["day", "--date", f["day"], "--lang", current_language()]
    if f["ppe"]:
        args += ["--ppe", f["ppe"]]
    if allowed is not None:
        args += ["--allowed", ",".join(sorted(allowed))]
    data = await run_in_threadpool(run_job, request.app.state.db, args)
    from app.server.accounts import audit

    await run_in_threadpool(audit, engine(request), v.username, "export-day-pdf", f"date={date}"
                            + (f" ppe={f['ppe']}" if f["ppe"] else ""), client_ip(request))
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="monitoring-{date}.pdf"'})
