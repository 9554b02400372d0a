"""The room window on a full disk: the same one line as the command, and the mark is not shown as done."""

from __future__ import annotations

import shutil

from tests.integrity.conftest import fill


def test_room_window_says_the_disk_is_full(demo_db, small_disk, clock, qtbot):
    from app import i18n
    from app.services.station import Station
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    db = small_disk / "room.db"
    shutil.copy(demo_db, db)
    i18n.set_language("ru")
    st = Station.open(db, clock=clock)
    w = RoomWindow(st, room="0101", settings=Settings(), ask_start=False)
    qtbot.addWidget(w)
    try:
        assert w.mark("note", payload={"text": "before"}) is not None
        filler = fill(small_disk)
        held = st.log.count()
        results = [w.mark("note", payload={"text": "x" * 1500 + str(i)}) for i in range(40)]
        assert None in results
        n_ok = results.index(None)
        assert "на диске нет места: отметка не записана" in w.status.currentMessage()
        filler.unlink()
        assert st.log.count() == held + n_ok
    finally:
        w.timer.stop()
        w.close()
        st.close()
        i18n.set_language("en")
