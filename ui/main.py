"""Desktop entry point: the start window, or a station database's window for its role.

Without ``--db`` or ``--demo`` the start window (ui/launcher.py) shows: set up this room from
HQ's package, open a station database, recent ones, or the demo. Nothing is created unasked.
``python -m ui.main --demo`` opens the demo exam day in a database under the data folder, with
the room clock set to 08:55 on the demo day so it feels like exam morning.
The database is opened on the worker thread (ui.ops.Operation) while a progress window shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

_T0 = time.perf_counter()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="auditoria-gui", description="Auditoria desktop station (without --db or "
                                "--demo: the start window)")
    p.add_argument("--db", type=Path, help="station database (default: demo.db in the data folder with --demo)")
    p.add_argument("--demo", action="store_true", help="open the demo exam day (created on first use)")
    p.add_argument("--role", choices=("room", "hq"), help="window to show (default: the database's role)")
    p.add_argument("--room", help="room to open on a room station")
    p.add_argument("--lang", choices=("ru", "en"))
    p.add_argument("--demo-time", default="08:55", help="room-clock time on the demo day (default 08:55)")
    p.add_argument("--self-test", action="store_true", help="check this installation headless, print a report, exit")
    return p.parse_args(argv)


def open_station(args: argparse.Namespace):
    from app.errors import UserError
    from app.paths import data_dir
    from app.services.station import Station

    if args.db is None and not args.demo:
        raise UserError("no station database: give --db FILE, or --demo")
    db = args.db or (data_dir() / ("demo-hq.db" if args.role == "hq" else "demo.db"))
    if not db.exists():
        if not args.demo:
            raise UserError(f"{db}: no such database")
        from app.services.demo import make_demo_pair

        st = make_demo_pair(db, role=args.role or "room")
    else:
        st = Station.open(db)
    try:
        return _prepare(st, db, args)
    except BaseException:  # the start window may try another file: leave nothing open behind
        st.close()
        raise


def _prepare(st, db: Path, args: argparse.Namespace):
    """Check the station can show a window, set the demo's morning clock, warm the caches."""
    role = args.role or st.role
    plan = st.plan  # a database without an exam day stops here with a clear message (UserError)
    room = args.room or st.home_room or (sorted(plan.rooms)[0] if plan.rooms else "")
    if role == "room":
        if not room:
            from app.errors import UserError

            raise UserError(f"{db}: no rooms in this exam day: import a distribution list first")
        room = st.room(room).number  # an unknown --room stops here, naming the rooms there are
        args.room = room
    from app.services import room_ops

    if args.demo and room and not room_ops.has_marks(st, room):
        # exam morning: a fresh demo room starts at 08:55 on the demo day; a demo already under way keeps
        # its remembered offset, so its clock goes on from where the marks are
        hh, mm = (int(x) for x in args.demo_time.split(":"))
        room_ops.set_room_clock(st, room_ops.local_on_day(st, hh, mm))
    # warm the caches the window needs, here on the worker thread
    if role == "room":
        st.room_state(room)
    return st


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

    def open_window(station, room: str | None) -> str:
        from ui.qt import QtCore
        from ui.settings import Settings

        if room is None:
            from ui.hq.window import HqWindow

            win = HqWindow(station)
        else:
            from ui.room.window import RoomWindow

            # settings in the scratch folder: a self-test leaves the user's settings alone
            ini = QtCore.QSettings(str(station.path.parent / "settings.ini"), QtCore.QSettings.Format.IniFormat)
            win = RoomWindow(station, room=room, settings=Settings(ini), ask_start=False)
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


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process in MB (Linux), for the benchmark's report line: all of it
    (``VmRSS``), or its anonymous part (``RssAnon``: what the process allocated) or file part
    (``RssFile``: pages of the libraries and fonts it mapped, shared with other processes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def third_party_modules() -> list[str]:
    """Non-stdlib modules loaded now, submodules included (the benchmark's bare window imports the same:
    importing ``sqlalchemy`` alone would leave out the ORM the station loads)."""
    return sorted(m for m in list(sys.modules) if m.split(".")[0] not in sys.stdlib_module_names
                  and not m.startswith("_") and m.split(".")[0] not in ("app", "ui", "bench", "tests"))


def settle() -> None:
    """Once the station's window is up: what start-up made for good leaves the collector's reach.

    Why: start-up leaves ~85,000 objects that live as long as the program (modules, classes, the
    ORM's and Qt's wrappers). Every full collection walked them all on the GUI thread (35-98 ms each
    on the shared 2-core machine), and on a mark or a keystroke that is a dropped frame. ``gc.freeze()`` moves them to the
    permanent generation (it only relinks lists: no collection now, nothing added before the first
    paint). Objects made later (marks, states) are collected as before.
    """
    import gc

    gc.freeze()


def _show(station, args, settings=None) -> object:
    role = args.role or station.role
    if role == "hq":
        from ui.hq.window import HqWindow

        win = HqWindow(station)
    else:
        from ui.room.window import RoomWindow

        win = RoomWindow(station, room=args.room, settings=settings,
                         ask_start=not os.environ.get("AUDITORIA_BENCH_QUIT"))
    win.show()
    return win


class Session:
    """What the desktop program shows: the start window until a station is chosen, then its window.

    A database chosen in the start window that will not open (not a station, no exam day) is
    reported there and the start window stays; with ``--db`` on the command line the program
    says why on stderr and in the one error dialog, and exits 2.
    """

    def __init__(self, args: argparse.Namespace, settings, on_fatal=None, on_shown=None):
        self.args = args
        self.settings = settings
        self.on_fatal = on_fatal
        self.on_shown = on_shown  # called once a window (start or station) is up: the benchmark's cue
        self.launcher = None
        self.window = None
        self.station = None
        self.op = None

    def start(self) -> None:
        if self.args.db is not None or self.args.demo:
            self.open(self.args)
        else:
            self.show_launcher()

    def show_launcher(self):
        from ui.launcher import Launcher

        self.launcher = Launcher(self.settings)
        self.launcher.open_requested.connect(self.open_path)
        self.launcher.demo_requested.connect(self.open_demo)
        self.launcher.show()
        if self.on_shown:
            self.on_shown()
        return self.launcher

    def open_path(self, path: Path, notice: str = "") -> None:
        self.open(argparse.Namespace(**{**vars(self.args), "db": Path(path), "demo": False}), notice)

    def open_demo(self) -> None:
        self.open(argparse.Namespace(**{**vars(self.args), "db": None, "demo": True}))

    def open(self, args: argparse.Namespace, notice: str = "") -> None:
        from app.i18n import _
        from ui.ops import Operation

        if self.launcher is not None:
            self.launcher.set_busy(True)

        def opened(station) -> None:
            self.station = station
            # the demo's database too: the start window lists it next time
            self.settings.remember(str(Path(args.db if args.db is not None else station.path).resolve()))
            self.window = _show(station, args, self.settings)
            if notice and hasattr(self.window, "show_notice"):
                self.window.show_notice(notice)
            if self.launcher is not None:
                self.launcher.close()
                self.launcher.deleteLater()
                self.launcher = None
            settle()
            if self.on_shown:
                self.on_shown()

        def failed(e: Exception) -> None:
            from app.errors import UserError
            from ui.ops import show_error

            if self.launcher is not None:
                self.launcher.set_busy(False)
                self.launcher.say(str(e) if isinstance(e, UserError) else _(
                    "This database could not be opened ({name}). Details are in the log.").format(
                    name=e.__class__.__name__), error=True)
                return
            if isinstance(e, UserError):
                print(f"auditoria-gui: {e}", file=sys.stderr)
            show_error(None, e)
            if self.on_fatal:
                self.on_fatal()

        self.op = Operation(self.launcher, lambda: open_station(args), _("Opening the exam day…")) \
            .success(opened).failure(failed).run()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_test:
        return self_test(args)
    from app.logs import setup_logging
    from ui.language import switch_language
    from ui.ops import install_excepthook
    from ui.qt import QTimer, QtWidgets
    from ui.settings import Settings

    setup_logging()
    install_excepthook()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("Auditoria")
    app.setOrganizationName("Auditoria")
    settings = Settings()
    switch_language(args.lang or settings.get("language") or "ru")
    session = Session(args, settings, on_fatal=lambda: app.exit(2))

    if os.environ.get("AUDITORIA_BENCH_QUIT"):  # bench/bench_room_ui.py and tests: report and leave
        def report() -> None:
            if os.environ.get("AUDITORIA_BENCH_MODULES"):
                print("MODULES " + " ".join(third_party_modules()), flush=True)
            import gc

            # wall seconds, RSS in MB, and the process's CPU seconds (all threads) since it started
            print(f"READY {time.perf_counter() - _T0:.4f} {rss_mb():.1f} {time.process_time():.4f}", flush=True)
            print(f"MEMORY {rss_mb('RssAnon'):.1f} {rss_mb('RssFile'):.1f}", flush=True)
            print(f"HEAP frozen={gc.get_freeze_count()}", flush=True)
            print("SHOWN " + ("window" if session.window is not None else "start"), flush=True)
            app.quit()

        session.on_shown = lambda: QTimer.singleShot(0, report)
    QTimer.singleShot(0, session.start)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
