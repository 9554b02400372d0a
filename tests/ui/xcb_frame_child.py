"""Child process for test_window_frame: the room window (or HQ's) on a real X server with a window
manager, first launch (no saved geometry). Prints one JSON line: the frame and the status bar's bottom
edge, read 1.5 s after show (the window manager has framed it by then)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    db, role = Path(sys.argv[1]), sys.argv[2]
    from app.services.station import Station
    from ui.qt import QtCore, QTimer, QtWidgets
    from ui.settings import Settings

    app = QtWidgets.QApplication([])
    st = Station.open(db)
    if role == "hq":
        from ui.hq.window import HqWindow

        w = HqWindow(st)
    else:
        from ui.room.window import RoomWindow

        ini = QtCore.QSettings(str(db.parent / "frame.ini"), QtCore.QSettings.Format.IniFormat)
        w = RoomWindow(st, room="0101", settings=Settings(ini), ask_start=False)
    w.show()

    def report() -> None:
        f = w.frameGeometry()
        status = w.statusBar()
        bottom = status.mapToGlobal(status.rect().bottomLeft()).y() if status.isVisible() else f.bottom()
        screen = w.screen().availableGeometry()
        print("RESULT " + json.dumps({"frame": [f.x(), f.y(), f.width(), f.height()], "status_bottom": bottom,
                                      "framed": f.height() > w.height(),
                                      "screen": [screen.width(), screen.height()]}), flush=True)
        app.quit()

    QTimer.singleShot(1500, report)
    app.exec()
    st.close()


if __name__ == "__main__":
    main()
