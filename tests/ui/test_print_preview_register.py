"""Issue 15: printing through Qt's print preview registers the paper once, for the print alone.

QPrintPreviewDialog emits ``paintRequested`` for every repaint of the preview (a QPreviewPaintEngine
records the pages) and once more, on the real printer, when the organizer presses Print. Only that
last paint is a paper that exists; the preview's paints must leave the register alone.
"""

from __future__ import annotations

from pathlib import Path

from app.services import room_ops
from tests.ui.conftest import run_dialog


def papers_printed(station) -> list[dict]:
    return [e.payload for e in station.point_events() if e.kind == "papers-printed"]


def test_print_preview_registers_only_the_print(window, station, tmp_path: Path):
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget

    room_ops.play(station, "0101", until="12:10")
    window.refresh()
    out = tmp_path / "printed.pdf"
    seen: dict[str, int] = {}

    def handle(dlg):
        preview = dlg.findChild(QPrintPreviewWidget)
        preview.updatePreview()  # the preview paints (again): nothing is printed yet
        preview.updatePreview()
        seen["after_preview"] = len(papers_printed(station))
        printer = dlg.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        preview.print_()  # what the dialog's Print button runs once the printer is chosen
        dlg.accept()

    run_dialog(lambda: window.trigger("print"), handle)
    assert seen["after_preview"] == 0
    printed = papers_printed(station)
    assert out.stat().st_size > 10_000
    assert len(printed) == 1, printed  # the one print job
    forms = [p["f"] for p in printed[0]["papers"]]
    assert {"ППЭ-05-01", "ППЭ-05-02", "ППЭ-12-02"} <= set(forms)
    assert {p["r"] for p in printed[0]["papers"]} == {"0101"}
