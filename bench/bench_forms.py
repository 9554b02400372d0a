"""Benchmark: printing forms to PDF, beside a 2-page QPdfWriter floor measured in the same run.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.bench_forms
Targets (issue 15): the room set (05-01 ×2, 05-02, 12-02, 12-03, 12-04-МАШ) ≤ 4× the floor per
page, pages counted, in the same run; the PPE day pack for 20 rooms ≤ 1 s on a quiet machine;
the room set's PDF ≤ 150 KB.
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


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


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
        room_pdf = tdp / "set" / "ppe-room-0101.pdf"
        pages = pdf_pages(room_pdf)
        size = room_pdf.stat().st_size
        pack_med, pack_min = timed(lambda: render_day_pack(st, tdp / "pack"), 3)
        files = sorted((tdp / "pack").rglob("*.pdf"))
        pack_bytes = sum(f.stat().st_size for f in files)
        pack_pages = sum(pdf_pages(f) for f in files)
    per_floor = floor_med / 2
    ratio = set_med / pages / per_floor
    print(f"setup (20-room day, {st.log.count()} events): {setup:.2f} s")
    print(f"floor: 2-page QPdfWriter      median {floor_med * 1000:7.1f} ms  (min {floor_min * 1000:.1f})"
          f"  = {per_floor * 1000:.2f} ms a page")
    print(f"room set, 5 forms (0101), {pages} pages  median {set_med * 1000:7.1f} ms  (min {set_min * 1000:.1f})"
          f"  = {set_med / pages * 1000:.2f} ms a page = {ratio:4.1f}× floor per page   target ≤ 4×  "
          f"{'OK' if ratio <= 4 else 'OVER'}")
    print(f"room set PDF                  {size / 1024:7.1f} KB   target ≤ 150 KB  {'OK' if size <= 150 * 1024 else 'OVER'}")
    print(f"day pack, {ROOMS} rooms, {len(files)} PDFs, {pack_pages} pages  median {pack_med * 1000:7.1f} ms  "
          f"(min {pack_min * 1000:.1f})  = {pack_med / pack_pages / per_floor:4.1f}× floor per page   "
          f"target ≤ 1000 ms  {'OK' if pack_med <= 1 else 'OVER'}   {pack_bytes / 1024:.0f} KB in all")


if __name__ == "__main__":
    main()
