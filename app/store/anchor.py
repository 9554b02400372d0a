"""The chain head anchored outside the database: ``<db>.head``, signed by the station key.

The hash chain alone cannot show that the last events were deleted, or that the chain was
rewritten and hashed again: whoever edits the file can recompute every hash. So after each
commit the station's head (seq, hash) goes to a small side file (0600), signed with the
station's Ed25519 key when it has one (``<db>.keys``). ``verify`` then reports a database
whose head is behind its anchor (tail deleted, an older copy restored) or differs from it at
the anchored seq (the chain was rewritten).

Trade-off, stated: the anchor is written *after* the commit, by a background thread that
takes only the newest head and writes at most every ``MIN_INTERVAL`` seconds (temporary file,
fsync, rename; its folder is fsynced too). The mark itself pays only a lock and a notify, so
the durable record stays at the speed of the commit. The price: the anchor may lag the
database by the last few marks (a crash or power cut in that window leaves the database
ahead of its anchor, which ``verify`` shows as a warning, not a fault), and a forged event
appended while the station is closed is only caught as "not anchored".
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import sys
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from app.privacy import write_private

SUFFIX = ".head"
MIN_INTERVAL = 0.05  # seconds between two anchor writes of one station (the batching window)
_DOMAIN = b"auditoria-anchor-v1\n"


def anchor_path(db_path: str | Path) -> Path:
    return Path(str(db_path) + SUFFIX)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Anchor:
    station: str
    seq: int
    hash: str
    signature: str = ""  # base64url Ed25519 signature of message(), or "" (station without keys)
    sign_pk: str = ""

    def message(self) -> bytes:
        """What is signed: domain-separated, so no other signed object of the station can pass for it."""
        return _DOMAIN + f"{self.station}\n{self.seq}\n{self.hash}".encode()

    def to_json(self) -> bytes:
        return json.dumps({"v": 1, "station": self.station, "seq": self.seq, "hash": self.hash,
                           "signature": self.signature, "sign_pk": self.sign_pk}, sort_keys=True).encode()

    def signed_by(self, sign_pk: bytes) -> bool:
        from nacl.exceptions import BadSignatureError
        from nacl.signing import VerifyKey

        try:
            VerifyKey(sign_pk).verify(self.message(), _unb64(self.signature))
            return True
        except (BadSignatureError, ValueError, TypeError):
            return False


class AnchorDamaged(ValueError):
    """The side file exists but is not a readable anchor."""


def read_anchor(db_path: str | Path) -> Anchor | None:
    path = anchor_path(db_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        d = json.loads(data)
        a = Anchor(str(d["station"]), int(d["seq"]), str(d["hash"]), str(d.get("signature", "")),
                   str(d.get("sign_pk", "")))
    except (ValueError, KeyError, TypeError) as e:
        raise AnchorDamaged(e.__class__.__name__) from None
    if a.seq < 0 or len(a.hash) != 64:
        raise AnchorDamaged("out of range")
    return a


def station_sign_pk(db_path: str | Path) -> bytes | None:
    """The station's public signing key from ``<db>.keys``, or None when it has no keys."""
    from app.transfer.keys import key_path

    try:
        d = json.loads(key_path(db_path).read_text(encoding="utf-8"))
        from nacl.signing import SigningKey

        return bytes(SigningKey(_unb64(d["sign_sk"])).verify_key)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _signing_key(db_path: Path):
    from app.transfer.keys import key_path

    try:
        d = json.loads(key_path(db_path).read_text(encoding="utf-8"))
        from nacl.signing import SigningKey

        return SigningKey(_unb64(d["sign_sk"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


_keys: dict[Path, tuple[tuple[int, int, int], object]] = {}  # key file (inode, size, mtime) → its signing key


def _cached_signing_key(db_path: Path):
    """The signing key, read again only when the key file is another one (a station made anew at the path)."""
    from app.transfer.keys import key_path

    try:
        st = key_path(db_path).stat()
    except OSError:
        return None
    ident = (st.st_ino, st.st_size, st.st_mtime_ns)
    held = _keys.get(db_path)
    if held is not None and held[0] == ident:
        return held[1]
    key = _signing_key(db_path)
    if key is not None:
        _keys[db_path] = (ident, key)
    return key


def make_anchor(db_path: Path, station: str, seq: int, head_hash: str) -> Anchor:
    key = _cached_signing_key(db_path)
    if key is None:
        return Anchor(station, seq, head_hash)
    a = Anchor(station, seq, head_hash)
    sig = key.sign(a.message()).signature
    return Anchor(station, seq, head_hash, _b64(sig), _b64(bytes(key.verify_key)))


class _FolderLock:
    """An exclusive lock between processes writing one station's anchor (flock on its folder, POSIX)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self):
        if sys.platform != "win32":
            import fcntl

            try:
                self.fd = os.open(self.folder, os.O_RDONLY)
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            except OSError:
                self.fd = None
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None


def write_anchor(db_path: str | Path, station: str, seq: int, head_hash: str) -> bool:
    """Write the anchor now if it moves it forward (never backwards: two writers of one station)."""
    db_path = Path(db_path)
    with _FolderLock(db_path.parent):
        try:
            held = read_anchor(db_path)
        except AnchorDamaged:
            held = None
        if held is not None and held.station == station and held.seq >= seq:
            return False
        write_private(anchor_path(db_path), make_anchor(db_path, station, seq, head_hash).to_json())
    if sys.platform != "win32":
        try:
            fd = os.open(db_path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass
    return True


class AnchorWriter:
    """Writes a station's head after its commits, batched on one background thread per database.

    ``note`` only stores the newest head (one assignment: no lock, no wake-up on the mark's path);
    the thread looks every ``MIN_INTERVAL`` and writes when the head moved.
    """

    def __init__(self, db_path: str | Path, station: str):
        self.db_path = Path(db_path)
        self.station = station
        self._pending: tuple[int, str] | None = None
        self._written: tuple[int, str] | None = None
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.failures = 0
        self.writes = 0  # anchor files written (the bench prints how many fell inside its run)
        _writers.add(self)

    def note(self, seq: int, head_hash: str) -> None:
        """The head after a commit (cheap: the write happens on the writer thread)."""
        self._pending = (seq, head_hash)
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="anchor-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        import time

        while True:
            self._write_pending()
            time.sleep(MIN_INTERVAL)

    def _write_pending(self) -> None:
        head = self._pending
        if head is not None and head != self._written:
            try:
                write_anchor(self.db_path, self.station, *head)
                self.writes += 1
            except OSError:
                self.failures += 1  # a full disk: the database is the record; verify shows the lag
            self._written = head

    def flush(self, timeout: float = 5.0) -> None:
        """Write the newest head now (closing a station, tests): on the caller's thread, under the folder lock."""
        if self._pending is not None and self._pending != self._written:
            self._write_pending()

    def close(self) -> None:
        self.flush()


_writers: weakref.WeakSet[AnchorWriter] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for w in list(_writers):
        with contextlib.suppress(Exception):  # interpreter shutdown: best effort
            w.flush(timeout=2.0)


def behind_anchor(db_path: str | Path, station: str, head_seq: int, head_hash: str,
                  hash_at=None) -> str | None:
    """Why a database's head contradicts its anchor (events deleted or rewritten), or None.

    ``hash_at(seq)`` gives the held hash of an earlier event when the anchor is behind the head.
    """
    try:
        a = read_anchor(db_path)
    except AnchorDamaged:
        return "the head anchor beside the database is damaged"
    if a is None or a.station != station:
        return None
    if head_seq < a.seq:
        return (f"the database ends at #{head_seq} but its anchor records #{a.seq}: events were deleted from the "
                "end, or an older copy was put back")
    held = head_hash if a.seq == head_seq else (hash_at(a.seq) if hash_at and a.seq else a.hash)
    if a.seq and held != a.hash:
        return f"event #{a.seq} is not the one anchored: the chain was rewritten"
    return None


def anchor_for_package(db_path: str | Path) -> dict | None:
    """The signed anchor as a result package carries it (HQ keeps it with the receipt)."""
    try:
        a = read_anchor(db_path)
    except AnchorDamaged:
        return None
    if a is None:
        return None
    return {"seq": a.seq, "hash": a.hash, "signature": a.signature}
