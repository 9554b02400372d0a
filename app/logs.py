"""The debug log: a rotating file apart from the event log, never holding personal data.

Only codes, counts, kinds and exception types go here; names and document numbers stay in
the database.
"""

from __future__ import annotations

import logging
import logging.handlers

_LOG = "auditoria"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the current one and each after rotation) is 0600."""

    def _open(self):
        from app.privacy import create_private_file, narrow_file

        create_private_file(self.baseFilename)
        narrow_file(self.baseFilename)
        return super()._open()


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    log = logging.getLogger(_LOG)
    if log.handlers:
        return log
    log.setLevel(level)
    log.propagate = False
    try:
        from app.paths import data_dir

        path = data_dir() / "auditoria-debug.log"
        handler: logging.Handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                                            encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    return log


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{_LOG}.{name}")


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> None:
    """Log a failure by type and stack frames only: exception messages may quote personal data."""
    import traceback

    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s failed: %s\n%s", what, exc.__class__.__name__, frames)
