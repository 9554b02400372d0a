"""CSV and XLSX exports of the figures, for a signed-in official; every export is in the audit log."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.server.accounts import Viewer, audit
from app.server.deps import (
    PageViewer,
    client_ip,
    engine,
    opt_day,
    opt_ppe,
    scope_of,
)
from app.server.monitoring import flat_rows, report

router = APIRouter(tags=["exports"])


async def _report(request: Request, v: Viewer, day: str | None, ppe: str | None, what: str) -> dict:
    d, p = opt_day(day), opt_ppe(ppe)
    allowed = await scope_of(request, v)
    rep = await run_in_threadpool(report, engine(request), d, p, True, allowed)
    await run_in_threadpool(audit, engine(request), v.username, f"export-{what}",
                            f"day={d or '*'} ppe={p or '*'}", client_ip(request))
    return rep


@router.get("/monitoring.csv")
async def monitoring_csv(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None):
    head, rows = flat_rows(await _report(request, v, day, ppe, "csv"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    w.writerows(rows)
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="monitoring.csv"'})


@router.get("/monitoring.xlsx")
async def monitoring_xlsx(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None):
    from openpyxl import Workbook

    rep = await _report(request, v, day, ppe, "xlsx")
    wb = Workbook()
    wb.remove(wb.active)
    head, rows = flat_rows(rep)
    for level, title in (("day", "days"), ("ppe", "ppe"), ("room", "rooms"), ("school", "schools")):
        ws = wb.create_sheet(title)
        ws.append(head)
        for r in rows:
            if r[0] == level:
                ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="monitoring.xlsx"'})
