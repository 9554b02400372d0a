"""Conditions of the exam per exam point: ОВЗ (seed 002 §5.3(4)) and public observers (§4.1).

From the conduct record the monitoring already projects: how many participants had the extended time,
how many sat the exam, and how much of the extension they actually used (the time between the general
end of their room and their handing in); and how many public observers were checked in at each exam
point's HQ on each date. No names, no codes of people: counts and minutes only.
"""

from __future__ import annotations

import json
import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from app.server import schema as t
from app.server.db import read_connection
from app.server.monitoring import _days, ppe_day


def ovz_report(engine: Engine, date_from: str | None = None, date_to: str | None = None,
               subject: str | None = None, ppe: str | None = None) -> dict[str, Any]:
    """Per exam point and (date, subject): ОВЗ participants, present, who used the extension, minutes used."""
    rows = []
    for p, key in _days(engine, None, ppe, date_from, date_to, subject):
        fig = ppe_day(engine, p, key)
        if fig is None:
            continue
        listed = present = used = 0
        minutes: list[float] = []
        for r in fig.rooms.values():
            st = r.state
            for q in st.listed():
                if not q.ovz:
                    continue
                listed += 1
                present += q.present
                done = q.finished_at or q.early_at
                if done is not None and st.start is not None:
                    general = st.end or st.personal_end(type(q)(code="", assigned_seat=""))
                    extra = (done - general).total_seconds() / 60 if general else 0
                    if extra > 0:
                        used += 1
                        minutes.append(round(extra, 1))
        if listed:
            rows.append({"ppe": p, "ppe_name": fig.ppe_name, "day": key, "subject": fig.subject,
                         "ovz_listed": listed, "ovz_present": present, "used_extension": used,
                         "extra_minutes_mean": round(statistics.fmean(minutes), 1) if minutes else None,
                         "extra_minutes_max": max(minutes) if minutes else None})
    return {"filters": {"date_from": date_from, "date_to": date_to, "subject": subject, "ppe": ppe}, "rows": rows}


def observers_report(engine: Engine, date_from: str | None = None, date_to: str | None = None,
                     ppe: str | None = None, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """Per exam point and date: public observers checked in at HQ, and the hours they spent there.

    Only HQ's point-level ``observer-arrived``/``observer-left`` marks count, voids applied; the events
    carry staff codes, which never leave this function (the rows hold counts only)."""
    kinds = ("observer-arrived", "observer-left", "void")
    q = select(t.events.c.id, t.events.c.ppe, t.events.c.day, t.events.c.kind, t.events.c.at,
               t.events.c.payload).where(and_(t.events.c.kind.in_(kinds), t.events.c.room.is_(None)))
    if ppe:
        q = q.where(t.events.c.ppe == ppe)
    if allowed is not None:
        q = q.where(t.events.c.ppe.in_(sorted(allowed)))
    if date_from:
        q = q.where(t.events.c.day >= date_from)
    if date_to:
        q = q.where(t.events.c.day < date_to + "0")  # 'YYYY-MM-DD' and legacy 'YYYY-MM-DD/SS' keys
    with read_connection(engine) as conn:
        rows = conn.execute(q.order_by(t.events.c.at)).all()
        names = dict(conn.execute(select(t.ppe.c.key, t.ppe.c.name)).all())
    voided = {json.loads(r.payload).get("target") for r in rows if r.kind == "void"}
    stays: dict[tuple[str, str], dict[str, list]] = {}
    for r in rows:
        if r.kind == "void" or r.id in voided or not r.day:
            continue
        code = str(json.loads(r.payload).get("observer", ""))
        per = stays.setdefault((r.ppe, r.day[:10]), {})
        if r.kind == "observer-arrived":
            per.setdefault(code, []).append([r.at, None])
        elif per.get(code) and per[code][-1][1] is None:
            per[code][-1][1] = r.at
    out = []
    for (p, date), per in sorted(stays.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        hours = [(datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600
                 for visits in per.values() for a, b in visits if b]
        out.append({"ppe": p, "ppe_name": names.get(p, ""), "date": date, "observers": len(per),
                    "still_checked_in": sum(1 for v in per.values() if v[-1][1] is None),
                    "hours_present": round(sum(hours), 1) if hours else None})
    return {"filters": {"date_from": date_from, "date_to": date_to, "ppe": ppe}, "rows": out}
