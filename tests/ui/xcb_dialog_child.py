"""Child process for test_dialog_lag: the room window on a real X server (xcb), one «Записать».

The mark's write is slowed to 1.5 s (what a loaded machine did to the write and the repaint after
it). While it runs we ask the X server, as the organizer's eyes would: is the dialog still mapped,
still drawn? who has the keyboard focus? and we press the next key (``NEXT_KEY``) with xdotool.
``WM_PID``: the window manager is stopped from «Записать» to the end of the write (a window
manager starved of CPU). Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _shot(g: tuple[int, int, int, int]) -> str:
    """A hash of the screen's pixels in the rectangle ``g`` (x, y, w, h), read from the X server."""
    import hashlib

    x, y, w, h = g
    png = subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "rgb:-"],
                         capture_output=True, check=True).stdout
    return hashlib.sha256(png).hexdigest()[:16]


def main() -> None:
    db = Path(sys.argv[1])
    from app.i18n import set_language
    from app.services.station import Station
    from ui.qt import QTimer, QtWidgets
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    set_language("ru")
    app = QtWidgets.QApplication([])
    st = Station.open(db)
    w = RoomWindow(st, room="0101", settings=Settings(), ask_start=False)
    w.show()
    w.activateWindow()
    deadline = time.monotonic() + 10
    while not w.isActiveWindow() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    people = st.plan.room_participants("0101")
    st.record("admitted", "0101", people[0].code)
    w.refresh()
    w.select(people[0].code)
    seen: dict = {}
    orig = st.record

    def slow_record(*a, **k):
        """What X shows while the mark is being written; then the next key, typed by the organizer."""
        dlg = seen.get("dialog")
        if dlg is not None:
            info = subprocess.run(["xwininfo", "-id", str(dlg)], capture_output=True, text=True).stdout
            seen["dialog_mapped"] = "IsViewable" in info
        g = seen.get("geometry")
        if g is not None:  # what the screen shows where the dialog was: the dialog's pixels still?
            # (the window manager unmaps the dialog's frame in its own time: give it a second)
            end = time.monotonic() + 1.0
            seen["during"] = _shot(g)
            while seen["during"] == seen["before"] and time.monotonic() < end:
                time.sleep(0.05)
                seen["during"] = _shot(g)
        focus = subprocess.run(["xdotool", "getwindowfocus"], capture_output=True, text=True).stdout.strip()
        seen["focus_is_main"] = focus == str(int(w.winId()))
        subprocess.run(["xdotool", "key", os.environ.get("NEXT_KEY", "F7")], check=True)
        time.sleep(1.5)
        if os.environ.get("WM_PID"):
            os.kill(int(os.environ["WM_PID"]), signal.SIGCONT)
        st.record = orig
        return orig(*a, **k)

    st.record = slow_record

    def accept() -> None:
        dlg = QtWidgets.QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, accept)
            return
        dlg.sheet.setText("1234567")
        seen["dialog"] = int(dlg.winId())
        fg = dlg.frameGeometry()
        seen["geometry"] = (fg.x(), fg.y(), fg.width(), fg.height())
        app.processEvents()
        seen["before"] = _shot(seen["geometry"])
        if os.environ.get("WM_PID"):
            os.kill(int(os.environ["WM_PID"]), signal.SIGSTOP)
        dlg.accept()

    QTimer.singleShot(300, accept)
    before = st.log.count() + 1  # the extra sheet itself
    rec = w.extra_sheet()
    end = time.monotonic() + 3
    while time.monotonic() < end and not (w.search.text() or st.log.count() > before):
        app.processEvents()
        time.sleep(0.02)
    seen.pop("dialog", None)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    seen["after"] = _shot(seen["geometry"])
    seen["recorded"] = rec is not None
    seen["search"] = w.search.text()
    seen["kinds"] = [e.kind for e in st.log.for_room(st.day.key, "0101")][-3:]
    print("RESULT " + json.dumps(seen), flush=True)
    w.timer.stop()
    st.close()


if __name__ == "__main__":
    main()
