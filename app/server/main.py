"""The FastAPI application: signed sync API for HQ stations, monitoring pages and JSON, act checks.

``create_app()`` reads the database address from ``AUDITORIA_SERVER_DB`` so uvicorn can start
several workers from the import string ``app.server.main:create_app`` (factory). Migrations
run once in ``auditoria serve`` before workers start; each worker only opens the database.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.i18n import _
from app.server import logjson
from app.server.auth import authenticate, enroll
from app.server.db import make_engine, now_iso
from app.server.ingest import Rejected, heads, ingest
from app.server.monitoring import (
    INCIDENT_KINDS,
    METRIC_KEYS,
    METRICS,
    flat_rows,
    metric_events,
    period_filters,
    ppe_day,
    report,
)
from app.sync.protocol import API

MAX_BODY = 64 * 1024 * 1024
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.globals["_"] = _
    env.globals["version"] = __version__
    return env


def _qr_from_image(data: bytes) -> str:
    """The Auditoria QR text in an uploaded photo or scan (zbarimg, as the forms area reads it)."""
    import tempfile

    from app.errors import UserError
    from app.forms.verify import read_qr_image

    if len(data) > 20 * 1024 * 1024:
        raise Rejected(413, "too-large", "image over 20 MB")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "upload.png"
        p.write_bytes(data)
        try:
            return read_qr_image(p)
        except UserError as e:
            raise Rejected(422, "no-code", str(e).replace(str(p), "the image")) from None


def _viewer_password() -> str:
    path = os.environ.get("AUDITORIA_VIEWER_PASSWORD_FILE")
    if not path:
        return ""
    return Path(path).read_text(encoding="utf-8").strip()


def create_app(db: str | None = None) -> FastAPI:
    db = db or os.environ.get("AUDITORIA_SERVER_DB")
    if not db:
        raise RuntimeError("AUDITORIA_SERVER_DB is not set")
    lang = os.environ.get("AUDITORIA_LANG")
    if lang:
        from app.i18n import set_language

        set_language(lang)
    engine = make_engine(db)
    log = logjson.setup()
    env = _templates()
    app = FastAPI(title="Auditoria municipal server", version=__version__,
                  description="Signed sync API for exam-point HQ stations, monitoring figures, act verification.")
    app.state.engine = engine

    viewer_password = _viewer_password()

    @app.middleware("http")
    async def viewers_only(request: Request, call_next):
        """The authority's pages and figures need the viewer password when one is set (HTTP Basic)."""
        path = request.url.path
        if viewer_password and (path.startswith("/monitoring") or path.startswith(f"{API}/monitoring")):
            import base64
            import hmac

            given = ""
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("basic "):
                try:
                    given = base64.b64decode(auth[6:]).decode("utf-8").partition(":")[2]
                except (ValueError, UnicodeDecodeError):
                    given = ""
            if not hmac.compare_digest(given.encode(), viewer_password.encode()):
                return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="Auditoria monitoring"'})
        return await call_next(request)

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        t0 = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            logjson.info(log, "request", method=request.method, route=getattr(route, "path", "?"), status=status,
                         ms=round((time.perf_counter() - t0) * 1000, 1),
                         station=request.headers.get("X-Auditoria-Station", ""))

    @app.exception_handler(Rejected)
    async def rejected(_request: Request, exc: Rejected):
        return JSONResponse({"outcome": "rejected", "error": exc.code, "reason": exc.reason}, status_code=exc.status)

    async def body_of(request: Request) -> bytes:
        n = int(request.headers.get("content-length") or 0)
        if n > MAX_BODY:
            raise Rejected(413, "too-large", f"request body over {MAX_BODY // (1024 * 1024)} MB")
        return await request.body()

    def signed_path(request: Request) -> str:
        q = request.url.query
        return request.url.path + (f"?{q}" if q else "")

    async def caller(request: Request, body: bytes = b""):
        return await run_in_threadpool(authenticate, engine, request.method, signed_path(request), body,
                                       request.headers)

    def parse_json(body: bytes):
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise Rejected(422, "malformed", "the body is not JSON (truncated?)") from None

    # --- sync API (signed) ------------------------------------------------------------------
    @app.get("/healthz", tags=["service"])
    def healthz():
        return {"ok": True, "time": now_iso(), "version": __version__}

    @app.post(f"{API}/enroll", tags=["sync"], summary="Enroll an HQ station with a one-time code")
    async def api_enroll(request: Request):
        body = await body_of(request)
        data = parse_json(body)
        res = await run_in_threadpool(enroll, engine, request.method, signed_path(request), body, request.headers,
                                      data)
        logjson.info(log, "enrolled", station=res["station"], ppe=res["ppe"]["key"], again=res["again"])
        return res

    @app.get(f"{API}/heads", tags=["sync"], summary="The server's high-water mark of each chain of the caller's PPE")
    async def api_heads(request: Request):
        who = await caller(request)
        return {"ppe": who.ppe, "station": who.station, "heads": await run_in_threadpool(heads, engine, who.ppe)}

    @app.post(f"{API}/events", tags=["sync"], summary="Push a batch of events (idempotent)")
    async def api_events(request: Request):
        body = await body_of(request)
        who = await caller(request, body)
        data = parse_json(body)
        batch = data.get("events") if isinstance(data, dict) else None
        try:
            res = await run_in_threadpool(ingest, engine, who.ppe, batch, who.station)
        except Rejected as e:
            logjson.info(log, "batch rejected", station=who.station, ppe=who.ppe, error=e.code,
                         received=len(batch) if isinstance(batch, list) else 0)
            raise
        logjson.info(log, "batch accepted", station=who.station, ppe=who.ppe, received=res.received,
                     inserted=res.inserted, duplicates=res.duplicates)
        return res.to_dict()

    @app.post(f"{API}/plan", tags=["sync"], summary="Push the HQ's plan of a day (codes, rooms, seats, schools)")
    async def api_plan(request: Request):
        from app.server.plans import push_plan

        body = await body_of(request)
        who = await caller(request, body)
        return await run_in_threadpool(push_plan, engine, who.ppe, parse_json(body))

    @app.post(f"{API}/keys", tags=["sync"], summary="Register the public keys of the PPE's room stations")
    async def api_keys(request: Request):
        from app.server.auth import register_peers

        body = await body_of(request)
        who = await caller(request, body)
        return await run_in_threadpool(register_peers, engine, who, parse_json(body))

    @app.get(f"{API}/days", tags=["sync"], summary="Exam days of the caller's PPE")
    async def api_days(request: Request):
        from app.server.plans import list_days

        who = await caller(request)
        return {"ppe": who.ppe, "days": await run_in_threadpool(list_days, engine, who.ppe)}

    @app.get(f"{API}/list", tags=["sync"], summary="The distribution list of a day for the caller's PPE")
    async def api_list(request: Request, day: str):
        from app.server.plans import get_list

        who = await caller(request)
        return await run_in_threadpool(get_list, engine, who.ppe, day)

    # --- monitoring (JSON) ------------------------------------------------------------------
    @app.get(f"{API}/monitoring", tags=["monitoring"], summary="Every figure by day, PPE, room and school")
    def api_monitoring(day: str | None = None, ppe: str | None = None, date_from: str | None = None,
                       date_to: str | None = None, subject: str | None = None, school: str | None = None):
        return report(engine, **period_filters(day, ppe, date_from, date_to, subject, school))

    @app.get(f"{API}/monitoring/events", tags=["monitoring"], summary="The events a figure was counted from")
    def api_metric_events(day: str, metric: str, ppe: str | None = None, room: str | None = None, school: str | None = None,
                          kind: str | None = None):
        evs = metric_events(engine, ppe, day, metric, room, school, kind)
        return {"ppe": ppe, "day": day, "metric": metric, "count": len(evs), "events": [e.to_dict() for e in evs]}

    @app.post(f"{API}/verify", tags=["acts"], summary="Check the QR text of a printed act, or a photo of it")
    async def api_verify(request: Request):
        from app.server.verify import verify_act

        body = await body_of(request)
        if request.headers.get("content-type", "").startswith("image/"):
            payload = await run_in_threadpool(_qr_from_image, body)
        else:
            data = parse_json(body)
            payload = data.get("payload") if isinstance(data, dict) else None
        if not isinstance(payload, str):
            raise Rejected(422, "malformed", "payload (text) is required")
        return (await run_in_threadpool(verify_act, engine, payload)).to_dict()

    # --- HTML pages ---------------------------------------------------------------------------
    def page(name: str, **ctx) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx))

    def link(metric: str, row: dict, kind: str | None = None) -> str:
        q = {"metric": metric, "day": row["day"]}
        for k in ("ppe", "room", "school"):
            if row.get(k):
                q[k] = row[k]
        if kind:
            q["kind"] = kind
        return "/monitoring/events?" + urlencode(q)

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/monitoring")

    @app.get("/monitoring", response_class=HTMLResponse, tags=["pages"])
    def monitoring_page(day: str | None = None, ppe: str | None = None, date_from: str | None = None,
                       date_to: str | None = None, subject: str | None = None, school: str | None = None):
        from app.server.charts import bars
        from app.server.plans import list_days

        all_days = sorted({d["day"] for d in list_days(engine)})
        rep = report(engine, **period_filters(day, ppe, date_from, date_to, subject, school))
        charts = []
        if rep["ppes"]:
            charts.append(bars([(f"{r['ppe']} {r['day'][-2:]}", [r["present"], r["absent"], r["removed"],
                                                                r["finished_early"]],
                                 f"/monitoring?{urlencode({'day': r['day'], 'ppe': r['ppe']})}") for r in rep["ppes"]],
                               [_("Present"), _("Absent"), _("Removed"), _("Early completions")],
                               _("Attendance by exam point")))
            inc: dict[str, int] = {}
            for r in rep["days"]:
                for k, v in r["incidents_by_kind"].items():
                    inc[k] = inc.get(k, 0) + v
            if inc:
                charts.append(bars([(k, [v], f"/monitoring?{urlencode({'day': day or ''})}") for k, v in
                                    sorted(inc.items())], [_("Incidents")], _("Incidents by kind")))
        query = urlencode({k: v for k, v in rep["filters"].items() if v})
        return page("monitoring.html", rep=rep, metrics=METRICS, metric_keys=METRIC_KEYS, link=link,
                    incident_kinds=INCIDENT_KINDS, charts=charts, all_days=all_days, day=day, ppe=ppe, query=query)

    @app.get("/monitoring/events", response_class=HTMLResponse, tags=["pages"])
    def events_page(day: str, metric: str, ppe: str | None = None, room: str | None = None, school: str | None = None,
                    kind: str | None = None):
        fig = ppe_day(engine, ppe, day) if ppe else None
        evs = metric_events(engine, ppe, day, metric, room, school, kind)
        from app.domain.event import parse_utc
        from app.i18n import format_time

        tz = evs[0].tz if evs else "UTC"
        rows = [{"e": e, "local": format_time(parse_utc(e.at), e.tz, seconds=True),
                 "payload": json.dumps(e.payload, ensure_ascii=False, sort_keys=True)} for e in evs]
        return page("events.html", rows=rows, ppe=ppe, day=day, metric=metric, room=room, school=school, kind=kind,
                    title=dict(METRICS).get(metric, metric), fig=fig, tz=tz)

    @app.get("/monitoring.csv", tags=["pages"])
    def monitoring_csv(day: str | None = None, ppe: str | None = None, date_from: str | None = None,
                       date_to: str | None = None, subject: str | None = None, school: str | None = None):
        head, rows = flat_rows(report(engine, **period_filters(day, ppe, date_from, date_to, subject, school)))
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(head)
        w.writerows(rows)
        return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="monitoring.csv"'})

    @app.get("/monitoring.xlsx", tags=["pages"])
    def monitoring_xlsx(day: str | None = None, ppe: str | None = None, date_from: str | None = None,
                       date_to: str | None = None, subject: str | None = None, school: str | None = None):
        from openpyxl import Workbook

        rep = report(engine, **period_filters(day, ppe, date_from, date_to, subject, school))
        wb = Workbook()
        wb.remove(wb.active)
        head, rows = flat_rows(rep)
        for level, title in (("period", "period"), ("date", "dates"), ("day", "days"), ("ppe", "ppe"),
                             ("room", "rooms"), ("school", "schools")):
            ws = wb.create_sheet(title)
            ws.append(head)
            for r in rows:
                if r[0] == level:
                    ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        return Response(buf.getvalue(),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="monitoring.xlsx"'})

    @app.get("/verify", response_class=HTMLResponse, tags=["pages"])
    def verify_form():
        return page("verify.html", verdict=None, payload="")

    @app.post("/verify", response_class=HTMLResponse, tags=["pages"])
    async def verify_post(request: Request):
        from urllib.parse import parse_qs

        from app.server.verify import verify_act

        form = parse_qs((await body_of(request)).decode("utf-8", "replace"))
        payload = (form.get("payload") or [""])[0]
        verdict = await run_in_threadpool(verify_act, engine, payload)
        return page("verify.html", verdict=verdict, payload=payload)

    return app
