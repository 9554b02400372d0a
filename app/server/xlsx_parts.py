"""A workbook written from rows already encoded as sheet XML, for the whole-period monitoring export.

Why: openpyxl builds every cell as an object and writes it through its XML layer: a season's ~10,000
rows × 20 cells took 5–7 s under ingest (issue 13), far over the pages' 300 ms. The tables of a season
are the same rows request after request except today's, so each part's rows are encoded once, as the
``<row>`` elements of its sheet (``rows_xml``; no row or cell references, which SpreadsheetML makes
optional: a row's place is its order), kept with the part (app.server.whole_report), and a request only
joins them and compresses. The sheets look as ``tables.xlsx_bytes`` makes them: one per table, its
title the table's, the header row bold and frozen, numbers as numbers, text as text.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0 at all

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" '
         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            '<Relationship Id="rIdStyles" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>')
_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
               'state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _text(v: str) -> str:
    return '<c t="inlineStr"><is><t xml:space="preserve">' + escape(_BAD.sub("", v)) + "</t></is></c>"


def _cell(v) -> str:
    if v is None or v == "":
        return "<c/>"  # as openpyxl writes an empty text: no value
    if isinstance(v, bool):
        return f'<c t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        return f"<c><v>{v!r}</v></c>"
    return _text(v if isinstance(v, str) else str(v))


def rows_xml(rows: list[list]) -> bytes:
    """Rows as the ``<row>`` elements of a sheet's data (what a part keeps)."""
    return "".join("<row>" + "".join(_cell(v) for v in r) + "</row>" for r in rows).encode("utf-8")


def head_xml(head: list[str]) -> bytes:
    """The header row, bold (style 1)."""
    return ("<row>" + "".join(_text(v).replace("<c ", '<c s="1" ', 1) for v in head) + "</row>").encode("utf-8")


def workbook(sheets: list[tuple[str, list[str], list[bytes]]]) -> bytes:
    """The workbook of ``(title, header, row XML pieces)`` sheets, in order (titles made valid and unique as
    ``tables.xlsx_bytes`` makes them). Compressed at deflate level 1: several times faster than the default
    for a few megabytes of XML, and a season's file stays under a megabyte."""
    from app.server.tables import _sheet_title

    used: set[str] = set()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        n = len(sheets)
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(n))))
        z.writestr("_rels/.rels", _RELS)
        names = "".join(f'<sheet name="{escape(_sheet_title(title, used), {chr(34): "&quot;"})}" sheetId="{i + 1}" '
                        f'r:id="rId{i + 1}"/>' for i, (title, _h, _r) in enumerate(sheets))
        z.writestr("xl/workbook.xml", _WORKBOOK.format(sheets=names))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.format(rels="".join(
            f'<Relationship Id="rId{i + 1}" '
            f'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(n))))
        z.writestr("xl/styles.xml", _STYLES)
        for i, (_title, head, pieces) in enumerate(sheets):
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w") as f:
                f.write(_SHEET_HEAD.encode("utf-8"))
                f.write(head_xml(head))
                for p in pieces:
                    f.write(p)
                f.write(_SHEET_TAIL.encode("utf-8"))
    return buf.getvalue()
