"""Long work off the GUI thread: one Operation pattern and one worker (style.md §3-4).

``Operation(parent, fn, label).success(cb).failure(cb).run()`` runs ``fn`` on the single
database worker, shows a busy progress dialog after a short delay, and calls back on the GUI
thread. Widgets are never touched off the GUI thread; SQLite sees one writer at a time.
``dialog=False`` shows no dialog: the caller shows ``progressed`` in its own widgets (the HQ
window's sync, which must not block the other tabs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.errors import UserError
from app.i18n import _
from app.logs import get_logger
from ui.qt import QtCore, QtWidgets, Signal
from ui.widgets import exec_dialog

log = get_logger("ui.ops")

_pool: QtCore.QThreadPool | None = None
_alive: set[Operation] = set()  # running operations without a parent stay referenced until done


_net_pool: QtCore.QThreadPool | None = None


def worker_pool() -> QtCore.QThreadPool:
    """The one database worker (max one thread)."""
    global _pool
    if _pool is None:
        _pool = QtCore.QThreadPool()
        _pool.setMaxThreadCount(1)
    return _pool


def network_pool() -> QtCore.QThreadPool:
    """Network I/O has its own worker: a 30-s sync timeout must never hold up printing or an export
    (each job opens its own Station, so SQLite sees them as two connections)."""
    global _net_pool
    if _net_pool is None:
        _net_pool = QtCore.QThreadPool()
        _net_pool.setMaxThreadCount(1)
    return _net_pool


class _Relay(QtCore.QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int, str)


class _Task(QtCore.QRunnable):
    def __init__(self, fn: Callable[..., Any], relay: _Relay, with_progress: bool):
        super().__init__()
        self.fn, self.relay, self.with_progress = fn, relay, with_progress

    def run(self) -> None:  # worker thread: no widgets here; progress goes to the GUI as a signal
        try:
            if self.with_progress:
                result = self.fn(lambda done, total, label="": self.relay.progress.emit(int(done), int(total),
                                                                                      str(label)))
            else:
                result = self.fn()
        except Exception as e:  # handed to the GUI thread; never a traceback to the user
            self.relay.failed.emit(e)
        else:
            self.relay.done.emit(result)


class Operation(QtCore.QObject):
    """One piece of long work with progress and GUI-thread callbacks."""

    finished = Signal()
    progressed = Signal(int, int, str)  # done, total, label: on the GUI thread

    def __init__(self, parent: QtWidgets.QWidget | None, fn: Callable[..., Any], label: str,
                 show_after_ms: int = 300, with_progress: bool = False, dialog: bool = True,
                 network: bool = False):
        """``with_progress``: ``fn`` takes one argument, ``progress(done, total, label)``; ``network``:
        run on the network worker, not the database one."""
        super().__init__(parent)
        self.pool = network_pool if network else worker_pool
        self.fn, self.label, self.show_after_ms = fn, label, show_after_ms
        self.with_progress, self.dialog = with_progress, dialog
        self.last_progress: tuple[int, int, str] | None = None
        self._ok: Callable[[Any], None] | None = None
        self._fail: Callable[[Exception], None] | None = None
        self._progress: QtWidgets.QProgressDialog | None = None
        self._relay = _Relay()
        self._relay.done.connect(self._on_done, QtCore.Qt.ConnectionType.QueuedConnection)
        self._relay.failed.connect(self._on_failed, QtCore.Qt.ConnectionType.QueuedConnection)
        self._relay.progress.connect(self._on_progress, QtCore.Qt.ConnectionType.QueuedConnection)
        self.running = False

    def success(self, cb: Callable[[Any], None]) -> Operation:
        self._ok = cb
        return self

    def failure(self, cb: Callable[[Exception], None]) -> Operation:
        self._fail = cb
        return self

    def run(self) -> Operation:
        self.running = True
        _alive.add(self)
        if not self.dialog:
            self.pool().start(_Task(self.fn, self._relay, self.with_progress))
            return self
        parent = self.parent()
        parent = parent if isinstance(parent, QtWidgets.QWidget) else None
        dlg = QtWidgets.QProgressDialog(self.label, "", 0, 0, parent)  # busy until the first progress
        dlg.setCancelButton(None)
        dlg.setWindowModality(QtCore.Qt.WindowModality.WindowModal if parent else QtCore.Qt.WindowModality.NonModal)
        dlg.setMinimumDuration(self.show_after_ms)
        dlg.setAccessibleName(self.label)
        dlg.setValue(0)
        self._progress = dlg
        self.pool().start(_Task(self.fn, self._relay, self.with_progress))
        return self

    def _on_progress(self, done: int, total: int, label: str) -> None:
        self.last_progress = (done, total, label)
        self.progressed.emit(done, total, label)
        dlg = self._progress
        if dlg is None or total <= 0:
            return
        dlg.setMaximum(total)
        if label:
            dlg.setLabelText(f"{self.label}\n{label}")
        # A modal dialog's setValue processes events, so the queued "done" may close it right here.
        dlg.setValue(min(done, total))

    def _close(self) -> None:
        self.running = False
        _alive.discard(self)
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None
        self.finished.emit()

    def _on_done(self, result: Any) -> None:
        self._close()
        if self._ok:
            self._ok(result)

    def _on_failed(self, e: Exception) -> None:
        self._close()
        if not isinstance(e, UserError):
            log.error("operation failed: %s", e.__class__.__name__)
        if self._fail:
            self._fail(e)
        else:
            show_error(self.parent(), e)


def show_error(parent: Any, e: Exception) -> None:
    """The one error dialog: a clear line, never a traceback."""
    from app.i18n import _

    msg = str(e) if isinstance(e, UserError) else _("Something went wrong ({name}); the mark was not recorded. "
                                                     "Details are in the log.").format(name=e.__class__.__name__)
    from ui import popups

    popups.tell(parent if isinstance(parent, QtWidgets.QWidget) else None, "Auditoria", msg)


def install_excepthook() -> None:
    """Anything a slot did not handle goes to the log (no personal data) and to the one error dialog."""
    import sys

    from app.logs import log_failure

    def hook(etype, value, tb) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        log_failure(log, "ui", value.with_traceback(tb))
        app = QtWidgets.QApplication.instance()
        if app is not None:
            show_error(app.activeWindow(), value)

    sys.excepthook = hook


def confirm_discrepancies(parent: QtWidgets.QWidget, problems: list[str]) -> bool:
    """Show where the forms disagree with the record and ask whether to print them anyway.

    The warning belongs on the screen, not on the signed paper; no problems, no question."""
    if not problems:
        return True
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, _("Check before printing"),
                                _("The figures of the forms disagree with the record. Check before signing:"),
                                QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
                                parent)
    box.setInformativeText("\n".join(f"• {p}" for p in problems))
    box.button(QtWidgets.QMessageBox.StandardButton.Yes).setText(_("Print anyway"))
    box.button(QtWidgets.QMessageBox.StandardButton.No).setText(_("Do not print"))
    box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.No)
    return exec_dialog(box) == QtWidgets.QMessageBox.StandardButton.Yes
