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
from app.server.monitoring import flat_rows, period_filters, report

router = APIRouter(tags=["exports"])


async def _report(request: Request, v: Viewer, what: str, day: str | None, ppe: str | None,
                  date_from: str | None, date_to: str | None, subject: str | None, school: str | None) -> dict:
    filters = period_filters(opt_day(day), opt_ppe(ppe), date_from, date_to, subject, school)
    allowed = await scope_of(request, v)
    rep = await run_in_threadpool(lambda: report(engine(request), **filters, allowed=allowed))
    detail = " ".join(f"{k}={val}" for k, val in filters.items() if val) or "all"
    await run_in_threadpool(audit, engine(request), v.username, f"export-{what}", detail, client_ip(request))
    return rep


@router.get("/monitoring.csv")
async def monitoring_csv(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None,
                         date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                         school: str | None = None):
    head, rows = flat_rows(await _report(request, v, "csv", day, ppe, date_from, date_to, subject, school))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    w.writerows(rows)
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="monitoring.csv"'})


@router.get("/monitoring.xlsx")
async def monitoring_xlsx(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None,
                          date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                          school: str | None = None):
    from openpyxl import Workbook

    rep = await _report(request, v, "xlsx", day, ppe, date_from, date_to, subject, school)
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
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="monitoring.xlsx"'})
