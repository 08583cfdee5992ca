"""The workbench web app: a Starlette application over one case.

:func:`create_app` builds it for a case and the port it will be served on
(the port is part of the Host check, see :mod:`culpa.web.security`). Pages are
Jinja2 templates with autoescaping on; scripts, styles and everything else
come from ``culpa/web/static`` in the installed package, so the app works with
no network and its Content-Security-Policy can forbid every other origin.

Shared state (the case, its connections, templates) lives in :mod:`culpa.web.state`
and the pages in :mod:`culpa.web.views`; this module only assembles them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from culpa.store.case import Case
from culpa.web.security import SecurityMiddleware, allowed_hosts
from culpa.web.state import WEB_PACKAGE, WebState, state_of
from culpa.web.views import actions, document, original, search

#: Largest request body accepted (notes are the largest thing posted).
MAX_BODY_BYTES = 1024 * 1024


def static_dir() -> Path:
    return Path(str(resources.files(WEB_PACKAGE).joinpath("static")))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    state = state_of(request)
    return state.page(
        request,
        "error.html",
        {"status": exc.status_code, "message": exc.detail or "error"},
        status=exc.status_code,
    )


def create_app(
    case: Case,
    *,
    port: int,
    token: str | None = None,
    extra_hosts: Iterable[str] = (),
) -> Starlette:
    """The app for ``case``, to be served on ``127.0.0.1:port``.

    ``token`` is the CSRF secret (a fresh random one by default: every server
    start gets its own); ``extra_hosts`` adds Host values (tests).
    """
    hosts = allowed_hosts(port, extra_hosts)
    state = WebState(case, port, token or secrets.token_urlsafe(32), hosts)
    routes = [
        *search.routes(),
        *document.routes(),
        *original.routes(),
        *actions.routes(),
        Mount("/static", app=StaticFiles(directory=static_dir()), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityMiddleware, hosts=hosts, token=state.token, cookie=state.cookie),
            # Inside the security middleware, so a 413 carries its headers too (Starlette's
            # max_body_size answers outside every user middleware).
            Middleware(RequestBodyLimitMiddleware, max_body_size=MAX_BODY_BYTES),
        ],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.web = state
    return app
