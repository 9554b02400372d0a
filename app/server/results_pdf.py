"""The annual analytical report of results beside the conduct of the exam, as a printable PDF.

Russian, one section per subject: the municipality, each school (change from the year before, conduct
per 100 participants), bars of the mean score, and the flags in words. ``public`` makes the version for
parents and the press: no cell under five participants, no participant codes (there are none in any view).
Painted with Qt's QTextDocument on a QPdfWriter (QtGui only, no widgets).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from app.server.results_figures import CONDUCT, results_report

CONDUCT_TITLES = {"removed": "удалено", "finished_early": "досрочно", "exits": "выходов", "exit_minutes": "минут вне",
                  "extra_sheets": "доп. бланков", "incidents": "нешт. ситуаций", "appeals": "апелляций"}


def _pct(v) -> str:
    return "—" if v is None else f"{100 * v:.1f}".replace(".", ",") + "\u00a0%"


def _num(v) -> str:
    return "—" if v is None else str(v).replace(".", ",")


def report_html(rep: dict[str, Any], subject_titles: dict[str, str]) -> str:
    kind = "открытая версия" if rep["public"] else "для служебного пользования"
    out = [f"<h1>Результаты ЕГЭ и ход экзамена, {rep['year']} год</h1>",
           f"<p>Аналитический отчёт муниципалитета ({kind}). Показатели по ОО рядом с показателями проведения "
           f"экзамена на 100 участников; отметки — повод посмотреть внимательнее, а не вывод.</p>"]
    if rep.get("demo"):
        out.append("<p><b>ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ: баллы сгенерированы, это не результаты экзамена.</b></p>")
    if rep["public"]:
        out.append(f"<p>Показатели по группам менее {rep['small_cell']} участников не приводятся.</p>")
    for s in rep["subjects"]:
        m = s["municipality"]
        out.append(f"<h2>{html.escape(s['code'])} {html.escape(subject_titles.get(s['code'], ''))}</h2>")
        out.append(f"<p>Муниципалитет: участников {m['participants']}, средний балл {_num(m['mean'])}, медиана "
                   f"{_num(m['median'])}, ниже минимума ({s['scale']['minimum']}) {_pct(m['below_minimum'])}, "
                   f"81–99 баллов {_pct(m['high_81_99'])}, 100 баллов {_pct(m['top_100'])}.</p>")
        if s.get("region"):
            r = s["region"]
            gap = r.get("mean_gap")
            out.append(f"<p>Регион (справочные данные, {html.escape(r['source'])}): участников {r['participants']}, "
                       f"средний балл {_num(r['mean'])}, медиана {_num(r['median'])}, ниже минимума "
                       f"{_pct(r['below_minimum'])}, 81–99 баллов {_pct(r['high_81_99'])}, 100 баллов "
                       f"{_pct(r['top_100'])}"
                       + ("" if gap is None else f"; муниципалитет {'выше' if gap >= 0 else 'ниже'} региона "
                          f"на {_num(abs(gap))} балла по среднему") + ".</p>")
        widths = {"ОО": " width='6%'"}
        head = "".join(f"<th{widths.get(t, '')}>{t}</th>" for t in ("ОО", "участников", "средний", "медиана",
                                                                    "ниже мин.", "81–99", "100", "за год",
                                                                    "средний балл"))
        head += "".join(f"<th>{CONDUCT_TITLES[k]}</th>" for k in CONDUCT)
        rows = []
        top = max([c["mean"] for c in s["schools"] if isinstance(c.get("mean"), (int, float))] or [1])
        for c in s["schools"]:
            ch = c.get("change") or {}
            w = max(2, int(100 * c["mean"] / top)) if isinstance(c.get("mean"), (int, float)) else 0
            # Qt ignores a nested table's own width: the bar is a filled cell beside an empty one
            bar = "" if not w else \
                f"<table cellspacing='0' cellpadding='0' width='100%'><tr><td bgcolor='#4a78b0' width='{w}%'>" \
                f"&nbsp;</td>{f'<td width={100 - w}%></td>' if w < 100 else ''}</tr></table>"
            cond = c.get("conduct_per_100") or {}
            rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in (
                html.escape(c["school"]), c["participants"], _num(c["mean"]), _num(c["median"]),
                _pct(c["below_minimum"]), _pct(c["high_81_99"]), _pct(c["top_100"]),
                _num(ch.get("mean")) if ch else "—", bar)) +
                "".join(f"<td>{_num(cond.get(k))}</td>" for k in CONDUCT) + "</tr>")
        out.append(f"<table border='1' cellspacing='0' cellpadding='3' width='100%'><tr>{head}</tr>{''.join(rows)}</table>")
        if s["flags"]:
            out.append("<p><b>Стоит посмотреть внимательнее:</b></p><ul>" +
                       "".join(f"<li>{html.escape(f['text'])}</li>" for f in s["flags"]) + "</ul>")
    # column heads a size smaller, so no head breaks inside a word on A4 landscape
    return ("<html><head><style>th { font-size: 6.5pt; background-color: #e9eef4; } td { font-size: 8pt; }</style></head>"
            "<body style='font-family: DejaVu Sans; font-size: 9pt'>" + "".join(out) + "</body></html>")


def write_report(engine, year: int, out: str | Path, subject: str | None = None, public: bool = False,
                 municipality: str | None = None) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    from app.domain.reference import load_reference
    from app.i18n import set_language

    set_language("ru")
    _app = QGuiApplication.instance() or QGuiApplication([])
    rep = results_report(engine, year, subject=subject, public=public, municipality=municipality)
    titles = {c: s.title for c, s in load_reference(year).subjects.items()}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(out))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))
    writer.setTitle(f"Результаты ЕГЭ {year}")
    doc = QTextDocument()
    doc.setHtml(report_html(rep, titles))
    doc.print_(writer)
    del _app
    return out
