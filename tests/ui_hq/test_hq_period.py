"""The HQ window over an exam period: a date picker, every room of the date with its subject, filters, totals."""

from __future__ import annotations

from datetime import date

import pytest

from app.clock import FixedClock
from app.services.hq_demo import local, make_hq, room_day, set_up_room
from app.transfer.results import export_results, import_package


@pytest.fixture
def hq(tmp_path):
    st = make_hq(tmp_path / "hq.db", clock=FixedClock(local("12:00", date(2026, 6, 4))))
    st.use_day("2026-06-11")
    for room in ("0101", "0203"):
        r = set_up_room(st, room, tmp_path)
        room_day(r, until="morning")
        export_results(r, tmp_path / f"{room}.pkg")
        import_package(st, tmp_path / f"{room}.pkg")
        r.close()
    st.use_day("2026-06-04")
    yield st
    st.close()


def _rows(win) -> dict[str, dict[str, str]]:
    heads = [win.table.horizontalHeaderItem(j).text() for j in range(win.table.columnCount())]
    return {win.table.item(i, 0).text(): {h: win.table.item(i, j).text() for j, h in enumerate(heads)}
            for i in range(win.table.rowCount())}


def test_date_picker_subject_column_filter_and_totals(qtbot, hq):
    from ui.hq.window import HqWindow

    win = HqWindow(hq)
    qtbot.addWidget(win)
    assert win.date_combo.count() == 2 and win.date_combo.currentData() == "2026-06-04"
    assert "2026-06-04" not in win.title.text() and "2026" in win.title.text()  # a formatted date, not ISO
    assert {r["Subject"] for r in _rows(win).values()} == {"01 Russian language"}
    win.date_combo.setCurrentIndex(win.date_combo.findData("2026-06-11"))
    assert hq.day.key == "2026-06-11"
    rows = _rows(win)
    assert len(rows) == 12 and rows["0203"]["Subject"] == "03 Physics" and rows["0101"]["Subject"].startswith("12 ")
    assert rows["0101"]["Present"] == "14" and rows["0203"]["Present"] == "14"
    assert rows["0203"]["Last package"] != "—"
    win.subject_combo.setCurrentIndex(win.subject_combo.findData("03"))
    assert sorted(_rows(win)) == ["0203", "0204", "0205", "0301", "0302", "0303"]
    totals = {win.totals_table.item(i, 0).text(): win.totals_table.item(i, 1).text()
              for i in range(win.totals_table.rowCount())}
    assert "rooms 6 · assigned 90 · present 14 · absent 1" in totals["03 Physics"]
    assert totals["Present"] == "28"
    win.date_combo.setCurrentIndex(win.date_combo.findData("2026-06-04"))
    assert hq.day.key == "2026-06-04" and win.subject_combo.currentData() == ""
    assert all(r["Present"] == "0" for r in _rows(win).values())
    assert all(r["Last package"] == "—" for r in _rows(win).values())  # 11 June's packages are not 4 June's


def test_point_forms_are_printed_per_subject_of_the_date(qtbot, hq, tmp_path):
    import subprocess

    from ui.hq.window import HqWindow

    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.set_date("2026-06-11")
    op = win.print_point_forms(str(tmp_path / "forms"))
    qtbot.waitUntil(lambda: not op.running, timeout=60000)
    names = sorted(p.path.name for p in win.printed_point_forms)
    assert names == ["ppe-07.pdf", "ppe-10_03.pdf", "ppe-10_12.pdf", "ppe-13-02-mash_03.pdf", "ppe-13-02-mash_12.pdf",
                     "ppe-19.pdf"]  # ППЭ-07 (staff and observers) is printed with the point forms since 8c9c5eb
    text = subprocess.run(["pdftotext", str(tmp_path / "forms" / "ppe-13-02-mash_03.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Физика" in text and "11.06.2026" in text and "Обществознание" not in text
    assert "6 forms printed into" in win.message.text()
