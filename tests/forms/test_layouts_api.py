"""Layouts as data, the printer path, and the rule that app/ paints without widgets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import UserError
from app.forms import layouts
from tests.forms.conftest import pdf_text

ROOT = Path(__file__).resolve().parents[2]
PRINTED = ("ППЭ-05-01", "ППЭ-05-02", "ППЭ-07", "ППЭ-12-02", "ППЭ-12-03", "ППЭ-12-04-МАШ", "ППЭ-13-02-МАШ", "ППЭ-19",
           "ППЭ-10", "ППЭ-20", "ППЭ-21", "ППЭ-22", "ППЭ-02", "ППЭ-03")


def test_every_printed_form_has_a_layout_with_the_catalog_code(station):
    lays = layouts.all_layouts()
    assert set(PRINTED) <= set(lays)
    for code in lays:
        assert station.ref.form(code).code == code  # every layout names a catalog form


def test_broken_layout_is_named(tmp_path, monkeypatch):
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "ppe-99.json").write_text('{"form": "ППЭ-99", "source": "list", "blocks": [\n'
                                                    '{"type": "table", "table": "x", "columns": [{"title": "a"}]}]}',
                                                    encoding="utf-8")
    monkeypatch.setattr(layouts, "resources_dir", lambda: tmp_path)
    with pytest.raises(UserError, match=r"ppe-99\.json: blocks\[0\]\.columns\[0\]: missing 'width'"):
        layouts.all_layouts()
    (tmp_path / "forms" / "ppe-99.json").write_text('{"form": ', encoding="utf-8")
    with pytest.raises(UserError, match=r"ppe-99\.json: line 1"):
        layouts.all_layouts()


def test_form_names_resolve(station):
    from app.forms.api import resolve_form

    for name in ("05-02", "ППЭ-05-02", "ppe-05-02", "PPE-05-02"):
        assert resolve_form(station, name) == "ППЭ-05-02"
    assert resolve_form(station, "12-04-mash") == "ППЭ-12-04-МАШ"
    with pytest.raises(UserError, match="unknown form"):
        resolve_form(station, "99-99")


def test_paint_to_printer(day, tmp_path):
    """The print / print-preview path: a QPrinter (QtPrintSupport, no widgets) gets the same pages."""
    from PySide6.QtPrintSupport import QPrinter

    from app.forms.api import paint_to_printer
    from app.forms.render import ensure_gui

    st, _ = day
    ensure_gui()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printer.pdf"
    printer.setOutputFileName(str(out))
    pages = paint_to_printer(printer, st, "05-02", room="0101")
    assert pages == 2
    text = re.sub(r"\s+", " ", pdf_text(out))
    assert "Протокол проведения ГИА в аудитории" in text and "стр. 2 из 2" in text


def test_app_never_imports_widgets():
    imp = re.compile(r"^\s*(from\s+PySide6\.QtWidgets|import\s+PySide6\.QtWidgets|from\s+PySide6\s+import[^\n]*QtWidgets)",
                     re.M)
    hits = [str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py") if imp.search(p.read_text(encoding="utf-8"))]
    assert hits == []
    code = ("import sys, app.forms.api, app.forms.render, app.forms.cli, app.forms.verify; "
            "print(json.dumps([m for m in sys.modules if 'QtWidgets' in m]))")
    res = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == []


def test_cli_module_is_light():
    """Registering the subcommands must not load Qt (start-up is mostly imports; pitfalls §7)."""
    code = "import sys, app.cli; app.cli.build_parser(); print(any(m.startswith('PySide6') for m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


def test_bundled_font_and_licence():
    fonts = ROOT / "resources" / "fonts"
    assert (fonts / "DejaVuSans.ttf").stat().st_size > 100_000 and (fonts / "DejaVuSans-Bold.ttf").exists()
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "AuditoriaSans" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_subset_font_is_renamed_and_covers_its_ranges():
    """The subset is a modified DejaVu: renamed (Bitstream Vera licence), notices kept, every listed
    character present; ``tools/subset_fonts.py`` makes exactly these files."""
    from fontTools.ttLib import TTFont

    sys.path.insert(0, str(ROOT / "tools"))
    import subset_fonts

    for src, dst, _style in subset_fonts.PAIRS:
        f = TTFont(str(ROOT / "resources" / "fonts" / dst))
        full = TTFont(str(ROOT / "resources" / "fonts" / src)).getBestCmap()
        names = {r.nameID: r.toUnicode() for r in f["name"].names if r.platformID == 3}
        for nid in (1, 3, 4, 6, 16):
            if nid in names:
                assert "Vera" not in names[nid] and "Bitstream" not in names[nid] and names[nid] != "DejaVu Sans"
        assert names[1] == "Auditoria Sans" and "Bitstream" in names[0]  # copyright notice kept
        cmap = f.getBestCmap()
        missing = [hex(c) for a, b in subset_fonts.RANGES for c in range(a, b + 1)
                   if c in full and c not in cmap]
        assert not missing
        assert (ROOT / "resources" / "fonts" / dst).stat().st_size < 100_000


def test_pdf_embeds_the_bundled_font(day, tmp_path):
    from pypdf import PdfReader

    from app.forms.api import render_form

    st, _ = day
    out = render_form(st, "05-01", room="0101", out=tmp_path / "f.pdf")
    fonts = set()
    for page in PdfReader(str(out)).pages:
        for f in page["/Resources"]["/Font"].values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert fonts == {"/AuditoriaSans", "/AuditoriaSans-Bold"}


def test_character_outside_the_subset_falls_back_to_full_dejavu(day, tmp_path):
    """A name in another script (Georgian here) prints from the full DejaVu, not as a box."""
    from pypdf import PdfReader

    from app.forms.api import build_documents, stamp_for
    from app.forms.render import write_pdf
    from tests.forms.conftest import pdf_text

    st, _ = day
    docs = build_documents(st, "05-01", room="0101")
    docs[0].tables["participants"][0]["last_name"] = "ბერიძე"
    out = tmp_path / "g.pdf"
    write_pdf(docs, str(out), stamp_for(st, docs))
    fonts = {str(f.get_object()["/BaseFont"]) for page in PdfReader(str(out)).pages
             for f in page["/Resources"]["/Font"].values()}
    assert "/DejaVuSans" in fonts and "/AuditoriaSans" in fonts
    assert "ბერიძე" in pdf_text(out)


def test_pdf_held_open_elsewhere_gives_a_clear_message(day, tmp_path, monkeypatch):
    """Windows refuses to replace a PDF a viewer holds open: say so, leave no temporary file."""
    import app.forms.api as api
    from app.errors import UserError

    st, _ = day

    real = api.os.replace

    def locked(src, dst):
        if str(dst).endswith(".pdf"):
            raise PermissionError(13, "locked")
        return real(src, dst)  # the station's key file may be written on first print

    monkeypatch.setattr(api.os, "replace", locked)
    with pytest.raises(UserError, match="open in another program"):
        api.render_form(st, "05-01", room="0101", out=tmp_path / "f.pdf")
    assert not list(tmp_path.glob("*.pdf*"))
