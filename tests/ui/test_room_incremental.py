"""Issue 12 (benchmark): a mark repaints its own participant's tile and row, not the whole room.

Rebuilding every tile and row on each «record changed» cost most of the click → repaint time on a
loaded machine (bench.bench_room_ui)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(60)


def test_a_mark_repaints_only_its_participants_tile_and_row(window, station, monkeypatch):
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
    table = window.table
    items_before = {i: [table.item(i, j) for j in range(3)] for i in range(table.rowCount())}
    texts_before = {i: [it.text() for it in its] for i, its in items_before.items()}
    rec = window.quick("exit")
    assert rec is not None and rec.event.participant == target.code
    assert set(painted) == {target.seat}, painted  # the others were not even recomputed
    changed = [i for i in range(table.rowCount()) if [table.item(i, j).text() for j in range(3)] != texts_before[i]]
    assert changed == [table.rows[target.code]], changed  # one row of the list
    assert all(table.item(i, j) is items_before[i][j] for i in items_before for j in range(3))  # none rebuilt
    assert window.seatmap.by_code[target.code].text() != before  # and that one did change
    assert window.table.item(window.table.rows[target.code], 2).text() != before_row
