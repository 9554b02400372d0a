"""Station keys: Ed25519 for signing, X25519 for receiving encrypted packages (libsodium/PyNaCl).

Keys are made once per station database and kept beside it in ``<db>.keys`` (mode 0600 on
POSIX). The public halves and a short fingerprint are what other stations pair with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from nacl.encoding import RawEncoder
from nacl.exceptions import BadSignatureError
from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from app.errors import UserError


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(sign_pk: bytes, box_pk: bytes) -> str:
    """Short, human-comparable fingerprint of a station's public keys (e.g. 'K3F9-2XQA-7C1D-M8PZ')."""
    digest = hashlib.sha256(b"auditoria-station-v1" + sign_pk + box_pk).digest()
    text = base64.b32encode(digest).decode("ascii")[:16]
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class PublicIdentity:
    station: str
    role: str
    sign_pk: bytes
    box_pk: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_pk, self.box_pk)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            VerifyKey(self.sign_pk).verify(message, signature)
            return True
        except (BadSignatureError, ValueError):
            return False

    def to_dict(self) -> dict:
        return {"station": self.station, "role": self.role, "sign_pk": b64(self.sign_pk),
                "box_pk": b64(self.box_pk), "fingerprint": self.fingerprint}

    @staticmethod
    def from_dict(d: dict) -> PublicIdentity:
        return PublicIdentity(d["station"], d.get("role", ""), unb64(d["sign_pk"]), unb64(d["box_pk"]))


@dataclass(frozen=True)
class StationKeys:
    station: str
    role: str
    signing: SigningKey
    box: PrivateKey

    @property
    def public(self) -> PublicIdentity:
        return PublicIdentity(self.station, self.role, bytes(self.signing.verify_key), bytes(self.box.public_key))

    def sign(self, message: bytes) -> bytes:
        return self.signing.sign(message, encoder=RawEncoder).signature

    @property
    def box_public(self) -> PublicKey:
        return self.box.public_key


def key_path(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".keys")


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if sys.platform != "win32":
        os.chmod(path, 0o600)


def load_or_create(db_path: str | Path, station: str, role: str) -> StationKeys:
    """The station's keys, made on first use."""
    path = key_path(db_path)
    if path.exists():
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            keys = StationKeys(d["station"], d["role"], SigningKey(unb64(d["sign_sk"])), PrivateKey(unb64(d["box_sk"])))
        except (ValueError, KeyError) as e:
            raise UserError(f"{path}: damaged key file ({e.__class__.__name__})") from None
        if keys.station != station:
            raise UserError(f"{path}: keys belong to station {keys.station}, not {station}")
        return keys
    keys = StationKeys(station, role, SigningKey.generate(), PrivateKey.generate())
    _write_private(path, json.dumps({"station": station, "role": role, "sign_sk": b64(bytes(keys.signing)),
                                     "box_sk": b64(bytes(keys.box))}).encode("utf-8"))
    return keys


def station_keys(station) -> StationKeys:
    """Keys of an open ``Station`` (app.services.station)."""
    return load_or_create(station.path, station.station_id, station.role)


def pairing_text(ident: PublicIdentity) -> str:
    """What the pairing QR code holds: enough to compare (and pin) a station's public keys."""
    return f"AUDITORIA-STATION:1:{ident.station}:{ident.role}:{ident.fingerprint}:{b64(ident.sign_pk)}:{b64(ident.box_pk)}"


def parse_pairing_text(text: str) -> PublicIdentity:
    parts = text.strip().split(":")
    if len(parts) != 7 or parts[0] != "AUDITORIA-STATION" or parts[1] != "1":
        raise UserError("not an Auditoria station code")
    try:
        ident = PublicIdentity(parts[2], parts[3], unb64(parts[5]), unb64(parts[6]))
    except ValueError:
        raise UserError("damaged station code") from None
    if ident.fingerprint != parts[4]:
        raise UserError("station code does not match its fingerprint")
    return ident


def qr_png(ident: PublicIdentity, box_size: int = 8) -> bytes:
    """The pairing QR code as PNG bytes (lossless; qrcode + Pillow, imported lazily)."""
    import io

    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(pairing_text(ident))
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()
