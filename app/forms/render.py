"""Paint documents on A4 pages with QPainter (QPdfWriter for PDF, QPrinter for paper).

Pages are painted here, not by QTextDocument, so margins, the header on every page, the
footer «стр. x из y» and the QR are where the layout puts them. Layout runs first (it only
measures), so the page count is known before the first page is painted.
Units: the painter is scaled so that one unit is 0.1 mm; the helpers take millimetres.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QLineF, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGlyphRun,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QRawFont,
    QTextLayout,
    QTextOption,
)

from app.forms.document import Document
from app.paths import resources_dir

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 14.0, 10.0, 9.0, 12.0
CONTENT_W = PAGE_W - LEFT - RIGHT
HEADER_H = 45.0
QR_MM = 36.0  # square incl. quiet zone; the symbol itself is ~32 mm (readable printed at 3–4 cm)
U = 10.0  # painter units per millimetre
PT = 0.352778  # millimetres per typographic point
# Alignment flags as plain ints: combining Qt enums in Python costs more than drawing the text.
A_L, A_R = int(Qt.AlignmentFlag.AlignLeft), int(Qt.AlignmentFlag.AlignRight)
A_HC = int(Qt.AlignmentFlag.AlignHCenter)
A_T, A_VC = int(Qt.AlignmentFlag.AlignTop), int(Qt.AlignmentFlag.AlignVCenter)
A_C = A_HC | A_VC
WRAP = int(Qt.TextFlag.TextWordWrap)
ZERO = QPointF(0, 0)
BLACK = Qt.GlobalColor.black  # enum member lookups cost more than the drawing call that takes them
HEAD_FILL = QColor(238, 238, 238)  # a table's header cells

_app = None
_family: str | None = None
FALLBACK_FAMILY = "DejaVu Sans"
# Fonts in resources/fonts/: the subset first (tools/subset_fonts.py; cheap to embed), then the
# full DejaVu Sans it was cut from, which Qt uses only for a character the subset lacks.
FONT_FILES = ("AuditoriaSans.ttf", "AuditoriaSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def ensure_gui() -> str:
    """A QGuiApplication (painting text needs one) and the bundled fonts; returns the family printed."""
    global _app, _family
    if QGuiApplication.instance() is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QGuiApplication(sys.argv[:1])
    if _family is None:
        fams: list[str] = []
        for name in FONT_FILES:
            fid = QFontDatabase.addApplicationFont(str(resources_dir() / "fonts" / name))
            if fid >= 0:
                fams += QFontDatabase.applicationFontFamilies(fid)
        _family = fams[0] if fams else FALLBACK_FAMILY
    return _family


_fonts: dict[tuple[float, bool], QFont] = {}


def font(size_pt: float, bold: bool = False) -> QFont:
    key = (size_pt, bold)
    f = _fonts.get(key)
    if f is None:
        fam = _family or ensure_gui()
        f = QFont(fam)
        if fam != FALLBACK_FAMILY:
            f.setFamilies([fam, FALLBACK_FAMILY])
        f.setPixelSize(max(1, round(size_pt * PT * U)))
        f.setBold(bold)
        f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        f.setKerning(True)
        _fonts[key] = f
    return f


_metrics: dict[tuple[float, bool], QFontMetricsF] = {}
_raw_local = threading.local()


def raw_font(size_pt: float) -> QRawFont:
    """The regular font as a QRawFont (glyph runs for boxed characters).

    Cached per thread: Qt's font engines live in a per-thread cache, so a QRawFont made on a
    print worker dangles once that thread ends (it crashed the next print on the GUI thread)."""
    cache = getattr(_raw_local, "fonts", None)
    if cache is None:
        cache = _raw_local.fonts = {}
    f = cache.get(size_pt)
    if f is None:
        f = cache[size_pt] = QRawFont.fromFont(font(size_pt))
    return f
def metrics(size_pt: float, bold: bool = False) -> QFontMetricsF:
    key = (size_pt, bold)
    m = _metrics.get(key)
    if m is None:
        m = _metrics[key] = QFontMetricsF(font(size_pt, bold))
    return m


def wrap_lines(text: str, width_mm: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap into lines no wider than width (so each can sit on a ruled line)."""
    fm = metrics(size, bold)
    limit = width_mm * U
    out: list[str] = []
    for para in text.splitlines() or [""]:
        cur = ""
        for word in para.split():
            trial = f"{cur} {word}" if cur else word
            if fm.horizontalAdvance(trial) <= limit or not cur:
                cur = trial
            else:
                out.append(cur)
                cur = word
        out.append(cur)
    return out


@lru_cache(maxsize=8192)
def text_height(text: str, width_mm: float, size: float, bold: bool = False) -> float:
    """Height in mm of text wrapped to a width."""
    if not text:
        return metrics(size, bold).height() / U
    r = metrics(size, bold).boundingRect(QRectF(0, 0, width_mm * U, 1e6),
                                         WRAP | A_L, text)
    return r.height() / U


_runs_local = threading.local()
_H_MASK = A_L | A_R | A_HC


def text_runs(s: str, w: float, h: float, size: float, bold: bool, align: int, force: bool = False,
              wrap: bool = True) -> list[QGlyphRun] | None:
    """Text wrapped at words into a w × h box (painter units), as glyph runs placed from its top left.

    What ``QPainter.drawText(rect, flags | TextWordWrap, s)`` paints (its line breaking, leading and
    whole-unit line positions, per-line horizontal and whole-block vertical alignment), laid out
    once: a form's labels and column titles repeat on every page and in every room, and painting a
    ready glyph run skips Qt's text layout, the largest part of a text call in the PDF engine. The
    PDF's ToUnicode map is made from the font, so the text reads back the same.
    Laying out costs about one text call and painting the runs 0.4 of one (measured), so a text
    is laid out only the second time it is seen; the first time this returns None (paint it with
    drawText), unless ``force`` (a layer that is itself cached, such as the header's labels). ``wrap``
    False: one line as drawText without TextWordWrap (the footer). Cached per thread (glyph runs
    hold a QRawFont, whose engine belongs to the thread)."""
    cache = getattr(_runs_local, "cache", None)
    if cache is None:
        cache = _runs_local.cache = {}
        _runs_local.seen = set()
    key = (s, w, h, size, bold, align, wrap)
    hit = cache.get(key)
    if hit is not None:
        return hit
    seen = _runs_local.seen
    if not force and key not in seen:
        if len(seen) > 50000:
            seen.clear()
        seen.add(key)
        return None
    f = font(size, bold)
    layout = QTextLayout(s, f)
    opt = QTextOption()
    opt.setWrapMode(QTextOption.WrapMode.WordWrap if wrap else QTextOption.WrapMode.ManualWrap)
    layout.setTextOption(opt)
    leading = metrics(size, bold).leading()
    hal = align & _H_MASK
    height = 0.0
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(w)
        height = math.ceil(height + leading)  # as qt_format_text: lines on whole units
        adv = line.horizontalAdvance()
        xoff = w - adv if hal & A_R else (w - adv) / 2 if hal & A_HC else 0.0
        line.setPosition(QPointF(xoff, height))
        height += line.ascent() + line.descent()  # unrounded, as qt_format_text (QTextLine.height() is ceiled)
    layout.endLayout()
    yoff = (h - height) / 2 if align & A_VC else 0.0
    runs = layout.glyphRuns()
    if yoff:
        for run in runs:
            run.setPositions([QPointF(pt.x(), pt.y() + yoff) for pt in run.positions()])
    if len(cache) > 20000:
        cache.clear()
    cache[key] = runs
    return runs


def r(x: float, y: float, w: float, h: float) -> QRectF:
    return QRectF(x * U, y * U, w * U, h * U)


Op = Callable[[QPainter], None]


@dataclass
class Stamp:
    """What a print run adds to every document: who printed it, when, and the signed QR text."""

    station: str
    printed: str  # local "dd.mm.yyyy hh:mm"
    qr_text: dict[str, str]  # doc_id -> QR text


def fmt(v: Any) -> str:
    if v is None or v is False:
        return ""
    if v is True:
        return "X"
    return str(v)


class Pager:
    """Lays out one copy of a document into pages of drawing operations."""

    def __init__(self, doc: Document | None, copy_label: str = "", merge: bool = False, force: bool = False):
        self.doc = doc
        self.copy = copy_label
        self.merge = merge
        self.force = force or merge
        self.pages: list[list[Op]] = []
        self.strokes: list[dict[float, tuple[list[QRectF], list[QLineF]]]] = []
        self.runs: list[list[tuple[QPointF, list[QGlyphRun]]]] = []
        self.fills: list[dict[tuple[int, float], list[QRectF]]] = []
        self.y = 0.0
        self.bottom = PAGE_H - BOTTOM - 6
        self.new_page()

    @classmethod
    def layer(cls, merge: bool = True) -> Pager:
        """A one-page recorder for page furniture (header, footer): its black texts are always glyph
        runs (a text is painted the same way in every process, whatever it has seen before), and with
        ``merge`` one run a font when it is finished (``finish``)."""
        return cls(None, "", merge, force=True)

    def finish(self) -> list[Op]:
        """The recorded page as drawing operations: texts, then the batched strokes."""
        self.flush_strokes()
        return self.pages[0]

    # --- pages ------------------------------------------------------------------------------
    def new_page(self) -> None:
        self.pages.append([])
        self.strokes.append({})
        self.runs.append([])
        self.fills.append({})
        self.y = TOP + HEADER_H + 2

    def ensure(self, h: float) -> bool:
        """Start a new page unless h mm fit; True if a page was started."""
        if self.y + h > self.bottom and self.y > TOP + HEADER_H + 3:
            self.new_page()
            return True
        return False

    def op(self, fn: Op) -> None:
        if self.runs[-1] and not self.merge:
            self._flush_runs(-1)
        self.pages[-1].append(fn)

    def _flush_runs(self, page: int) -> None:
        """The glyph runs placed since the last other operation, as one operation (the content stream
        keeps the order of the layout, which is the order a PDF's text is read back in)."""
        self.pages[page].append(_placed_op(self.runs[page]))
        self.runs[page] = []

    def text(self, x: float, y: float, w: float, h: float, s: str, size: float, bold: bool = False,
             align: int = A_L | A_T, color: QColor | None = None, wrap: bool = True) -> None:
        if not s or s.isspace():  # an empty cell paints nothing; a call costs ~8 µs in the PDF engine
            return
        pen = color or BLACK
        runs = text_runs(s, w * U, h * U, size, bold, align, force=self.force and color is None, wrap=wrap)
        if runs is not None and color is None:  # black glyph runs: painted together (_flush_runs)
            self.runs[-1].append((QPointF(x * U, y * U), runs))
            return
        if runs is None:  # seen for the first time: most such texts (names, codes, times) never repeat
            f = font(size, bold)
            flags = align | (WRAP if wrap else 0)
            rect = r(x, y, w, h)

            def draw_text(p: QPainter) -> None:
                p.setFont(f)
                p.setPen(pen)
                p.drawText(rect, flags, s)
            self.op(draw_text)
            return
        origin = QPointF(x * U, y * U)

        def draw(p: QPainter) -> None:
            p.setPen(pen)
            for run in runs:
                p.drawGlyphRun(origin, run)
        self.op(draw)

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.2) -> None:
        self.strokes[-1].setdefault(width, ([], []))[1].append(QLineF(x1 * U, y1 * U, x2 * U, y2 * U))

    def box(self, x: float, y: float, w: float, h: float, width: float = 0.2, color: QColor | None = None,
            fill: QColor | None = None) -> None:
        rect = r(x, y, w, h)
        if color is None and fill is None:  # plain borders are drawn in one batch per page
            self.strokes[-1].setdefault(width, ([], []))[0].append(rect)
            return
        if color is None:  # filled (a table's header cells): one batch per page, under everything else
            self.fills[-1].setdefault((fill.rgba(), width), []).append(rect)
            return

        def draw(p: QPainter) -> None:
            p.setPen(QPen(color or Qt.GlobalColor.black, width * U))
            p.setBrush(QBrush(fill) if fill else Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            p.setBrush(Qt.BrushStyle.NoBrush)
        self.op(draw)

    def cells(self, x: float, y: float, groups: list[int], value: str, cw: float = 4.6, ch: float = 6.0,
              sep: str = "", size: float = 10, frame: bool = True) -> float:
        """One character per box (МАШ style); returns the width used (whatever the value).

        The characters go out as one glyph run with a position per glyph (centred in its box), not
        one text call per box: the header and the МАШ tables are mostly such cells, and a text call
        costs ~8 µs in the PDF engine whatever its length. ``frame`` False: the characters only,
        without the boxes and separators (the header's values over its cached frame)."""
        n_chars = len(value)
        i = 0
        cx = x
        raw = raw_font(size) if value else None
        placed: list[tuple[str, float]] = []
        # the boxes straight into the page's batch of 0.25 mm borders (a method call a box cost more)
        rects = self.strokes[-1].setdefault(0.25, ([], []))[0] if frame else None
        yu, cwu, chu = y * U, cw * U, ch * U
        for gi, n in enumerate(groups):
            if gi and sep:
                if frame:
                    self.text(cx, y, 2.4, ch, sep, size, True, A_C)
                cx += 2.4
            for _ in range(n):
                if rects is not None:
                    rects.append(QRectF(cx * U, yu, cwu, chu))
                if i < n_chars:
                    c = value[i]
                    if raw.supportsCharacter(c):
                        placed.append((c, cx))
                    else:
                        self.text(cx, y, cw, ch, c, size, False, A_C)
                i += 1
                cx += cw
        if placed:
            self.glyphs(placed, y, cw, ch, size)
        return cx - x

    def glyphs(self, placed: list[tuple[str, float]], y: float, cw: float, ch: float, size: float) -> None:
        """Characters each centred in a box of width cw starting at its x, in one QGlyphRun."""
        raw = raw_font(size)
        text = "".join(c for c, _ in placed)
        ids = raw.glyphIndexesForString(text)
        advances = raw.advancesForGlyphIndexes(ids)
        base = (y + ch / 2) * U + (raw.ascent() - raw.descent()) / 2
        pos = [QPointF((x + cw / 2) * U - a.x() / 2, base) for (_, x), a in zip(placed, advances, strict=True)]
        run = QGlyphRun()
        run.setRawFont(raw)
        run.setGlyphIndexes(ids)
        run.setPositions(pos)
        self.runs[-1].append((ZERO, [run]))

    # --- first-page blocks ----------------------------------------------------------------------
    def title(self) -> None:
        d = self.doc
        h = text_height(d.title, CONTENT_W - 10, 12, True)
        self.text(LEFT + 5, self.y, CONTENT_W - 10, h + 1, d.title, 12, True, A_HC)
        self.y += h + 1.5
        sub = d.layout.get("subtitle")
        if sub:
            h = text_height(sub, CONTENT_W, 9)
            self.text(LEFT, self.y, CONTENT_W, h, sub, 9, False, A_HC)
            self.y += h + 1
        self.y += 2

    def mash_note(self) -> None:
        """One small line on a МАШ form: what this filled print is for (RCOI reads the official blank)."""
        note = self.doc.layout.get("mash_note")
        if not note:
            return
        h = text_height(note, CONTENT_W, 6.5)
        self.text(LEFT, self.y - 1, CONTENT_W, h, note, 6.5, False, A_HC)
        self.y += h + 1

    # --- layout blocks ------------------------------------------------------------------------
    def block(self, b: dict[str, Any]) -> None:
        getattr(self, "b_" + b["type"])(b)

    def b_problems(self, b) -> None:
        pass  # disagreements are shown on screen before printing (api.discrepancies), never on the paper

    def b_text(self, b) -> None:
        s = str(b["text"]).format(**{k: fmt(v) for k, v in self.doc.fields.items()})
        size = float(b.get("font", 9.5))
        h = text_height(s, CONTENT_W, size)
        self.ensure(h)
        self.text(LEFT, self.y, CONTENT_W, h + 0.5, s, size)
        self.y += h + 3

    def b_fields(self, b) -> None:
        cols = int(b.get("columns", 1))
        cw = CONTENT_W / cols
        size = float(b.get("font", 9.5))
        items = b["items"]
        for i in range(0, len(items), cols):
            row = items[i:i + cols]
            hs = []
            for it in row:
                val = self._val(it)
                lw = min(metrics(size).horizontalAdvance(it["label"] + ": ") / U + 1, cw * 0.6)
                hs.append(max(text_height(it["label"] + ":", lw, size), text_height(val, cw - lw - 3, size, True)))
            h = max(hs + [6.0]) + 1
            self.ensure(h)
            for j, it in enumerate(row):
                x = LEFT + j * cw
                lw = min(metrics(size).horizontalAdvance(it["label"] + ": ") / U + 1, cw * 0.6)
                self.text(x, self.y, lw, h, it["label"] + ":", size)
                if "cells" in it:
                    self.cells(x + lw + 1, self.y - 0.5, [int(it["cells"])], "")
                    continue
                self.text(x + lw + 1, self.y, cw - lw - 3, h, self._val(it), size, True)
                self.line(x + lw + 1, self.y + h - 0.8, x + cw - 2, self.y + h - 0.8, 0.15)
            self.y += h + 1
        self.y += 2

    def _val(self, it) -> str:
        v = fmt(self.doc.value(it["key"])) if it.get("key") else ""
        if it.get("key2"):
            v2 = fmt(self.doc.value(it["key2"]))
            v = f"{v} / {v2}" if v2 else v
        return v

    def grid_rows(self, b, label_w: float, size: float, pad: float):
        """The block's items in rows of ``columns``, each row as tall as its tallest label (at least 6.5 mm),
        with the page broken before a row that would not fit; yields (items of the row, row height)."""
        cols = int(b.get("columns", 1))
        items = b["items"]
        for i in range(0, len(items), cols):
            row = items[i:i + cols]
            rh = max(6.5, max(text_height(it["label"], label_w, size) for it in row) + pad)
            self.ensure(rh)
            yield row, rh

    def b_counts(self, b) -> None:
        size = float(b.get("font", 9))
        if b.get("title"):
            self.ensure(14)
            self.text(LEFT, self.y, CONTENT_W, 5, b["title"], 10, True)
            self.y += 5.5
        cw = CONTENT_W / int(b.get("columns", 1))
        for row, rh in self.grid_rows(b, cw - 21, size, 1.6):
            for j, it in enumerate(row):
                x = LEFT + j * cw
                self.text(x, self.y + 0.8, cw - 21, rh, it["label"], size)
                self.box(x + cw - 18, self.y, 14, rh - 1, 0.3)
                self.text(x + cw - 18, self.y, 14, rh - 1, fmt(self.doc.value(it["key"])), 10, True,
                          A_C)
            self.y += rh
        self.y += 3

    def b_checkboxes(self, b) -> None:
        size = float(b.get("font", 9))
        if b.get("title"):
            h = text_height(b["title"], CONTENT_W, size, True)
            self.ensure(h + 7)
            self.text(LEFT, self.y, CONTENT_W, h, b["title"], size, True)
            self.y += h + 1.5
        chosen = self.doc.fields.get(b.get("field", ""), None)
        cw = CONTENT_W / int(b.get("columns", 1))
        for row, rh in self.grid_rows(b, cw - 9, size, 1.8):
            for j, it in enumerate(row):
                x = LEFT + j * cw
                self.box(x, self.y + 0.5, 4.5, 4.5, 0.3)
                if chosen is not None and chosen == it.get("value"):
                    self.text(x, self.y + 0.5, 4.5, 4.5, "X", 10, True, A_C)
                self.text(x + 6.5, self.y + 0.8, cw - 9, rh, it["label"], size)
            self.y += rh
        self.y += 2

    def b_checklist(self, b) -> None:
        """Items to answer by hand, each with a box per answer («да» / «нет»)."""
        size = float(b.get("font", 9))
        answers = [str(a) for a in b.get("answers", ["да", "нет"])]
        aw = 14.0
        lw = CONTENT_W - aw * len(answers) - 2
        if b.get("title"):
            self.ensure(14)
            self.text(LEFT, self.y, CONTENT_W, 5, b["title"], 10, True)
            self.y += 5.5
        for n, label in enumerate(b["items"], 1):
            rh = max(6.5, text_height(f"{n}. {label}", lw, size) + 1.6)
            self.ensure(rh)
            self.text(LEFT, self.y + 0.8, lw, rh, f"{n}. {label}", size)
            for k, a in enumerate(answers):
                x = LEFT + lw + 2 + k * aw
                self.box(x, self.y + 0.6, 4.5, 4.5, 0.3)
                self.text(x + 5.5, self.y + 0.8, aw - 6, 5, a, size)
            self.y += rh
        self.y += 3

    def b_lines(self, b) -> None:
        size = float(b.get("font", 9.5))
        label = b["label"]
        val = fmt(self.doc.value(b["key"])) if b.get("key") else ""
        lh = 7.0
        written = wrap_lines(val, CONTENT_W - 2, size, True) if val else []
        need = max(int(b.get("lines", 1)), 1, len(written))
        hl = text_height(label + ":", CONTENT_W, size)
        self.ensure(hl + lh * min(need, 3))
        self.text(LEFT, self.y, CONTENT_W, hl, label + ":", size)
        self.y += hl + 0.5
        for k in range(need):
            if self.ensure(lh):
                self.y += 1
            if k < len(written):  # each written line sits on its own rule, as by hand
                self.text(LEFT + 1, self.y + 1.2, CONTENT_W - 2, lh - 1.2, written[k], size, True)
            self.line(LEFT, self.y + lh - 0.5, LEFT + CONTENT_W, self.y + lh - 0.5, 0.15)
            self.y += lh
        self.y += 3

    def b_signatures(self, b) -> None:
        rows: list[tuple[str, str]] = []
        for it in b["items"]:
            if "names" in it:
                names = self.doc.fields.get(it["names"]) or [""]
                rows += [(it["role"], str(n)) for n in names]
            else:
                rows.append((it["role"], fmt(self.doc.value(it["name"])) if it.get("name") else ""))
        rh = 13.0
        self.ensure(min(len(rows), 3) * rh + 8)
        self.text(LEFT + CONTENT_W - 60, self.y, 60, 5, f"Дата: {self.doc.header.get('date', '')}", 9, False, A_R)
        self.y += 2
        rw, nw = 62.0, 70.0
        for role, name in rows:
            if self.ensure(rh):
                self.y += 2
            self.text(LEFT, self.y + 2, rw - 2, rh - 2, role, 9)
            x2 = LEFT + rw
            self.text(x2, self.y + 1.5, nw, 6, name, 9.5, True, A_HC)
            self.line(x2, self.y + 7, x2 + nw, self.y + 7, 0.2)
            self.text(x2, self.y + 7.3, nw, 4, "(ФИО)", 6.5, False, A_HC)
            x3 = x2 + nw + 6
            self.line(x3, self.y + 7, LEFT + CONTENT_W, self.y + 7, 0.2)
            self.text(x3, self.y + 7.3, LEFT + CONTENT_W - x3, 4, "(подпись)", 6.5, False,
                      A_HC)
            self.y += rh
        self.y += 3

    def b_table(self, b) -> None:
        doc = self.doc
        cols = b["columns"]
        total = sum(float(c["width"]) for c in cols)
        k = CONTENT_W / total
        widths = [float(c["width"]) * k for c in cols]
        xs = [LEFT + sum(widths[:i]) for i in range(len(cols))]
        size = float(b.get("font", 9))
        hsize = float(b.get("head_font", 6.5))
        min_h = float(b.get("row_height", 7))
        rows = list(doc.tables.get(b["table"], []))
        footer = list(doc.tables.get(b.get("footer_table", ""), []))
        pad_to = int(b.get("min_rows", 0))
        if b.get("title"):
            self.ensure(20)
            self.text(LEFT, self.y, CONTENT_W, 5, b["title"], 10, True)
            self.y += 5.5
        head_h = max(text_height(c["title"], w - 1.2, hsize, True) for c, w in zip(cols, widths, strict=True)) + 2

        def header_row() -> None:
            for c, x, w in zip(cols, xs, widths, strict=True):
                self.box(x, self.y, w, head_h, 0.3, fill=HEAD_FILL)
                self.text(x + 0.6, self.y + 1, w - 1.2, head_h - 1, c["title"], hsize, True,
                          A_C)
            self.y += head_h

        self.ensure(head_h + min_h * 2)
        header_row()
        if not rows and not pad_to and b.get("empty"):
            self.box(LEFT, self.y, CONTENT_W, min_h)
            self.text(LEFT + 2, self.y, CONTENT_W - 4, min_h, b["empty"], size, False,
                      A_VC | A_L)
            self.y += min_h
        all_rows = [(row, False) for row in rows] + [({}, False)] * max(0, pad_to - len(rows)) + \
                   [(row, True) for row in footer]
        # Column specs once per table, not per cell: the loops below run for every row of every room.
        specs = []
        for c, x, w in zip(cols, xs, widths, strict=True):
            t = c.get("type", "text")
            specs.append((t, c.get("key"), x, w, float(c.get("font", size)),
                          {"center": A_HC, "right": A_R}.get(c.get("align", ""), A_L) | A_VC,
                          [int(g) for g in c["cells"]] if t == "cells" and "cells" in c else None))
        measured = [(key, w - 1.6, fsize) for t, key, _x, w, fsize, _al, _g in specs if t in ("text", "number")]
        right = LEFT + CONTENT_W
        edges = xs + [right]
        top = self.y

        def grid(bottom: float) -> None:
            """The body's vertical rules from the top of this page's rows down to ``bottom``: one line a
            column boundary instead of a rectangle a cell (the rows add their bottom rule)."""
            if bottom > top:
                for ex in edges:
                    self.line(ex, top, ex, bottom, 0.2)

        for row, bold in all_rows:
            h = min_h
            if row:  # an empty row (МАШ forms pad to min_rows) is min_h high
                for key, tw, fsize in measured:
                    h = max(h, text_height(fmt(row.get(key, "")), tw, fsize, bold) + 1.6)
            if self.y + h > self.bottom and self.y > TOP + HEADER_H + 3:
                grid(self.y)
                self.ensure(h)
                header_row()
                top = self.y
            y = self.y
            self.line(LEFT, y + h, right, y + h, 0.2)
            for t, key, x, w, fsize, al, groups in specs:
                v = row.get(key, "") if key else ""
                if t == "mark":
                    if v:
                        self.text(x, y, w, h, "X", 11, True, A_C)
                elif t == "cells":
                    s = fmt(v)
                    gs = groups or [len(s) or 1]
                    n = sum(gs)
                    if s and (len(s) > n or not s.replace(" ", "").isalnum()):
                        self.text(x + 0.8, y, w - 1.6, h, s, size, bold, A_C)
                        continue
                    if s.isdigit():
                        s = s.zfill(n)
                    cw, sepw = 4.4, (2.4 if len(gs) > 1 else 0)
                    used = cw * n + sepw * (len(gs) - 1)
                    cx = x + max(0.5, (w - used) / 2)
                    self.cells(cx, y + (h - 5.6) / 2, gs, s, cw, 5.6, ":" if len(gs) > 1 else "", 9.5)
                elif t != "blank":
                    self.text(x + 0.8, y + 0.8, w - 1.6, h - 1.6, fmt(v), fsize, bold, al)
            self.y += h
        grid(self.y)
        self.y += 4

    def flush_strokes(self) -> None:
        """Turn each page's batched borders and lines into one drawing operation, its last black glyph
        runs into another (all its runs merged into one a font in a ``merge`` layer).

        The filled boxes (a table's grey header cells) go first, in one more operation, so every text
        (a glyph run or a first-seen drawText) stays on top of them; the strokes come last, as before."""
        for i, (ops, strokes, runs, fills) in enumerate(zip(self.pages, self.strokes, self.runs, self.fills,
                                                             strict=True)):
            if fills:
                ops.insert(0, _fill_op(fills))
            if runs and self.merge:
                ops.append(_glyphs_op(merge_runs(runs)))
            elif runs:
                self._flush_runs(i)
            if strokes:
                ops.append(_stroke_op(strokes))
        self.strokes = [{} for _ in self.pages]
        self.runs = [[] for _ in self.pages]
        self.fills = [{} for _ in self.pages]

    def run(self) -> list[list[Op]]:
        self.title()
        self.mash_note()
        for b in self.doc.layout["blocks"]:
            self.block(b)
        self.flush_strokes()
        return self.pages


def merge_runs(placed: list[tuple[QPointF, list[QGlyphRun]]]) -> list[QGlyphRun]:
    """Glyph runs placed at their origins, as one run a font with the origins folded into the
    positions. Each run costs the PDF engine a text object of its own (a save, the colour, the
    font, the matrix: ~70 bytes to compress, and a call from Python); a header drawn from one run
    a font reads back the same, each glyph where it was."""
    groups: dict[tuple, tuple[QRawFont, list[int], list[QPointF]]] = {}
    for origin, runs in placed:
        ox, oy = origin.x(), origin.y()
        for run in runs:
            raw = run.rawFont()
            key = (raw.familyName(), raw.styleName(), raw.pixelSize(), raw.weight())
            g = groups.get(key)
            if g is None:
                g = groups[key] = (raw, [], [])
            g[1].extend(run.glyphIndexes())
            g[2].extend([QPointF(pt.x() + ox, pt.y() + oy) for pt in run.positions()])
    merged = []
    for raw, ids, pos in groups.values():
        m = QGlyphRun()
        m.setRawFont(raw)
        m.setGlyphIndexes(ids)
        m.setPositions(pos)
        merged.append(m)
    return merged


def _placed_op(placed: list[tuple[QPointF, list[QGlyphRun]]]) -> Op:
    flat = [(origin, run) for origin, runs in placed for run in runs]

    def draw(p: QPainter) -> None:
        p.setPen(BLACK)
        glyph_run = p.drawGlyphRun
        for origin, run in flat:
            glyph_run(origin, run)
    return draw


def _glyphs_op(runs: list[QGlyphRun]) -> Op:
    def draw(p: QPainter) -> None:
        p.setPen(BLACK)
        for run in runs:
            p.drawGlyphRun(ZERO, run)
    return draw


def _fill_op(fills: dict[tuple[int, float], list[QRectF]]) -> Op:
    def draw(p: QPainter) -> None:
        for (rgba, width), rects in fills.items():
            p.setPen(QPen(BLACK, width * U))
            p.setBrush(QBrush(QColor.fromRgba(rgba)))
            p.drawRects(rects)
        p.setBrush(Qt.BrushStyle.NoBrush)
    return draw


def _stroke_op(strokes: dict[float, tuple[list[QRectF], list[QLineF]]]) -> Op:
    def draw(p: QPainter) -> None:
        p.setBrush(Qt.BrushStyle.NoBrush)
        for width, (rects, lines) in strokes.items():
            p.setPen(QPen(Qt.GlobalColor.black, width * U))
            if rects:
                p.drawRects(rects)
            if lines:
                p.drawLines(lines)
    return draw


# --- page furniture ---------------------------------------------------------------------------------
_qr_images: dict[str, QImage] = {}
# Image pixels per module. Viewers smooth an image they scale up by less than ~4× (poppler does:
# with one pixel a module the modules of a 150-dpi raster run into each other and zbarimg cannot
# read it). With 2 pixels a module (~140 px for 32 mm) a 150-dpi raster is scaled up 1.4× and only
# the modules' edges go grey; zbarimg reads it at 100, 120, 150, 200, 300 and 600 dpi (measured,
# tests/forms check 100-300), as it did with 4 pixels, which cost QPdfWriter 5× more to store
# (0.32 against 0.06 ms a code) and read worse at 100 dpi.
QR_PX = 2
_DARK0 = str.maketrans("01", "10")


def qr_image(text: str) -> QImage:
    """The QR symbol (no quiet zone) as a 1-bit image, QR_PX pixels a module, colour 0 black.

    QPdfWriter stores a 1-bit image whose colour table is exactly (black, white) as a 1-bit
    DeviceGray image, Flate-compressed: lossless, ~1.5 KB a page, one drawing call. The vector
    modules it replaces (~950 QRectF runs a code) cost ~4× more to build and ~8× more to paint,
    and twice the bytes. Any other image, even 1-bit with another colour table, is turned into
    8-bit RGB (shared/pitfalls.md §4); tests/forms check the image stays 1-bit."""
    hit = _qr_images.get(text)
    if hit is not None:
        return hit
    from app.forms.qrfast import rows

    m = rows(text)
    n = len(m)
    stride = (n + 31) // 32 * 4  # QImage rows are 32-bit aligned
    shift = stride * 8 - n
    # a module a pixel (a dark module is bit 0: colour 0, black), then each pixel QR_PX × QR_PX by
    # Qt's nearest-neighbour scaling, which keeps the 1-bit format and its colour table
    buf = b"".join([(int(row.translate(_DARK0), 2) << shift).to_bytes(stride, "big") for row in m])
    small = QImage(buf, n, n, stride, QImage.Format.Format_Mono)
    small.setColorTable([0xFF000000, 0xFFFFFFFF])
    img = small.scaled(n * QR_PX, n * QR_PX, Qt.AspectRatioMode.IgnoreAspectRatio,
                       Qt.TransformationMode.FastTransformation)  # a new image: owns its bytes
    img.setColorTable([0xFF000000, 0xFFFFFFFF])
    if len(_qr_images) > 8:  # a document's pages follow each other: a few codes are enough
        _qr_images.clear()
    _qr_images[text] = img
    return img


def paint_qr(p: QPainter, text: str, x_mm: float, y_mm: float, size_mm: float) -> None:
    """Paint the QR symbol (no quiet zone) into a square at (x, y) of ``size_mm``, modules sharp."""
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(r(x_mm, y_mm, size_mm, size_mm), qr_image(text))


HEADER_LABELS = {"region": ("Код региона", [2]), "msu": ("Код МСУ", [3]), "ppe": ("Код ППЭ", [4]),
                 "room": ("Номер аудитории", [4])}
DEFAULT_HEADER = ("region", "ppe", "room", "subject", "date")
_furniture_local = threading.local()


def _header_layer(fields: tuple[str, ...], code: str, copy: str, values: dict[str, str] | None,
                  page: int) -> list[Op]:
    """The header of a page without its QR: with ``values`` None its frame (the code box, the copy,
    every label and cell box), else only the values in the same places.

    The frame depends only on the form and copy, so it is laid out once and painted from one glyph
    run a font on every page of every room; the values are the same on all five forms of a room."""
    hp = Pager.layer()
    frame = values is None
    hd = values or {}
    bw = 58.0
    bx = PAGE_W - RIGHT - bw
    if frame:
        hp.box(bx, TOP, bw, 9, 0.6)
        hp.text(bx, TOP, bw, 9, code, 13, True, A_C)
        hp.text(bx, TOP + 9.3, bw, 3.5, "(код формы)", 6.5, False, A_HC)
        if copy:
            hp.text(LEFT + QR_MM + 3, TOP + 1, bx - LEFT - QR_MM - 6, 6, copy, 10, True, A_R)
    x0 = LEFT + QR_MM + 3
    x, y = x0, TOP + 13
    for key in ("region", "msu", "ppe", "room"):
        if key not in fields:
            continue
        label, groups = HEADER_LABELS[key]
        lw = metrics(6.5).horizontalAdvance(label) / U + 1
        if frame:
            hp.text(x, y, lw + 2, 3.5, label, 6.5)
        used = hp.cells(x, y + 3.5, groups, hd.get(key, ""), frame=frame)
        x += max(used, lw) + 5
    if "sheet" in fields:
        if frame:
            hp.text(x, y, 14, 3.5, "Лист №", 6.5)
        hp.cells(x, y + 3.5, [2], "" if frame else f"{page:02d}", frame=frame)
    x, y = x0, TOP + 24.5
    if "subject" in fields:
        if frame:
            hp.text(x, y, 20, 3.5, "Код предмета", 6.5)
        used = max(hp.cells(x, y + 3.5, [2], hd.get("subject_code", ""), frame=frame),
                   metrics(6.5).horizontalAdvance("Код предмета") / U + 1)
        if frame:
            hp.text(x + used + 2, y, 40, 3.5, "Название предмета", 6.5)
            hp.box(x + used + 2, y + 3.5, 50, 6, 0.25)
        else:
            hp.text(x + used + 3, y + 3.5, 48, 6, hd.get("subject", ""), 8, False, A_VC)
        x += used + 2 + 50 + 5
    if "date" in fields:
        if frame:
            hp.text(x, y, 40, 3.5, "Дата экзамена (ч.м.г.)", 6.5)
        hp.cells(x, y + 3.5, [2, 2, 4], hd.get("date", "").replace(".", ""), sep=".", frame=frame)
    if not frame:
        hp.text(x0, TOP + 35.5, PAGE_W - RIGHT - x0, 4, f"ППЭ: {hd.get('ppe_name', '')}", 7.5)
    return hp.finish()


def header_ops(doc: Document, copy: str, page: int) -> list[Op]:
    """The header's frame and values for a page of a document, each laid out once (cached per thread:
    the glyph runs hold the thread's font engines)."""
    cache = getattr(_furniture_local, "cache", None)
    if cache is None or len(cache) > 512:
        cache = _furniture_local.cache = {}
    fields = tuple(doc.layout.get("header", DEFAULT_HEADER))
    frame_key = ("frame", fields, doc.code, copy)
    frame = cache.get(frame_key)
    if frame is None:
        frame = cache[frame_key] = _header_layer(fields, doc.code, copy, None, page)
    hd = doc.header
    values_key = ("values", fields, *(hd.get(k, "") for k in (*HEADER_LABELS, "subject_code", "subject", "date",
                                                              "ppe_name")), page if "sheet" in fields else 0)
    values = cache.get(values_key)
    if values is None:
        values = cache[values_key] = _header_layer(fields, doc.code, copy, hd, page)
    return frame + values


def paint_header(p: QPainter, doc: Document, copy: str, page: int, pages: int, stamp: Stamp) -> None:
    for fn in header_ops(doc, copy, page):
        fn(p)
    qr_text = stamp.qr_text.get(doc.doc_id, "")
    if qr_text:  # the QR in the top-left graphic block
        quiet = 2.0
        paint_qr(p, qr_text, LEFT + quiet, TOP + quiet, QR_MM - 2 * quiet)


def footer_ops(doc: Document, page: int, pages: int, stamp: Stamp) -> list[Op]:
    """The rule, the document line and «стр. x из y» of a page (not merged: each text is seen on a few
    pages only, and merging costs more than it saves there)."""
    y = PAGE_H - BOTTOM - 3
    hp = Pager.layer(merge=False)
    hp.line(LEFT, y, PAGE_W - RIGHT, y, 0.15)
    hp.text(LEFT, y + 0.8, 120, 4, f"{doc.code} · документ {doc.doc_id} · сформирован {stamp.printed} · "
            f"станция {stamp.station}", 6.5, False, A_L, wrap=False)
    hp.text(PAGE_W - RIGHT - 40, y + 0.5, 40, 5, f"стр. {page} из {pages}", 9, False, A_R, wrap=False)
    return hp.finish()


def paint_footer(p: QPainter, doc: Document, page: int, pages: int, stamp: Stamp) -> None:
    for fn in footer_ops(doc, page, pages, stamp):
        fn(p)


def layout_all(docs: list[Document]) -> list[tuple[Document, str, list[list[Op]]]]:
    ensure_gui()
    out = []
    for d in docs:
        pages = Pager(d, "").run()  # the copies differ only in the header: laid out once
        out += [(d, copy, pages) for copy in d.copies]
    return out


def paint(painter: QPainter, laid: list[tuple[Document, str, list[list[Op]]]], stamp: Stamp,
          new_page: Callable[[], object], scale: float) -> int:
    """Paint laid-out documents; ``scale`` is device pixels per 0.1 mm. Returns pages painted."""
    painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering, True)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.scale(scale, scale)
    first = True
    count = 0
    for doc, copy, pages in laid:
        for i, ops in enumerate(pages, 1):
            if not first:
                new_page()
            first = False
            paint_header(painter, doc, copy, i, len(pages), stamp)
            for fn in ops:
                fn(painter)
            paint_footer(painter, doc, i, len(pages), stamp)
            count += 1
    return count


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a PDF is laid out and painted.

    A page is thousands of small objects (drawing closures, QRectF runs of the QR); the collector
    kept walking them, ~1 ms of every 3 spent on a QR code. They hold no reference cycles, and
    collection resumes as soon as the file is written."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def write_pdf(docs: list[Document], path: str, stamp: Stamp, title: str = "") -> int:
    """Write documents (every copy of each) into one PDF; returns the page count."""
    with gc_paused():
        return _write_pdf(docs, path, stamp, title)


def _write_pdf(docs: list[Document], path: str, stamp: Stamp, title: str = "") -> int:
    laid = layout_all(docs)
    writer = QPdfWriter(str(path))
    writer.setResolution(600)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    writer.setCreator("Auditoria")
    writer.setTitle(title or ", ".join(dict.fromkeys(d.code for d in docs)))
    painter = QPainter(writer)
    try:
        return paint(painter, laid, stamp, writer.newPage, writer.resolution() / 254.0)
    finally:
        painter.end()


def painting_preview(printer) -> bool:
    """Whether a QPrinter is being painted for QPrintPreviewDialog's pages rather than for paper.

    The preview swaps a recording engine (QPreviewPaintEngine, of type Picture) onto the printer
    while it emits ``paintRequested``; the print the user confirms paints on the printer's own
    engine (PDF, CUPS, Windows GDI, macOS: never Picture)."""
    from PySide6.QtGui import QPaintEngine

    engine = printer.paintEngine()
    return engine is not None and engine.type() == QPaintEngine.Type.Picture


def paint_on_printer(printer, docs: list[Document], stamp: Stamp) -> int:
    """Paint on a QPrinter (real printer or QPrintPreviewDialog's); full-page coordinates."""
    laid = layout_all(docs)
    printer.setFullPage(True)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(printer)
    try:
        return paint(painter, laid, stamp, printer.newPage, printer.resolution() / 254.0)
    finally:
        painter.end()
