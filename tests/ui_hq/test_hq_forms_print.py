"""Issue 15: the HQ forms print from the totals tab; disagreements are asked about on screen first."""

from __future__ import annotations

import subprocess

import pytest

from app.services.hq_demo import demo_exchange
from tests.ui.conftest import run_dialog
from ui.qt import QtWidgets


@pytest.fixture
def day(tmp_path):
    hq, rooms = demo_exchange(tmp_path / "day", {"0101": "end", "0102": "morning"})
    yield hq
    hq.close()


def test_hq_print_asks_about_disagreements_then_prints_clean_paper(qtbot, day, tmp_path):
    from app.forms.api import discrepancies
    from ui.hq.window import HqWindow

    hq = day
    hq.record("materials-collected", "0103", at="13:00", payload={"blanks": 3})  # 0103 never opened: figures off
    problems = discrepancies(hq)
    assert any(p.startswith("Аудитория 0103:") for p in problems)
    win = HqWindow(hq)
    qtbot.addWidget(win)
    seen = []

    def decline(box):
        seen.append(box.informativeText())
        box.button(QtWidgets.QMessageBox.StandardButton.No).click()

    assert run_dialog(lambda: win.print_hq_forms(str(tmp_path / "no")), decline) is None
    assert "Аудитория 0103" in seen[0] and not (tmp_path / "no").exists()

    def accept(box):
        box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()

    printed = run_dialog(lambda: win.print_hq_forms(str(tmp_path / "yes")), accept)
    assert [p.form for p in printed] == ["ППЭ-13-02-МАШ", "ППЭ-19", "ППЭ-10"]
    for p in printed:
        text = subprocess.run(["pdftotext", str(p.path), "-"], capture_output=True, text=True).stdout
        assert "ВНИМАНИЕ" not in text and "расходятся" not in text
    assert "3 forms written" in win.message.text() or "3 формы" in win.message.text()
