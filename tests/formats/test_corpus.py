"""Every file of the shared real-world corpus either extracts or fails cleanly.

Each file listed in MANIFEST.tsv is sniffed and handed to the extractor the
registry picks; the result must be an Extracted or an ExtractionError, never
another exception. OCR is off (the OCR path is covered in test_pdf/test_image
and Tesseract would make this take many minutes); files over 20 MB and the
compression bombs are skipped.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from culpa.errors import ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.sniff import detect_mime
from culpa.models import Extracted

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
MAX_BYTES = 20 * 1024**2


def _entries() -> list[tuple[str, int, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return [(row["path"], int(row["bytes"]), row["notes"]) for row in rows]


def _skip_reason(path: str, size: int, notes: str) -> str | None:
    if size > MAX_BYTES:
        return "over 20 MB"
    if path.startswith("hostile/") and ("bomb" in notes.lower() or "10GB" in path):
        return "compression bomb"
    return None


@pytest.mark.skipif(not MANIFEST.is_file(), reason="shared corpus not present")
def test_every_corpus_file_extracts_or_fails_cleanly(tmp_path: Path) -> None:
    outcomes: dict[str, str] = {}
    for number, (relative, size, notes) in enumerate(_entries()):
        if _skip_reason(relative, size, notes):
            continue
        path = CORPUS / relative
        mime = detect_mime(path)
        extractor = registry.extractor_for(mime, path.name)
        if extractor is None:
            outcomes[relative] = f"unsupported {mime}"
            continue
        work = tmp_path / f"w{number}"
        work.mkdir()
        try:
            result = extractor.extract(path, ExtractContext(workdir=work, ocr=False))
        except ExtractionError as exc:
            outcomes[relative] = f"error {exc.kind}"
            continue
        except Exception as exc:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"{relative} ({mime}): {type(exc).__name__}: {exc}")
        assert isinstance(result, Extracted)
        for page in result.pages:
            for word in page.words:
                assert page.text[word.start : word.end] == word.text, relative
        outcomes[relative] = "ok"
    assert outcomes
