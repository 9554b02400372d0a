"""Conditions of the exam per exam point and date, for a signed-in official (seed 002 §5.3(4), §4.1):
participants with ОВЗ and the extended time they used, and the public observers checked in at each
exam point's HQ. Counts and minutes only: no codes, no names. JSON at ``/api/v1/conditions``, the page
at ``/conditions``, each table as CSV for Excel."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.server.deps import ApiViewer, PageViewer, bad, engine, opt_ppe, scope_of
from app.server.routes import render
from app.server.routes.exports import download, logged
from app.server.tables import CSV_TYPE, Table, csv_bytes
from app.sync.protocol import API

router = APIRouter(tags=["conditions"])


def _date(name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else _no(name)
    except ValueError:
        return _no(name)


def _no(name: str):
    raise bad(name, "expected a date YYYY-MM-DD")


def _subject(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if len(value) != 2 or not value.isdigit():
        raise bad("subject", "a two-digit subject code")
    return value


async def _conditions(request: Request, v, date_from, date_to, subject, ppe) -> dict:
    from app.server.conditions import observers_report, ovz_report

    q = {"date_from": _date("date_from", date_from), "date_to": _date("date_to", date_to),
         "subject": _subject(subject), "ppe": opt_ppe(ppe)}
    allowed = await scope_of(request, v)
    eng = engine(request)

    def build() -> dict:
        ovz = ovz_report(eng, q["date_from"], q["date_to"], q["subject"], q["ppe"])["rows"]
        if allowed is not None:
            ovz = [r for r in ovz if r["ppe"] in allowed]
        obs = observers_report(eng, q["date_from"], q["date_to"], q["ppe"], allowed)["rows"]
        return {"filters": q, "ovz": ovz, "observers": obs}

    return await run_in_threadpool(build)


@router.get(f"{API}/conditions", summary="ОВЗ conditions and public observers per exam point and date")
async def api_conditions(request: Request, v: ApiViewer, date_from: str | None = None, date_to: str | None = None,
                         subject: str | None = None, ppe: str | None = None):
    return await _conditions(request, v, date_from, date_to, subject, ppe)


def _subject_title(year: str, code: str) -> str:
    from app.domain.reference import load_reference

    try:
        return f"{code} {load_reference(int(year)).subject(code).title}"
    except (KeyError, ValueError, OSError):
        return code


def tables(data: dict) -> list[Table]:
    from app.i18n import _
    from app.server.texts import day_label

    ovz = Table("conditions-ovz", _("ОВЗ conditions"),
                [_("Exam point"), _("Exam point name"), _("Exam day"), _("Subject"), _("ОВЗ listed"),
                 _("ОВЗ present"), _("Used the extended time"), _("Extra minutes, mean"), _("Extra minutes, most")],
                [[r["ppe"], r["ppe_name"], day_label(r["day"]), _subject_title(r["day"][:4], r["subject"]),
                  r["ovz_listed"], r["ovz_present"], r["used_extension"], r["extra_minutes_mean"],
                  r["extra_minutes_max"]] for r in data["ovz"]])
    obs = Table("conditions-observers", _("Public observers"),
                [_("Exam point"), _("Exam point name"), _("Date"), _("Observers"), _("Still checked in"), _("Hours present")],
                [[r["ppe"], r["ppe_name"], date.fromisoformat(r["date"]).strftime("%d.%m.%Y"), r["observers"],
                  r["still_checked_in"], r["hours_present"]] for r in data["observers"]])
    return [ovz, obs]


@router.get("/conditions", include_in_schema=False)
async def conditions_page(request: Request, v: PageViewer, date_from: str | None = None,
                          date_to: str | None = None, subject: str | None = None, ppe: str | None = None):
    data = await _conditions(request, v, date_from, date_to, subject, ppe)
    return render(request, "conditions.html", v, data=data, q=data["filters"], tables=tables(data))


@router.get("/conditions.csv", include_in_schema=False)
async def conditions_csv(request: Request, v: PageViewer, table: str | None = None, date_from: str | None = None,
                         date_to: str | None = None, subject: str | None = None, ppe: str | None = None):
    data = await _conditions(request, v, date_from, date_to, subject, ppe)
    ts = {t.key: t for t in tables(data)}
    key = table or "conditions-ovz"
    if key not in ts:
        raise bad("table", "one of " + ", ".join(ts))
    await logged(request, v, "export-conditions-csv", key)
    return download(csv_bytes(ts[key]), CSV_TYPE, f"{key}.csv")
