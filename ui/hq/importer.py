"""Importing package files off the GUI thread.

The worker opens its own Station on the same database file (its own SQLite connections;
SQLite has one writer at a time anyway) and reports progress and receipts through signals,
which Qt delivers on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from app.errors import UserError
from ui.qt import QtCore, Signal, Slot


class ImportWorker(QtCore.QObject):
    progress = Signal(int, str)  # percent of the whole batch, what is happening
    receipt = Signal(object)  # app.transfer.results.Receipt
    failed = Signal(str, str)  # file, one clear line
    finished = Signal()

    def __init__(self, db: Path, files: list[Path]):
        super().__init__()
        self.db, self.files = Path(db), [Path(f) for f in files]

    @Slot()
    def run(self) -> None:
        from app.services.station import Station
        from app.transfer.results import import_package, order_packages

        station = None
        try:
            station = Station.open(self.db)
            self.files = order_packages(self.files)
            n = max(1, len(self.files))
            for i, f in enumerate(self.files):
                def step(pct: int, stage: str, i=i, f=f) -> None:
                    self.progress.emit(int((i * 100 + pct) / n), f"{f.name}: {stage}")

                try:
                    self.receipt.emit(import_package(station, f, progress=step))
                except UserError as e:
                    self.failed.emit(str(f), str(e))
                except Exception as e:  # never a traceback for the user
                    from app.logs import get_logger, log_failure

                    log_failure(get_logger("ui.hq"), "package import", e)
                    self.failed.emit(str(f), f"{e.__class__.__name__}")
        finally:
            if station is not None:
                station.close()
            self.finished.emit()


def start_import(parent: QtCore.QObject, db: Path, files: list[Path]) -> tuple[QtCore.QThread, ImportWorker]:
    thread = QtCore.QThread(parent)
    worker = ImportWorker(db, files)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    worker.finished.connect(worker.deleteLater)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread, worker
