"""Page images for the viewer, rendered from the original and cached in the case folder.

The rendering itself belongs to the formats (:mod:`culpa.formats.render`: PDF
pages with PyMuPDF at 144 dpi, image files upright with Pillow, DjVu pages
with ``ddjvu``), chosen by the document's type; this module keeps what the
viewer adds: renders are kept under
``cache/pages/<sha256[:2]>/<sha256>/<page>-<scale>.<ext>``, a path built only
from a checked SHA-256 hex string and integers, never from anything a request
or a document names, and a read-only case is shown without caching.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from culpa.formats.render import RenderError, page_view_for
from culpa.store.case import Case

if TYPE_CHECKING:
    from culpa.formats.documents.pdf_view import PdfChar

CACHE_DIR_NAME = "cache"

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg"}

__all__ = [
    "RenderError",
    "Rendered",
    "cache_path",
    "can_render",
    "page_image",
    "pdf_chars",
    "pdf_rotation",
]


@dataclass(frozen=True, slots=True)
class Rendered:
    path: Path
    media_type: str
    #: The image itself when it could not be kept in the cache (a read-only case).
    data: bytes | None = None


def can_render(doc_type: str, mime: str) -> bool:
    """Whether documents of this type have page images."""
    return page_view_for(doc_type, mime) is not None


def cache_path(case: Case, sha256: str, page: int, scale: int, suffix: str) -> Path:
    """Where a render is kept (only hex and integers go into it)."""
    if not _SHA256.fullmatch(sha256):
        raise RenderError("not a SHA-256")
    if page < 1 or scale < 1 or suffix not in _MEDIA_TYPES:
        raise RenderError("bad page or scale")
    return case.root / CACHE_DIR_NAME / "pages" / sha256[:2] / sha256 / f"{page}-{scale}.{suffix}"


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def page_image(case: Case, sha256: str, doc_type: str, mime: str, page: int) -> Rendered:
    """The cached render of a page, made first if needed."""
    view = page_view_for(doc_type, mime)
    if view is None:
        raise RenderError("this kind of document has no page images")
    for suffix in view.suffixes:
        cached = cache_path(case, sha256, page, view.scale, suffix)
        if cached.is_file():
            return Rendered(cached, _MEDIA_TYPES[suffix])
    blob = case.blobs.path_for(sha256)
    if not blob.is_file():
        raise RenderError("the original is not in this case's blobs")
    shown = view.render(blob, page)
    target = cache_path(case, sha256, page, view.scale, shown.suffix)
    media_type = _MEDIA_TYPES[shown.suffix]
    try:
        _write_atomically(target, shown.data)
    except OSError:
        # A read-only case is still viewed: the page is shown without being cached.
        return Rendered(target, media_type, shown.data)
    return Rendered(target, media_type)


def _original(case: Case, sha256: str) -> Path | None:
    blob = case.blobs.path_for(sha256) if _SHA256.fullmatch(sha256) else None
    return blob if blob is not None and blob.is_file() else None


def pdf_rotation(case: Case, sha256: str, page: int) -> tuple[float, ...] | None:
    """The matrix turning a rotated PDF page's text-layer boxes upright, or None.

    PyMuPDF is imported only when a PDF page's matches are boxed.
    """
    from culpa.formats.documents import pdf_view

    blob = _original(case, sha256)
    return None if blob is None else pdf_view.rotation(blob, page)


def pdf_chars(case: Case, sha256: str, page: int) -> tuple[PdfChar, ...]:
    """Every character of a PDF page's text layer with its box (empty when unreadable)."""
    from culpa.formats.documents import pdf_view

    blob = _original(case, sha256)
    return () if blob is None else pdf_view.chars(blob, page)
