"""The viewer checks the original against its SHA-256 before serving or rendering it
(issue 10): a changed blob is refused (409) for download and page images, and the
document page says so; a missing one is said too. Before, both were served as the
original with no warning."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from culpa.web.app import create_app
from tests.ingest.trove import make_pdf
from tests.web.conftest import TEST_ORIGIN, TEST_PORT

PDF = make_pdf(["Minutes of the meeting", "新疆 工作 会议"])
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture
def one_pdf(case: Case, tmp_path: Path) -> Case:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "minutes.pdf").write_bytes(PDF)
    ingest(case, [trove], IngestOptions(workers=1, ocr=False))
    return case


@pytest.fixture
def web(one_pdf: Case) -> Iterator[TestClient]:
    with TestClient(create_app(one_pdf, port=TEST_PORT), base_url=TEST_ORIGIN) as client:
        yield client


def _doc(case: Case) -> int:
    conn = sqlite3.connect(case.db_path)
    try:
        return int(conn.execute("SELECT id FROM documents WHERE sha256 = ?", (SHA,)).fetchone()[0])
    finally:
        conn.close()


def _damage(case: Case) -> None:
    blob = case.blobs.path_for(SHA)
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    blob.write_bytes(bytes(data))
    later = time.time_ns() + 60 * 10**9  # damage comes later than the ingest
    os.utime(blob, ns=(later, later))


def test_an_intact_original_is_served_and_shown(web: TestClient, one_pdf: Case) -> None:
    doc = _doc(one_pdf)
    page = web.get(f"/doc/{doc}")
    assert page.status_code == 200
    assert 'id="blob-warning"' not in page.text and 'id="download"' in page.text
    assert web.get(f"/doc/{doc}/download").content == PDF
    assert web.get(f"/doc/{doc}/page/1/image").status_code == 200


def test_a_changed_original_is_refused_and_the_page_warns(web: TestClient, one_pdf: Case) -> None:
    doc = _doc(one_pdf)
    assert web.get(f"/doc/{doc}/download").status_code == 200  # hashed once, found intact
    _damage(one_pdf)  # after it was checked: the cache sees the new size/mtime
    download = web.get(f"/doc/{doc}/download")
    assert download.status_code == 409
    assert "no longer matches its SHA-256" in download.text and SHA in download.text
    assert download.content != one_pdf.blobs.path_for(SHA).read_bytes()
    image = web.get(f"/doc/{doc}/page/1/image")
    assert image.status_code == 409 and "no longer matches" in image.text
    page = web.get(f"/doc/{doc}")
    assert page.status_code == 200
    assert 'id="blob-warning"' in page.text and "no longer matches its SHA-256" in page.text
    assert 'id="download"' not in page.text and "/page/1/image" not in page.text
    assert "Minutes of the meeting" in page.text  # the text read at ingest is still shown


def test_a_restored_original_is_served_again(
    web: TestClient, one_pdf: Case, tmp_path: Path
) -> None:
    doc = _doc(one_pdf)
    _damage(one_pdf)
    assert web.get(f"/doc/{doc}/download").status_code == 409
    ingest(one_pdf, [tmp_path / "trove"], IngestOptions(workers=1, ocr=False))
    assert web.get(f"/doc/{doc}/download").content == PDF


def test_a_missing_original_is_said(web: TestClient, one_pdf: Case) -> None:
    doc = _doc(one_pdf)
    one_pdf.blobs.path_for(SHA).unlink()
    page = web.get(f"/doc/{doc}")
    assert 'id="blob-warning"' in page.text and "missing" in page.text
    assert web.get(f"/doc/{doc}/download").status_code == 404
