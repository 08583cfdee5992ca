"""Ingest every real-world file in ../shared/corpus: text or a recorded error, never a crash;
and the same text on every ingest (issue 10)."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from culpa.ingest.runner import IngestOptions, IngestSummary, ingest
from culpa.store.case import Case, init_case
from tests.conftest import CORPUS
from tests.formats.documents.test_office_fields import slide_ppt, word_memo

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason="no shared corpus")


#: Corpus files OCR'd in the re-ingest test: a Chinese line image, an English scan
#: and a scanned PDF (the whole corpus's ~200 scanned pages would take many minutes).
OCR_SAMPLES = ("cjk/cnocr_rand_cn1.png", "images/tika_testOCR.png", "pdf/scanned/ocrmypdf_kcs.pdf")
#: A time zone 14 hours from UTC: any text taken from the clock differs in it.
OTHER_TIME_ZONE = "Pacific/Kiritimati"


def test_the_whole_corpus_ingests_without_a_crash_and_again_the_same(tmp_path: Path) -> None:
    """Every file stored or recorded; then the corpus ingested again, later, by another
    process in a time zone 14 hours away, gives the same files and the same text byte for
    byte (issue 10: a mail store's rebuilt messages had random MIME boundaries, so other
    SHA-256s each time). One test, so that the corpus is ingested once for both."""
    case = init_case(tmp_path / "case")
    # OCR off: OCR of the corpus's ~200 scanned pages takes many minutes; the OCR
    # path on real scans is covered by the tests below.
    summary = ingest(case, [CORPUS], IngestOptions(workers=2, ocr=False))
    _check_every_file_stored_or_recorded(case, summary)
    again = init_case(tmp_path / "again")
    _ingest_elsewhere(again.root, [CORPUS], "--no-ocr", "--workers", "2")
    assert _assert_same_text(case.root, again.root) > 1000


def _check_every_file_stored_or_recorded(case: Case, summary: IngestSummary) -> None:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        listed = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
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


def _ingest_elsewhere(case: Path, paths: list[Path], *options: str) -> None:
    """``culpa ingest`` in a process of its own, later and in another time zone."""
    environment = {**os.environ, "TZ": OTHER_TIME_ZONE}
    command = [sys.executable, "-m", "culpa", "ingest", "--case", str(case), "--json"]
    result = subprocess.run(
        [*command, *options, *map(str, paths)], env=environment, capture_output=True, timeout=1800
    )
    assert result.returncode in (0, 3), result.stderr.decode()[-2000:]


def _pages(case: Path) -> tuple[dict[str, str], dict[tuple[str, int], str]]:
    """(SHA-256 of every provenance path, text of every page by SHA-256 and number)."""
    conn = sqlite3.connect(case / "case.db")
    try:
        files = dict(
            conn.execute(
                "SELECT p.path, d.sha256 FROM provenance p JOIN documents d ON d.id = p.document_id"
            )
        )
        pages = {
            (sha256, number): text
            for sha256, number, text in conn.execute(
                "SELECT d.sha256, g.number, g.text "
                "FROM pages g JOIN documents d ON d.id = g.document_id"
            )
        }
    finally:
        conn.close()
    return files, pages


def _assert_same_text(first: Path, second: Path) -> int:
    files, pages = _pages(first)
    files_again, pages_again = _pages(second)
    assert files_again == files  # same bytes stored under each path (no random MIME boundary)
    assert pages_again.keys() == pages.keys()
    differing = [key for key, text in pages.items() if pages_again[key] != text]
    assert differing == [], [(key, pages[key][:200], pages_again[key][:200]) for key in differing]
    return len(pages)


def test_ocr_and_clock_fields_give_byte_identical_text_again(tmp_path: Path) -> None:
    """A few scans OCR'd, and a Word memo and a slide with date, time and file-name
    fields (the corpus holds none), ingested twice as above: the same text. The fields
    used to be the clock at conversion, so the second ingest, 14 hours away, differed."""
    files = tmp_path / "files"
    files.mkdir()
    samples = [*(CORPUS / name for name in OCR_SAMPLES), word_memo(files)[0], slide_ppt(files)]
    first = init_case(tmp_path / "first")
    summary = ingest(first, samples, IngestOptions(workers=2, ocr=True))
    assert summary.error_count == 0 and summary.ocr_pages_added >= len(OCR_SAMPLES)
    second = init_case(tmp_path / "second")
    _ingest_elsewhere(second.root, samples, "--workers", "2")
    assert _assert_same_text(first.root, second.root) >= len(samples)


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
