"""Conditions for participants with special health needs (ОВЗ, seed 002 §5.3(4)), per exam point.

From the conduct record the monitoring already projects: how many participants had the extended time,
how many sat the exam, and how much of the extension they actually used (the time between the general
end of their room and their handing in). No names, no codes: counts and minutes only.
"""

from __future__ import annotations

import statistics
from typing import Any

from sqlalchemy import Engine

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
