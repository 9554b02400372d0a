"""Benchmark: printing forms to PDF, beside a 2-page QPdfWriter floor measured in the same run.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.bench_forms
Targets (issue 4): the room set (05-01, 05-02, 12-02, 12-03, 12-04-МАШ) ≤ 0.25 s;
the PPE day pack for 20 rooms ≤ 5 s.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.clock import FixedClock  # noqa: E402
from app.domain.model import Room  # noqa: E402
from app.forms.sample import fill_plain_room, fill_room_0101  # noqa: E402
from app.services.demo import install_demo  # noqa: E402
from app.services.station import Station  # noqa: E402
from app.store import plan_repo  # noqa: E402

ROOMS = 20


def make_day(path: Path) -> Station:
    """The demo day grown to 20 rooms, every room run through a day, room 0101 with every kind of mark."""
    st = Station.create(path, role="hq", clock=FixedClock(datetime(2026, 6, 4, 14, 5,
                                                                   tzinfo=ZoneInfo("Asia/Yekaterinburg"))))
    install_demo(st)
    plan = st.plan
    extra_rooms = []
    people = []
    code = 670_000_000
    base = sorted(plan.rooms)
    for i in range(ROOMS - len(base)):
        src = plan.rooms[base[i]]
        num = f"04{i + 1:02d}"
        extra_rooms.append(Room(num, src.rows, src.seats_per_row, f"Кабинет 4{i + 1:02d}"))
        for p in plan.room_participants(src.number):
            code += 7
            people.append(dataclasses.replace(p, code=str(code), room=num))
    with st.engine.begin() as conn:
        for r in extra_rooms:
            plan_repo.save_room(conn, r)
        plan_repo.save_participants(conn, people)
    st.invalidate()
    fill_room_0101(st)
    for room in sorted(st.plan.rooms):
        if room != "0101":
            fill_plain_room(st, room)
    assert len(st.plan.rooms) == ROOMS
    return st


def floor_two_pages(out: Path) -> None:
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    from app.forms.render import ensure_gui, font

    ensure_gui()
    w = QPdfWriter(str(out))
    w.setResolution(600)
    w.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    p = QPainter(w)
    p.setFont(font(10))
    p.drawText(500, 500, "Страница 1")
    w.newPage()
    p.drawText(500, 500, "Страница 2")
    p.end()


def timed(fn, n: int) -> tuple[float, float]:
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), min(ts)


def main() -> None:
    from app.forms.api import render_day_pack, render_room_set
    from app.forms.render import ensure_gui

    ensure_gui()
    with tempfile.TemporaryDirectory() as td:
        tdp = Path(td)
        t0 = time.perf_counter()
        st = make_day(tdp / "day.db")
        setup = time.perf_counter() - t0
        floor_two_pages(tdp / "warm.pdf")
        render_room_set(st, "0101", tdp / "warm")  # warm-up: fonts, keys, imports
        floor_med, floor_min = timed(lambda: floor_two_pages(tdp / "floor.pdf"), 15)
        set_med, set_min = timed(lambda: render_room_set(st, "0101", tdp / "set"), 9)
        pack_med, pack_min = timed(lambda: render_day_pack(st, tdp / "pack"), 3)
        files = len(list((tdp / "pack").rglob("*.pdf")))
    print(f"setup (20-room day, {st.log.count()} events): {setup:.2f} s")
    print(f"floor: 2-page QPdfWriter      median {floor_med * 1000:7.1f} ms  (min {floor_min * 1000:.1f})")
    print(f"room set, 5 forms (0101)      median {set_med * 1000:7.1f} ms  (min {set_min * 1000:.1f})"
          f"  = {set_med / floor_med:5.1f}× floor   target ≤ 250 ms  {'OK' if set_med <= 0.25 else 'OVER'}")
    print(f"day pack, {ROOMS} rooms, {files} PDFs  median {pack_med * 1000:7.1f} ms  (min {pack_min * 1000:.1f})"
          f"  = {pack_med / floor_med:5.1f}× floor   target ≤ 5000 ms  {'OK' if pack_med <= 5 else 'OVER'}")


if __name__ == "__main__":
    main()
