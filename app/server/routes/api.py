"""The JSON API: signed sync routes for HQ stations, monitoring figures for officials (session), and the
public act check (it shows only what the act itself carries and the record's codes)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.server import logjson
from app.server.db import now_iso
from app.server.deps import (
    ApiViewer,
    SignedStation,
    engine,
    opt_day,
    opt_kind,
    opt_ppe,
    opt_room,
    opt_school,
    parse_json,
    req_day,
    req_metric,
    scope_of,
    signed_path,
)
from app.server.ingest import Rejected, heads, ingest
from app.server.monitoring import metric_events, period_filters, public_event, report
from app.sync.protocol import API

router = APIRouter()
_log = logjson.setup()


@router.get("/healthz", tags=["service"])
def healthz():
    return {"ok": True, "time": now_iso(), "version": __version__}


@router.post(f"{API}/enroll", tags=["sync"], summary="Enroll an HQ station with a one-time code")
async def api_enroll(request: Request):
    from app.server.auth import enroll

    body = await request.body()
    data = parse_json(body)
    res = await run_in_threadpool(enroll, engine(request), request.method, signed_path(request), body,
                                  request.headers, data)
    logjson.info(_log, "enrolled", station=res["station"], ppe=res["ppe"]["key"], again=res["again"])
    return res


@router.get(f"{API}/whoami", tags=["sync"], summary="The signing station's enrollment (its exam point)")
async def api_whoami(request: Request, who: SignedStation):
    """Lets an HQ find its enrollment under a new server address (host, port or proxy prefix changed)."""
    from app.server.auth import whoami

    return await run_in_threadpool(whoami, engine(request), who)


@router.get(f"{API}/heads", tags=["sync"], summary="The server's high-water mark of each chain of the caller's PPE")
async def api_heads(request: Request, who: SignedStation):
    return {"ppe": who.ppe, "station": who.station, "heads": await run_in_threadpool(heads, engine(request), who.ppe)}


@router.post(f"{API}/events", tags=["sync"], summary="Push a batch of events (idempotent; all or nothing)")
async def api_events(request: Request, who: SignedStation):
    data = parse_json(request.state.body)
    batch = data.get("events") if isinstance(data, dict) else None
    try:
        heads = data.get("heads") if isinstance(data, dict) else None
        res = await run_in_threadpool(ingest, engine(request), who.ppe, batch, who.station, 5, heads, True)
    except Rejected as e:
        logjson.info(_log, "batch rejected", station=who.station, ppe=who.ppe, error=e.code,
                     received=len(batch) if isinstance(batch, list) else 0)
        raise
    logjson.info(_log, "batch accepted", station=who.station, ppe=who.ppe, received=res.received,
                 inserted=res.inserted, duplicates=res.duplicates)
    return res.to_dict()


@router.post(f"{API}/plan", tags=["sync"], summary="Push the HQ's plan of a day (codes, rooms, seats, schools)")
async def api_plan(request: Request, who: SignedStation):
    from app.server.plans import push_plan

    return await run_in_threadpool(push_plan, engine(request), who.ppe, parse_json(request.state.body))


@router.post(f"{API}/keys", tags=["sync"], summary="Register the public keys of the PPE's room stations")
async def api_keys(request: Request, who: SignedStation):
    from app.server.auth import register_peers

    return await run_in_threadpool(register_peers, engine(request), who, parse_json(request.state.body))


@router.get(f"{API}/days", tags=["sync"], summary="Exam days of the caller's PPE")
async def api_days(request: Request, who: SignedStation):
    from app.server.plans import list_days

    return {"ppe": who.ppe, "days": await run_in_threadpool(list_days, engine(request), who.ppe)}


@router.get(f"{API}/list", tags=["sync"], summary="The distribution list of a day for the caller's PPE")
async def api_list(request: Request, who: SignedStation, day: str | None = None):
    from app.server.plans import get_list

    return await run_in_threadpool(get_list, engine(request), who.ppe, req_day(day))


@router.get(f"{API}/monitoring", tags=["monitoring"], summary="Every figure by day, PPE, room and school")
async def api_monitoring(request: Request, v: ApiViewer, day: str | None = None, ppe: str | None = None,
                         date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                         school: str | None = None):
    """Every row of every level (a season: ~6,000 rooms, ~3,000 schools). Without a school filter the rooms
    and schools are spliced from JSON encoded once per exam-point day (app.server.whole_report)."""
    import orjson
    from fastapi.responses import Response

    filters = period_filters(opt_day(day), opt_ppe(ppe), date_from, date_to, subject, school)
    allowed = await scope_of(request, v)
    drop = () if v.admin else ("unreadable",)

    def answer() -> bytes:
        if not filters["school"]:
            from app.server.whole_report import build

            return build(engine(request), **filters, allowed=allowed).json_bytes(drop)
        rep = report(engine(request), **filters, allowed=allowed)
        for k in drop:
            rep.pop(k, None)
        return orjson.dumps(rep)

    # plain JSON already: FastAPI's per-value encoder took most of the answer's time for a season
    return Response(await run_in_threadpool(answer), media_type="application/json")


@router.get(f"{API}/monitoring/events", tags=["monitoring"], summary="The events a figure was counted from")
async def api_metric_events(request: Request, v: ApiViewer, day: str | None = None, metric: str | None = None,
                            ppe: str | None = None, room: str | None = None, school: str | None = None,
                            kind: str | None = None):
    d, m, p = req_day(day), req_metric(metric), opt_ppe(ppe)
    allowed = await scope_of(request, v)
    evs = await run_in_threadpool(metric_events, engine(request), p, d, m, opt_room(room), opt_school(school),
                                  opt_kind(kind), allowed)
    return {"ppe": p, "day": d, "metric": m, "count": len(evs), "events": [public_event(e) for e in evs]}


def _qr_from_image(data: bytes) -> str:
    """The Auditoria QR text in an uploaded photo or scan (zbarimg, as the forms area reads it)."""
    import tempfile

    from app.errors import UserError
    from app.forms.verify import read_qr_image

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "upload.png"
        p.write_bytes(data)
        try:
            return read_qr_image(p)
        except UserError as e:
            raise Rejected(422, "no-code", str(e).replace(str(p), "the image")) from None


@router.post(f"{API}/verify", tags=["acts"], summary="Check the QR text of a printed act, or a photo of it")
async def api_verify(request: Request):
    from app.server.verify import verify_act

    body = await request.body()
    if request.headers.get("content-type", "").startswith("image/"):
        payload = await run_in_threadpool(_qr_from_image, body)
    else:
        data = parse_json(body)
        payload = data.get("payload") if isinstance(data, dict) else None
    if not isinstance(payload, str):
        raise Rejected(422, "malformed", "payload (text) is required")
    return (await run_in_threadpool(verify_act, engine(request), payload)).to_dict()
