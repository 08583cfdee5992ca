"""A document's original: whether it is intact, its page images, its download.

Documents are reached only by their id (``/doc/17``) or SHA-256
(``/sha256/<hex>``); nothing in a URL is ever used as a file path. An original
whose bytes no longer hash to its name is neither shown nor served (issue 10).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from culpa.errors import UsageError
from culpa.store.blobs import BlobState, check_blob
from culpa.store.case import Case
from culpa.store.records import DocumentInfo
from culpa.web.render import RenderError, page_image
from culpa.web.state import WebState, state_of

_SHA256 = re.compile(r"[0-9a-f]{64}")
_ASCII_NAME = re.compile(r"[^A-Za-z0-9._ ()\-]")

#: What the viewer says above a document whose original is not intact (issue 10).
BLOB_WARNINGS = {
    BlobState.MISSING: "The original file is missing from this case's blobs: it cannot be "
    "shown or downloaded. The text below was read from it at ingest. Ingest the same file "
    "again to restore it; `culpa verify` lists every such problem.",
    BlobState.DAMAGED: "The original file on disk no longer matches its SHA-256: it was "
    "changed after it was stored, so it is neither shown nor offered for download. The text "
    "below was read from the original at ingest. Ingest the same file again to restore it; "
    "`culpa verify` lists every such problem.",
}


def document_or_404(state: WebState, doc_id: int) -> DocumentInfo:
    """The document ``doc_id`` of the case, or 404 Not Found."""
    try:
        return state.store().catalog.document_info(doc_id)
    except UsageError as exc:
        raise HTTPException(404, f"no document {doc_id} in this case") from exc


def original_state(case: Case, sha256: str) -> BlobState:
    """Whether a document's original is intact; hashed on first use per process."""
    if not _SHA256.fullmatch(sha256):
        return BlobState.MISSING
    return check_blob(case.blobs.path_for(sha256), sha256)


def refuse_damaged_original(case: Case, sha256: str) -> None:
    """409 Conflict when the original on disk no longer hashes to its name."""
    if original_state(case, sha256) is BlobState.DAMAGED:
        raise HTTPException(
            409,
            "The original file on disk no longer matches its SHA-256 "
            f"({sha256}): it was changed after it was stored, and culpa will not serve "
            "or render it as the original. Ingest the same file again to restore it; "
            "`culpa verify` lists every damaged original.",
        )


def page_image_view(request: Request) -> Response:
    state = state_of(request)
    doc_id = int(request.path_params["doc_id"])
    number = int(request.path_params["number"])
    info = document_or_404(state, doc_id)
    if not 1 <= number <= max(1, info.page_count):
        raise HTTPException(404, f"document {doc_id} has no page {number}")
    refuse_damaged_original(state.case, info.sha256)
    try:
        rendered = page_image(state.case, info.sha256, info.type, info.mime, number)
    except RenderError as exc:
        raise HTTPException(404, f"no image of this page: {exc}") from exc
    if rendered.data is not None:
        return Response(
            rendered.data,
            media_type=rendered.media_type,
            headers={"Cache-Control": "private, max-age=86400"},
        )
    return FileResponse(
        rendered.path,
        media_type=rendered.media_type,
        headers={"Cache-Control": "private, max-age=86400"},
    )


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = _ASCII_NAME.sub("_", name).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_view(request: Request) -> Response:
    state = state_of(request)
    doc_id = int(request.path_params["doc_id"])
    info = document_or_404(state, doc_id)
    blob = state.case.blobs.path_for(info.sha256)
    if not _SHA256.fullmatch(info.sha256) or not blob.is_file():
        raise HTTPException(404, "the original is not in this case's blobs")
    refuse_damaged_original(state.case, info.sha256)
    return FileResponse(
        blob,
        media_type="application/octet-stream",
        headers={"Content-Disposition": content_disposition(info.file_name)},
    )


def by_sha256_view(request: Request) -> Response:
    sha = str(request.path_params["sha256"]).lower()
    if not _SHA256.fullmatch(sha):
        raise HTTPException(404, "give a full SHA-256 in hex")
    doc_id = state_of(request).store().provenance.document_for_sha256(sha)
    if doc_id is None:
        raise HTTPException(404, "no document with this SHA-256 in this case")
    return RedirectResponse(f"/doc/{doc_id}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route(
            "/doc/{doc_id:rowid}/page/{number:rowid}/image",
            page_image_view,
            methods=["GET", "HEAD"],
        ),
        Route("/doc/{doc_id:rowid}/download", download_view, methods=["GET", "HEAD"]),
        Route("/sha256/{sha256:str}", by_sha256_view, methods=["GET", "HEAD"]),
    ]
