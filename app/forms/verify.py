"""Check a printed form's QR: is it ours, untouched, and does the paper still match the record?

The signature is checked against keys we trust: the station's own key (``--db``), identities of
stations it knows (when the transfer area stores them), or a key given explicitly (``--key``).
A changed byte breaks the signature; a key we do not trust is rejected even if it signs well.
With a database, the document is rebuilt from the record: a different content hash means a
later mark or a void changed it ("superseded").
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.forms.seal import BadPayload, Sealed, check_signature, parse
from app.i18n import _
from app.transfer.keys import PublicIdentity, b64, unb64


@dataclass
class Verdict:
    valid: bool
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    signer: str = ""
    record: str | None = None  # "current", "superseded", "unknown" (with --db)
    record_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"valid": self.valid, "reason": self.reason, "data": self.data}
        if self.signer:
            d["signer"] = self.signer
        if self.record is not None:
            d["record"] = self.record
            d["record_reason"] = self.record_reason
        return d


def read_qr_image(path: Path) -> str:
    """QR text from a PNG/JPEG via zbarimg (Debian zbar-tools)."""
    exe = shutil.which("zbarimg")
    if exe is None:
        raise UserError(_("zbarimg is not installed (Debian package zbar-tools); pass the code text instead"))
    if not path.exists():
        raise UserError(_("{path}: no such file").format(path=path))
    res = subprocess.run([exe, "--raw", "-q", "-Sbinary", str(path)], capture_output=True, timeout=60)
    texts = [t for t in res.stdout.decode("utf-8", "replace").splitlines() if t.strip()]
    ours = [t for t in texts if t.upper().startswith("AU1:")]
    if not ours:
        raise UserError(_("{path}: no Auditoria QR code found in the image").format(path=path))
    return ours[0]


def load_key(text: str) -> PublicIdentity:
    """A trusted key: a public identity JSON file, or a base64url Ed25519 public key."""
    p = Path(text)
    try:
        if p.exists():
            return PublicIdentity.from_dict(json.loads(p.read_text(encoding="utf-8")))
        raw = unb64(text)
    except (ValueError, KeyError) as e:
        raise UserError(f"--key: not a public identity or key ({e.__class__.__name__})") from None
    if len(raw) != 32:
        raise UserError(_("--key: an Ed25519 public key is 32 bytes (base64url)"))
    return PublicIdentity("", "", raw, b"\0" * 32)


def trusted_identities(station) -> list[PublicIdentity]:
    """The station's own identity plus the stations it is paired with (app.transfer.records)."""
    from app.transfer import keys

    out = [keys.station_keys(station).public]
    with contextlib.suppress(Exception):  # a peer store problem must not hide the own-key check
        from app.transfer import records

        out += [t.identity for t in records.trusted(station.engine)]
    return out


def verify_text(text: str, station=None, extra_keys: list[PublicIdentity] | None = None) -> Verdict:
    try:
        sealed = parse(text)
    except BadPayload as e:
        return Verdict(False, str(e))
    data = sealed.readable()
    trusted = list(extra_keys or []) + (trusted_identities(station) if station is not None else [])
    if not trusted:
        return Verdict(False, _("no trusted key to check the signature against (give --db or --key)"), data)
    signer = next((k for k in trusted if check_signature(sealed, k)), None)
    if signer is None:
        same_station = [k for k in trusted if k.station and k.station == sealed.payload.get("s")]
        why = (_("signature does not match: the code was altered or signed by a foreign key") if same_station
               else _("signature does not match any trusted key (station {station} is not known here)").format(
                   station=sealed.payload.get("s")))
        return Verdict(False, why, data)
    v = Verdict(True, _("signature valid"), data, signer=signer.fingerprint)
    if station is not None:
        v.record, v.record_reason = compare_with_record(sealed, station)
    return v


def compare_with_record(sealed: Sealed, station) -> tuple[str, str]:
    """("current" | "superseded" | "unknown", why) by rebuilding the document from the record."""
    from app.forms import sources

    p = sealed.payload
    if p.get("p") != station.point.code:
        return "unknown", _("the code is from exam point {code}, this database is {ours}").format(
            code=p.get("p"), ours=station.point.code)
    if p.get("d") != station.day.key:
        return "unknown", _("the code is for exam day {day}, this database is on {ours}").format(
            day=p.get("d"), ours=station.day.key)
    try:
        code = station.ref.form(str(p["f"])).code
        docs = sources.build(station, code, p.get("r"), p.get("u"), p.get("e"))
    except (UserError, KeyError) as e:
        return "superseded", _("the document is no longer in the record ({why})").format(why=e)
    doc = next((d for d in docs if d.doc_id == p["i"]), None)
    if doc is None:
        return "superseded", _("the document is no longer in the record")
    if b64(doc.content_hash()) != p["c"]:
        return "superseded", _("the record changed after printing (a later mark or a void): print the form again")
    return "current", _("the paper matches the record")


def verify_act(source: str, db: str | Path | None = None, keys: list[str] | None = None) -> Verdict:
    """``source`` is the QR text or a path to an image with the QR."""
    text = source
    if not source.upper().startswith("AU1:"):
        path = Path(source)
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".pbm", ".pgm", ".ppm", ".tif", ".tiff") or path.exists():
            text = read_qr_image(path)
    station = None
    if db is not None:
        from app.services.station import Station

        if not Path(db).exists():
            raise UserError(_("{db}: no such database").format(db=db))
        station = Station.open(db)
    try:
        return verify_text(text, station, [load_key(k) for k in keys or []])
    finally:
        if station is not None:
            station.close()
