"""Child process of test_window_size: open the room and HQ windows on one offscreen screen of the
size given (Qt reads the screen at start-up, so each size needs its own process) and print their
minimum and actual sizes as JSON.

    python -m tests.ui.size_probe ROOM_DB HQ_DB
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

LONG_NOTICE = ("Станция настроена по пакету штаба. Сверьте отпечатки ключей со штабом: станция room-0123456789 · "
               "1a2b 3c4d 5e6f 7a8b 9c0d 1e2f · штаб hq-9876543210 · 9f8e 7d6c 5b4a 3928 1706 f5e4")


def main(room_db: str, hq_db: str) -> None:
    from app.clock import FixedClock
    from app.services import room_ops
    from app.services.station import Station
    from ui.language import switch_language
    from ui.qt import QtWidgets
    from ui.settings import Settings

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    screen = app.primaryScreen().availableGeometry()
    out: dict = {"screen": [screen.width(), screen.height()], "windows": []}
    st = Station.open(room_db, clock=FixedClock(datetime(2026, 6, 4, 10, 30, tzinfo=ZoneInfo("Asia/Yekaterinburg"))))
    room_ops.play(st, "0101", until="10:30")
    hq = Station.open(hq_db)
    for lang in ("ru", "en"):
        switch_language(lang)
        from ui.room.window import RoomWindow

        settings = Settings()
        settings.set("font_pt", int(settings.get("font_pt")) + 2)  # text size +2
        w = RoomWindow(st, room="0101", settings=settings, ask_start=False)
        w.show()
        w.show_notice(LONG_NOTICE)
        w.warn("Осталось 30 минут до окончания экзамена (13:30): напомните участникам о переносе ответов из "
               "черновиков и КИМ в бланки.")
        app.processEvents()
        _record(out, "room", lang, w)
        w.timer.stop()
        w.close()
        from ui.hq.window import HqWindow

        h = HqWindow(hq, settings=settings)
        h.show()
        app.processEvents()
        _record(out, "hq", lang, h)
        h.close()
        settings.set("font_pt", int(settings.get("font_pt")) - 2)
    print("SIZES " + json.dumps(out), flush=True)


def _record(out: dict, name: str, lang: str, w) -> None:
    m, g = w.minimumSizeHint().expandedTo(w.minimumSize()), w.frameGeometry()
    out["windows"].append({"window": name, "lang": lang, "min": [m.width(), m.height()],
                           "frame": [g.x(), g.y(), g.width(), g.height()]})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
