"""Safe writes to removable media (USB sticks) and careful reads from them.

A package is written to a temporary file in the target folder, flushed and fsynced, then
renamed over the final name, and the folder is fsynced: a stick pulled out early leaves
either the old file or the new one, never half a package. Symlinks are refused (a stick
prepared by someone else must not redirect the write), free space is checked first, and
"safe to remove" is only reported after the data reached the device.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.i18n import _

FAT_MAX = 4 * 1024**3 - 1  # FAT32 file size limit: sticks are usually FAT32
MAX_READ = 512 * 1024**2
SPACE_MARGIN = 64 * 1024
_BAD_CHARS = set('<>:"|?*\\') | {chr(c) for c in range(32)}


@dataclass(frozen=True)
class WriteReport:
    path: Path
    size: int
    sha256: str
    synced: bool

    def message(self) -> str:
        return _("{path}: {size} bytes written and flushed; safe to remove").format(path=self.path, size=self.size)


def _check_target(path: Path, size: int) -> None:
    if any(c in _BAD_CHARS for c in path.name) or not path.name or path.name in (".", ".."):
        raise UserError(_("{path}: the file name has characters a USB stick cannot store").format(path=path))
    if path.is_symlink():
        raise UserError(_("{path}: is a symbolic link; refusing to write through it").format(path=path))
    parent = path.parent
    if not parent.exists():
        raise UserError(_("{path}: no such folder").format(path=parent))
    if parent.is_symlink():
        raise UserError(_("{path}: the folder is a symbolic link; refusing to write through it").format(path=parent))
    if path.exists() and path.is_dir():
        raise UserError(_("{path}: is a folder").format(path=path))
    if size > FAT_MAX:
        raise UserError(_("{path}: {size} bytes is more than a FAT32 stick can hold in one file").format(
            path=path, size=size))
    free = shutil.disk_usage(parent).free
    if free < size + SPACE_MARGIN:
        raise UserError(_("{path}: not enough free space ({free} bytes free, {size} needed)").format(
            path=parent, free=free, size=size))


def safe_write(path: str | Path, data: bytes) -> WriteReport:
    """Write ``data`` to ``path`` atomically and durably; returns once it is on the device."""
    path = Path(path)
    _check_target(path, len(data))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except FileExistsError:
        raise UserError(_("{path}: a temporary file is in the way; remove it and try again").format(path=tmp)) \
            from None
    except OSError as e:
        raise UserError(_("{path}: cannot write ({error})").format(path=tmp, error=e.strerror)) from None
    try:
        try:
            with os.fdopen(fd, "wb", closefd=True) as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if path.is_symlink():  # appeared meanwhile
                raise UserError(_("{path}: is a symbolic link; refusing to write through it").format(path=path))
            os.replace(tmp, path)
        except OSError as e:
            raise UserError(_("{path}: cannot write ({error})").format(path=path, error=e.strerror)) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    synced = _fsync_dir(path.parent)
    return WriteReport(path, len(data), hashlib.sha256(data).hexdigest(), synced)


def _fsync_dir(folder: Path) -> bool:
    if os.name == "nt":
        return True  # NTFS/FAT on Windows: the file's own flush is what can be had
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.fsync(fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def read_package_bytes(path: str | Path) -> bytes:
    """Read a package file with size limits and clear messages."""
    path = Path(path)
    if not path.exists():
        raise UserError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise UserError(_("{path}: is a folder, not a package").format(path=path))
    size = path.stat().st_size
    if size > MAX_READ:
        raise UserError(_("{path}: {size} bytes is too large for a package").format(path=path, size=size))
    try:
        return path.read_bytes()
    except OSError as e:
        raise UserError(_("{path}: cannot read ({error})").format(path=path, error=e.strerror)) from None


_STICK_FS = ("vfat", "fat", "fat32", "exfat", "msdos", "fuseblk")


def removable_folders() -> list[Path]:
    """Mounted volumes that look like USB sticks, for a folder dialog's default.

    A guess, never a rule: Linux desktops mount sticks under /media or /run/media, macOS under
    /Volumes, and Windows sticks are FAT32/exFAT drives other than the system drive. QtCore (no
    widgets) answers portably.
    """
    from PySide6.QtCore import QStorageInfo

    system = Path(os.environ.get("SYSTEMDRIVE", "C:") + "\\") if os.name == "nt" else Path("/")
    out: list[Path] = []
    for v in QStorageInfo.mountedVolumes():
        if not (v.isValid() and v.isReady()) or v.isReadOnly():
            continue
        root = v.rootPath()
        fs = bytes(v.fileSystemType()).decode("ascii", "replace").lower()
        if os.name == "nt":
            looks = fs in _STICK_FS and Path(root) != system
        else:
            looks = root.startswith(("/media/", "/run/media/", "/Volumes/"))
        if looks:
            out.append(Path(root))
    return sorted(out)


def default_folder(remembered: str = "") -> Path:
    """Where a folder dialog for a stick should start: the folder used last time if it is still there
    (the same stick, plugged in again), else a mounted stick, else the home folder."""
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    sticks = removable_folders()
    return sticks[0] if sticks else Path.home()
