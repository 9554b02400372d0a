"""The package file: a clear, signed manifest and an encrypted body.

Layout (one file on the stick)::

    AUDITORIA-PACKAGE 1\\n
    {"manifest": {...}, "ciphertext": "<base64url>", "signature": "<base64url>"}

The manifest holds no personal data (station ids, room number, sequence range, hashes,
counts by kind, app version) and names the SHA-256 of the ciphertext. The signature is
Ed25519 over a domain-separated message: a constant naming the format and the package
kind, then the canonical JSON of the manifest. So the signature covers the ciphertext
(through its hash) and nothing can be moved between kinds of package.

The body is zlib-compressed JSON, encrypted either to the recipient's X25519 key with a
libsodium sealed box (result packages, room → HQ) or with a SecretBox key derived by
Argon2id from a one-time passphrase HQ shows on its screen (set-up packages: the room has
no key pair HQ could know yet). No home-made cryptography: PyNaCl/libsodium only.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
import zlib
from dataclasses import dataclass

from app.domain.event import canonical_json
from app.errors import UserError
from app.i18n import _
from app.transfer.keys import b64, unb64

MAGIC = b"AUDITORIA-PACKAGE 1\n"
FORMAT = 1
KINDS = ("setup", "results")
MAX_BODY = 256 * 1024**2  # decompressed body limit (guards against a zip bomb)
PASS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen, typed by hand
PASS_GROUPS = 4


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signed_message(kind: str, manifest: dict) -> bytes:
    """What the sender signs: domain constant, package kind, canonical manifest."""
    return b"auditoria/package/v1\x00" + kind.encode("ascii") + b"\x00" + canonical_json(manifest)


@dataclass(frozen=True)
class Envelope:
    manifest: dict
    ciphertext: bytes
    signature: bytes

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))

    def to_bytes(self) -> bytes:
        body = {"manifest": self.manifest, "ciphertext": b64(self.ciphertext), "signature": b64(self.signature)}
        return MAGIC + json.dumps(body, ensure_ascii=True, sort_keys=True).encode("ascii") + b"\n"

    @property
    def message(self) -> bytes:
        return signed_message(self.kind, self.manifest)


def seal(keys, kind: str, manifest: dict, ciphertext: bytes) -> Envelope:
    """Complete the manifest with the ciphertext's hash and size, and sign it."""
    m = dict(manifest, kind=kind, format=FORMAT, ciphertext_sha256=sha256(ciphertext), ciphertext_size=len(ciphertext))
    return Envelope(m, ciphertext, keys.sign(signed_message(kind, m)))


def parse(data: bytes, name: str) -> Envelope:
    """Parse a package file's bytes; a truncated or damaged file gives one clear line."""
    damaged = _("{name}: not a complete Auditoria package (truncated or damaged); nothing was applied")
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data[: len(MAGIC)]):
            raise UserError(damaged.format(name=name))
        raise UserError(_("{name}: not an Auditoria package").format(name=name))
    try:
        body = json.loads(data[len(MAGIC):].decode("ascii"))
        manifest = body["manifest"]
        env = Envelope(manifest, unb64(body["ciphertext"]), unb64(body["signature"]))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, binascii.Error):
        raise UserError(damaged.format(name=name)) from None
    if not isinstance(manifest, dict) or env.kind not in KINDS:
        raise UserError(damaged.format(name=name))
    if manifest.get("format") != FORMAT:
        raise UserError(_("{name}: package format {fmt} is not supported by this version").format(
            name=name, fmt=manifest.get("format")))
    if sha256(env.ciphertext) != manifest.get("ciphertext_sha256") or len(env.ciphertext) != manifest.get(
            "ciphertext_size"):
        raise UserError(_("{name}: the encrypted content does not match its manifest (altered or damaged); "
                          "nothing was applied").format(name=name))
    return env


# --- body ---------------------------------------------------------------------------------------
def pack_body(obj: dict) -> bytes:
    return zlib.compress(canonical_json(obj), 6)


def unpack_body(data: bytes, name: str) -> dict:
    try:
        d = zlib.decompressobj()
        raw = d.decompress(data, MAX_BODY)
        if d.unconsumed_tail or not d.eof:
            raise ValueError("body too large or incomplete")
        obj = json.loads(raw.decode("utf-8"))
    except (zlib.error, ValueError, UnicodeDecodeError):
        raise UserError(_("{name}: the package body is damaged; nothing was applied").format(name=name)) from None
    if not isinstance(obj, dict):
        raise UserError(_("{name}: the package body is damaged; nothing was applied").format(name=name))
    return obj


def encrypt_to(box_pk: bytes, plaintext: bytes) -> bytes:
    from nacl.public import PublicKey, SealedBox

    return SealedBox(PublicKey(box_pk)).encrypt(plaintext)


def decrypt_sealed(box_sk, ciphertext: bytes, name: str) -> bytes:
    from nacl.exceptions import CryptoError
    from nacl.public import SealedBox

    try:
        return SealedBox(box_sk).decrypt(ciphertext)
    except CryptoError:
        raise UserError(_("{name}: cannot decrypt: the package was not encrypted to this station's key or is "
                          "damaged; nothing was applied").format(name=name)) from None


# --- passphrase (set-up packages) ---------------------------------------------------------------
def new_passphrase() -> str:
    chars = "".join(secrets.choice(PASS_ALPHABET) for _ in range(4 * PASS_GROUPS))
    return "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))


def normalize_passphrase(text: str) -> str:
    t = "".join(c for c in text.upper() if c.isalnum())
    t = t.replace("0", "O").replace("1", "I")  # typed look-alikes; neither is in the alphabet
    return "-".join(t[i:i + 4] for i in range(0, len(t), 4))


def kdf_params() -> dict:
    from nacl import pwhash

    return {"kdf": "argon2id", "salt": b64(secrets.token_bytes(pwhash.argon2id.SALTBYTES)),
            "opslimit": pwhash.argon2id.OPSLIMIT_INTERACTIVE, "memlimit": pwhash.argon2id.MEMLIMIT_INTERACTIVE}


def passphrase_key(passphrase: str, params: dict) -> bytes:
    from nacl import pwhash
    from nacl.secret import SecretBox

    if params.get("kdf") != "argon2id":
        raise UserError(_("unsupported key derivation {kdf!r}").format(kdf=params.get("kdf")))
    ops, mem = int(params["opslimit"]), int(params["memlimit"])
    if ops > 64 or mem > 1024**3:
        raise UserError(_("the package asks for unreasonable key-derivation limits; refused"))
    return pwhash.argon2id.kdf(SecretBox.KEY_SIZE, normalize_passphrase(passphrase).encode("ascii"),
                               unb64(params["salt"]), opslimit=ops, memlimit=mem)


def secret_encrypt(key: bytes, plaintext: bytes) -> bytes:
    from nacl.secret import SecretBox

    return bytes(SecretBox(key).encrypt(plaintext))


def secret_decrypt(key: bytes, ciphertext: bytes, name: str) -> bytes:
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    try:
        return SecretBox(key).decrypt(ciphertext)
    except CryptoError:
        raise UserError(_("{name}: wrong passphrase, or the package is damaged; nothing was done").format(
            name=name)) from None


# --- pairing --------------------------------------------------------------------------------------
def pairing_proof(token: bytes, station: str, sign_pk: bytes, box_pk: bytes) -> str:
    """HMAC that ties a room station's public keys to the secret of the set-up package it was made from."""
    msg = b"auditoria/pair/v1\x00" + station.encode("utf-8") + b"\x00" + sign_pk + box_pk
    return hmac.new(token, msg, hashlib.sha256).hexdigest()


def proof_matches(token: bytes, station: str, sign_pk: bytes, box_pk: bytes, proof: str) -> bool:
    return hmac.compare_digest(pairing_proof(token, station, sign_pk, box_pk), str(proof))
