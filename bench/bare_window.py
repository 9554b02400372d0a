"""The floor for the room-window benchmark: a bare PySide6 main window after importing the same
third-party libraries the room station loads (names given on the command line)."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import importlib  # noqa: E402
import sys  # noqa: E402


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    import builtins
    import contextlib

    plain_import = builtins.__import__
    for name in sys.argv[1:]:
        with contextlib.suppress(Exception):  # a package only importable as part of another: skip
            importlib.import_module(name)
        # as ui/qt.py does once Qt is imported: PySide's import hook (it reads the source of every module
        # imported after Qt, looking for ``from __feature__ import``) is taken out again, so the floor's
        # later imports cost what the room station's do
        if builtins.__import__ is not plain_import and name.startswith("PySide6"):
            builtins.__import__ = plain_import
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication(sys.argv[:1])
    w = QtWidgets.QMainWindow()
    w.setCentralWidget(QtWidgets.QLabel("bare"))
    w.resize(1366, 768)
    w.show()

    def report() -> None:
        print(f"READY {time.perf_counter() - _T0:.4f} {rss_mb():.1f} {time.process_time():.4f}", flush=True)
        print(f"MEMORY {rss_mb('RssAnon'):.1f} {rss_mb('RssFile'):.1f}", flush=True)
        app.quit()

    QtCore.QTimer.singleShot(0, report)
    app.exec()


if __name__ == "__main__":
    main()
