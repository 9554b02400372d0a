"""CSV and XLSX exports of the figures, for a signed-in official; every export is in the audit log.

CSV is for Excel (';', UTF-8 with a BOM, headers in the page's language: app.server.tables);
``?table=`` gives one table of the page, without it every level in one table. XLSX holds every table,
one sheet each."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
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
from app.server.monitoring import period_filters, report
from app.server.tables import CSV_TYPE, XLSX_TYPE, Table, csv_chunks, pick, xlsx_bytes

router = APIRouter(tags=["exports"])


async def logged(request: Request, v: Viewer, what: str, detail: str) -> None:
    """One audit line per export: who took which table of which filters."""
    await run_in_threadpool(audit, engine(request), v.username, what, detail, client_ip(request))


def _detail(filters: dict) -> str:
    """The filters of an export as its audit line gives them."""
    return " ".join(f"{k}={val}" for k, val in filters.items() if val) or "all"


def download(data: bytes, media: str, filename: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def _tables(request: Request, v: Viewer, what: str, table: str | None, day: str | None, ppe: str | None,
                  date_from: str | None, date_to: str | None, subject: str | None, school: str | None
                  ) -> tuple[Table | None, list[Table]]:
    from app.server.monitoring_tables import flat_table, monitoring_tables
    from app.server.names import load_names

    filters = period_filters(opt_day(day), opt_ppe(ppe), date_from, date_to, subject, school)
    allowed = await scope_of(request, v)
    eng = engine(request)

    def build():
        rep = report(eng, **filters, allowed=allowed)
        names = load_names(eng)
        return flat_table(rep, names), monitoring_tables(rep, names)

    flat, tables = await run_in_threadpool(build)
    tables = pick(tables, table)
    detail = _detail(filters)
    await logged(request, v, f"export-{what}", detail + (f" table={table}" if table else ""))
    return flat, tables


@router.get("/monitoring.csv")
async def monitoring_csv(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None,
                         date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                         school: str | None = None, table: str | None = None):
    if table or school:
        flat, tables = await _tables(request, v, "csv", table, day, ppe, date_from, date_to, subject, school)
        chosen = tables[0] if table else flat
        name = f"monitoring-{chosen.key}.csv" if table else "monitoring.csv"
        # every row, streamed a few thousand at a time (a season is ~10,000 rows)
        return StreamingResponse(csv_chunks(chosen), media_type=CSV_TYPE,
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return StreamingResponse(await _whole_csv(request, v, day, ppe, date_from, date_to, subject), media_type=CSV_TYPE,
                             headers={"Content-Disposition": 'attachment; filename="monitoring.csv"'})


async def _whole_csv(request: Request, v: Viewer, day: str | None, ppe: str | None, date_from: str | None,
                     date_to: str | None, subject: str | None):
    """Every level in one table, the rooms' and schools' lines kept per exam-point day and date
    (app.server.whole_report): the same bytes as ``csv_chunks(flat_table(report))``."""
    from app.i18n import current_language
    from app.server.names import load_names
    from app.server.whole_report import build
    from app.server.whole_report import csv_chunks as whole_chunks

    filters = period_filters(opt_day(day), opt_ppe(ppe), date_from, date_to, subject, None)
    allowed = await scope_of(request, v)
    eng = engine(request)
    comma = current_language() == "ru"

    def make():
        whole = build(eng, **filters, allowed=allowed)
        return whole_chunks(whole, load_names(eng), comma)

    chunks = await run_in_threadpool(make)
    detail = _detail(filters)
    await logged(request, v, "export-csv", detail)
    return chunks


@router.get("/monitoring.xlsx")
async def monitoring_xlsx(request: Request, v: PageViewer, day: str | None = None, ppe: str | None = None,
                          date_from: str | None = None, date_to: str | None = None, subject: str | None = None,
                          school: str | None = None, table: str | None = None):
    if school:
        _flat, tables = await _tables(request, v, "xlsx", table, day, ppe, date_from, date_to, subject, school)
        return download(xlsx_bytes(tables), XLSX_TYPE, "monitoring.xlsx")
    from app.server.names import load_names
    from app.server.whole_report import build
    from app.server.whole_report import xlsx_bytes as whole_xlsx

    filters = period_filters(opt_day(day), opt_ppe(ppe), date_from, date_to, subject, None)
    allowed = await scope_of(request, v)
    eng = engine(request)
    # the sheets' rooms and schools spliced from XML kept per exam-point day and date (app.server.xlsx_parts)
    data = await run_in_threadpool(lambda: whole_xlsx(build(eng, **filters, allowed=allowed), load_names(eng), table))
    detail = _detail(filters)
    await logged(request, v, "export-xlsx", detail + (f" table={table}" if table else ""))
    return download(data, XLSX_TYPE, "monitoring.xlsx")
