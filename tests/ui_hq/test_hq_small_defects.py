"""HQ window defects of issue 12 §8: Ctrl+L, a closed room with someone still in it, stick folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.i18n import current_language, set_language
from app.services.hq_demo import demo_exchange
from ui import popups


@pytest.fixture
def day(tmp_path):
    hq, rooms = demo_exchange(tmp_path / "day", {"0101": "end", "0102": "morning"})
    yield hq, rooms
    hq.close()
    set_language("en")


def _col(key: str) -> int:
    from ui.hq.window import ROOM_COLUMNS

    return [k for k, _h in ROOM_COLUMNS].index(key)


def _phase_cell(win, room):
    for i in range(win.table.rowCount()):
        if win.table.item(i, 0).text() == room:
            return win.table.item(i, _col("phase"))
    raise AssertionError(room)


def test_ctrl_l_switches_the_hq_window_language(qtbot, day):
    from ui.hq.window import HqWindow

    hq, _rooms = day
    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.show()
    assert win.table.horizontalHeaderItem(_col("phase")).text() == "Phase"
    win.language_action.trigger()
    assert current_language() == "ru"
    assert win.table.horizontalHeaderItem(_col("phase")).text() == "Этап" and win.table.rowCount() == 12
    assert win.language_action.shortcut().toString() == "Ctrl+L"
    win.language_action.trigger()
    assert current_language() == "en" and win.table.horizontalHeaderItem(_col("phase")).text() == "Phase"


def test_a_closed_room_with_someone_still_in_is_not_green(qtbot, day):
    from ui.hq.window import GREEN, RED, HqWindow

    hq, _rooms = day
    hq.record("room-closed", "0102", payload={"confirmed_open": ["still-writing"]})
    win = HqWindow(hq)
    qtbot.addWidget(win)
    assert _phase_cell(win, "0102").text() == "closed"
    assert _phase_cell(win, "0102").background().color() == RED
    assert _phase_cell(win, "0101").background().color() == GREEN


def test_stick_dialogs_start_on_the_stick_used_last(qtbot, day, tmp_path, monkeypatch):
    from ui.hq.window import HqWindow

    hq, _rooms = day
    stick = tmp_path / "stick"
    stick.mkdir()
    starts: list[str] = []

    def save(parent, title, start, *a, **k):
        starts.append(start)
        return str(stick / "0103-setup.pkg")

    def open_many(parent, title, start, *a, **k):
        starts.append(start)
        return []

    monkeypatch.setattr(popups, "choose_save_file", save)
    monkeypatch.setattr(popups, "choose_open_files", open_many)
    win = HqWindow(hq)
    qtbot.addWidget(win)
    win.table.selectRow(2)
    win.choose_setup_target()
    win.choose_files()
    assert Path(starts[0]).parent != Path.cwd() and Path(starts[0]).is_absolute()
    assert starts[1] == str(stick)


def test_the_gek_member_named_in_the_room_is_chosen_for_the_act(qtbot, day):
    from app.services import hq as hqs
    from ui.hq.window import HqWindow

    hq, rooms = day
    second = hqs.gek_members(hq)[1]
    room = rooms["0102"]
    p = next(q for q in room.room_state("0102").listed() if q.status == "present")
    room.record("removal", "0102", p.code, payload={"reason": "phone", "gek_member": second.short_name})
    from app.transfer.results import export_results, import_package

    pkg = export_results(room, hq.path.parent / "again.pkg", everything=True).write.path
    import_package(hq, pkg)
    win = HqWindow(hq)
    qtbot.addWidget(win)
    row = next(i for i, a in enumerate(win.act_items) if a.incident is not None
               and a.incident.payload.get("gek_member") == second.short_name)
    win.acts_table.selectRow(row)
    assert win.gek_combo.currentData() == second.code


def test_print_opens_the_print_preview_with_the_act_painted(qtbot, day):
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
    pages: list[int] = []

    def handle(dlg):
        from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget

        assert isinstance(dlg, QPrintPreviewDialog)
        preview = dlg.findChild(QPrintPreviewWidget)
        preview.updatePreview()
        pages.append(preview.pageCount())
        dlg.reject()

    run_dialog(win.print_selected, handle)
    assert pages and pages[0] >= 1
