"""Privacy at rest: station files are readable by their owner only, whatever the umask.

Station databases hold names and passport numbers, and SQLite creates a database (and its
-wal/-shm, which copy the database file's mode) with the process umask — 0644 under the
usual 022. So a database file is made here with mode 0600 *before* SQLite opens it, an older
one is narrowed to 0600 when a station opens it for writing, and data folders are 0700.

On Windows POSIX modes mean nothing: files under ``%LOCALAPPDATA%`` inherit that folder's
ACL (the user, SYSTEM and Administrators only), which is what protects them there; a
database the user places elsewhere gets that folder's ACL (see README, *Personal data*).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
POSIX = sys.platform != "win32"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def narrow_file(path: str | Path) -> None:
    """Make an existing file 0600 (POSIX); a file we cannot change (not ours) is left as it is."""
    if sys.platform != "win32":
        try:
            if os.stat(path).st_mode & 0o777 != FILE_MODE:
                os.chmod(path, FILE_MODE)
        except OSError:
            pass  # gone meanwhile, or not ours to change


def create_private_file(path: str | Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (before SQLite opens it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)
    narrow_file(path)  # a umask wider than 077 cannot widen it, but a file system with odd defaults might


def private_database(path: str | Path) -> None:
    """The database file and its SQLite side files, present or to come, owner-only."""
    p = Path(path)
    if not p.exists():
        create_private_file(p)
    for f in (p, *(Path(str(p) + s) for s in SQLITE_SIDE_FILES)):
        narrow_file(f)


def private_dir(path: str | Path) -> Path:
    """Make a data folder (and its missing parents) and narrow the folder itself to 0700."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if POSIX:
        try:
            if os.stat(p).st_mode & 0o777 != DIR_MODE:
                os.chmod(p, DIR_MODE)
        except OSError:
            pass
    return p


def write_private(path: str | Path, data: bytes, sync: bool = True) -> None:
    """Write a small private file atomically (temporary file 0600, fsync, rename)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, FILE_MODE)
    try:
        try:
            os.write(fd, data)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        narrow_file(tmp)
        os.replace(tmp, p)
    except OSError:
        with contextlib.suppress(OSError):  # a full disk must not leave a half-written temporary file
            os.unlink(tmp)
        raise
