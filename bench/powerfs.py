"""A FUSE pass-through file system that forgets every write not yet fsync'd when its power is cut.

Run: ``python -m bench.powerfs BACKING MOUNTPOINT`` (foreground; root, /dev/fuse, Debian fuse3 +
the ``mfusepy`` package). Files live in BACKING; data written through MOUNTPOINT is kept in this
process's memory, block by block, until ``fsync`` writes those blocks to BACKING and syncs them.
Killing the process (SIGKILL) is the power cut: the cache, i.e. everything written but not
synced, is gone, the way LazyFS drops its page cache for Jepsen. A SIGKILL of the *writer*
alone keeps the OS page cache, so it cannot tell full sync from none; this can.

Metadata (create, rename, unlink, chmod) goes to BACKING at once: the harness judges data
durability (SQLite's WAL commits), not directory-entry durability.
"""

from __future__ import annotations

import errno
import os
import sys

from mfusepy import FUSE, FuseOSError, Operations

BLOCK = 4096


class _Dirty:
    """A file's unsynced state: its size and the blocks written since the last fsync."""

    def __init__(self, size: int):
        self.size = size
        self.floor = size  # bytes at or past this offset are not backed (truncated since the last sync)
        self.blocks: dict[int, bytearray] = {}


class PowerCutFS(Operations):
    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.dirty: dict[str, _Dirty] = {}

    # --- helpers ---------------------------------------------------------------------------
    def _full(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def _state(self, path: str) -> _Dirty:
        d = self.dirty.get(path)
        if d is None:
            try:
                size = os.stat(self._full(path)).st_size
            except FileNotFoundError:
                raise FuseOSError(errno.ENOENT) from None
            d = self.dirty[path] = _Dirty(size)
        return d

    def _base_block(self, path: str, d: _Dirty, i: int) -> bytearray:
        start = i * BLOCK
        if start >= d.floor:
            return bytearray(BLOCK)
        fd = os.open(self._full(path), os.O_RDONLY)
        try:
            data = os.pread(fd, BLOCK, start)
        finally:
            os.close(fd)
        blk = bytearray(data) + bytearray(BLOCK - len(data))
        keep = d.floor - start
        if keep < BLOCK:
            blk[keep:] = bytearray(BLOCK - keep)
        return blk

    def _block(self, path: str, d: _Dirty, i: int) -> bytearray:
        blk = d.blocks.get(i)
        if blk is None:
            blk = d.blocks[i] = self._base_block(path, d, i)
        return blk

    # --- metadata ---------------------------------------------------------------------------
    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._full(path))
        except FileNotFoundError:
            raise FuseOSError(errno.ENOENT) from None
        out = {k: getattr(st, k) for k in ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime",
                                            "st_mtime", "st_ctime")}
        d = self.dirty.get(path)
        if d is not None:
            out["st_size"] = d.size
        return out

    def readdir(self, path, fh):
        return [".", "..", *os.listdir(self._full(path))]

    def access(self, path, amode):
        if not os.access(self._full(path), amode):
            raise FuseOSError(errno.EACCES)
        return 0

    def chmod(self, path, mode):
        os.chmod(self._full(path), mode)
        return 0

    def chown(self, path, uid, gid):
        os.chown(self._full(path), uid, gid)
        return 0

    def utimens(self, path, times=None):
        os.utime(self._full(path), times)
        return 0

    def statfs(self, path):
        st = os.statvfs(self._full(path))
        return {k: getattr(st, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree",
                                            "f_files", "f_flag", "f_frsize", "f_namemax")}

    def mkdir(self, path, mode):
        os.mkdir(self._full(path), mode)
        return 0

    def rmdir(self, path):
        os.rmdir(self._full(path))
        return 0

    def unlink(self, path):
        os.unlink(self._full(path))
        self.dirty.pop(path, None)
        return 0

    def rename(self, old, new):
        os.rename(self._full(old), self._full(new))
        d = self.dirty.pop(old, None)
        self.dirty.pop(new, None)
        if d is not None:
            self.dirty[new] = d
        return 0

    # --- data -------------------------------------------------------------------------------
    def create(self, path, mode, fi=None):
        fd = os.open(self._full(path), os.O_WRONLY | os.O_CREAT, mode)
        os.close(fd)
        return 0

    def open(self, path, flags):
        if not os.path.exists(self._full(path)):
            raise FuseOSError(errno.ENOENT)
        return 0

    def read(self, path, size, offset, fh):
        d = self.dirty.get(path)
        if d is None:
            fd = os.open(self._full(path), os.O_RDONLY)
            try:
                return os.pread(fd, size, offset)
            finally:
                os.close(fd)
        end = min(offset + size, d.size)
        out = bytearray()
        pos = offset
        while pos < end:
            i, o = divmod(pos, BLOCK)
            blk = d.blocks.get(i) or self._base_block(path, d, i)
            take = min(BLOCK - o, end - pos)
            out += blk[o:o + take]
            pos += take
        return bytes(out)

    def write(self, path, data, offset, fh):
        d = self._state(path)
        pos, view = offset, memoryview(data)
        while view:
            i, o = divmod(pos, BLOCK)
            blk = self._block(path, d, i)
            take = min(BLOCK - o, len(view))
            blk[o:o + take] = view[:take]
            view = view[take:]
            pos += take
        d.size = max(d.size, offset + len(data))
        return len(data)

    def truncate(self, path, length, fh=None):
        d = self._state(path)
        if length < d.size:
            i, o = divmod(length, BLOCK)
            if o:
                blk = self._block(path, d, i)
                blk[o:] = bytearray(BLOCK - o)
            for k in [k for k in d.blocks if k * BLOCK >= length and not (k == i and o)]:
                del d.blocks[k]
            d.floor = min(d.floor, length)
        d.size = length
        return 0

    def fsync(self, path, datasync, fh):
        d = self.dirty.pop(path, None)
        if d is None:
            return 0
        fd = os.open(self._full(path), os.O_WRONLY)
        try:
            if d.floor < os.fstat(fd).st_size:
                os.ftruncate(fd, d.floor)  # what was cut off before must not come back between the blocks
            for i, blk in sorted(d.blocks.items()):
                start = i * BLOCK
                if start < d.size:
                    os.pwrite(fd, bytes(blk[:min(BLOCK, d.size - start)]), start)
            os.ftruncate(fd, d.size)
            os.fsync(fd)
        finally:
            os.close(fd)
        return 0

    def flush(self, path, fh):
        return 0  # close() is no sync

    def release(self, path, fh):
        return 0


def main() -> None:
    backing, mount = sys.argv[1], sys.argv[2]
    FUSE(PowerCutFS(backing), mount, foreground=True, nothreads=True)


if __name__ == "__main__":
    main()
