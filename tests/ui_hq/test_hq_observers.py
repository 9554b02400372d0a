"""The HQ window's observer panel: a new observer from the certificate checked in and out (pytest-qt)."""

from __future__ import annotations

from app.services import observers
from app.services.hq_demo import demo_exchange


def test_new_observer_checked_in_and_out_from_the_staff_tab(qtbot, tmp_path):
    from ui.hq.window import HqWindow

    hq, _rooms = demo_exchange(tmp_path / "day", {"0101": "morning"})
    try:
        win = HqWindow(hq)
        qtbot.addWidget(win)
        panel = win.observers_panel
        panel.who.setCurrentIndex(panel.who.findData("__new__"))
        assert panel.last.isEnabled()
        panel.last.setText("Наблюдаева")
        panel.first.setText("Ольга")
        panel.middle.setText("Петровна")
        panel.arrive_button.click()
        (v,) = [v for v in observers.visits(hq) if v.name == "Наблюдаева Ольга Петровна"]
        assert v.left is None and panel.table.rowCount() == 1
        assert panel.table.item(0, 1).text() == "Наблюдаева Ольга Петровна"
        assert panel.who.currentData() == v.code and not panel.last.isEnabled()
        panel.arrive_button.click()  # a second click is refused with a message, not a second stay
        assert "already checked in" in win.message.text() and len(observers.visits(hq)) == 1
        panel.table.selectRow(0)
        panel.leave_button.click()
        assert observers.visits(hq)[0].left is not None and panel.table.item(0, 3).text()
        totals = {win.totals_table.item(i, 0).text(): win.totals_table.item(i, 1).text()
                  for i in range(win.totals_table.rowCount())}
        assert totals["Public observers"] == "1"  # the exam point's totals count the stay
    finally:
        hq.close()


def test_staff_list_loaded_from_the_staff_tab(qtbot, tmp_path):
    from tests.services.test_staff_import import RU
    from ui.hq.window import HqWindow

    hq, _rooms = demo_exchange(tmp_path / "day", {"0101": "morning"})
    try:
        win = HqWindow(hq)
        qtbot.addWidget(win)
        bad = tmp_path / "bad.csv"
        bad.write_text(RU + "X1;Петров;Пётр;;Завхоз;;\n", encoding="utf-8")
        win.import_staff_list(str(bad))
        assert "bad.csv:7" in win.message.text() and win.replaced_combo.findData("G01") < 0
        good = tmp_path / "ppe07.csv"
        good.write_text(RU, encoding="utf-8")
        win.import_staff_list(str(good))
        assert "5" in win.message.text() and win.replaced_combo.findData("G01") >= 0
        assert win.observers_panel.who.findData("N01") >= 0
    finally:
        hq.close()
