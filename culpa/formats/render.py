"""Page images of stored originals, for whoever shows them (the web viewer).

The extractor family that reads a format also knows how to draw its pages, so
the code that opens a PDF with PyMuPDF, decodes an image with Pillow or runs
``ddjvu`` stays in :mod:`culpa.formats`, and a viewer asks for a page image by
the document's type without importing any of those libraries. This is not the
OCR's rendering (:class:`culpa.formats.base.PageRenderer`, greyscale at 300
dpi): a page shown on screen is rendered for a screen.

A format whose pages can be shown has one :class:`PageView` class, named in
:data:`PAGE_VIEWS` under the type its extractor stores for a document
(``documents.type``) and imported only when a page of that type is first shown.
"""

from __future__ import annotations

import importlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from PIL import Image

#: Image files and DjVu pages are shown at most this many pixels on their long side.
MAX_IMAGE_SIDE = 2400

#: Document type -> ``module:Class`` of its :class:`PageView` (one line per format).
PAGE_VIEWS: dict[str, str] = {
    "pdf": "culpa.formats.documents.pdf_view:PdfPageView",
    "image": "culpa.formats.media.image_view:ImagePageView",
    "djvu": "culpa.formats.documents.djvu_view:DjvuPageView",
}

_loaded: dict[str, PageView] = {}
_lock = threading.Lock()


class RenderError(Exception):
    """The page cannot be shown as an image (no original, unreadable, encrypted, ...)."""


@dataclass(frozen=True, slots=True)
class ShownPage:
    """A page image, encoded: PNG, or JPEG for a colour photograph."""

    data: bytes
    suffix: str  # "png" or "jpg"


class PageView(Protocol):
    """How the pages of one type of document are shown as images."""

    #: The MIME types shown; empty: every document of the type.
    mime_types: ClassVar[tuple[str, ...]]
    #: Which render this is (part of a cached render's name): another scale is another file.
    scale: ClassVar[int]
    #: The encodings :meth:`render` may return, in the order a cache is looked in.
    suffixes: ClassVar[tuple[str, ...]]

    def render(self, path: Path, number: int) -> ShownPage:
        """Page ``number`` (from 1) of the original at ``path``; raises :class:`RenderError`."""
        ...


def page_view_for(doc_type: str, mime: str) -> PageView | None:
    """How pages of a document of this type and MIME type are shown; None: they are not."""
    name = PAGE_VIEWS.get(doc_type)
    if name is None:
        return None
    with _lock:
        view = _loaded.get(name)
        if view is None:
            module, _, cls = name.partition(":")
            view = _loaded[name] = getattr(importlib.import_module(module), cls)()
    return view if not view.mime_types or mime in view.mime_types else None


def png(image: Image.Image) -> bytes:
    """``image`` as PNG, fast rather than smallest (a render is made while someone waits)."""
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
