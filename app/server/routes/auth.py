"""Sign-in and sign-out of officials (sessions in the database, cookies HttpOnly + SameSite=Strict,
Secure over HTTPS); both forms carry a CSRF token."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from app.i18n import _
from app.server import accounts
from app.server.deps import (
    SESSION_COOKIE,
    OptViewer,
    check_csrf,
    client_ip,
    engine,
    form_of,
    is_https,
)
from app.server.routes import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this server (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/monitoring"
    return target[:500]


@router.get("/login")
async def login_form(request: Request, v: OptViewer, next: str | None = None):  # noqa: A002
    return render(request, "login.html", None, next=_safe_next(next), error="", username="")


@router.post("/login")
async def login_post(request: Request):
    form = await form_of(request)
    check_csrf(request, form, None)
    username = (form.get("username") or [""])[0][:64]
    password = (form.get("password") or [""])[0][:1000]
    target = _safe_next((form.get("next") or [""])[0])
    try:
        token, _viewer = await run_in_threadpool(accounts.login, engine(request), username, password,
                                                 client_ip(request))
    except accounts.Throttled as e:
        resp = render(request, "login.html", None, status=429, next=target, username=username,
                      error=_("Too many failed sign-ins. Try again in {n} min.").format(n=e.retry_after // 60 + 1))
        resp.headers["Retry-After"] = str(e.retry_after)
        return resp
    except accounts.LoginRefused:
        return render(request, "login.html", None, status=401, next=target, username=username,
                      error=_("Wrong user name or password."))
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=is_https(request), path="/",
                    max_age=accounts.SESSION_HOURS * 3600)
    return resp


@router.post("/logout")
async def logout(request: Request, v: OptViewer):
    form = await form_of(request)
    check_csrf(request, form, v)
    await run_in_threadpool(accounts.logout, engine(request), request.cookies.get(SESSION_COOKIE), client_ip(request))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request))
    return resp
