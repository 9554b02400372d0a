"""No clipped text at 1366×768 in Russian (issue 12 §8): seat tiles (high contrast too), the search
placeholder, the desk-check list."""

from __future__ import annotations

import pytest

from app.i18n import set_language
from app.services import room_ops
from tests.conftest import local
from tests.ui.conftest import run_dialog
from ui.qt import QtWidgets


@pytest.fixture
def ru_window(window, station, clock, qtbot):
    set_language("ru")
    room_ops.play(station, "0101", until="10:30")
    clock.set(local("10:30"))
    window.set_language("ru")
    window.resize(1366, 740)
    qtbot.wait(20)
    yield window
    window.set_language("en")


def _tile_overflow(window) -> list[tuple[str, int]]:
    out = []
    for b in window.seatmap.by_code.values():
        opt = QtWidgets.QStyleOptionButton()
        b.initStyleOption(opt)
        room = b.style().subElementRect(QtWidgets.QStyle.SubElement.SE_PushButtonContents, opt, b).width()
        need = max(b.fontMetrics().horizontalAdvance(line) for line in b.text().split("\n"))
        if need > room:
            out.append((b.text(), need - room))
    return out


@pytest.mark.parametrize("theme", ["normal", "high-contrast"])
def test_seat_tiles_show_whole_names(ru_window, theme, qtbot):
    if theme == "high-contrast":
        ru_window.toggle_contrast()
    for code in ru_window.seatmap.by_code:  # the chosen tile has the thickest border
        ru_window.select(code)
        assert _tile_overflow(ru_window) == []


def test_search_placeholder_fits(ru_window):
    s = ru_window.search
    assert s.fontMetrics().horizontalAdvance(s.placeholderText()) + 24 <= s.width()


def test_desk_check_items_wrap_without_a_horizontal_scrollbar(ru_window, station):
    ru_window.select(station.plan.room_participants("0101")[0].code)
    seen: list[bool] = []

    def handle(dlg):
        dlg.show()
        seen.append(dlg.items.horizontalScrollBar().isVisible())
        dlg.reject()

    run_dialog(ru_window.desk_check, handle)
    assert seen == [False]


def test_names_are_not_cut_after_a_search_narrowed_the_list(window, station, qtbot):
    """Under Xvfb: typing a code left one short name visible; after the admission cleared the search,
    the longer names showed «Морозова …» for a moment (the column had been fitted to one row)."""
    people = station.plan.room_participants("0101")
    shortest = min(people, key=lambda p: len(p.short_name))
    fm = window.table.fontMetrics()
    longest = max(fm.horizontalAdvance(p.short_name) for p in people)
    window.search.setText(shortest.code)
    qtbot.wait(100)  # the list shows one short name now: the column keeps room for every name
    assert window.table.columnWidth(1) >= longest
    window.search.clear()
    assert window.table.columnWidth(1) >= longest
