"""A PDF's pages as the viewer shows them, and the geometry of their text layer.

Pages are rendered with PyMuPDF at :data:`PDF_SCALE` (144 dpi: Chinese glyphs
stay sharp on a laptop screen), huge pages smaller. A match is boxed on the
page image from the stored word boxes; :func:`rotation` turns those boxes
upright on a rotated page and :func:`chars` gives each character's own box
where a stored "word" (often a whole CJK line) is wider than the match.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import ClassVar

import pymupdf

from culpa.formats.render import RenderError, ShownPage

#: PDF points to pixels (2 = 144 dpi).
PDF_SCALE = 2
#: A render holds at most this many pixels (huge pages are rendered smaller).
MAX_RENDER_PIXELS = 16_000_000
#: MuPDF is not thread-safe; one document open at a time in a process.
_MUPDF_LOCK = threading.Lock()

#: A character of a PDF text layer: x0, y0, x1, y1 (unrotated page space) and the character.
PdfChar = tuple[float, float, float, float, str]


class PdfPageView:
    """PDF pages as PNG at :data:`PDF_SCALE`."""

    mime_types: ClassVar[tuple[str, ...]] = ("application/pdf",)
    scale: ClassVar[int] = PDF_SCALE
    suffixes: ClassVar[tuple[str, ...]] = ("png",)

    def render(self, path: Path, number: int) -> ShownPage:
        with _MUPDF_LOCK:
            try:
                doc = pymupdf.open(path, filetype="pdf")  # type: ignore[no-untyped-call]
            except (RuntimeError, ValueError) as exc:
                raise RenderError(f"the PDF cannot be opened: {exc}") from exc
            try:
                if doc.needs_pass:
                    raise RenderError("the PDF is encrypted")
                if not 1 <= number <= doc.page_count:
                    raise RenderError(f"the PDF has no page {number}")
                pdf_page = doc.load_page(number - 1)  # type: ignore[no-untyped-call]
                rect = pdf_page.rect
                scale = float(PDF_SCALE)
                pixels = rect.width * rect.height * scale * scale
                if pixels > MAX_RENDER_PIXELS:
                    scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
                pix = pdf_page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False)  # type: ignore[no-untyped-call]
                return ShownPage(bytes(pix.tobytes("png")), "png")
            except (RuntimeError, ValueError) as exc:
                raise RenderError(f"the page cannot be rendered: {exc}") from exc
            finally:
                doc.close()  # type: ignore[no-untyped-call]


@functools.lru_cache(maxsize=4096)
def rotation(path: Path, number: int) -> tuple[float, ...] | None:
    """The matrix turning a rotated page's text-layer boxes upright, or None.

    PyMuPDF reports words in unrotated page space while renders (and stored
    page sizes) are rotated.
    """
    with _MUPDF_LOCK:
        try:
            doc = pymupdf.open(path, filetype="pdf")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError):
            return None
        try:
            if doc.needs_pass or not 1 <= number <= doc.page_count:
                return None
            pdf_page = doc.load_page(number - 1)  # type: ignore[no-untyped-call]
            if pdf_page.rotation % 360 == 0:
                return None
            m = pdf_page.rotation_matrix
            return (m.a, m.b, m.c, m.d, m.e, m.f)
        except (RuntimeError, ValueError):
            return None
        finally:
            doc.close()  # type: ignore[no-untyped-call]


@functools.lru_cache(maxsize=64)
def chars(path: Path, number: int) -> tuple[PdfChar, ...]:
    """Every character of a page's text layer with its box (empty when unreadable).

    The stored word boxes are per word, and a CJK text layer's "word" is often a
    whole line; the characters' own boxes give a match's exact extent.
    """
    from culpa.formats.documents.pdf import TEXT_FLAGS

    with _MUPDF_LOCK:
        try:
            doc = pymupdf.open(path, filetype="pdf")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError):
            return ()
        try:
            if doc.needs_pass or not 1 <= number <= doc.page_count:
                return ()
            pdf_page = doc.load_page(number - 1)  # type: ignore[no-untyped-call]
            raw = pdf_page.get_textpage(flags=TEXT_FLAGS).extractRAWDICT()
        except (RuntimeError, ValueError):
            return ()
        finally:
            doc.close()  # type: ignore[no-untyped-call]
    out: list[PdfChar] = []
    for block in raw.get("blocks", []):
        for line in block.get("lines", []):
            for span in line.get("spans", []):
                for char in span.get("chars", []):
                    x0, y0, x1, y1 = char["bbox"]
                    out.append((float(x0), float(y0), float(x1), float(y1), str(char["c"])))
    return tuple(out)
