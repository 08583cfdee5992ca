"""Ingest every real-world file in ../shared/corpus: text or a recorded error, never a crash."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import init_case
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason="no shared corpus")


def test_the_whole_corpus_ingests_without_a_crash(tmp_path: Path) -> None:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        listed = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    case = init_case(tmp_path / "case")
    # OCR off: OCR of the corpus's ~200 scanned pages takes many minutes; the OCR
    # path on real scans is covered by test_real_scans_yield_chinese_text below.
    summary = ingest(case, [CORPUS], IngestOptions(workers=2, ocr=False))
    conn = sqlite3.connect(case.db_path)
    paths = {row[0] for row in conn.execute("SELECT path FROM provenance")}
    errors = dict(conn.execute("SELECT path, kind FROM errors"))
    for name in listed:
        path = f"corpus/{name}"
        assert path in paths or path in errors, f"{path} neither stored nor recorded"
    assert "internal" not in summary.errors, [p for p, k in errors.items() if k == "internal"]
    # Every readable document that is not a container produced pages.
    no_pages = [
        row[0]
        for row in conn.execute(
            "SELECT p.path FROM documents d JOIN provenance p ON p.document_id = d.id "
            "WHERE d.status = 'ok' AND d.page_count = 0 AND d.type NOT IN "
            "('zip', 'tar', '7z', 'rar', 'archive', 'email', 'mailbox', 'tnef', 'ole')"
        )
    ]
    assert no_pages == []
    text_pages = conn.execute("SELECT count(*) FROM pages WHERE length(text) > 0").fetchone()[0]
    assert text_pages > 400
    assert conn.execute("SELECT count(*) FROM documents WHERE complete = 0").fetchone()[0] == 0


def test_real_scans_yield_chinese_text(tmp_path: Path) -> None:
    """A phone photo of a printed 1960s page and a 1-bit scanned booklet page, OCR'd."""
    photo = CORPUS / "cjk-official" / "bha21_0859a0b0-aaa5-4e50-a7af-fb5e6c39e3ae_1.jpg"
    case = init_case(tmp_path / "case")
    summary = ingest(case, [photo], IngestOptions(workers=1, ocr=True))
    assert summary.error_count == 0 and summary.ocr_pages_added == 1
    conn = sqlite3.connect(case.db_path)
    (text,) = conn.execute("SELECT text FROM pages").fetchone()
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    assert han > 100, text[:200]
