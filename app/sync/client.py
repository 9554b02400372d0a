"""The HQ station's sync with the municipal server: enroll, push events, pull days and lists.

``sync_once(station, url, progress=cb)`` does one full round and returns a ``SyncResult``; the
HQ window runs it in the background and shows ``progress`` and ``sync_status``. Every batch has
one of three outcomes, kept in the outbox table:

- accepted — stored on the server (or already there: resending is harmless);
- retry — the network or the server failed; retried here with exponential backoff, and the
  next round resumes from the server's high-water mark, so nothing is sent twice in vain;
- rejected — the server refuses it for a reason a person must look at (fork, gap, another
  exam point's data); shown by ``sync_status`` and skipped until someone resolves it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import and_, delete, insert, select, update

from app.domain.event import utc_iso
from app.errors import UserError
from app.i18n import _
from app.logs import get_logger
from app.sync import protocol as P
from app.sync import tables as T

log = get_logger("sync")
BATCH = 2000


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Progress:
    phase: str  # enroll, plan, push, pull, done
    done: int
    total: int
    message: str = ""


@dataclass
class SyncResult:
    server: str
    outcome: str  # accepted, retry, rejected
    ppe: str = ""
    sent: int = 0  # events the server newly stored
    duplicates: int = 0
    batches: int = 0
    retries: int = 0
    rejected: list[dict] = field(default_factory=list)
    pulled_days: list[str] = field(default_factory=list)
    list_notes: list[str] = field(default_factory=list)
    message: str = ""
    pending: int = 0  # events still to deliver

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 30.0
    attempts: int = 8

    def delay(self, n: int) -> float:
        return min(self.cap, self.base * (2 ** n)) * (0.5 + random.random() / 2)


class _Retry(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Reject(Exception):
    def __init__(self, status: int, code: str, reason: str):
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


def normalize_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(_("The server address must be an http(s) URL, not {url!r}").format(url=url))
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise UserError(_("{url}: plain HTTP is allowed only on this computer (127.0.0.1); use https://").format(url=url))
    return url


class Client:
    """Signed requests to one server, classified into accepted / retry / rejected."""

    def __init__(self, station, url: str, timeout: float = 30.0, verify: bool | str = True):
        import httpx

        from app.transfer.keys import station_keys

        self.url = normalize_url(url)
        self.keys = station_keys(station)
        if isinstance(verify, str):  # a CA file to trust (a municipality's own certificate authority)
            import ssl

            verify = ssl.create_default_context(cafile=verify)
        self.http = httpx.Client(base_url=self.url, timeout=timeout, verify=verify,
                                 headers={"User-Agent": "auditoria-hq"})

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
        import httpx

        raw = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # signed over the API-relative path: the server's address (host, port, a proxy's prefix) is not
        # part of what is signed, so a reverse proxy in between does not break it
        rel = path + (("?" + urlencode(params)) if params else "")
        headers = P.sign_headers(self.keys, method, rel, raw)
        if raw:
            headers["Content-Type"] = "application/json"
        try:
            r = self.http.request(method, rel, content=raw or None, headers=headers)
        except httpx.HTTPError as e:
            raise _Retry(f"network: {e.__class__.__name__}") from None
        if r.status_code >= 500 or r.status_code in (408, 425, 429):
            raise _Retry(f"server answered {r.status_code}")
        try:
            data = r.json()
        except ValueError:
            raise _Retry(f"unreadable answer ({r.status_code}, {len(r.content)} bytes)") from None
        if r.status_code >= 400:
            code = data.get("error", "") if isinstance(data, dict) else ""
            reason = data.get("reason", "") if isinstance(data, dict) else ""
            if code == "replay":  # a duplicated or re-sent request of ours: ask again with a new nonce
                raise _Retry("replayed nonce")
            raise _Reject(r.status_code, code, reason or f"refused ({r.status_code})")
        if not isinstance(data, dict):
            raise _Retry("unexpected answer")
        return data


def _with_retries(fn: Callable[[], dict], backoff: Backoff, on_retry: Callable[[str], None]) -> dict:
    last = ""
    for n in range(backoff.attempts):
        try:
            return fn()
        except _Retry as e:
            last = e.reason
            on_retry(last)
            if n + 1 < backoff.attempts:
                time.sleep(backoff.delay(n))
    raise _Retry(last)


# --- state -------------------------------------------------------------------------------------
def enrollment(station, url: str) -> dict | None:
    with station.engine.connect() as conn:
        row = conn.execute(select(T.enrollment).where(T.enrollment.c.server == normalize_url(url))).first()
    return dict(row._mapping) if row else None


def _state(conn, url: str) -> dict:
    row = conn.execute(select(T.state).where(T.state.c.server == url)).first()
    if row:
        return dict(row._mapping)
    d = dict(server=url, last_attempt_at=None, last_success_at=None, outcome="never", message="", failures=0,
             next_attempt_at=None, heads="{}", pulled="{}")
    conn.execute(insert(T.state).values(**d))
    return d


def _save_state(station, url: str, **values) -> None:
    with station.engine.begin() as conn:
        _state(conn, url)
        conn.execute(update(T.state).where(T.state.c.server == url).values(**values))


def _outbox(station, url: str, st: str, first: int, last: int, count: int, state: str, reason: str = "",
            next_at: str | None = None) -> None:
    now = utc_iso(_now())
    with station.engine.begin() as conn:
        row = conn.execute(select(T.outbox.c.id, T.outbox.c.attempts).where(and_(
            T.outbox.c.server == url, T.outbox.c.station == st, T.outbox.c.first_seq == first,
            T.outbox.c.last_seq == last))).first()
        if row is None:
            conn.execute(insert(T.outbox).values(server=url, station=st, first_seq=first, last_seq=last, count=count,
                                                 state=state, attempts=1, created_at=now, updated_at=now,
                                                 next_attempt_at=next_at, reason=reason))
        else:
            conn.execute(update(T.outbox).where(T.outbox.c.id == row.id).values(
                state=state, attempts=row.attempts + 1, updated_at=now, next_attempt_at=next_at, reason=reason))


def _blocked(station, url: str) -> dict[str, str]:
    """Stations whose chain has an unresolved rejected batch: a person must look before we resend."""
    with station.engine.connect() as conn:
        rows = conn.execute(select(T.outbox.c.station, T.outbox.c.reason).where(and_(
            T.outbox.c.server == url, T.outbox.c.state == "rejected"))).all()
    return {r.station: r.reason for r in rows}


def resolve_rejected(station, url: str) -> int:
    """A person has looked at the rejected batches: let the next round try them again."""
    with station.engine.begin() as conn:
        res = conn.execute(update(T.outbox).where(and_(T.outbox.c.server == normalize_url(url),
                                                       T.outbox.c.state == "rejected")).values(state="resolved"))
    return res.rowcount


# --- the round ---------------------------------------------------------------------------------
def enroll(station, url: str, code: str, client: Client | None = None, backoff: Backoff | None = None) -> dict:
    url = normalize_url(url)
    own = client or Client(station, url)
    try:
        pub = own.keys.public
        point = None
        try:
            point = station.point
        except Exception:  # a fresh HQ without an exam point yet: the server tells it which one
            point = None
        body = {"code": code, "station": station.station_id, "role": station.role,
                "sign_pk": pub.to_dict()["sign_pk"], "box_pk": pub.to_dict()["box_pk"],
                "ppe": f"{point.region}/{point.code}" if point else ""}
        try:
            res = _with_retries(lambda: own.call("POST", f"{P.API}/enroll", body), backoff or Backoff(),
                                lambda _r: None)
        except _Reject as e:
            raise UserError(_("Enrollment refused by {url}: {reason}").format(url=url, reason=e.reason)) from None
        except _Retry as e:
            raise UserError(_("Cannot reach {url} to enroll ({reason}); try again later").format(url=url, reason=e.reason)) \
                from None
    finally:
        if client is None:
            own.close()
    ppe = res["ppe"]
    with station.engine.begin() as conn:
        conn.execute(delete(T.enrollment).where(T.enrollment.c.server == url))
        conn.execute(insert(T.enrollment).values(server=url, station=station.station_id, ppe=ppe["key"],
                                                 ppe_name=ppe.get("name", ""), fingerprint=res["fingerprint"],
                                                 enrolled_at=utc_iso(_now())))
    log.info("enrolled with the server: ppe %s", ppe["key"])
    return res


def _adopt(station, client: Client, url: str, backoff: Backoff, retried) -> dict | None:
    """The same server under another address (a new host name, port, or a reverse proxy's prefix).

    Enrollment binds this station's key to an exam point on the server, not to a URL: when the
    server at ``url`` answers a request signed by this key with this station's own identity, the
    station is enrolled there, and the enrollment is recorded for the new address too. An unknown
    key (another server) gives None: enroll with a code, as before."""
    try:
        who = _with_retries(lambda: client.call("GET", f"{P.API}/whoami"), backoff, retried)
    except _Reject:
        return None
    except _Retry:
        raise UserError(_("Cannot reach {url} to check this station's enrollment; try again later").format(
            url=url)) from None
    ppe = who.get("ppe") if isinstance(who.get("ppe"), dict) else {}
    if who.get("station") != station.station_id or who.get("fingerprint") != client.keys.public.fingerprint:
        return None
    with station.engine.begin() as conn:
        conn.execute(delete(T.enrollment).where(T.enrollment.c.server == url))
        conn.execute(insert(T.enrollment).values(server=url, station=station.station_id, ppe=str(ppe.get("key", "")),
                                                 ppe_name=str(ppe.get("name", "")), fingerprint=who["fingerprint"],
                                                 enrolled_at=utc_iso(_now())))
    log.info("the server at a new address knows this station: enrollment kept (ppe %s)", ppe.get("key"))
    return enrollment(station, url)


def sync_once(station, url: str, progress: Callable[[Progress], None] | None = None, enroll_code: str | None = None,
              batch_size: int = BATCH, backoff: Backoff | None = None, pull: bool = True,
              verify: bool | str = True, timeout: float = 30.0) -> SyncResult:
    """One round: (enroll,) push the plan and every chain's new events, pull exam days and lists."""
    url = normalize_url(url)
    backoff = backoff or Backoff()
    report = progress or (lambda _p: None)
    result = SyncResult(server=url, outcome="accepted")
    client = Client(station, url, timeout=timeout, verify=verify)
    _save_state(station, url, last_attempt_at=utc_iso(_now()))

    def retried(reason: str) -> None:
        result.retries += 1
        report(Progress("retry", result.retries, backoff.attempts, reason))

    try:
        if enroll_code:
            report(Progress("enroll", 0, 1, url))
            enroll(station, url, enroll_code, client, backoff)
        info = enrollment(station, url) or _adopt(station, client, url, backoff, retried)
        if info is None:
            raise UserError(_("This station is not enrolled with {url}: enroll it with the one-time code the "
                              "authority gives (auditoria sync --enroll CODE)").format(url=url))
        result.ppe = info["ppe"]
        try:
            _push_plans(station, client, backoff, retried, report)
            _push_keys(station, client, backoff, retried)
            _push_events(station, client, url, batch_size, backoff, retried, report, result)
            if pull:
                _pull(station, client, url, backoff, retried, report, result)
        except _Retry as e:
            result.outcome, result.message = "retry", f"the server could not be reached: {e.reason}"
        except _Reject as e:
            result.outcome, result.message = "rejected", e.reason
        if result.rejected and result.outcome == "accepted":
            result.outcome = "rejected"
            result.message = result.rejected[0]["reason"]
    finally:
        client.close()
    now = _now()
    if result.outcome == "accepted":
        _save_state(station, url, last_success_at=utc_iso(now), outcome="accepted", failures=0, next_attempt_at=None,
                    message=f"sent {result.sent} events")
    else:
        with station.engine.connect() as conn:
            failures = int(conn.execute(select(T.state.c.failures).where(T.state.c.server == url)).scalar() or 0) + 1
        next_at = utc_iso(now + timedelta(seconds=Backoff(base=30, cap=3600).delay(failures)))
        _save_state(station, url, outcome=result.outcome, failures=failures, next_attempt_at=next_at,
                    message=result.message)
    report(Progress("done", 1, 1, result.outcome))
    log.info("sync %s: sent %d, duplicates %d, batches %d, retries %d, rejected %d", result.outcome, result.sent,
             result.duplicates, result.batches, result.retries, len(result.rejected))
    return result


def _push_plans(station, client: Client, backoff: Backoff, retried, report) -> None:
    from app.store import plan_repo

    days = plan_repo.days(station.engine)
    for i, day in enumerate(days):  # every date of the period, each subject of it on its own
        report(Progress("plan", i, len(days), day.key))
        try:
            plan = plan_repo.load_plan(station.engine, day)
        except LookupError:
            return
        for subject in plan.subjects:
            people = [p for p in plan.participants.values() if p.subject_code == subject]
            if not people:
                continue
            rooms = sorted({p.room for p in people})
            body = {"day": f"{day.key}/{subject}",
                    "rooms": [{"number": r.number, "rows": r.rows, "seats_per_row": r.seats_per_row, "name": r.name}
                              for r in (plan.rooms[n] for n in rooms if n in plan.rooms)],
                    "participants": [{"code": p.code, "room": p.room, "seat": p.seat, "school_code": p.school_code,
                                      "ovz": p.ovz} for p in people]}
            _with_retries(lambda b=body: client.call("POST", f"{P.API}/plan", b), backoff, retried)


def _push_keys(station, client: Client, backoff: Backoff, retried) -> None:
    """The public keys of the room stations this HQ paired with, so the server can check their acts."""
    try:
        from app.transfer.records import paired_rooms, trusted

        rooms = paired_rooms(station.engine)
        peers = [tr.identity.to_dict() | {"room": rooms.get(tr.station, ("", ""))[0],
                                          "date": rooms.get(tr.station, ("", ""))[1]}
                 for tr in trusted(station.engine)]
    except Exception:  # no transfer records in this database (older or foreign)
        return
    if peers:
        _with_retries(lambda: client.call("POST", f"{P.API}/keys", {"keys": peers}), backoff, retried)


def _push_events(station, client: Client, url: str, batch_size: int, backoff: Backoff, retried, report,
                 result: SyncResult) -> None:
    local = station.log.stations()  # {station: (seq, hash)}
    blocked = _blocked(station, url)
    for st, reason in blocked.items():
        result.rejected.append({"station": st, "reason": reason})
    total = sum(seq for st, (seq, _h) in local.items() if st not in blocked)
    while True:
        data = _with_retries(lambda: client.call("GET", f"{P.API}/heads"), backoff, retried)
        heads = data.get("heads", {})
        _save_state(station, url, heads=json.dumps(heads, sort_keys=True))
        done = sum(min(heads.get(st, {}).get("seq", 0), seq) for st, (seq, _h) in local.items() if st not in blocked)
        report(Progress("push", done, total))
        todo = [(st, heads.get(st, {}).get("seq", 0)) for st, (seq, _h) in sorted(local.items())
                if st not in blocked and seq > heads.get(st, {}).get("seq", 0)]
        if not todo:
            result.pending = 0
            return
        st, after = todo[0]
        if after:
            mine = station.log.of_station(st, after - 1)[:1]
            if mine and mine[0].hash != heads[st].get("hash"):
                reason = (f"station {st}: the server holds another event at seq {after} than this station "
                          "(fork); a person must look")
                _outbox(station, url, st, after, after, 0, "rejected", reason)
                result.rejected.append({"station": st, "reason": reason})
                blocked[st] = reason
                continue
        evs, signed = _room_batch(station, st, after, batch_size)
        first, last = evs[0].seq, evs[-1].seq
        _outbox(station, url, st, first, last, len(evs), "pending")
        body = {"events": [e.to_dict() for e in evs]}
        if signed:
            body["heads"] = signed
        try:
            res = _with_retries(lambda b=body: client.call("POST", f"{P.API}/events", b), backoff, retried)
        except _Retry as e:
            _outbox(station, url, st, first, last, len(evs), "retry", e.reason,
                    utc_iso(_now() + timedelta(seconds=60)))
            result.pending = sum(seq - heads.get(s, {}).get("seq", 0) for s, (seq, _h) in local.items()
                                 if s not in blocked and seq > heads.get(s, {}).get("seq", 0))
            raise
        except _Reject as e:
            _outbox(station, url, st, first, last, len(evs), "rejected", e.reason)
            result.rejected.append({"station": st, "first_seq": first, "last_seq": last, "reason": e.reason,
                                    "error": e.code})
            blocked[st] = e.reason
            continue
        _outbox(station, url, st, first, last, len(evs), "accepted")
        result.batches += 1
        result.sent += int(res.get("inserted", 0))
        result.duplicates += int(res.get("duplicates", 0))


def _room_batch(station, st: str, after: int, batch_size: int) -> tuple[list, list[dict]]:
    """The next batch of one chain, and the room station's signed heads that cover it.

    The server accepts a room station's events only up to a head that room station signed (its
    result package's manifest), so a room chain's batch ends exactly at such a head: the largest
    one within ``batch_size`` events, else the first one past it (one package's events travel
    together). HQ's own chain, and a chain HQ holds no signed head for, go as they are (the server
    says why it refuses the latter)."""
    from app.transfer.records import signed_heads

    evs = station.log.of_station(st, after)
    heads = [] if st == station.station_id else _safe_heads(signed_heads, station, st, after)
    if not heads:
        return evs[:batch_size], []
    limit = after + batch_size
    within = [h for h in heads if h["seq"] <= limit]
    end = within[-1]["seq"] if within else heads[0]["seq"]
    end = min(end, evs[-1].seq) if evs else end
    batch = [e for e in evs if e.seq <= end] or evs[:batch_size]
    return batch, [{"manifest": h["manifest"], "signature": h["signature"]} for h in heads if h["seq"] <= end]


def _safe_heads(fn, station, st: str, after: int) -> list[dict]:
    try:
        return fn(station.engine, st, after)
    except Exception:  # noqa: BLE001 - a database without the table (older, foreign): no heads to send
        return []


def _pull(station, client: Client, url: str, backoff: Backoff, retried, report, result: SyncResult) -> None:
    from app.domain.model import ExamDay, ExamPoint, Participant, Room
    from app.store import plan_repo

    data = _with_retries(lambda: client.call("GET", f"{P.API}/days"), backoff, retried)
    with station.engine.connect() as conn:
        pulled = json.loads(_state(conn, url)["pulled"]) if conn else {}
    days = [d for d in data.get("days", []) if d.get("list_sha256")]
    for i, d in enumerate(days):
        report(Progress("pull", i, len(days), d["day"]))
        if pulled.get(d["day"]) == d["list_sha256"]:
            continue
        lst = _with_retries(lambda k=d["day"]: client.call("GET", f"{P.API}/list", params={"day": k}), backoff,
                            retried)
        day = ExamDay.from_key(lst["day"])  # the server's lists are per (date, subject)
        subject = day.subjects[0] if day.subjects else ""
        people = [Participant(code=p["code"], last_name=p["last_name"], first_name=p["first_name"],
                              middle_name=p["middle_name"], document_series=p["document_series"],
                              document_number=p["document_number"], school_code=p["school_code"], room=p["room"],
                              seat=p["seat"], day=day.key, ovz=bool(p["ovz"]), subject_code=subject)
                  for p in lst["participants"]]
        existing = plan_repo.load_point(station.engine)
        have = []
        if existing is not None:
            try:
                have = [p.code for p in plan_repo.load_plan(station.engine, day).participants.values()
                        if p.subject_code == subject]
            except LookupError:
                have = []
        if have:
            if sorted(have) != sorted(p.code for p in people) or pulled.get(d["day"]):
                result.list_notes.append(_("{day}: the server's list differs from this station's; not applied "
                                           "(import it by hand if it should replace the station's)").format(
                                             day=day.key))
            pulled[d["day"]] = d["list_sha256"]
            continue
        pt = lst["ppe"]
        with station.engine.begin() as conn:
            if existing is None:
                plan_repo.save_point(conn, ExamPoint(pt["region"], pt["msu"], pt["code"], pt["name"], pt["tz"],
                                                     pt.get("address", "")))
            known = {r.number for r in plan_repo.all_rooms(conn)}
            for r in lst["rooms"]:
                if r["number"] not in known:
                    plan_repo.save_room(conn, Room(r["number"], r["rows"], r["seats_per_row"], r.get("name", "")))
            plan_repo.replace_subject_participants(conn, day.key, subject, people)
        pulled[d["day"]] = d["list_sha256"]
        result.pulled_days.append(lst["day"])
        station.invalidate()
    _save_state(station, url, pulled=json.dumps(pulled, sort_keys=True))


def _outbox_rows(conn, server: str, state: str) -> list[dict]:
    """The outbox batches for one server in one state, oldest first."""
    q = select(T.outbox).where(and_(T.outbox.c.server == server, T.outbox.c.state == state)).order_by(T.outbox.c.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def sync_status(station, url: str | None = None) -> dict:
    """What the HQ window shows: enrollment, last outcome, next attempt, what waits, what was rejected."""
    with station.engine.connect() as conn:
        q = select(T.enrollment)
        if url:
            q = q.where(T.enrollment.c.server == normalize_url(url))
        servers = [dict(r._mapping) for r in conn.execute(q)]
        out = []
        for s in servers:
            st = conn.execute(select(T.state).where(T.state.c.server == s["server"])).first()
            heads = json.loads(st.heads) if st else {}
            rejected = _outbox_rows(conn, s["server"], "rejected")
            # a batch left to retry counts until the server's high-water mark has passed it (the next
            # round resumes from that mark, so its seq range may differ from the old row's)
            retry = [r for r in _outbox_rows(conn, s["server"], "retry")
                     if r["last_seq"] > heads.get(r["station"], {}).get("seq", 0)]
            local = station.log.stations()
            pending = sum(max(0, seq - heads.get(k, {}).get("seq", 0)) for k, (seq, _h) in local.items())
            out.append({"server": s["server"], "ppe": s["ppe"], "ppe_name": s["ppe_name"],
                        "enrolled_at": s["enrolled_at"], "fingerprint": s["fingerprint"],
                        "outcome": st.outcome if st else "never", "message": st.message if st else "",
                        "last_attempt_at": st.last_attempt_at if st else None,
                        "last_success_at": st.last_success_at if st else None,
                        "next_attempt_at": st.next_attempt_at if st else None,
                        "failures": st.failures if st else 0, "pending_events": pending,
                        "rejected": [{"station": r["station"], "first_seq": r["first_seq"], "last_seq": r["last_seq"],
                                      "reason": r["reason"], "at": r["updated_at"]} for r in rejected],
                        "retry": [{"station": r["station"], "first_seq": r["first_seq"], "last_seq": r["last_seq"],
                                   "count": r["count"], "attempts": r["attempts"], "reason": r["reason"],
                                   "next_attempt_at": r["next_attempt_at"]} for r in retry]})
    return {"enrolled": bool(out), "servers": out}


def server_view(station, url: str) -> dict:
    """One server address as the HQ window shows it: ``sync_status``'s entry once enrolled; before
    that, everything this station holds waits to be sent."""
    url = normalize_url(url)
    servers = sync_status(station, url)["servers"]
    if servers:
        return {**servers[0], "enrolled": True}
    with station.engine.connect() as conn:
        st = conn.execute(select(T.state).where(T.state.c.server == url)).first()
    return {"server": url, "enrolled": False, "ppe": "", "ppe_name": "", "enrolled_at": None, "fingerprint": "",
            "outcome": st.outcome if st else "never", "message": st.message if st else "",
            "last_attempt_at": st.last_attempt_at if st else None, "last_success_at": None,
            "next_attempt_at": None, "failures": st.failures if st else 0,
            "pending_events": station.log.count(), "rejected": [], "retry": []}
