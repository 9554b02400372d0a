"""Desktop entry point: open (or create) a station database and show the window for its role.

``python -m ui.main --demo`` opens the demo exam day in a database under the data folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="auditoria-gui", description="Auditoria desktop station")
    p.add_argument("--db", type=Path, help="station database (default: demo.db in the data folder with --demo)")
    p.add_argument("--demo", action="store_true", help="open the demo exam day (created on first use)")
    p.add_argument("--role", choices=("room", "hq"), help="window to show (default: the database's role)")
    p.add_argument("--room", help="room to open on a room station")
    p.add_argument("--lang", choices=("ru", "en"))
    p.add_argument("--self-test", action="store_true", help="check this installation headless, print a report, exit")
    return p.parse_args(argv)


def open_station(args: argparse.Namespace):
    from app.paths import data_dir
    from app.services.station import Station

    db = args.db or (data_dir() / ("demo-hq.db" if args.role == "hq" else "demo.db"))
    if not db.exists():
        if not (args.demo or args.db is None):
            from app.errors import UserError

            raise UserError(f"{db}: no such database")
        st = Station.create(db, role=args.role or "room")
        from app.services.demo import install_demo

        install_demo(st)
        return st
    return Station.open(db)


def self_test(args: argparse.Namespace) -> int:
    """Headless check of this build (app/selftest.py); only the window is opened here."""
    import os

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app import selftest
    from app.i18n import set_language
    from ui.qt import QtWidgets

    if args.lang:
        set_language(args.lang)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    shown: list = []

    def open_window(station, room: str) -> str:
        from ui.room.window import RoomWindow

        win = RoomWindow(station, room=room)
        shown.append(win)
        win.show()
        app.processEvents()
        if not win.isVisible():
            raise selftest.StepFailed("the main window did not show")
        return win.windowTitle()

    out = sys.stdout
    if out is None:  # windowed build on Windows: no console, so the report goes to a file
        from app.paths import data_dir

        out = (data_dir() / "auditoria-selftest.txt").open("w", encoding="utf-8")
    try:
        return selftest.run(open_window=open_window, lang=args.lang, out=out)
    finally:
        for win in shown:
            win.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_test:
        return self_test(args)
    from app.i18n import set_language
    from ui.qt import QtWidgets

    if args.lang:
        set_language(args.lang)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("Auditoria")
    app.setOrganizationName("Auditoria")
    try:
        station = open_station(args)
    except Exception as e:  # no traceback reaches the user
        from app.errors import UserError

        msg = str(e) if isinstance(e, UserError) else f"{e.__class__.__name__}"
        QtWidgets.QMessageBox.critical(None, "Auditoria", msg)
        return 2
    role = args.role or station.role
    if role == "hq":
        from ui.hq.window import HqWindow

        win = HqWindow(station)
    else:
        from ui.room.window import RoomWindow

        win = RoomWindow(station, room=args.room)
    win.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
