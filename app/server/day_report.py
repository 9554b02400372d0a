"""A printable report of one exam date's conduct figures (PDF, Russian by default).

What an official hands on or files after the exam date: every subject of the date, each exam point's
figures with its last sync, the incidents by kind, the schools — the same numbers as the monitoring
page (``monitoring.report``), percentages beside the counts, names beside the codes. Painted with Qt's
QTextDocument on a QPdfWriter like the annual results report (QtGui only, no widgets).
"""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.i18n import N_

SHOWN = ("assigned", "present", "absent", "unmarked", "in_room", "late", "removed", "finished_early", "exits",
         "exit_minutes", "extra_sheets", "corrections", "appeals", "incidents")
PCT_OF_ASSIGNED = ("present", "absent", "unmarked")
# Column heads short enough for A4 landscape (the legend under the title spells each one out)
SHORT = {"assigned": N_("Assig."), "present": N_("Pres."), "absent": N_("Abs."), "unmarked": N_("Unm."),
         "in_room": N_("In room"), "late": N_("Late"), "removed": N_("Rem."), "finished_early": N_("Early"),
         "exits": N_("Exits"), "exit_minutes": N_("Min. out"), "extra_sheets": N_("Extra sh."),
         "corrections": N_("Corr."), "appeals": N_("Appeals"), "incidents": N_("Inc.")}
METRIC_W = 5  # % of the page width per figure column: 14 columns leave 30 % for the names


def _e(x: Any) -> str:
    return html.escape(str(x))


def _cells(r: dict[str, Any]) -> str:
    from app.server.texts import num

    out = []
    for k in SHOWN:
        v = r.get(k, 0) or 0
        text = num(v)
        if k in PCT_OF_ASSIGNED and r.get("assigned"):
            text += f"<br><font size='1' color='#566573'>{round(100 * v / r['assigned'])}&nbsp;%</font>"
        out.append(f"<td align='right' width='{METRIC_W}%'>{text}</td>")
    return "".join(out)


def _bar(r: dict[str, Any]) -> str:
    """Present / absent / unmarked of the assigned as one stacked bar (a table: QTextDocument has no SVG)."""
    n = r.get("assigned") or 0
    if not n:
        return ""
    parts = [(r.get("present", 0), "#2f6db5"), (r.get("absent", 0), "#c0392b"), (r.get("unmarked", 0), "#e08e0b")]
    cells = "".join(f"<td bgcolor='{c}' width='{max(1, round(100 * v / n))}%'>&nbsp;</td>" for v, c in parts if v)
    return f"<table cellspacing='0' cellpadding='0' width='100%'><tr>{cells}</tr></table>"


def day_html(rep: dict[str, Any], date: str, names, generated: str) -> str:
    from app.i18n import _
    from app.server.monitoring import INCIDENT_KINDS, METRICS
    from app.server.texts import day_label, kind_title, utc_label

    titles = dict(METRICS)
    head = "".join(f"<th width='{METRIC_W}%'>{_e(_(SHORT[k]))}</th>" for k in SHOWN)
    legend = "; ".join(f"{_(SHORT[k])} — {_(titles[k]).lower()}" for k in SHOWN)
    out = [f"<h1>{_e(_('Conduct of the exam on {date}').format(date=day_label(date)))}</h1>",
           f"<p>{_e(_('Figures of the municipal server as recorded by the exam points, made {when} UTC.').format(when=generated))} "
           f"{_e(_('Percentages are of the participants assigned.'))}</p>",
           f"<p><font size='1' color='#566573'>{_e(legend)}.</font></p>"]
    if rep["filters"].get("ppe"):
        out.append(f"<p>{_e(_('Exam point'))}: {_e(rep['filters']['ppe'])} {_e(names.ppe(rep['filters']['ppe']))}</p>")
    out.append(f"<h2>{_e(_('By subject'))}</h2>")
    rows = "".join(f"<tr><td>{_e(r['subject'])} {_e(_(r['subject_title']))}</td><td width='14%'>{_bar(r)}</td>"
                   f"{_cells(r)}</tr>" for r in rep["days"])
    total = rep["period"]
    rows += (f"<tr><td><b>{_e(_('All subjects of the date'))}</b></td><td>{_bar(total)}</td>"
             f"{_cells(total).replace('<td', '<td bgcolor=#f1f4f8')}</tr>")
    out.append(f"<table border='1' cellspacing='0' cellpadding='2' width='100%'><thead><tr><th width='16%'>"
               f"{_e(_('Subject'))}</th><th></th>{head}</tr></thead>{rows}</table>")
    out.append(f"<p><font color='#2f6db5'>■</font> {_e(_('Present'))} &nbsp; <font color='#c0392b'>■</font> "
               f"{_e(_('Absent'))} &nbsp; <font color='#e08e0b'>■</font> {_e(_('Unmarked'))}</p>")
    out.append(f"<h2>{_e(_('By exam point'))}</h2>")
    rows = "".join(
        f"<tr><td width='16%'>{_e(r['ppe'])} <font size='1'>{_e(names.ppe(r['ppe'], r.get('ppe_name', '')))}</font></td>"
        f"<td width='4%'>{_e(r['subject'])}</td><td width='7%'>{_e(utc_label(r.get('last_sync', ''), r.get('tz', 'UTC')))}"
        f"{' ⚠' if r.get('silent') else ''}</td><td align='right' width='4%'>{r.get('papers_returned', 0)} / "
        f"{r.get('papers_printed', 0)}</td>{_cells(r)}</tr>" for r in rep["ppes"])
    out.append(f"<table border='1' cellspacing='0' cellpadding='2' width='100%'><thead><tr><th>{_e(_('Exam point'))}</th>"
               f"<th>{_e(_('Subj.'))}</th><th>{_e(_('Synced'))}</th><th>{_e(_('Papers'))}</th>"
               f"{head}</tr></thead>{rows}</table>")
    kinds = [k for k in INCIDENT_KINDS if any(r["incidents_by_kind"].get(k) for r in rep["ppes"])]
    out.append(f"<h2>{_e(_('Incidents by kind'))}</h2>")
    if kinds:
        rows = "".join(f"<tr><td>{_e(r['ppe'])}</td><td>{_e(r['subject'])}</td>" +
                       "".join(f"<td align='right'>{r['incidents_by_kind'].get(k, 0)}</td>" for k in kinds) + "</tr>"
                       for r in rep["ppes"])
        out.append(f"<table border='1' cellspacing='0' cellpadding='2'><tr><th>{_e(_('Exam point'))}</th>"
                   f"<th>{_e(_('Subject code'))}</th>" + "".join(f"<th>{_e(kind_title(k))}</th>" for k in kinds) +
                   f"</tr>{rows}</table>")
    else:
        out.append(f"<p>{_e(_('No incidents recorded.'))}</p>")
    out.append(f"<h2>{_e(_('By school'))}</h2>")
    rows = "".join(f"<tr><td width='26%'>{_e(r['school'])} <font size='1'>{_e(names.school(r['school']))}</font></td>"
                   f"<td width='4%'>{_e(r['subject'])}</td>{_cells(r)}</tr>" for r in rep["schools"])
    out.append(f"<table border='1' cellspacing='0' cellpadding='2' width='100%'><thead><tr><th>{_e(_('School'))}</th>"
               f"<th>{_e(_('Subj.'))}</th>{head}</tr></thead>{rows}</table>")
    return ("<html><head><style>th { font-size: 6.5pt; background-color: #e9eef4; } td { font-size: 7.5pt; }</style>"
            "</head><body style='font-family: DejaVu Sans; font-size: 8pt'>" + "".join(out) + "</body></html>")


def write_day_report(engine, date: str, out: str | Path, ppe: str | None = None,
                     allowed: frozenset[str] | None = None, lang: str = "ru") -> Path:
    """The report of one exam date (every subject; one exam point with ``ppe``) as a PDF file."""
    from app.i18n import language
    from app.server.ingest import Rejected
    from app.server.monitoring import period_filters, report
    from app.server.names import load_names

    try:
        filters = period_filters(day=date, ppe=ppe)
    except Rejected as e:
        raise UserError(e.reason) from None
    if len(date) != 10:
        raise UserError(f"--date {date!r}: expected a date YYYY-MM-DD")
    rep = report(engine, day=filters["day"], ppe=filters["ppe"], allowed=allowed)
    if not rep["days"]:
        raise UserError(f"no exam data for {date}" + (f" at exam point {ppe}" if ppe else ""))
    names = load_names(engine)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    _app = QGuiApplication.instance() or QGuiApplication([])
    generated = datetime.now(UTC).strftime("%d.%m.%Y %H:%M")
    with language(lang):
        body = day_html(rep, date, names, generated)
        from app.i18n import _
        from app.server.texts import day_label

        title = _("Conduct of the exam on {date}").format(date=day_label(date))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(out))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter))
    writer.setTitle(title)
    writer.setCreator("Auditoria")
    doc = QTextDocument()
    doc.setHtml(body)
    doc.print_(writer)
    return out
