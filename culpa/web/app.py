"""The workbench web app: a Starlette application over one case.

:func:`create_app` builds it for a case and the port it will be served on
(the port is part of the Host check, see :mod:`culpa.web.security`). Pages are
Jinja2 templates with autoescaping on; scripts, styles and everything else
come from ``culpa/web/static`` in the installed package, so the app works with
no network and its Content-Security-Policy can forbid every other origin.

Handlers that read the case are plain functions, which Starlette runs in a
thread pool; each thread keeps its own SQLite connection (WAL mode lets them
read while an ingest writes).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from culpa.store.case import Case
from culpa.web.facets import FacetCache
from culpa.web.marks import flat_quote
from culpa.web.security import SecurityMiddleware, allowed_hosts, csrf_cookie_name

WEB_PACKAGE = "culpa.web"
#: Threads counting matches and facets beside the searches.
FACET_THREADS = 4
#: Largest request body accepted (notes are the largest thing posted).
MAX_BODY_BYTES = 1024 * 1024
#: Largest integer SQLite stores; a larger one in a request is a 404 or 400, never a 500.
SQLITE_MAX_INT = 2**63 - 1


class RowIdConvertor(Convertor[int]):
    """A path's document, page or note number: 1 to 18 digits, so it always fits SQLite.

    Starlette's ``int`` takes any length, and 2**63 in ``/doc/…`` made SQLite raise
    OverflowError (HTTP 500); a longer number now matches no route (404).
    """

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("rowid", RowIdConvertor())


def fits_sqlite(value: int) -> bool:
    """True if ``value`` can be bound to a SQLite parameter."""
    return -SQLITE_MAX_INT - 1 <= value <= SQLITE_MAX_INT


class WebState:
    """What every handler needs: the case, its connections, templates and the CSRF secret."""

    def __init__(self, case: Case, port: int, token: str, hosts: frozenset[str]) -> None:
        self.case = case
        self.port = port
        self.token = token
        self.hosts = hosts
        self.cookie = csrf_cookie_name(port)
        self._local = threading.local()
        #: Bumped by every star, tag and note: cached facets made before are stale.
        self.generation = 0
        self.facets = FacetCache()
        #: Counts and facets are computed here while the request's thread ranks and quotes.
        self.pool = ThreadPoolExecutor(max_workers=FACET_THREADS, thread_name_prefix="culpa-facets")
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader(WEB_PACKAGE, "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["thousands"] = lambda n: f"{int(n):,}"
        self.templates.filters["filesize"] = _file_size
        self.templates.filters["flat_quote"] = flat_quote

    def conn(self) -> sqlite3.Connection:
        """This thread's connection to the case database."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Kept for the thread's life (the pool's threads live as long as the server).
            conn = self.case.connect()
            self._local.conn = conn
        return conn

    def page(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        """Render a template with the values every page uses."""
        base = {
            "csrf_token": self.token,
            "csrf_field": "csrf",
            "case_name": self.case.root.name,
            "request_path": request.url.path,
            "here": _here(request),
            "q": "",
        }
        html = self.templates.get_template(template).render({**base, **context})
        return HTMLResponse(html, status_code=status)


def _here(request: Request) -> str:
    """This page's path and query, for "come back here" form fields."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _file_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


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
    from culpa.web import actions, search_page, viewer

    hosts = allowed_hosts(port, extra_hosts)
    state = WebState(case, port, token or secrets.token_urlsafe(32), hosts)
    routes = [
        *search_page.routes(),
        *viewer.routes(),
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


__all__ = ["Route", "WebState", "create_app", "state_of"]
