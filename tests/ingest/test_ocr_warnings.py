"""Issue 11: a page OCR could not read is a typed warning beside its ``ocr_errors`` line."""

from __future__ import annotations

from pathlib import Path

from culpa.errors import ErrorKind
from culpa.formats.base import ExtractContext
from culpa.ingest.ocr_stage import extract_with_ocr
from culpa.models import PartialFailure
from tests.ingest.test_ocr_stage import _HalfRenderable


def test_a_failed_page_is_an_ocr_failed_warning(tmp_path: Path) -> None:
    context = ExtractContext(workdir=tmp_path, ocr_languages=("eng",))
    result = extract_with_ocr(_HalfRenderable(), tmp_path / "x", context, engine="tesseract")
    assert result.metadata["ocr_errors"] == "page 2: rendering failed: boom"
    assert result.warnings == (
        PartialFailure(ErrorKind.OCR_FAILED, "rendering failed: boom", page=2),
    )
