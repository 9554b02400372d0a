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

    assert run_dialog(lambda: win.print_point_forms(str(tmp_path / "no")), decline) is None
    assert "Аудитория 0103" in seen[0] and not (tmp_path / "no").exists()

    def accept(box):
        box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()

    op = run_dialog(lambda: win.print_point_forms(str(tmp_path / "yes")), accept)
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    printed = win.printed_point_forms
    assert sorted(p.form for p in printed) == sorted(["ППЭ-07", "ППЭ-13-02-МАШ", "ППЭ-19", "ППЭ-10"])
    for p in printed:
        text = subprocess.run(["pdftotext", str(p.path), "-"], capture_output=True, text=True).stdout
        assert "ВНИМАНИЕ" not in text and "расходятся" not in text
    # the print job is in the register (its worker wrote through its own Station)
    hq.invalidate()
    assert any(e.kind == "papers-printed" and {p["f"] for p in e.payload["papers"]} >= {"ППЭ-13-02-МАШ"}
               for e in hq.point_events())


def test_papers_tab_scanner_field_image_and_void(qtbot, day, tmp_path):
    """The paper loop through the HQ window: printed → scanned back (keyboard wedge, image) → returned;
    a void after printing turns the paper superseded, and the room is not shown as all in."""
    from app.forms.api import render_room_set
    from app.forms.papers import codes_from
    from ui.hq.window import HqWindow

    hq = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    panel = win.papers_panel
    tabs = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert "Papers" in tabs or "Бумаги" in tabs

    def summary(room):
        for i in range(panel.summary.rowCount()):
            if panel.summary.item(i, 0).text() == room:
                return [panel.summary.item(i, j).text() for j in range(panel.summary.columnCount())]
        raise AssertionError(room)

    assert summary("0103")[1] == "5" and summary("0103")[2] == "5"  # 5 owed, all not printed
    p = hq.plan.room_participants("0103")[0]
    rec = hq.record("absent", "0103", p.code, at="10:01")
    pdf = render_room_set(hq, "0103", tmp_path)[0].path
    win.refresh()
    assert summary("0103")[3] == "5"  # printed
    codes, _via = codes_from(str(pdf))
    assert len(codes) == 5
    # the scanner types the code and Enter
    panel.scan_field.setText(codes[1])
    panel.scan_field.returnPressed.emit()
    assert "✔" in panel.result.text() and panel.scan_field.text() == ""
    assert summary("0103")[4] == "1"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "p1")], check=True)
    panel.scan(str(tmp_path / "p1.png"))
    for c in codes[2:]:
        panel.scan_field.setText(c)
        panel.scan_field.returnPressed.emit()
    assert summary("0103")[4] == "5" and summary("0103")[6] in ("yes", "да")
    # a void after printing: the protocol's paper is superseded
    hq.void("0103", rec.event.id, "ошибка")
    win.refresh()
    row = summary("0103")
    assert row[5] != "0" and row[6] in ("no", "нет")
    panel.scan_field.setText(codes[1])
    panel.scan_field.returnPressed.emit()
    assert "✘" in panel.result.text()
