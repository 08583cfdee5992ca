"""Page images for the viewer, rendered from the original and cached in the case folder.

PDF pages are rendered with PyMuPDF at :data:`PDF_SCALE` (144 dpi: Chinese
glyphs stay sharp on a laptop screen); image files are decoded with Pillow,
turned upright as their EXIF says (as the OCR saw them), frame by frame for
multi-page TIFFs, and re-encoded as PNG (JPEG for colour photos); DjVu pages
are rendered with ``ddjvu`` as the OCR saw them, as PNG. So any
format the ingest read (TIFF, BMP, JPEG 2000, ...) shows in any browser and the
browser never parses the original. Renders are kept under
``cache/pages/<sha256[:2]>/<sha256>/<page>-<scale>.<ext>``: the path is built only
from a checked SHA-256 hex string and integers, never from anything a request
or a document names.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PIL import Image, ImageOps, UnidentifiedImageError

from culpa.store.case import Case

#: PDF points to pixels (2 = 144 dpi).
PDF_SCALE = 2
#: A render holds at most this many pixels (huge pages are rendered smaller).
MAX_RENDER_PIXELS = 16_000_000
#: Image files are shown at most this many pixels on their long side.
MAX_IMAGE_SIDE = 2400
#: Image files larger than this are not decoded for display.
MAX_IMAGE_FILE_PIXELS = 200_000_000
JPEG_QUALITY = 88
CACHE_DIR_NAME = "cache"

_SHA256 = re.compile(r"[0-9a-f]{64}")
#: MuPDF is not thread-safe; one render at a time (cached renders need no lock).
_MUPDF_LOCK = threading.Lock()


class RenderError(Exception):
    """The page cannot be shown as an image (no original, unreadable, encrypted, ...)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    path: Path
    media_type: str
    #: The image itself when it could not be kept in the cache (a read-only case).
    data: bytes | None = None


def can_render(doc_type: str, mime: str) -> bool:
    """Whether documents of this type have page images."""
    return mime == "application/pdf" or doc_type in ("image", "djvu")


def cache_path(case: Case, sha256: str, page: int, scale: int, suffix: str) -> Path:
    """Where a render is kept (only hex and integers go into it)."""
    if not _SHA256.fullmatch(sha256):
        raise RenderError("not a SHA-256")
    if page < 1 or scale < 1 or suffix not in ("png", "jpg"):
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


def _render_pdf(blob: Path, page: int) -> bytes:
    with _MUPDF_LOCK:
        try:
            doc = pymupdf.open(blob, filetype="pdf")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError) as exc:
            raise RenderError(f"the PDF cannot be opened: {exc}") from exc
        try:
            if doc.needs_pass:
                raise RenderError("the PDF is encrypted")
            if not 1 <= page <= doc.page_count:
                raise RenderError(f"the PDF has no page {page}")
            pdf_page = doc.load_page(page - 1)  # type: ignore[no-untyped-call]
            rect = pdf_page.rect
            scale = float(PDF_SCALE)
            pixels = rect.width * rect.height * scale * scale
            if pixels > MAX_RENDER_PIXELS:
                scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
            pix = pdf_page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False)  # type: ignore[no-untyped-call]
            return bytes(pix.tobytes("png"))
        except (RuntimeError, ValueError) as exc:
            raise RenderError(f"the page cannot be rendered: {exc}") from exc
        finally:
            doc.close()  # type: ignore[no-untyped-call]


def _render_image(blob: Path, page: int) -> tuple[bytes, str]:
    import io

    try:
        with Image.open(blob) as image:
            if image.width * image.height > MAX_IMAGE_FILE_PIXELS:
                raise RenderError("the image is too large to show")
            frames = getattr(image, "n_frames", 1)
            if page > frames:
                raise RenderError(f"the image has no page {page}")
            image.seek(page - 1)
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            if upright.mode not in ("1", "L", "RGB", "RGBA", "LA"):
                upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
            upright.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            out = io.BytesIO()
            if upright.mode == "RGB":
                upright.save(out, "JPEG", quality=JPEG_QUALITY)
                return out.getvalue(), "jpg"
            upright.save(out, "PNG", optimize=False)
            return out.getvalue(), "png"
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise RenderError(f"the image cannot be decoded: {exc}") from exc


def _render_djvu(blob: Path, page: int) -> bytes:
    """A DjVu page in greyscale as the OCR saw it (300 dpi), at most MAX_IMAGE_SIDE px."""
    import io

    from culpa.errors import ExtractionError
    from culpa.formats.documents.djvu import render_page

    try:
        rendered = render_page(blob, page)
    except ExtractionError as exc:
        raise RenderError(f"the DjVu document cannot be read: {exc}") from exc
    if rendered.image is None:
        raise RenderError(f"the page cannot be rendered: {rendered.error}")
    image = rendered.image
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def page_image(case: Case, sha256: str, doc_type: str, mime: str, page: int) -> Rendered:
    """The cached render of a page, made first if needed."""
    if not can_render(doc_type, mime):
        raise RenderError("this kind of document has no page images")
    is_pdf = mime == "application/pdf"
    scale = PDF_SCALE if is_pdf else 1
    suffixes = ("png",) if is_pdf else ("png", "jpg")
    for suffix in suffixes:
        cached = cache_path(case, sha256, page, scale, suffix)
        if cached.is_file():
            return Rendered(cached, "image/png" if suffix == "png" else "image/jpeg")
    blob = case.blobs.path_for(sha256)
    if not blob.is_file():
        raise RenderError("the original is not in this case's blobs")
    if is_pdf:
        data, suffix = _render_pdf(blob, page), "png"
    elif doc_type == "djvu":
        data, suffix = _render_djvu(blob, page), "png"
    else:
        data, suffix = _render_image(blob, page)
    target = cache_path(case, sha256, page, scale, suffix)
    media_type = "image/png" if suffix == "png" else "image/jpeg"
    try:
        _write_atomically(target, data)
    except OSError:
        # A read-only case is still viewed: the page is shown without being cached.
        return Rendered(target, media_type, data)
    return Rendered(target, media_type)


def pdf_rotation(case: Case, sha256: str, page: int) -> tuple[float, ...] | None:
    """The matrix turning a rotated PDF page's text-layer boxes upright, or None.

    PyMuPDF reports words in unrotated page space while renders (and stored
    page sizes) are rotated.
    """
    blob = case.blobs.path_for(sha256) if _SHA256.fullmatch(sha256) else None
    if blob is None or not blob.is_file():
        return None
    return _rotation(str(blob), page)


@functools.lru_cache(maxsize=4096)
def _rotation(blob: str, page: int) -> tuple[float, ...] | None:
    with _MUPDF_LOCK:
        try:
            doc = pymupdf.open(blob, filetype="pdf")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError):
            return None
        try:
            if doc.needs_pass or not 1 <= page <= doc.page_count:
                return None
            pdf_page = doc.load_page(page - 1)  # type: ignore[no-untyped-call]
            if pdf_page.rotation % 360 == 0:
                return None
            m = pdf_page.rotation_matrix
            return (m.a, m.b, m.c, m.d, m.e, m.f)
        except (RuntimeError, ValueError):
            return None
        finally:
            doc.close()  # type: ignore[no-untyped-call]


#: A character of a PDF text layer: x0, y0, x1, y1 (unrotated page space) and the character.
PdfChar = tuple[float, float, float, float, str]


def pdf_chars(case: Case, sha256: str, page: int) -> tuple[PdfChar, ...]:
    """Every character of a PDF page's text layer with its box (empty when unreadable).

    The stored word boxes are per word, and a CJK text layer's "word" is often a
    whole line; the characters' own boxes give a match's exact extent.
    """
    blob = case.blobs.path_for(sha256) if _SHA256.fullmatch(sha256) else None
    if blob is None or not blob.is_file():
        return ()
    return _chars(str(blob), page)


@functools.lru_cache(maxsize=64)
def _chars(blob: str, page: int) -> tuple[PdfChar, ...]:
    from culpa.formats.documents.pdf import TEXT_FLAGS

    with _MUPDF_LOCK:
        try:
            doc = pymupdf.open(blob, filetype="pdf")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError):
            return ()
        try:
            if doc.needs_pass or not 1 <= page <= doc.page_count:
                return ()
            pdf_page = doc.load_page(page - 1)  # type: ignore[no-untyped-call]
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
