"""CLI: keys, export-setup, export-results, import-package (and ``init --from``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.errors import UserError


def _emit(data, as_json: bool, human: str) -> None:
    from app.cli import emit

    emit(data, as_json, human)


def cmd_keys(args) -> int:
    from app.services.station import Station
    from app.transfer import records
    from app.transfer.keys import pairing_text, qr_png, station_keys
    from app.transfer.media import safe_write

    st = Station.open(args.db)
    pub = station_keys(st).public
    data = {"station": st.station_id, "role": st.role, "room": st.home_room or None, "fingerprint": pub.fingerprint,
            "public": pub.to_dict(), "pairing_code": pairing_text(pub),
            "trusted": [t.to_dict() for t in records.trusted(st.engine)]}
    lines = [f"station {st.station_id} ({st.role}{', room ' + st.home_room if st.home_room else ''})",
             f"fingerprint {pub.fingerprint}"]
    lines += [f"trusts {t.role} {t.station} {t.room or ''} {t.fingerprint}" for t in records.trusted(st.engine)]
    if args.qr:
        rep = safe_write(args.qr, qr_png(pub))
        data["qr"] = str(rep.path)
        lines.append(f"pairing QR written to {rep.path}")
    _emit(data, args.json, "\n".join(lines))
    return 0


def cmd_export_setup(args) -> int:
    from app.cli import _station
    from app.transfer.setup import export_setup

    st = _station(args)
    res = export_setup(st, args.room, args.output, passphrase=args.passphrase)
    human = (f"set-up package for room {res.room} written: {res.write.path} ({res.participants} participants"
             f"{', ' + str(res.events) + ' events for failover' if res.events else ''})\n"
             f"PASSPHRASE to type at the room station: {res.passphrase}\n"
             f"HQ fingerprint (compare at the room): {res.hq_fingerprint}\n"
             + ("safe to remove the stick" if res.write.synced else "flushed; wait a moment before removing the stick"))
    _emit(res.to_dict(), args.json, human)
    return 0


def passphrase_from(args) -> str:
    if getattr(args, "passphrase", None):
        return args.passphrase
    env = os.environ.get("AUDITORIA_PASSPHRASE")
    if env:
        return env
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("passphrase shown on the HQ screen: ")
    raise UserError("a passphrase is required: --passphrase, AUDITORIA_PASSPHRASE, or type it at the prompt")


def cmd_init_from(args) -> int:
    """``auditoria init --db ROOM.db --from SETUP`` (called from app.cli.cmd_init)."""
    from app.transfer.keys import station_keys
    from app.transfer.setup import init_from

    if args.demo:
        raise UserError("init: --from and --demo cannot be combined")
    st, opened = init_from(args.db, args.from_file, passphrase_from(args))
    pub = station_keys(st).public
    data = {"db": str(args.db), "station": st.station_id, "role": st.role, "room": st.home_room,
            "day": st.day.key, "participants": len(st.plan.room_participants(st.home_room)),
            "events": st.log.count(), "fingerprint": pub.fingerprint,
            "hq": {"station": opened.hq.station, "fingerprint": opened.hq.fingerprint}}
    human = (f"created {args.db}: station {st.station_id}, room {st.home_room}, day {st.day.key}, "
             f"{data['participants']} participants\ntrusts HQ {opened.hq.station} fingerprint "
             f"{opened.hq.fingerprint} (compare with the HQ screen)\nthis station's fingerprint {pub.fingerprint}")
    _emit(data, args.json, human)
    return 0


def cmd_export_results(args) -> int:
    from app.cli import _station
    from app.transfer.results import export_results

    st = _station(args)
    res = export_results(st, args.output, everything=args.all)
    human = (f"result package written: {res.write.path}: {res.events} events, seq {res.seq_from}..{res.seq_to}, "
             f"head {res.head_hash[:16]}" + (f"\n{res.note}" if res.note else "") + "\n"
             + ("safe to remove the stick" if res.write.synced else "flushed; wait a moment before removing the stick"))
    _emit(res.to_dict(), args.json, human)
    return 0


def cmd_import_package(args) -> int:
    from app.services.station import Station
    from app.transfer.results import import_package

    st = Station.open(args.db)
    rec = import_package(st, args.package)
    _emit(rec.to_dict(), args.json, rec.message())
    return 1 if rec.outcome == "fork" else 0


def register(sub, common) -> None:
    p = common(sub.add_parser("keys", help="this station's identity: fingerprint, public keys, pairing QR"))
    p.add_argument("--qr", type=Path, help="write the pairing QR code as PNG to this file")
    p.set_defaults(func=cmd_keys)

    p = common(sub.add_parser("export-setup", help="HQ: write the set-up package for one room and date (USB stick)"), date=True)
    p.add_argument("--room", required=True)
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("--passphrase", help="use this passphrase instead of a random one (at least 12 letters/digits)")
    p.set_defaults(func=cmd_export_setup)

    p = common(sub.add_parser("export-results", help="room: write the result package for HQ (USB stick)"), date=True)
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("--all", action="store_true", help="all events, not only those since the last package")
    p.set_defaults(func=cmd_export_results)

    p = common(sub.add_parser("import-package", help="HQ: verify and import a room's result package"))
    p.add_argument("package", type=Path)
    p.set_defaults(func=cmd_import_package)
