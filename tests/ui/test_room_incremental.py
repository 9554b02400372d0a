"""Issue 12 (benchmark): a mark repaints its own participant's tile and row, not the whole room.

Rebuilding every tile and row on each «record changed» cost most of the click → repaint time on a
loaded machine (bench.bench_room_ui)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(60)


def test_a_mark_repaints_only_its_participants_tile_and_row(window, station, monkeypatch):
    from ui.qt import QtWidgets
    from ui.room.seatmap import SeatButton

    ps = station.plan.room_participants("0101")
    for p in ps:
        station.record("admitted", "0101", p.code)
    window.refresh()
    target = ps[4]
    window.select(target.code)
    before = window.seatmap.by_code[target.code].text()
    before_row = window.table.item(window.table.rows[target.code], 2).text()
    painted: list[str] = []
    real = SeatButton.show_as
    monkeypatch.setattr(SeatButton, "show_as", lambda self, *a: (painted.append(self.label), real(self, *a))[1])
    texts: list[int] = []
    real_set = QtWidgets.QTableWidgetItem.setText
    monkeypatch.setattr(QtWidgets.QTableWidgetItem, "setText",
                        lambda self, t: (texts.append(self.row()) if self.tableWidget() is window.table else None,
                                                     real_set(self, t))[1])
    rec = window.quick("exit")
    assert rec is not None and rec.event.participant == target.code
    assert set(painted) == {target.seat}, painted  # the others were not even recomputed
    assert set(texts) <= {window.table.rows[target.code]}, texts  # one row of the list
    assert window.seatmap.by_code[target.code].text() != before  # and that one did change
    assert window.table.item(window.table.rows[target.code], 2).text() != before_row
