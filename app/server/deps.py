"""FastAPI dependencies shared by the routers: the database, the signed station, the signed-in official,
CSRF, JSON bodies with a depth limit, and validated query parameters (400 with a reason, never 500)."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.server.accounts import Viewer, allowed_ppes, session
from app.server.ingest import Rejected

SESSION_COOKIE = "auditoria_session"
CSRF_COOKIE = "auditoria_csrf"
MAX_DEPTH = 32


class LoginRequired(Exception):
    """No valid session: a page redirects to the login page, the JSON API answers 401."""

    def __init__(self, page: bool):
        super().__init__("sign-in required")
        self.page = page


def engine(request: Request) -> Engine:
    return request.app.state.engine


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def is_https(request: Request) -> bool:
    """TLS seen by this process, or reported by the reverse proxy uvicorn trusts (--proxy-headers)."""
    return request.url.scheme == "https"


# --- bodies -----------------------------------------------------------------------------------------
def _depth_ok(obj: Any, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if d > limit:
            return False
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values() if isinstance(v, dict | list))
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o if isinstance(v, dict | list))
    return True


def parse_json(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """JSON of a request body; refuses nesting deeper than ``max_depth`` (422, never a RecursionError 500)."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise Rejected(422, "too-deep", f"the JSON is nested deeper than {max_depth} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise Rejected(422, "malformed", "the body is not JSON (truncated?)") from None
    if not _depth_ok(data, max_depth):
        raise Rejected(422, "too-deep", f"the JSON is nested deeper than {max_depth} levels")
    return data


# --- stations -------------------------------------------------------------------------------------
def signed_path(request: Request) -> str:
    """The API-relative path (``/api/v1/...`` and its query) a station signs.

    Not the URL the server sees: a reverse proxy may add or strip a prefix, and change the host or
    port, and none of that may break a signature (issue 13). A prefix the proxy leaves on the path
    (uvicorn ``--root-path``) is taken off here, so a signature means the same behind any proxy."""
    path = request.scope.get("path", "")
    root = request.scope.get("root_path", "")
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    q = request.scope.get("query_string", b"").decode("latin-1")
    return path + (f"?{q}" if q else "")


async def station(request: Request):
    """The enrolled station that signed this request (401 otherwise). The headers are checked before the
    body is read, so an unsigned or stale request is refused without taking its body in."""
    from app.server.auth import authenticate, precheck

    eng = engine(request)
    await run_in_threadpool(precheck, eng, request.headers)
    body = await request.body()
    who = await run_in_threadpool(authenticate, eng, request.method, signed_path(request), body, request.headers)
    request.state.body = body
    return who


# --- officials ------------------------------------------------------------------------------------
async def _viewer(request: Request, page: bool) -> Viewer:
    v = await run_in_threadpool(session, engine(request), request.cookies.get(SESSION_COOKIE))
    if v is None:
        raise LoginRequired(page)
    request.state.viewer = v
    return v


async def page_viewer(request: Request) -> Viewer:
    return await _viewer(request, page=True)


async def api_viewer(request: Request) -> Viewer:
    return await _viewer(request, page=False)


async def optional_viewer(request: Request) -> Viewer | None:
    return await run_in_threadpool(session, engine(request), request.cookies.get(SESSION_COOKIE))


async def scope_of(request: Request, v: Viewer) -> frozenset[str] | None:
    return await run_in_threadpool(allowed_ppes, engine(request), v)


def csrf_token(request: Request, v: Viewer | None) -> tuple[str, str | None]:
    """The token a form carries: the session's, or (signed out) a double-submit cookie's.
    Returns (token, cookie value to set or None)."""
    if v is not None:
        return v.csrf, None
    have = request.cookies.get(CSRF_COOKIE, "")
    if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", have):
        return have, None
    fresh = secrets.token_urlsafe(32)
    return fresh, fresh


def check_csrf(request: Request, form: dict[str, list[str]], v: Viewer | None) -> None:
    given = (form.get("csrf") or [""])[0]
    want = v.csrf if v is not None else request.cookies.get(CSRF_COOKIE, "")
    if not want or not given or not hmac.compare_digest(given.encode(), want.encode()):
        raise Rejected(403, "csrf", "the form is stale or came from another site: reload the page and try again")


def set_csrf_cookie(response, value: str | None, request: Request) -> None:
    if value:
        response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="strict", secure=is_https(request),
                            path="/")


async def form_of(request: Request) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    body = await request.body()
    try:
        return parse_qs(body.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise Rejected(400, "bad-form", "the form is not URL-encoded UTF-8") from None


# --- query parameters -------------------------------------------------------------------------------
_PPE = re.compile(r"\d{2}/\d{4}")
_ROOM = re.compile(r"[0-9A-Za-z]{1,4}")
_SCHOOL = re.compile(r"[0-9A-Za-z—-]{1,12}")


def bad(name: str, reason: str) -> Rejected:
    return Rejected(400, "bad-parameter", f"{name}: {reason}")


def opt_day(day: str | None, name: str = "day") -> str | None:
    from app.server.validate import day_ok

    if day in (None, ""):
        return None
    if len(day) > 13 or not day_ok(day):
        raise bad(name, "expected an exam day key such as 2026-06-04/01")
    return day


def req_day(day: str | None) -> str:
    d = opt_day(day)
    if d is None:
        raise bad("day", "required")
    return d


def opt_ppe(ppe: str | None) -> str | None:
    if ppe in (None, ""):
        return None
    if not _PPE.fullmatch(ppe):
        raise bad("ppe", "expected region/code such as 66/0412")
    return ppe


def opt_room(room: str | None) -> str | None:
    if room in (None, ""):
        return None
    if not _ROOM.fullmatch(room):
        raise bad("room", "expected a room number of up to 4 letters or digits")
    return room


def opt_school(school: str | None) -> str | None:
    if school in (None, ""):
        return None
    if not _SCHOOL.fullmatch(school):
        raise bad("school", "expected a school code")
    return school


def req_metric(metric: str | None) -> str:
    from app.server.monitoring import METRIC_KEYS

    if metric not in METRIC_KEYS:
        raise bad("metric", f"one of {', '.join(METRIC_KEYS)}")
    return metric


def opt_kind(kind: str | None) -> str | None:
    from app.domain.kinds import KINDS

    if kind in (None, ""):
        return None
    if kind not in KINDS:
        raise bad("kind", "not an event kind")
    return kind


# Annotated dependencies (the routers' parameter types)
PageViewer = Annotated[Viewer, Depends(page_viewer)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
OptViewer = Annotated[Viewer | None, Depends(optional_viewer)]
SignedStation = Annotated[Any, Depends(station)]
