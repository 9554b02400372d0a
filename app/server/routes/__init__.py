"""The server's routers: ``api`` (signed sync + monitoring JSON + act check), ``pages`` (HTML),
``exports`` (CSV/XLSX), ``auth`` (sign-in/out). ``render`` is the one way a page is drawn."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.server.accounts import Viewer
from app.server.deps import csrf_token, set_csrf_cookie


def render(request: Request, name: str, viewer: Viewer | None = None, status: int = 200, **ctx) -> HTMLResponse:
    """A template with the signed-in official and a CSRF token for its forms (a cookie when signed out)."""
    token, cookie = csrf_token(request, viewer)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = request.app.state.env.get_template(name).render(viewer=viewer, csrf=token, here=here, **ctx)
    response = HTMLResponse(html, status_code=status)
    set_csrf_cookie(response, cookie, request)
    return response
