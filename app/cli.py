"""The ``auditoria`` command: everything a technician or a script needs without a screen.

Human output by default, ``--json`` for machines. Errors are one line on stderr with exit
code 2, never a traceback (the traceback goes to the debug log, which holds no personal data).
Other areas add their subcommands through ``COMMAND_MODULES``: each has ``register(sub)``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from app.errors import StorageError, UserError

# Modules that add subcommands: each defines register(subparsers). Keep them light to import.
COMMAND_MODULES: list[str] = [
    "app.forms.cli",
    "app.transfer.cli",
    "app.server.cli",
    "app.sync.cli",
    "app.services.observers_cli",
]


def emit(data: Any, as_json: bool, human: str | None = None) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
    else:
        print(human if human is not None else json.dumps(data, ensure_ascii=False, indent=2))


def _station(args):
    """Open the station of ``--db`` on the exam date of ``--date`` (default: the station's date of today,
    else the nearest next date it has a list for)."""
    from app.services.station import Station

    st = Station.open(args.db)
    if getattr(args, "date", None):
        st.use_day(args.date)
    return st


_REASONS = {"today": "today", "next": "the nearest next date with a list", "last": "the period is over: the last date with marks",
            "set-up": "the date this room station was set up for", "chosen": "chosen with --date"}


def day_line(st) -> str:
    """Which exam date a command worked on, and why (human output only)."""
    d = st.day
    return f"exam date {d.key} ({_REASONS.get(st.day_reason, st.day_reason)}); subjects {', '.join(d.subjects)}"


def _kv(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        if "=" not in p:
            raise UserError(f"expected key=value, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


# --- commands ---------------------------------------------------------------------------------
def cmd_init(args) -> int:
    from app.services.station import Station

    if getattr(args, "from_file", None):
        from app.transfer.cli import cmd_init_from

        return cmd_init_from(args)

    st = Station.create(args.db, role=args.role, room=args.room or "")
    if args.demo:
        from app.services.demo import install_demo

        install_demo(st)
    info = {"db": str(args.db), "station": st.station_id, "role": st.role, "room": st.home_room or None,
            "demo": bool(args.demo)}
    emit(info, args.json, f"created {args.db}: station {st.station_id}, role {st.role}"
                          + (f", room {st.home_room}" if st.home_room else "") + (" (demo day)" if args.demo else ""))
    return 0


def cmd_import(args) -> int:
    from app.services.importer import import_list

    st = _station(args)
    res = import_list(st, args.list, tz=args.tz, msu=args.msu)
    human = (f"{res.file}: no changes ({res.rows} rows already imported)" if res.unchanged else
             f"{res.file}: imported {res.rows} rows; rooms {', '.join(res.rooms)}; added {res.added}, "
             f"changed {res.changed}, removed {res.removed}")
    emit(res.to_dict(), args.json, human)
    return 0


def cmd_import_staff(args) -> int:
    from app.services.staff_import import import_staff

    st = _station(args)
    res = import_staff(st, args.list)
    roles = ", ".join(f"{k} {v}" for k, v in sorted((res.roles or {}).items()))
    human = (f"{res.file}: no changes ({res.rows} staff already imported)" if res.unchanged else
             f"{res.file}: {res.rows} staff ({roles}); added {res.added}, changed {res.changed}")
    emit(res.to_dict(), args.json, human)
    return 0


def cmd_rooms(args) -> int:
    st = _station(args)
    rooms = st.rooms_summary()
    tz = st.point.tz
    lines = [day_line(st)] + [
        f"{r['room']}  {r['subject']} {r['subject_title'][:24]:<24} {_hm(r['start'], tz)}-{_hm(r['end'], tz)}"
        f" (ОВЗ {_hm(r['end_ovz'], tz)})  {r['phase']:<12} assigned {r['assigned']:>3}  present {r['present']:>3}  "
        f"absent {r['absent']:>3}" for r in rooms]
    emit({"day": st.day.key, "date": st.day.key, "subjects": list(st.day.subjects), "ppe": st.point.code,
          "rooms": rooms}, args.json, "\n".join(lines))
    return 0


def _hm(iso: str, tz: str) -> str:
    from zoneinfo import ZoneInfo

    from app.domain.event import parse_utc

    return parse_utc(iso).astimezone(ZoneInfo(tz)).strftime("%H:%M")


def cmd_days(args) -> int:
    """Every exam date of the period on this station, with its subjects, rooms and counts."""
    st = _station(args)
    out = []
    for d in st.days():
        st.use_day(d.key)
        out.append(st.day_summary())
    lines = []
    for d in out:
        lines.append(f"{d['date']}  {d['rooms']} rooms, {d['participants']} participants")
        for s in d["subjects"]:
            note = "" if s["scheduled"] is not False else "  (not in the schedule)"
            lines.append(f"    {s['code']} {s['title']}: rooms {', '.join(s['rooms']) or '-'}; "
                         f"{s['participants']} participants ({s['ovz']} ОВЗ), present {s['present']}, "
                         f"absent {s['absent']}{note}")
    emit({"ppe": st.point.code, "days": out}, args.json, "\n".join(lines) or "no exam dates yet")
    return 0


def cmd_record(args) -> int:
    from app.domain.kinds import get_kind

    st = _station(args)
    room = args.room or st.home_room
    if not room and not get_kind(args.kind).point_level:
        raise UserError("record: --room is required")
    payload = _kv(args.fields)
    res = st.record(args.kind, room, args.participant, at=args.at, payload=payload, author=args.author or "")
    e = res.event
    data = {"id": e.id, "seq": e.seq, "hash": e.hash, "kind": e.kind, "at": e.at, "room": e.room,
            "participant": e.participant, "payload": e.payload, "advice": [a.to_dict() for a in res.advice]}
    human = day_line(st) + f"\nrecorded {e.kind} #{e.seq} {e.id}" + "".join(f"\n  {a.level}: {a.text()}" for a in res.advice)
    emit(data, args.json, human)
    return 0


def cmd_state(args) -> int:
    from app.services.station import state_json

    st = _station(args)
    room = args.room or st.home_room
    if not room:
        raise UserError("state: --room is required")
    state = st.room_state(room)
    data = state_json(state) | st.room_times(state)
    c = data
    tz = st.point.tz
    human = day_line(st) + "\n" + (
             f"room {c['room']} {c['subject']} {c['subject_title']}, {_hm(c['start'], tz)}-{_hm(c['end'], tz)} "
             f"(ОВЗ {_hm(c['end_ovz'], tz)}) ({c['phase']}): assigned {c['assigned']}, present {c['present']}, absent "
             f"{c['absent']}, late {c['late']}, out {c['out_of_room']}, removed {c['removed']}, early "
             f"{c['finished_early']}, finished {c['finished']}, extra sheets {c['extra_sheets']}")
    emit(data, args.json, human)
    return 0


def cmd_log(args) -> int:
    from app.domain.projection import effective_events
    from app.services.station import event_json

    st = _station(args)
    if args.room:
        evs = st.log.for_room(st.day.key, st.room(args.room).number)
    elif args.date:
        evs = st.log.for_day(st.day.key)
    else:
        evs = st.log.all()
    _, voided = effective_events(evs)
    evs.sort(key=lambda e: (e.station, e.seq))
    data = [event_json(e, voided.get(e.id)) for e in evs]
    human = "\n".join(f"{e.station} #{e.seq:<5} {e.at[:19]} {e.room or '-':<4} {e.kind:<18} {e.participant or ''}"
                      + ("  [voided]" if e.id in voided else "") for e in evs)
    emit(data, args.json, human)
    return 0


def cmd_verify(args) -> int:
    from app.store.integrity import DamagedDatabase, verify_file

    try:  # read-only: verify never creates, migrates or changes anything
        rep = verify_file(args.db)
    except DamagedDatabase as e:
        emit({"ok": False, "events": 0, "problems": [str(e)], "warnings": []}, True) if args.json else \
            print(str(e), file=sys.stderr)
        return 1
    problems, n = rep.problems, rep.events
    if args.json:
        emit(rep.to_dict(), True)
    elif problems:
        print("\n".join(problems + [f"warning: {w}" for w in rep.warnings]), file=sys.stderr)
    else:
        print("\n".join([f"ok: {n} events, every chain intact"] + [f"warning: {w}" for w in rep.warnings]))
    return 0 if not problems else 1


def undecodable_argument(argv: list[str]) -> str | None:
    """A message for the first argument that is not valid UTF-8 (Python keeps such bytes as surrogates,
    which SQLite and the terminal refuse), or None."""
    for i, a in enumerate(argv, start=1):
        if any("\udc80" <= c <= "\udcff" for c in a):
            shown = a.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return f"argument {i} ({shown}) is not valid UTF-8 text: retype it, or save the file name in UTF-8"
    return None


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr with exit code 2, like every other error of the command."""

    def error(self, message: str):
        self.exit(2, f"auditoria: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from app.domain.kinds import KINDS

    parser = OneLineParser(prog="auditoria", description="Auditoria: exam-point stations (ППЭ)")
    parser.add_argument("--version", action="version", version=f"auditoria {__import__('app').__version__}")
    parser.add_argument("--lang", choices=("ru", "en"), help="language of messages (default ru)")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, db=True, date=False):
        if db:
            p.add_argument("--db", required=True, type=Path, help="station database file")
        if date:
            p.add_argument("--date", help="exam date YYYY-MM-DD (default: today's, else the nearest next one)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    p = common(sub.add_parser("init", help="create a station database"))
    p.add_argument("--demo", action="store_true", help="fill it with the demo exam day")
    p.add_argument("--role", choices=("room", "hq"), default="room")
    p.add_argument("--room", help="the room this station serves (room role)")
    p.add_argument("--from", dest="from_file", type=Path, help="set up from an HQ set-up package (USB stick)")
    p.add_argument("--passphrase", help="the set-up package's passphrase shown on the HQ screen")
    p.set_defaults(func=cmd_init)

    p = common(sub.add_parser("import", help="import a distribution list (CSV or XLSX), all or nothing"))
    p.add_argument("list", type=Path)
    p.add_argument("--tz", default="Europe/Moscow", help="IANA time zone of the exam point (first import)")
    p.add_argument("--msu", default="000", help="3-digit municipality code (first import)")
    p.set_defaults(func=cmd_import)

    p = common(sub.add_parser("import-staff", help="import the exam point's staff list (ППЭ-07) at HQ, all or nothing"))
    p.add_argument("list", type=Path)
    p.set_defaults(func=cmd_import_staff)

    p = common(sub.add_parser("rooms", help="rooms of an exam date: subject, times, counts"), date=True)
    p.set_defaults(func=cmd_rooms)

    p = common(sub.add_parser("days", help="the exam dates of the period with their subjects, rooms and counts"))
    p.set_defaults(func=cmd_days)

    p = common(sub.add_parser("record", help="record one mark (event) durably"), date=True)
    p.add_argument("--room")
    p.add_argument("kind", choices=sorted(KINDS), metavar="KIND")
    p.add_argument("--participant")
    p.add_argument("--at", help="HH:MM local time on the exam day, or ISO-8601")
    p.add_argument("--author", help="staff code of the organizer recording it")
    p.add_argument("fields", nargs="*", metavar="key=value")
    p.set_defaults(func=cmd_record)

    p = common(sub.add_parser("state", help="state of a room"), date=True)
    p.add_argument("--room")
    p.set_defaults(func=cmd_state)

    p = common(sub.add_parser("log", help="the event log"), date=True)
    p.add_argument("--room")
    p.set_defaults(func=cmd_log)

    p = common(sub.add_parser("verify", help="check the database and every event chain"))
    p.set_defaults(func=cmd_verify)

    for mod in COMMAND_MODULES:
        importlib.import_module(mod).register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    from app.logs import setup_logging

    log = setup_logging()
    argv = list(sys.argv[1:] if argv is None else argv)
    if (bad := undecodable_argument(argv)) is not None:
        print(f"auditoria: {bad}", file=sys.stderr)
        return 2
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "command", None) == "record":
        args.fields += [x for x in extra if "=" in x and not x.startswith("-")]
        extra = [x for x in extra if not ("=" in x and not x.startswith("-"))]
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.lang:
        from app.i18n import set_language

        set_language(args.lang)
    try:
        return int(args.func(args) or 0)
    except StorageError as e:  # full or read-only disk: worded for what was being done
        print(f"auditoria: {e.reworded(mark=args.command == 'record')}", file=sys.stderr)
        return 2
    except UserError as e:
        print(f"auditoria: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("auditoria: interrupted", file=sys.stderr)
        return 2
    except Exception as e:  # never a traceback for the user; the debug log keeps it
        from app.errors import storage_message
        from app.logs import log_failure

        log_failure(log, f"command {args.command}", e)
        if (msg := storage_message(e, getattr(args, "db", "") or "", mark=args.command == "record")) is not None:
            print(f"auditoria: {msg}", file=sys.stderr)
            return 2
        print(f"auditoria: internal error ({e.__class__.__name__}); details are in the debug log", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
