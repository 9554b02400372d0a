"""Officials' accounts: Argon2id passwords, sessions, login throttling and the audit log.

Everything lives in the server database so several uvicorn workers (and hosts) share it. The
session cookie holds a random token; the database keeps only its SHA-256, so a copy of the
database opens no session. A viewer sees one municipality (region + МСУ code); an administrator
sees every exam point and the unreadable-event counts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, delete, func, insert, select, update

from app.domain.event import utc_iso
from app.errors import UserError
from app.server import schema as t
from app.server.db import now_iso, read_connection

ROLES = ("viewer", "admin")
SESSION_HOURS = 8
THROTTLE_WINDOW_S = 15 * 60
MAX_FAILS_PER_USER = 5
MAX_FAILS_PER_IP = 30
_USER = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class LoginRefused(Exception):
    """Wrong name or password (one message for both: the page must not tell which)."""


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins; try again in {retry_after // 60 + 1} min")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Viewer:
    username: str
    role: str
    region: str
    msu: str
    csrf: str = ""

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def _hasher():
    from argon2 import PasswordHasher, Type

    return PasswordHasher(type=Type.ID)  # RFC 9106 low-memory defaults: t=3, m=64 MiB, p=4


_DUMMY: list[str] = []


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(pw_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(pw_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(engine: Engine, username: str, password: str, role: str, region: str = "", msu: str = "",
             replace: bool = False) -> Viewer:
    """Create (or with ``replace`` reset) an official's account. A viewer needs a municipality."""
    if not _USER.fullmatch(username or ""):
        raise UserError("--username: 2–64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
    if role not in ROLES:
        raise UserError(f"--role must be one of {', '.join(ROLES)}")
    if role == "viewer" and not (re.fullmatch(r"\d{2}", region or "") and re.fullmatch(r"\d{3}", msu or "")):
        raise UserError("a viewer sees one municipality: give --region (2 digits) and --msu (3 digits)")
    if len(password) < 10:
        raise UserError("the password must be at least 10 characters long")
    if role == "admin":
        region = msu = ""
    values = dict(role=role, region=region, msu=msu, pw_hash=hash_password(password), disabled=False)
    with engine.begin() as conn:
        have = conn.execute(select(t.users.c.username).where(t.users.c.username == username)).first()
        if have and not replace:
            raise UserError(f"user {username} already exists (give --replace to reset the password and role)")
        if have:
            conn.execute(update(t.users).where(t.users.c.username == username).values(**values))
            conn.execute(delete(t.sessions).where(t.sessions.c.username == username))
        else:
            conn.execute(insert(t.users).values(username=username, created_at=now_iso(), **values))
    return Viewer(username, role, region, msu)


def list_users(engine: Engine) -> list[dict]:
    with read_connection(engine) as conn:
        return [{"username": r.username, "role": r.role, "region": r.region, "msu": r.msu,
                 "disabled": bool(r.disabled)} for r in conn.execute(select(t.users).order_by(t.users.c.username))]


def audit(engine: Engine, username: str, action: str, detail: str = "", ip: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(insert(t.audit).values(at=now_iso(), username=username[:64], action=action,
                                            detail=detail[:500], ip=ip[:64]))


def audit_log(engine: Engine, limit: int = 200) -> list[dict]:
    with read_connection(engine) as conn:
        rows = conn.execute(select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)).all()
    return [{"at": r.at, "username": r.username, "action": r.action, "detail": r.detail, "ip": r.ip} for r in rows]


def _throttle(conn, username: str, ip: str) -> None:
    since = int(time.time()) - THROTTLE_WINDOW_S
    by_user = conn.execute(select(func.count(), func.min(t.login_failures.c.ts)).where(and_(
        t.login_failures.c.ts >= since, t.login_failures.c.username == username))).first()
    by_ip = conn.execute(select(func.count(), func.min(t.login_failures.c.ts)).where(and_(
        t.login_failures.c.ts >= since, t.login_failures.c.ip == ip))).first()
    for (n, first), limit in ((by_user, MAX_FAILS_PER_USER), (by_ip, MAX_FAILS_PER_IP)):
        if n >= limit:
            raise Throttled(max(1, int(first) + THROTTLE_WINDOW_S - int(time.time())))


def login(engine: Engine, username: str, password: str, ip: str) -> tuple[str, Viewer]:
    """Check a password and open a session; returns (cookie token, viewer). Raises LoginRefused/Throttled."""
    username = (username or "").strip().lower()[:64]
    with engine.connect() as conn:
        _throttle(conn, username, ip)
        row = conn.execute(select(t.users).where(t.users.c.username == username)).first()
    if row is None:
        if not _DUMMY:
            _DUMMY.append(hash_password(secrets.token_hex(8)))
        _verify(_DUMMY[0], password)  # same work as for a real account: the time does not tell who exists
        ok = False
    else:
        ok = not row.disabled and _verify(row.pw_hash, password)
    if not ok:
        with engine.begin() as conn:
            conn.execute(insert(t.login_failures).values(ts=int(time.time()), username=username, ip=ip[:64]))
            if secrets.randbelow(50) == 0:
                conn.execute(delete(t.login_failures).where(t.login_failures.c.ts < int(time.time()) - 86400))
        audit(engine, username, "login-failed", "", ip)
        raise LoginRefused()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = utc_iso(datetime.now(UTC) + timedelta(hours=SESSION_HOURS))
    with engine.begin() as conn:
        conn.execute(insert(t.sessions).values(token_hash=_token_hash(token), username=username, csrf=csrf,
                                               created_at=now_iso(), expires_at=expires))
        conn.execute(delete(t.login_failures).where(t.login_failures.c.username == username))
    audit(engine, username, "login", "", ip)
    return token, Viewer(row.username, row.role, row.region, row.msu, csrf)


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"auditoria-session-v1" + token.encode()).hexdigest()


def session(engine: Engine, token: str | None) -> Viewer | None:
    """The signed-in official of a session cookie, or ``None`` (unknown, expired or disabled)."""
    if not token or len(token) > 100:
        return None
    with read_connection(engine) as conn:
        r = conn.execute(select(t.sessions.c.csrf, t.sessions.c.expires_at, t.users).join(
            t.users, t.users.c.username == t.sessions.c.username).where(
            t.sessions.c.token_hash == _token_hash(token))).first()
    if r is None or r.disabled or r.expires_at < now_iso():
        return None
    return Viewer(r.username, r.role, r.region, r.msu, r.csrf)


def logout(engine: Engine, token: str | None, ip: str = "") -> None:
    v = session(engine, token)
    if v is None:
        return
    with engine.begin() as conn:
        conn.execute(delete(t.sessions).where(t.sessions.c.token_hash == _token_hash(token or "")))
        conn.execute(delete(t.sessions).where(t.sessions.c.expires_at < now_iso()))
    audit(engine, v.username, "logout", "", ip)


def municipality_ppes(engine: Engine, municipality: str) -> frozenset[str]:
    """The exam points of a municipality ("66/043": region/МСУ), as they are registered."""
    region, msu = municipality.split("/")
    with read_connection(engine) as conn:
        return frozenset(r[0] for r in conn.execute(select(t.ppe.c.key).where(and_(
            t.ppe.c.region == region, t.ppe.c.msu == msu))))


def allowed_ppes(engine: Engine, v: Viewer) -> frozenset[str] | None:
    """The exam points a viewer may see (``None``: all, for an administrator)."""
    return None if v.admin else municipality_ppes(engine, f"{v.region}/{v.msu}")
