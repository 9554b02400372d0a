"""The language of the officials' pages, per browser session: Russian by default, English on request.

The choice lives in a session cookie (``auditoria_lang``: no expiry, so it ends with the browser session,
and it holds nothing but ``ru`` or ``en``); ``POST /language`` sets it. This ASGI middleware reads it on
every request and sets the language of that request's context only (``app.i18n.use_language``), so two
officials reading in two languages at once each get their own, in every worker."""

from __future__ import annotations

from http.cookies import SimpleCookie

from app.i18n import LANGUAGES, _local, use_language

LANG_COOKIE = "auditoria_lang"


def cookie_language(headers: list[tuple[bytes, bytes]]) -> str | None:
    for k, v in headers:
        if k == b"cookie":
            c = SimpleCookie()
            try:
                c.load(v.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed Cookie header: no language chosen
                return None
            m = c.get(LANG_COOKIE)
            if m is not None and m.value in LANGUAGES:
                return m.value
    return None


class Language:
    """Each request speaks its session's language (the process's default otherwise)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        token = use_language(cookie_language(scope.get("headers", [])))
        try:
            await self.app(scope, receive, send)
        finally:
            _local.reset(token)
