"""The monitoring page's tables as rows for CSV/XLSX: the same figures, headers in the page's language,
dates as ДД.ММ.ГГГГ, names beside codes (app.server.names)."""

from __future__ import annotations

from app.i18n import N_, _
from app.server.monitoring import INCIDENT_KINDS, METRIC_KEYS, METRICS
from app.server.names import Names
from app.server.tables import Table
from app.server.texts import day_label, kind_title, phase_title

LEVELS = {"period": N_("whole period"), "date": N_("date"), "day": N_("date and subject"),
          "ppe": N_("exam point"), "room": N_("room"), "school": N_("school")}


def _metrics() -> list[str]:
    return [_(t) for _k, t in METRICS]


def _incidents() -> list[str]:
    return [kind_title(k) for k in INCIDENT_KINDS]


def _vals(r: dict) -> list:
    return [r.get(k, 0) for k in METRIC_KEYS]


def _inc(r: dict) -> list:
    return [r.get("incidents_by_kind", {}).get(k, 0) for k in INCIDENT_KINDS]


def flat_head() -> list[str]:
    """The header of the every-level table."""
    return [_("Level"), _("Date"), _("Subject code"), _("Subject"), _("Exam point"), _("Exam point name"), _("Room"),
            _("School"), _("School name"), *_metrics(), *_incidents()]


def level_labels() -> dict[str, str]:
    """Each level's label in the current language (a season is ~10,000 rows: each label made once)."""
    return {k: _(v) for k, v in LEVELS.items()}


def flat_row(r: dict, names: Names, levels: dict[str, str], labels: dict[str, str]) -> list:
    """One report row as a line of the every-level table; ``labels`` keeps the dates' labels made so far."""
    d = r["day"]
    if d and d not in labels:
        labels[d] = day_label(d)
    return [levels[r["level"]], labels[d] if d else "", r["subject"], r.get("subject_title", ""), r["ppe"],
            names.ppe(r["ppe"], r.get("ppe_name", "")) if r["ppe"] else "", r["room"], r["school"],
            names.school(r["school"]), *_vals(r), *_inc(r)]


def flat_table(rep: dict, names: Names) -> Table:
    """Every level in one table (what /monitoring.csv gives without ?table=)."""
    levels, labels = level_labels(), {}
    rows = [flat_row(r, names, levels, labels) for level in ("period", "dates", "days", "ppes", "rooms", "schools")
            for r in ([rep[level]] if level == "period" else rep[level])]
    return Table("all", _("All levels"), flat_head(), rows)


def monitoring_tables(rep: dict, names: Names) -> list[Table]:
    """The tables of the page, in its order; ``key`` is what ``?table=`` asks for."""
    m = _metrics()
    dates = Table("dates", _("By date"), [_("Date"), _("Subjects"), *m],
                  [[day_label(r["date"]), ", ".join(r["subjects"]), *_vals(r)] for r in rep["dates"]])
    dates.rows.append([_("Whole period"), "", *_vals(rep["period"])])
    days = Table("days", _("By date and subject"), [_("Date"), _("Subject code"), _("Subject"), *m],
                 [[day_label(r["day"]), r["subject"], r["subject_title"], *_vals(r)] for r in rep["days"]])
    ppes = Table("ppes", _("By exam point"),
                 [_("Date"), _("Subject code"), _("Exam point"), _("Exam point name"), _("Last sync"),
                  _("Papers printed"), _("Papers back"), *m],
                 [[day_label(r["day"]), r["subject"], r["ppe"], names.ppe(r["ppe"], r.get("ppe_name", "")),
                   r.get("last_sync", ""), r.get("papers_printed", 0), r.get("papers_returned", 0), *_vals(r)]
                  for r in rep["ppes"]])
    schools = Table("schools", _("By school"), [_("Date"), _("Subject code"), _("School"), _("School name"), *m],
                    [school_line(r, names) for r in rep["schools"]])
    rooms = Table("rooms", _("By room"), [_("Date"), _("Subject code"), _("Exam point"), _("Room"), _("Phase"), *m],
                  [room_line(r) for r in rep["rooms"]])
    incidents = Table("incidents", _("Incidents by kind"), [_("Date"), _("Subject code"), _("Exam point"),
                                                             *_incidents()],
                      [[day_label(r["day"]), r["subject"], r["ppe"], *_inc(r)] for r in rep["ppes"]])
    return [dates, days, ppes, schools, rooms, incidents]


def school_line(r: dict, names: Names) -> list:
    """A school row as a line of the by-school table."""
    return [day_label(r["day"]), r["subject"], r["school"], names.school(r["school"]), *_vals(r)]


def room_line(r: dict) -> list:
    """A room row as a line of the by-room table."""
    return [day_label(r["day"]), r["subject"], r["ppe"], r["room"], phase_title(r["phase"]), *_vals(r)]
