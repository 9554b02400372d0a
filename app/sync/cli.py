"""CLI: ``auditoria sync --db HQ.db --server URL [--enroll CODE] [--status] --json``."""

from __future__ import annotations

from pathlib import Path


def cmd_sync(args) -> int:
    from app.cli import emit
    from app.services.station import Station
    from app.sync.client import Backoff, resolve_rejected, sync_once, sync_status

    st = Station.open(args.db)
    if st.role != "hq":
        from app.errors import UserError

        raise UserError(f"{args.db}: sync runs on the HQ station (this one is a {st.role} station)")
    if args.status:
        data = sync_status(st, args.server)
        emit(data, args.json)
        return 0
    if args.retry_rejected:
        resolve_rejected(st, args.server)

    def progress(p) -> None:
        if not args.json and args.verbose:
            print(f"{p.phase}: {p.done}/{p.total} {p.message}")

    res = sync_once(st, args.server, progress=progress, enroll_code=args.enroll, verify=args.ca or True,
                    backoff=Backoff(attempts=args.attempts))
    human = (f"{res.outcome}: exam point {res.ppe}; {res.sent} events sent ({res.duplicates} already there) in "
             f"{res.batches} batches; {res.retries} retries"
             + (f"; pulled lists for {', '.join(res.pulled_days)}" if res.pulled_days else "")
             + "".join(f"\n  note: {n}" for n in res.list_notes)
             + "".join(f"\n  rejected: {r['reason']}" for r in res.rejected)
             + (f"\n  {res.message}" if res.outcome == "retry" else ""))
    emit(res.to_dict(), args.json, human)
    return {"accepted": 0, "retry": 3, "rejected": 1}[res.outcome]


def register(sub, common) -> None:
    p = sub.add_parser("sync", help="send this HQ station's events to the municipal server and pull its lists")
    p.add_argument("--db", required=True, type=Path, help="HQ station database file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--server", required=True, help="server URL, e.g. https://monitoring.example.ru")
    p.add_argument("--enroll", metavar="CODE", help="one-time enrollment code from the authority")
    p.add_argument("--status", action="store_true", help="show the sync status only")
    p.add_argument("--retry-rejected", action="store_true", help="try again batches a person has looked at")
    p.add_argument("--attempts", type=int, default=6, help="tries per request before giving up this round")
    p.add_argument("--ca", help="CA certificate file to trust for the server's TLS")
    p.add_argument("--verbose", action="store_true", help="print progress")
    p.set_defaults(func=cmd_sync)
