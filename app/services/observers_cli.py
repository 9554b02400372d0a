"""``auditoria observer``: check public observers in and out at HQ from the command line."""

from __future__ import annotations

from app.errors import UserError


def cmd_observer(args) -> int:
    from app.cli import _station, day_line, emit
    from app.i18n import format_time
    from app.services import observers

    st = _station(args)
    if args.action == "arrived":
        code = args.code
        if not code:
            if not args.last or not args.first:
                raise UserError("observer arrived: give --code of a listed observer, or --last and --first")
            code = observers.add_observer(st, args.last, args.first, args.middle or "").code
        res = observers.arrived(st, code, rooms=args.rooms.split(",") if args.rooms else None, at=args.at,
                                author=args.author or "")
        emit({"id": res.event.id, "observer": code, "at": res.event.at}, args.json,
             day_line(st) + f"\nobserver {code} checked in ({res.event.id})")
    elif args.action == "left":
        if not args.code:
            raise UserError("observer left: give --code")
        res = observers.left(st, args.code, at=args.at, author=args.author or "")
        emit({"id": res.event.id, "observer": args.code, "at": res.event.at}, args.json,
             day_line(st) + f"\nobserver {args.code} checked out ({res.event.id})")
    else:
        vs = observers.visits(st)
        data = [{"code": v.code, "arrived": v.arrived.isoformat(), "left": v.left.isoformat() if v.left else None,
                 "rooms": list(v.rooms)} for v in vs]
        def hm(dt) -> str:
            return format_time(dt, st.point.tz) if dt else ""

        lines = [day_line(st)] + ([f"{v.code}  {hm(v.arrived)}–{hm(v.left)}  {v.name}" for v in vs]
                                  or ["no observers checked in"])
        emit(data, args.json, "\n".join(lines))
    return 0


def register(sub, common) -> None:
    p = common(sub.add_parser("observer", help="public observers at the exam point: check in, check out, list (HQ)"),
               date=True)
    p.add_argument("action", choices=("arrived", "left", "list"))
    p.add_argument("--code", help="staff code of a listed observer (OBS01 …)")
    p.add_argument("--last", help="surname of an observer not on the staff list (added as role observer)")
    p.add_argument("--first", help="first name")
    p.add_argument("--middle", help="patronymic")
    p.add_argument("--rooms", help="rooms the observer means to attend, comma-separated")
    p.add_argument("--at", help="HH:MM local time on the exam day, or ISO-8601")
    p.add_argument("--author", help="staff code of who recorded it")
    p.set_defaults(func=cmd_observer)
