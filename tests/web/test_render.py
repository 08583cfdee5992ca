"""Page images: PDF pages rendered, image files re-encoded, everything cached by hash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from culpa.formats.documents.pdf_view import PDF_SCALE
from culpa.store.case import Case
from culpa.web.render import (
    RenderError,
    cache_path,
    page_image,
    pdf_chars,
    pdf_rotation,
)


def store(case: Case, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    source = case.tmp_dir / "source"
    source.write_bytes(data)
    case.blobs.put(source, sha)
    return sha


def pdf_bytes(rotation: int = 0, password: str | None = None) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((20, 50), "新疆 text", fontname="china-s", fontsize=20)
    page.set_rotation(rotation)
    if password:
        data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password)
    else:
        data = doc.tobytes()
    doc.close()
    return bytes(data)


def test_a_pdf_page_is_rendered_once_then_served_from_the_cache(case: Case) -> None:
    sha = store(case, pdf_bytes())
    first = page_image(case, sha, "pdf", "application/pdf", 1)
    assert first.media_type == "image/png"
    assert first.path == cache_path(case, sha, 1, PDF_SCALE, "png")
    assert first.path.is_relative_to(case.root / "cache")
    with Image.open(first.path) as image:
        assert image.size == (300 * PDF_SCALE, 200 * PDF_SCALE)
    stamp = first.path.stat().st_mtime_ns
    assert page_image(case, sha, "pdf", "application/pdf", 1).path.stat().st_mtime_ns == stamp
    with pytest.raises(RenderError):
        page_image(case, sha, "pdf", "application/pdf", 2)


def test_encrypted_missing_and_unrenderable_originals_are_refused(case: Case) -> None:
    locked = store(case, pdf_bytes(password="secret"))
    with pytest.raises(RenderError, match="encrypted"):
        page_image(case, locked, "pdf", "application/pdf", 1)
    with pytest.raises(RenderError, match="not in this case"):
        page_image(case, "a" * 64, "pdf", "application/pdf", 1)
    with pytest.raises(RenderError):
        page_image(case, "a" * 64, "docx", "application/msword", 1)
    for bad in ("../../etc/passwd", "A" * 64, "a" * 63):
        with pytest.raises(RenderError):
            cache_path(case, bad, 1, 1, "png")


def test_tiff_frames_become_pngs_and_photos_jpegs(case: Case) -> None:
    frames = [Image.new("L", (40, 30), 255), Image.new("L", (50, 20), 0)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    tiff = store(case, out.getvalue())
    second = page_image(case, tiff, "image", "image/tiff", 2)
    assert second.media_type == "image/png"
    with Image.open(second.path) as image:
        assert image.format == "PNG" and image.size == (50, 20)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "BMP")
    rendered = page_image(case, store(case, photo.getvalue()), "image", "image/bmp", 1)
    assert rendered.media_type == "image/jpeg"
    with Image.open(rendered.path) as image:
        assert image.format == "JPEG"


def test_exif_orientation_is_honoured_like_the_ocr(case: Case) -> None:
    image = Image.new("RGB", (80, 40), (255, 255, 255))
    exif = image.getexif()
    exif[0x0112] = 6  # rotated 90° clockwise
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    rendered = page_image(case, store(case, out.getvalue()), "image", "image/jpeg", 1)
    with Image.open(rendered.path) as shown:
        assert shown.size == (40, 80)


def test_rotated_pdf_pages_and_character_boxes(case: Case, tmp_path: Path) -> None:
    turned = store(case, pdf_bytes(rotation=90))
    matrix = pdf_rotation(case, turned, 1)
    assert matrix is not None and len(matrix) == 6
    assert pdf_rotation(case, store(case, pdf_bytes()), 1) is None
    chars = pdf_chars(case, turned, 1)
    assert "".join(c[4] for c in chars).startswith("新疆")
    assert all(c[2] > c[0] for c in chars)


def test_a_djvu_page_is_rendered_as_png(case: Case, tmp_path: Path) -> None:
    from tests.formats.documents.test_djvu import djvu_document, pytestmark

    if pytestmark.args[0]:
        pytest.skip(pytestmark.kwargs["reason"])
    sha = store(case, djvu_document(tmp_path / "book.djvu", tmp_path / "work").read_bytes())
    rendered = page_image(case, sha, "djvu", "image/vnd.djvu", 2)
    assert rendered.media_type == "image/png"
    with Image.open(rendered.path) as image:
        assert image.format == "PNG" and image.size == (1700, 1100)
    with pytest.raises(RenderError, match="no page 3"):
        page_image(case, sha, "djvu", "image/vnd.djvu", 3)
