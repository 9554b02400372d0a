"""CLI of the municipal server: ``auditoria serve`` and ``auditoria server add-ppe|enroll-code|upload-list|ppes``."""

from __future__ import annotations

import ipaddress
import os
import sys

from app.errors import UserError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args) -> int:
    if not _is_loopback(args.host) and not (args.cert and args.key):
        raise UserError(f"refusing plain HTTP on {args.host}: give --cert and --key (TLS), or serve on 127.0.0.1 "
                        "behind a TLS reverse proxy")
    if bool(args.cert) != bool(args.key):
        raise UserError("--cert and --key go together")
    for f in (args.cert, args.key):
        if f and not os.path.isfile(f):
            raise UserError(f"{f}: no such file")
    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    try:
        import uvicorn
    except ImportError:
        raise UserError("the server needs its extra: pip install 'auditoria[server]'") from None
    from app.server import logjson
    from app.server.db import open_server_db, safe_url

    open_server_db(args.db).dispose()  # migrations once, before any worker starts
    os.environ["AUDITORIA_SERVER_DB"] = str(args.db)
    if args.lang:
        os.environ["AUDITORIA_LANG"] = args.lang
    log = logjson.setup()
    scheme = "https" if args.cert else "http"
    logjson.info(log, "starting", url=f"{scheme}://{args.host}:{args.port}", db=safe_url(args.db),
                 workers=args.workers)
    from app.server.accounts import list_users

    if not list_users(open_server_db(args.db, migrate=False)):
        logjson.info(log, "warning: no official can sign in yet; create one with: auditoria server add-user")
    uvicorn.run("app.server.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                ssl_certfile=args.cert, ssl_keyfile=args.key, access_log=False, log_level="warning",
                proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                timeout_graceful_shutdown=5)
    return 0


def _engine(args):
    from app.server.db import open_server_db

    return open_server_db(args.db)


def cmd_add_ppe(args) -> int:
    from app.cli import emit
    from app.server.admin import add_ppe

    p = add_ppe(_engine(args), args.region, args.msu, args.ppe, args.name, args.tz, args.address or "")
    emit(p.to_dict(), args.json, f"added exam point {p.key} ({p.name})")
    return 0


def cmd_enroll_code(args) -> int:
    from app.cli import emit
    from app.server.admin import enroll_code, find_ppe

    engine = _engine(args)
    p = find_ppe(engine, args.ppe, args.region)
    code, expires = enroll_code(engine, p, args.hours)
    emit({"ppe": p.key, "code": code, "expires_at": expires}, args.json,
         f"enrollment code for exam point {p.key}: {code}\n(one use; valid until {expires[:16]} UTC; "
         f"give it to the HQ: auditoria sync --db HQ.db --server URL --enroll {code})")
    return 0


def cmd_upload_list(args) -> int:
    from app.cli import emit
    from app.server.admin import upload_list

    res = upload_list(_engine(args), args.list, args.region)
    emit(res, args.json, f"{res['file']}: {res['rows']} participants for exam point {res['ppe']}, "
                         f"days {', '.join(res['days'])}")
    return 0


def cmd_ppes(args) -> int:
    from app.cli import emit
    from app.server.admin import list_ppes

    ps = [p.to_dict() for p in list_ppes(_engine(args))]
    emit(ps, args.json, "\n".join(f"{p['key']}  {p['msu']}  {p['name']}" for p in ps) or "no exam points")
    return 0


def _password(args) -> str:
    if args.password_file:
        try:
            with open(args.password_file, encoding="utf-8") as fh:
                return fh.readline().rstrip("\r\n")
        except OSError as e:
            raise UserError(f"{args.password_file}: {e.strerror}") from None
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ")
    return first


def cmd_add_user(args) -> int:
    from app.cli import emit
    from app.server.accounts import add_user

    v = add_user(_engine(args), args.username, _password(args), args.role, args.region or "", args.msu or "",
                 replace=args.replace)
    scope = "every exam point" if v.admin else f"municipality {v.region}/{v.msu}"
    emit({"username": v.username, "role": v.role, "region": v.region, "msu": v.msu}, args.json,
         f"user {v.username} ({v.role}) sees {scope}")
    return 0


def cmd_revoke_station(args) -> int:
    from app.cli import emit
    from app.server.admin import revoke_station

    res = revoke_station(_engine(args), args.station)
    emit(res, args.json, f"station {args.station} revoked ({res['kind']}, exam point {res['ppe']}): refused from now on")
    return 0


def cmd_revoke_ppe_key(args) -> int:
    from app.cli import emit
    from app.server.admin import find_ppe, revoke_ppe

    engine = _engine(args)
    res = revoke_ppe(engine, find_ppe(engine, args.ppe, args.region).key)
    emit(res, args.json, f"exam point {res['ppe']}: {len(res['stations'])} station key(s) revoked "
                         f"({', '.join(res['stations']) or 'none'}); enroll its HQ again with a new code")
def cmd_import_names(args) -> int:
    from app.cli import emit
    from app.server.names import import_names

    res = import_names(_engine(args), args.file, region=args.region)
    human = (f"{res.file}: no changes ({res.rows} names already imported)" if res.unchanged else
             f"{res.file}: {res.rows} names ({res.schools} schools, {res.ppes} exam points; {res.added} new, "
             f"{res.changed} changed)") + "".join(f"\n  note: {w}" for w in res.warnings)
    emit(res.to_dict(), args.json, human)
    return 0


def cmd_day_report(args) -> int:
    from app.cli import emit
    from app.server.day_report import write_day_report

    path = write_day_report(_engine(args), args.date, args.output, ppe=args.ppe)
    emit({"file": str(path)}, args.json, f"report written: {path}")
    return 0


def cmd_import_results(args) -> int:
    from app.cli import emit
    from app.server.results_import import import_results

    res = import_results(_engine(args), args.file, year=args.year, practice=args.practice, preview=args.preview,
                         municipality=args.municipality)
    kind = "practice results" if args.practice else "results"
    human = (f"{res.file}: no changes ({res.rows} {kind} already imported)" if res.unchanged else
             f"{res.file}: {res.rows} {kind} ({res.added} new, {res.changed} changed); "
             f"{res.joined} joined to the conduct record") + \
        (f"; municipality {', '.join(f'{m} ({n})' for m, n in res.municipalities.items())}"
         if res.municipalities else "") + "".join(f"\n  note: {w}" for w in res.warnings)
    if args.preview:
        human = (f"{res.file}: columns (file → field):\n" +
                 "".join(f"  {label} → {canon}\n" for label, canon in res.mapping.items()) +
                 "preview, nothing written: " + human)
    emit(res.to_dict(), args.json, human)
    return 0


def cmd_results(args) -> int:
    from app.cli import emit
    from app.server.results_figures import results_report
    from app.server.results_place import check_municipality

    rep = results_report(_engine(args), args.year, subject=args.subject, school=args.school, public=args.public,
                         practice=args.practice, municipality=check_municipality(args.municipality))
    lines = []
    for s in rep["subjects"]:
        m = s["municipality"]
        lines.append(f"{s['code']}: {m['participants']} participants, mean {m['mean']}, median {m['median']}, "
                     f"below minimum {m['below_minimum']}")
        lines += [f"  school {c['school']}: {c['participants']} participants, mean {c['mean']}" for c in s["schools"]]
        lines += [f"  flag: {f['text']}" for f in s["flags"]]
    emit(rep, args.json, "\n".join(lines) or f"no results for {args.year}")
    return 0


def cmd_report(args) -> int:
    from app.cli import emit
    from app.server.results_pdf import write_report
    from app.server.results_place import check_municipality

    path = write_report(_engine(args), args.year, args.output, subject=args.subject, public=args.public,
                        municipality=check_municipality(args.municipality))
    emit({"file": str(path)}, args.json, f"report written: {path}")
    return 0


def cmd_demo_results(args) -> int:
    from app.cli import emit
    from app.server.results_demo import demo_results

    n = demo_results(_engine(args))
    emit({"rows": n, "demo": True}, args.json, f"{n} demo results (synthetic, labelled as demo) for 2024-2026")
    return 0


def cmd_rebuild_figures(args) -> int:
    """Recompute the stored monitoring figures from the event log (they are folded at ingest; this is the
    proof and the repair). Says how many stored rows the rebuild changed: 0 when the fold was exact."""
    import time

    from app.cli import emit
    from app.server.db import safe_url
    from app.server.figures import rebuild, stored_figures

    engine = _engine(args)
    before = stored_figures(engine)
    t0 = time.perf_counter()
    n = rebuild(engine, args.ppe)
    dt = time.perf_counter() - t0
    after = stored_figures(engine)
    changed = sorted({k for k in before.keys() | after.keys() if before.get(k) != after.get(k)})
    if args.ppe:
        changed = [k for k in changed if k[1] == args.ppe]
    emit({"db": safe_url(args.db), "days": n, "seconds": round(dt, 2), "rows": len(after), "changed": len(changed),
          "changed_rows": [list(k) for k in changed[:50]]}, args.json,
         f"figures of {n} exam-point days rebuilt from the event log in {dt:.1f} s; "
         f"{len(after)} rows, {len(changed)} changed by the rebuild")
    return 0


def cmd_import_region(args) -> int:
    from app.cli import emit
    from app.server.region_import import import_region

    res = import_region(_engine(args), args.file, args.year)
    emit(res.to_dict(), args.json, f"{res.file}: {res.rows} subject rows of the region; "
         + ("nothing changed" if res.unchanged else f"added {res.added}, changed {res.changed}"))
    return 0


def cmd_rebuild_results(args) -> int:
    from app.cli import emit
    from app.server.results_cells import rebuild_cells

    n = rebuild_cells(_engine(args))
    emit({"groups": n}, args.json, f"result cells folded again from the results: {n} (practice, year, subject) groups")
    return 0


def cmd_conditions(args) -> int:
    from app.cli import emit
    from app.server.conditions import observers_report, ovz_report

    engine = _engine(args)
    ovz = ovz_report(engine, args.date_from, args.date_to, args.subject, args.ppe)["rows"]
    obs = observers_report(engine, args.date_from, args.date_to, args.ppe)["rows"]
    lines = ["ОВЗ (exam point, day: listed / present / used the extension, mean extra minutes):"]
    lines += [f"  {r['ppe']} {r['day']}: {r['ovz_listed']} / {r['ovz_present']} / {r['used_extension']}"
              f"{'' if r['extra_minutes_mean'] is None else ', ' + str(r['extra_minutes_mean']) + ' min'}"
              for r in ovz] or ["  none"]
    lines += ["public observers (exam point, date: observers, hours present):"]
    lines += [f"  {r['ppe']} {r['date']}: {r['observers']}"
              f"{'' if r['hours_present'] is None else ', ' + str(r['hours_present']) + ' h'}" for r in obs] or ["  none"]
    emit({"ovz": ovz, "observers": obs}, args.json, "\n".join(lines))
    return 0


def register(sub, common) -> None:
    def db(p):
        p.add_argument("--db", required=True, help="server database: a SQLite file or postgresql://user@host/db")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    p = db(sub.add_parser("serve", help="run the municipal server (needs the 'server' extra)"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8740)
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--cert", help="TLS certificate (PEM); required off loopback")
    p.add_argument("--key", help="TLS private key (PEM)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="reverse proxies whose X-Forwarded-Proto/For are trusted (Secure cookies behind TLS)")
    p.set_defaults(func=cmd_serve)

    srv = sub.add_parser("server", help="administer the municipal server database")
    ssub = srv.add_subparsers(dest="server_command", required=True)
    p = db(ssub.add_parser("add-ppe", help="add an exam point"))
    p.add_argument("--region", required=True)
    p.add_argument("--msu", required=True)
    p.add_argument("--ppe", required=True, help="4-digit exam point code")
    p.add_argument("--name", required=True)
    p.add_argument("--tz", default="Asia/Yekaterinburg", help="IANA time zone of the exam point")
    p.add_argument("--address")
    p.set_defaults(func=cmd_add_ppe)
    p = db(ssub.add_parser("enroll-code", help="make a one-time enrollment code for an exam point's HQ"))
    p.add_argument("--ppe", required=True)
    p.add_argument("--region")
    p.add_argument("--hours", type=int, default=72, help="validity (hours)")
    p.set_defaults(func=cmd_enroll_code)
    p = db(ssub.add_parser("upload-list", help="store a distribution list (CSV/XLSX) for HQ stations to pull"))
    p.add_argument("list")
    p.add_argument("--region")
    p.set_defaults(func=cmd_upload_list)
    p = db(ssub.add_parser("ppes", help="list exam points"))
    p.set_defaults(func=cmd_ppes)
    p = db(ssub.add_parser("add-user", help="create an official's account (viewer of one municipality, or admin)"))
    p.add_argument("--username", required=True)
    p.add_argument("--role", choices=("viewer", "admin"), required=True)
    p.add_argument("--region", help="viewer: region code (2 digits)")
    p.add_argument("--msu", help="viewer: municipality code (3 digits)")
    p.add_argument("--password-file", help="read the password from the first line of this file (else: asked)")
    p.add_argument("--replace", action="store_true", help="reset an existing user's password and role")
    p.set_defaults(func=cmd_add_user)
    p = db(ssub.add_parser("revoke-station", help="revoke a station's key (HQ or room): refused at once"))
    p.add_argument("--station", required=True)
    p.set_defaults(func=cmd_revoke_station)
    p = db(ssub.add_parser("revoke-ppe-key", help="revoke every enrolled HQ key of an exam point"))
    p.add_argument("--ppe", required=True)
    p.add_argument("--region")
    p.set_defaults(func=cmd_revoke_ppe_key)
    p = db(ssub.add_parser("import-names", help="store school and exam-point names from a reference list "
                                                "(CSV/XLSX: kind, code, name), all or nothing"))
    p.add_argument("file")
    p.add_argument("--region", help="region of exam points given as four digits")
    p.set_defaults(func=cmd_import_names)
    p = db(ssub.add_parser("day-report", help="the conduct figures of one exam date as a printable PDF (Russian)"))
    p.add_argument("--date", required=True, help="YYYY-MM-DD")
    p.add_argument("--ppe", help="one exam point RR/CCCC (default: every one)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_day_report)
    p = db(ssub.add_parser("import-results", help="store an exam results list (CSV/XLSX), all or nothing"))
    p.add_argument("file")
    p.add_argument("--year", type=int, help="refuse rows of another year")
    p.add_argument("--practice", action="store_true", help="practice testing (kept apart from official results)")
    p.add_argument("--preview", action="store_true",
                   help="show how the file's columns map, check and count every row, write nothing")
    p.add_argument("--municipality", help="the municipality the list was handed to (region/МСУ, e.g. 66/001); "
                                          "by default each school's, from the conduct record")
    p.set_defaults(func=cmd_import_results)
    p = db(ssub.add_parser("results", help="result indicators by subject and school beside the conduct figures"))
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--subject")
    p.add_argument("--school")
    p.add_argument("--public", action="store_true", help="the public view: no figure for fewer than 5 participants")
    p.add_argument("--practice", action="store_true")
    p.add_argument("--municipality", help="only this municipality (region/МСУ); by default every one")
    p.set_defaults(func=cmd_results)
    p = db(ssub.add_parser("report", help="the annual analytical report of results and conduct (PDF)"))
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--subject")
    p.add_argument("--public", action="store_true", help="the public version (no cell under 5 participants)")
    p.add_argument("--municipality", help="only this municipality (region/МСУ); by default every one")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_report)
    p = db(ssub.add_parser("rebuild-figures", help="recompute the stored monitoring figures from the event log"))
    p.add_argument("--ppe", help="only this exam point (RR/CCCC)")
    p.set_defaults(func=cmd_rebuild_figures)
    p = db(ssub.add_parser("import-region", help="store the region's reference figures per year and subject "
                                                 "(CSV/XLSX), all or nothing"))
    p.add_argument("file")
    p.add_argument("--year", type=int, help="refuse rows of another year")
    p.set_defaults(func=cmd_import_region)
    p = db(ssub.add_parser("rebuild-results", help="fold the stored result cells again from the results"))
    p.set_defaults(func=cmd_rebuild_results)
    p = db(ssub.add_parser("conditions", help="ОВЗ conditions and public observers per exam point and date"))
    p.add_argument("--date-from")
    p.add_argument("--date-to")
    p.add_argument("--subject")
    p.add_argument("--ppe", help="exam point key, e.g. 66/0412")
    p.set_defaults(func=cmd_conditions)
    p = db(ssub.add_parser("demo-results", help="synthetic demo results for the plans on the server (2024-2026)"))
    p.set_defaults(func=cmd_demo_results)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
