"""What every handler of the workbench shares: the case, its connections, templates, caches.

Kept apart from :mod:`culpa.web.app`, which only assembles the routes, so that the views
in :mod:`culpa.web.views` can reach the state without importing the app that imports them.

Handlers that read the case are plain functions, which Starlette runs in a
thread pool; each thread keeps its own SQLite connection (WAL mode lets them
read while an ingest writes).
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jinja2
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import HTMLResponse

from culpa.search.facets import FacetCache
from culpa.store.api import CaseStore
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from culpa.web.marks import flat_quote
from culpa.web.security import csrf_cookie_name

WEB_PACKAGE = "culpa.web"
#: Threads counting matches and facets beside the searches.
FACET_THREADS = 4
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
            conn = connect(self.case.db_path)
            self._local.conn = conn
        return conn

    def store(self) -> CaseStore:
        """This thread's connection to the case behind the store interface."""
        store: CaseStore | None = getattr(self._local, "store", None)
        if store is None:
            store = SqliteCaseStore(self.conn())
            self._local.store = store
        return store

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
