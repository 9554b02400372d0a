"""Errors a user may see: each carries one clear line, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; its message is shown as is (one line)."""


class IntegrityError(UserError):
    """The event log or a chain is broken; names the first bad event."""


class StorageError(UserError):
    """The disk refused a write (full, read-only, failing): nothing was written, the user must act.

    Keeps the cause and the file so a caller may word it for what was being done (a mark, an import).
    """

    def __init__(self, message: str, cause: BaseException | None = None, path: object = ""):
        super().__init__(message)
        self.cause = cause
        self.path = path

    def reworded(self, mark: bool) -> str:
        return (storage_message(self.cause, self.path, mark) if self.cause is not None else None) or str(self)


def storage_error(exc: BaseException, path: object = "", mark: bool = True) -> StorageError | None:
    msg = storage_message(exc, path, mark)
    return StorageError(msg, exc, path) if msg else None


def storage_message(exc: BaseException, path: object = "", mark: bool = True) -> str | None:
    """The one clear line for a database error the disk caused, or None for any other error.

    Recognises SQLite's own wording (sqlite3 or SQLAlchemy's wrapper around it) and OSError
    numbers; SQLite has already rolled the transaction back, so nothing was written.
    """
    import errno
    import sqlite3

    from app.i18n import _

    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    where = f"{path}: " if path else ""
    if isinstance(orig, OSError) and not isinstance(orig, sqlite3.Error):
        full = orig.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))
        readonly = orig.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    elif isinstance(orig, sqlite3.OperationalError | sqlite3.DatabaseError):
        full = "disk is full" in text or "database or disk is full" in text
        readonly = "readonly database" in text or "read-only" in text or "unable to open database" in text
    else:
        return None
    if not full and not readonly and "disk i/o error" in text and path:
        full = _nearly_full(path)  # SQLite reports a -shm it could not grow as an I/O error
    if full:
        msg = _("no space left on the disk: the mark was not recorded") if mark else \
            _("no space left on the disk: nothing was written")
    elif readonly:
        msg = _("the database cannot be written (read-only or protected file or disk): the mark was not recorded") \
            if mark else _("the database cannot be written (read-only or protected file or disk): nothing was written")
    elif "disk i/o error" in text:
        msg = _("the disk reported an error: the mark was not recorded; check the disk or stick") if mark else \
            _("the disk reported an error: nothing was written; check the disk or stick")
    else:
        return None
    return where + msg


def _nearly_full(path: object) -> bool:
    import shutil
    from pathlib import Path

    try:
        return shutil.disk_usage(Path(str(path)).resolve().parent).free < 1024 * 1024
    except OSError:
        return False
