"""``auditoria print``, ``verify-act``, ``papers`` and ``paper-returned`` (via app.cli.COMMAND_MODULES).

Light to import: Qt and the renderer load only when a command runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.errors import UserError
from app.i18n import _


def cmd_print(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the CLI never opens a window
    from app.cli import _station, emit
    from app.forms import api

    st = _station(args)
    out = Path(args.out)
    if args.day_pack:
        def progress(done: int, total: int, label: str) -> None:
            if not args.json:
                print(f"[{done}/{total}] {label}", file=sys.stderr)
        printed = api.render_day_pack(st, out, progress=progress)
        data = {"files": [str(p.path) for p in printed], "count": len(printed)}
        emit(data, args.json, f"{len(printed)} files in {out}")
        return 0
    if args.all:
        room = args.room or st.home_room
        if not room:
            raise UserError(_("print --all: --room is required"))
        printed = api.render_room_set(st, room, out, separate=args.separate)
        emit({"files": [str(p.path) for p in printed], "count": len(printed)}, args.json,
             "\n".join(f"{p.form}: {p.path} ({p.pages} p.)" for p in printed))
        return 0
    if not args.form:
        raise UserError(_("print: name a FORM (e.g. 05-02), or use --all / --day-pack"))
    if out.is_dir() or str(args.out).endswith(("/", os.sep)):
        raise UserError(_("print {form}: -o must be a PDF file, not a folder").format(form=args.form))
    code = api.resolve_form(st, args.form)
    room = args.room or (st.home_room if st.ref.forms[code].where == "room" else None)
    path = api.render_form(st, code, room=room, participant=args.participant, event_id=args.event, out=out,
                           subject=args.subject)
    emit({"form": code, "file": str(path)}, args.json, f"{code}: {path}")
    return 0


def cmd_verify_act(args) -> int:
    from app.cli import emit
    from app.forms.verify import verify_act

    v = verify_act(args.code, db=args.db, keys=args.key)
    d = v.to_dict()
    human = ("VALID: " if v.valid else "INVALID: ") + v.reason
    if v.record:
        human += f"\nrecord: {v.record} ({v.record_reason})"
    if v.data:
        human += "\n" + "\n".join(f"  {k}: {val}" for k, val in v.data.items())
    emit(d, args.json, human)
    return 0 if v.valid and v.record in (None, "current") else 1


def cmd_papers(args) -> int:
    from app.cli import _station, emit
    from app.forms.papers import STATE_TITLES, papers_by_room

    st = _station(args)  # --date picks the exam date (app.cli._station)
    try:
        rooms = papers_by_room(st)
    finally:
        st.close()
    data = {"date": args.date or "", "rooms": [r.to_dict() for r in rooms],
            "all_in": all(r.all_in for r in rooms)}
    lines = []
    for r in rooms:
        head = f"{r.room}: " + (_("all papers in") if r.all_in else ", ".join(
            f"{_(STATE_TITLES[s])} {r.count(s)}" for s in STATE_TITLES if r.count(s)))
        lines.append(head)
        lines += [f"  {p.form:<14} {p.document}  {_(STATE_TITLES[p.state])}" for p in r.papers
                  if p.state != "returned"]
    emit(data, args.json, "\n".join(lines))
    return 0


def cmd_paper_returned(args) -> int:
    from app.cli import _station, emit
    from app.forms.papers import mark_returned

    st = _station(args)
    try:
        res = mark_returned(st, args.code)
    finally:
        st.close()
    emit({"results": [r.to_dict() for r in res]}, args.json,
         "\n".join(f"{r.outcome.upper()}: {r.form} {r.room} {r.document} — {r.message}" for r in res))
    return 0 if all(r.outcome in ("returned", "already") for r in res) else 1


def register(sub, common) -> None:
    p = common(sub.add_parser("print", help="print official forms and acts to PDF"), date=True)
    p.add_argument("form", nargs="?", metavar="FORM", help="form code: 05-02, ППЭ-05-02 or ppe-05-02")
    p.add_argument("--room", help="room number (room forms)")
    p.add_argument("--participant", help="participant code (acts)")
    p.add_argument("--subject", help="subject code, for the forms that total the exam point per subject "
                                     "(13-02-МАШ, 10); default: one for each subject of the date")
    p.add_argument("--event", help="id (or its start) of the event an act is drawn up for")
    p.add_argument("--all", action="store_true", help="every form of the room, one PDF each, into -o DIR/")
    p.add_argument("--separate", action="store_true", help="with --all: one PDF per form instead of one file")
    p.add_argument("--day-pack", action="store_true", help="all rooms, HQ forms and acts into -o DIR/")
    p.add_argument("-o", "--out", required=True, help="output PDF (or folder with --all / --day-pack)")
    p.set_defaults(func=cmd_print)

    p = sub.add_parser("verify-act", help="check a printed form's QR code (text or image)")
    p.add_argument("code", metavar="PAYLOAD|IMAGE", help="the QR text (AU1:...) or an image file with the QR")
    p.add_argument("--db", type=Path, help="station database: trust its key and compare with the record")
    p.add_argument("--key", action="append", help="a trusted public key (base64url) or identity JSON file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_verify_act)

    p = common(sub.add_parser("papers", help="the forms each room owes HQ: not printed / printed / returned / "
                                             "superseded"))
    p.add_argument("--date", help="exam date YYYY-MM-DD (default: today's, else the nearest next one)")
    p.set_defaults(func=cmd_papers)

    p = common(sub.add_parser("paper-returned", help="a printed form came back: read its QR (text, image or "
                                                     "scanned PDF) and record it"))
    p.add_argument("code", metavar="CODE_TEXT_OR_IMAGE", help="QR text (AU1:...), an image, or a scanned PDF")
    p.set_defaults(func=cmd_paper_returned)
