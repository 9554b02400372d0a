"""The FastAPI application: routers for the signed sync API, monitoring pages, exports and sign-in.

``create_app()`` reads the database address from ``AUDITORIA_SERVER_DB`` so uvicorn can start
several workers from the import string ``app.server.main:create_app`` (factory). Migrations
run once in ``auditoria serve`` before workers start; each worker only opens the database.
Routes live in ``app.server.routes``; what every request passes through in ``app.server.middleware``.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.i18n import _
from app.server import logjson
from app.server.db import make_engine
from app.server.deps import LoginRequired
from app.server.ingest import Rejected

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from app.server import texts

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    from app.i18n import current_language

    env.filters.update(pct=texts.pct, num=texts.num, points=texts.points)
    env.globals.update(_=_, version=__version__, lang=current_language, kind_title=texts.kind_title, phase_title=texts.phase_title,
                       day_label=texts.day_label, utc_label=texts.utc_label)
    return env


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _docs(app: FastAPI) -> None:
    """The OpenAPI document and Swagger UI, for a signed-in official only (like every page)."""
    from fastapi import Depends
    from fastapi.openapi.docs import get_swagger_ui_html

    from app.server.deps import api_viewer, page_viewer

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(api_viewer)])
    def openapi():
        return app.openapi()

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(page_viewer)])
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Auditoria API")


def create_app(db: str | None = None) -> FastAPI:
    db = db or os.environ.get("AUDITORIA_SERVER_DB")
    if not db:
        raise RuntimeError("AUDITORIA_SERVER_DB is not set")
    lang = os.environ.get("AUDITORIA_LANG")
    if lang:
        from app.i18n import set_language

        set_language(lang)
    from app.server.lang import Language
    from app.server.middleware import AccessLog, BodyLimit, SecurityHeaders
    from app.server.routes import api, auth, conditions, exports, pages, results

    log = logjson.setup()
    app = FastAPI(title="Auditoria municipal server", version=__version__,
                  description="Signed sync API for exam-point HQ stations, monitoring figures, act verification.",
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.engine = make_engine(db)
    app.state.db = str(db)  # for the PDF jobs (a child process opens its own connection)
    app.state.env = _templates()
    for r in (api.router, auth.router, pages.router, exports.router, results.router, conditions.router):
        app.include_router(r)
    _docs(app)

    @app.exception_handler(Rejected)
    async def rejected(request: Request, exc: Rejected):
        if _wants_html(request) and exc.status in (400, 403, 404, 413):
            from app.server.routes import render

            return render(request, "error.html", getattr(request.state, "viewer", None), status=exc.status,
                          reason=exc.reason)
        return JSONResponse({"outcome": "rejected", "error": exc.code, "reason": exc.reason}, status_code=exc.status)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if exc.page:
            from urllib.parse import quote

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
        return JSONResponse({"outcome": "rejected", "error": "login-required",
                             "reason": "sign in first (POST /login) or sign the request as a station"},
                            status_code=401)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError):
        errs = exc.errors()
        where = ".".join(str(x) for x in errs[0].get("loc", ())) if errs else "request"
        return JSONResponse({"outcome": "rejected", "error": "bad-parameter",
                             "reason": f"{where}: {errs[0].get('msg', 'invalid') if errs else 'invalid'}"},
                            status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        return JSONResponse({"outcome": "rejected", "error": "http", "reason": str(exc.detail)},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception):  # logged by type only: no data of the request
        logjson.info(log, "internal error", error=exc.__class__.__name__)
        return JSONResponse({"outcome": "error", "error": "internal", "reason": "internal error"}, status_code=500)

    # outermost last: the body limit sees the bytes first, headers go on every answer (413s too)
    app.add_middleware(Language)  # inside the others: the handler and its threads see the session's language
    app.add_middleware(AccessLog, log=log)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app
