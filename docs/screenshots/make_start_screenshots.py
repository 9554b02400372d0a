"""Make the README screenshots of the start window and of a room window that just wrote its stick:

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        /work/venv/bin/python docs/screenshots/make_start_screenshots.py docs/screenshots

The room is set up from a real HQ set-up package and exports a real result package.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(out: Path) -> None:
    os.environ.setdefault("AUDITORIA_HOME", tempfile.mkdtemp(prefix="auditoria-shots-"))
    from app.i18n import set_language
    from app.paths import data_dir
    from app.services import room_ops
    from app.services.hq_demo import PASSPHRASE, make_hq, room_day
    from app.transfer.setup import export_setup, init_in_folder
    from ui.launcher import Launcher
    from ui.qt import QTimer, QtWidgets
    from ui.room.window import RoomWindow
    from ui.settings import Settings

    set_language(os.environ.get("SHOT_LANG", "ru"))
    app = QtWidgets.QApplication(sys.argv[:1])
    home = data_dir()
    (home / "hq").mkdir()
    stick = home / "stick"
    stick.mkdir()
    hq = make_hq(home / "hq" / "hq.db")
    export_setup(hq, "0101", stick / "0101-setup.pkg", passphrase=PASSPHRASE)
    st, _opened = init_in_folder(home, stick / "0101-setup.pkg", PASSPHRASE)
    settings = Settings()
    settings.remember(str(st.path))
    screen = app.primaryScreen()
    geo = screen.availableGeometry()

    launcher = Launcher(settings)
    launcher.move(geo.center() - launcher.rect().center())
    launcher.show()

    def grab(widget, name: str) -> None:
        app.processEvents()
        pix = widget.grab()
        pix.save(str(out / name))
        print(out / name, pix.width(), pix.height())

    def step1() -> None:
        grab(launcher, "start-window.png")
        launcher.close()
        room_day(st)
        room_ops.set_room_clock(st, room_ops.local_on_day(st, 13, 52, 10))
        win = RoomWindow(st, room="0101", settings=settings, ask_start=False)
        win.setGeometry(geo)
        win.show()
        launcher.win = win
        op = win.export_to_stick(str(stick))
        op.finished.connect(lambda: QTimer.singleShot(400, step2))

    def step2() -> None:
        grab(launcher.win, "room-export.png")
        app.quit()

    QTimer.singleShot(600, step1)
    app.exec()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
