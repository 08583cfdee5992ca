"""The state-changing requests: star, tag, untag, note, delete a note.

Each is a POST from a form of the app's own pages, checked for the CSRF
secret and its origin (:func:`culpa.web.security.check_csrf`), and answered
with a redirect back to the page it came from (``next``, accepted only as a
path on this server). Work on the database runs in the thread pool.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from culpa.errors import UsageError
from culpa.web.security import CSRF_FIELD, CsrfError, check_csrf
from culpa.web.state import fits_sqlite, state_of

#: SQLite's result code for a write to a database opened read-only (a read-only case).
SQLITE_READONLY = 8


def safe_next(value: str | None, fallback: str) -> str:
    """A redirect target only if it is a path on this server (never another host)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 for c in value)
    ):
        return fallback
    return value


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _optional_int(form: FormData, name: str) -> int | None:
    value = _field(form, name).strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise UsageError(f"{name} must be a whole number") from exc
    if not fits_sqlite(number):
        raise UsageError(f"{name} is out of range")
    return number


async def _handle(request: Request, work: Callable[[FormData], Any], fallback: str) -> Response:
    state = state_of(request)
    form = await request.form()
    try:
        check_csrf(request, _field(form, CSRF_FIELD), token=state.token, cookie=state.cookie)
    except CsrfError as exc:
        raise HTTPException(403, f"refused: {exc}") from exc
    try:
        result = await run_in_threadpool(work, form)
        state.generation += 1  # tags and stars are facets: recount them
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != SQLITE_READONLY:
            raise
        raise HTTPException(
            403, "this case is read-only here: stars, tags and notes cannot be saved"
        ) from exc
    except UsageError as exc:
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"error": str(exc)}, status_code=400)
        raise HTTPException(400, str(exc)) from exc
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"ok": True, "result": result})
    return RedirectResponse(safe_next(_field(form, "next"), fallback), status_code=303)


async def star_view(request: Request) -> Response:
    doc_id = int(request.path_params["doc_id"])
    state = state_of(request)

    def work(form: FormData) -> bool:
        starred = _field(form, "starred") in ("1", "yes", "true", "on")
        state.store().annotations.set_star(doc_id, starred)
        return starred

    return await _handle(request, work, f"/doc/{doc_id}")


async def tag_view(request: Request) -> Response:
    doc_id = int(request.path_params["doc_id"])
    state = state_of(request)

    def work(form: FormData) -> str:
        return state.store().annotations.add_tag(doc_id, _field(form, "tag"))

    return await _handle(request, work, f"/doc/{doc_id}")


async def untag_view(request: Request) -> Response:
    doc_id = int(request.path_params["doc_id"])
    state = state_of(request)

    def work(form: FormData) -> None:
        state.store().annotations.remove_tag(doc_id, _field(form, "tag"))

    return await _handle(request, work, f"/doc/{doc_id}")


async def note_view(request: Request) -> Response:
    doc_id = int(request.path_params["doc_id"])
    state = state_of(request)

    def work(form: FormData) -> dict[str, Any]:
        page = _optional_int(form, "page")
        start = _optional_int(form, "start")
        end = _optional_int(form, "end")
        # "scope" says what the note is on; without it, whatever the fields give.
        scope = _field(form, "scope")
        if scope == "document":
            page = start = end = None
        elif scope == "page":
            start = end = None
        elif scope == "passage" and (start is None or end is None):
            raise UsageError("select a passage of the page text first")
        note = state.store().annotations.add_note(
            doc_id, _field(form, "body"), page=page, start=start, end=end
        )
        return note.as_dict()

    return await _handle(request, work, f"/doc/{doc_id}")


async def delete_note_view(request: Request) -> Response:
    note_id = int(request.path_params["note_id"])
    state = state_of(request)

    def work(form: FormData) -> int | None:
        return state.store().annotations.delete_note(note_id)

    return await _handle(request, work, "/notes")


def routes() -> list[BaseRoute]:
    return [
        Route("/doc/{doc_id:rowid}/star", star_view, methods=["POST"]),
        Route("/doc/{doc_id:rowid}/tags", tag_view, methods=["POST"]),
        Route("/doc/{doc_id:rowid}/tags/remove", untag_view, methods=["POST"]),
        Route("/doc/{doc_id:rowid}/notes", note_view, methods=["POST"]),
        Route("/notes/{note_id:rowid}/delete", delete_note_view, methods=["POST"]),
    ]
