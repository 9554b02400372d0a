"""The HQ window in Russian (issue 12 §3, §8): column headers translated, the date in Russian format."""

from __future__ import annotations

import re

from app.i18n import set_language
from app.services.hq_demo import demo_exchange


def test_hq_columns_and_date_are_russian(qtbot, tmp_path):
    from ui.hq.window import HqWindow

    hq, _rooms = demo_exchange(tmp_path / "day", {"0101": "end"})
    set_language("ru")
    try:
        win = HqWindow(hq)
        qtbot.addWidget(win)
        heads = [win.table.horizontalHeaderItem(j).text() for j in range(win.table.columnCount())]
        assert [h for h in heads if re.search(r"[A-Za-z]", h)] == [], heads
        assert "04.06.2026" in win.title.text() and "2026-06-04" not in win.title.text()
    finally:
        set_language("en")
        hq.close()
