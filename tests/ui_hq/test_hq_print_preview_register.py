"""Issue 15: an act printed at HQ through Qt's print preview is registered for the print alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.i18n import set_language
from app.services.hq_demo import demo_exchange


@pytest.fixture
def day(tmp_path):
    hq, rooms = demo_exchange(tmp_path / "day", {"0101": "end", "0102": "morning"})
    yield hq, rooms
    hq.close()
    set_language("en")


def papers_printed(station) -> list[dict]:
    return [e.payload for e in station.point_events() if e.kind == "papers-printed"]


def test_act_print_preview_registers_only_the_print(qtbot, day, tmp_path: Path):
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget

    from app.services import hq as hqs
    from tests.ui.conftest import run_dialog
    from ui.hq.window import HqWindow

    hq, _rooms = day
    item = hqs.pending_acts(hq)[0]
    hqs.draw_act(hq, item, hqs.gek_members(hq)[0].code)
    win = HqWindow(hq)
    qtbot.addWidget(win)
    idx = next(i for i, a in enumerate(win.act_items) if a.drawn is not None)
    win.acts_table.selectRow(idx)
    before = len(papers_printed(hq))
    out = tmp_path / "act.pdf"
    seen: dict[str, int] = {}

    def handle(dlg):
        preview = dlg.findChild(QPrintPreviewWidget)
        preview.updatePreview()
        preview.updatePreview()
        seen["after_preview"] = len(papers_printed(hq))
        printer = dlg.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        preview.print_()  # the dialog's Print, once the printer is chosen
        dlg.accept()

    run_dialog(win.print_selected, handle)
    assert seen["after_preview"] == before
    printed = papers_printed(hq)[before:]
    assert out.stat().st_size > 5_000
    assert len(printed) == 1
    assert [p["f"] for p in printed[0]["papers"]] == [item.form]
    assert printed[0]["papers"][0]["e"] == item.incident.id
