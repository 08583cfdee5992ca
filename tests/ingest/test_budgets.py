"""Budgets per file (issue 10): a page-count bomb or a member-count bomb cannot hold a worker.

A 12 MB PDF of 100,000 pages, each with one dot, kept a worker OCR'ing for two
days (every page counted as progress, so ``--file-timeout`` never fired) and
nothing of it was committed until the end; a zip of 200,000 tiny entries just
ran on. Here the same files, made small, with the budgets set low.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pymupdf
import pytest

from culpa.errors import ErrorKind
from culpa.formats.base import ExtractContext
from culpa.formats.documents.pdf import PdfExtractor
from culpa.ingest.ocr_stage import (
    OcrBudget,
    budget_warning,
    extract_with_ocr,
    page_ranges,
    without_page,
)
from culpa.ingest.runner import IngestOptions, ingest
from culpa.search.engine import search
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from tests.ingest.test_ocr_stage import text_image

#: Small pages: each still goes through rendering and OCR, but quickly.
PAGE_WIDTH, PAGE_HEIGHT = 300.0, 120.0


def dotted_pdf(path: Path, pages: int, text_pages: tuple[str, ...] = ()) -> Path:
    """A scanned-looking PDF: first ``text_pages`` as pictures of text, then pages of one dot.

    No page has a text layer, so every page is sent to OCR; a dot is not a
    blank page (the OCR stage skips pure white ones), so each one is read.
    """
    doc = pymupdf.open()
    for line in text_pages:
        buffer = io.BytesIO()
        text_image(line).save(buffer, format="PNG")
        page = doc.new_page(width=PAGE_WIDTH * 2, height=PAGE_HEIGHT)
        page.insert_image(page.rect, stream=buffer.getvalue())
    for _ in range(pages - len(text_pages)):
        page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        page.draw_circle((PAGE_WIDTH / 2, PAGE_HEIGHT / 2), 1.5, color=(0, 0, 0), fill=(0, 0, 0))
    doc.save(path)
    return path


def _options(budget: OcrBudget, **kwargs: object) -> IngestOptions:
    return IngestOptions(
        workers=1,
        ocr_languages=("eng",),
        ocr_engine="tesseract",
        ocr_budget=budget,
        **kwargs,  # type: ignore[arg-type]
    )


def _document(conn: sqlite3.Connection, name: str) -> sqlite3.Row | tuple[object, ...]:
    row = conn.execute(
        "SELECT d.id, d.sha256, d.status, d.error_kind, d.error_message, d.page_count, d.metadata "
        "FROM documents d JOIN provenance p ON p.document_id = d.id WHERE p.path LIKE ?",
        (f"%{name}",),
    ).fetchone()
    assert row is not None, name
    return tuple(row)


def _methods(conn: sqlite3.Connection, doc_id: object) -> dict[int, str]:
    return dict(
        conn.execute("SELECT number, method FROM pages WHERE document_id = ?", (doc_id,)).fetchall()
    )


def culpa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "culpa", *args], capture_output=True, text=True, timeout=600
    )


def test_a_page_bomb_is_cut_at_its_blank_page_budget_and_the_rest_read_later(
    case: Case, tmp_path: Path
) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    dotted_pdf(trove / "dots.pdf", 40, text_pages=("Secret memo 2017",))
    (trove / "note.txt").write_text("the rest of the trove goes on\n", encoding="utf-8")
    started = time.monotonic()
    summary = ingest(case, [trove], _options(OcrBudget(0, 5, 0)))
    took = time.monotonic() - started
    assert summary.errors == {str(ErrorKind.OCR_BUDGET): 1}  # a warning: the script learns
    conn = connect(case.db_path)
    doc_id, sha256, status, kind, message, page_count, metadata = _document(conn, "dots.pdf")
    assert (status, kind, page_count) == ("partial", "ocr_budget", 40)
    methods = _methods(conn, doc_id)
    read = sorted(n for n, method in methods.items() if method == "ocr")
    # Pages 1..k were read (k: 1 text page, the blank run of 5, the pages already in
    # flight when it ended); every other page is stored, without text.
    assert read == list(range(1, len(read) + 1)) and 6 <= len(read) <= 12, read
    assert len(methods) == 40
    unread = f"{len(read) + 1}-40"
    assert json.loads(str(metadata))["ocr_not_read"] == unread
    command = f"culpa ocr {str(sha256)[:12]} --pages {unread}"
    assert "6 pages in a row without text" not in str(message)  # says how many: 5
    assert "5 pages in a row without text" in str(message) and command in str(message)
    # The pages read are committed and searchable; the rest of the trove was read too.
    assert {hit.page for hit in search(SqliteCaseStore(conn), "memo")} == {1}
    assert search(SqliteCaseStore(conn), "trove")
    errors = conn.execute("SELECT path, kind, message FROM errors").fetchall()
    assert errors == [("trove/dots.pdf", "ocr_budget", message)]
    conn.close()
    assert took < 120, took  # all 40 pages' OCR was never paid

    # `culpa errors` and `culpa show` give the warning, with the command.
    shown = culpa("errors", "--case", str(case.root))
    assert shown.returncode == 0, shown.stderr
    assert "ocr_budget\ttrove/dots.pdf" in shown.stdout and command in shown.stdout
    shown = culpa("show", "--case", str(case.root), str(doc_id))
    assert "status: partial (ocr_budget:" in shown.stdout and command in shown.stdout

    # A re-run skips it (unchanged) and still says the case is incomplete.
    again = ingest(case, [trove], _options(OcrBudget(0, 5, 0)))
    assert again.files_unchanged == 2 and again.errors == {"ocr_budget": 1}

    # The command named reads the rest; the document is then whole.
    first = len(read) + 1
    done = culpa(
        "ocr", "--case", str(case.root), str(sha256)[:12], "--pages", f"{first}-{first + 2}",
        "--lang", "eng", "--engine", "tesseract",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    conn = connect(case.db_path)
    _, _, status, _, message, _, metadata = _document(conn, "dots.pdf")
    assert status == "partial" and json.loads(str(metadata))["ocr_not_read"] == f"{first + 3}-40"
    assert f"--pages {first + 3}-40" in str(message)
    conn.close()
    done = culpa(*command.split()[1:], "--case", str(case.root), "--lang", "eng")
    assert done.returncode == 0, done.stderr
    conn = connect(case.db_path)
    _, _, status, kind, message, _, metadata = _document(conn, "dots.pdf")
    assert (status, kind, message) == ("ok", None, None)
    assert "ocr_not_read" not in json.loads(str(metadata))
    assert set(_methods(conn, doc_id).values()) == {"ocr"}
    assert conn.execute("SELECT count(*) FROM errors").fetchone()[0] == 0
    conn.close()


def test_the_page_and_time_budgets_stop_ocr(tmp_path: Path) -> None:
    path = dotted_pdf(tmp_path / "dots.pdf", 12)
    context = ExtractContext(workdir=tmp_path / "w", ocr_languages=("eng",))
    result = extract_with_ocr(
        PdfExtractor(), path, context, engine="tesseract", budget=OcrBudget(3, 0, 0)
    )
    assert [p.number for p in result.pages if p.method == "ocr"] == [1, 2, 3]
    assert result.metadata["ocr_not_read"] == "4-12"
    assert "--max-ocr-pages 3" in result.metadata["ocr_stopped"]
    warning = budget_warning(result.metadata, "abc123")
    assert warning is not None and "culpa ocr abc123 --pages 4-12" in warning

    result = extract_with_ocr(
        PdfExtractor(), path, context, engine="tesseract", budget=OcrBudget(0, 0, 1e-6)
    )
    assert result.metadata["ocr_not_read"] == "1-12"  # out of time before the first page
    assert "--max-ocr-minutes" in result.metadata["ocr_stopped"]

    whole = extract_with_ocr(PdfExtractor(), path, context, engine="tesseract")  # no budget
    assert all(p.method == "ocr" for p in whole.pages) and "ocr_not_read" not in whole.metadata


def test_page_ranges() -> None:
    assert page_ranges([9, 1, 2, 3, 7, 10]) == "1-3,7,9-10"
    assert without_page("1-3,7,9-10", 2) == "1,3,7,9-10"
    assert without_page("1-3,7,9-10", 7) == "1-3,9-10"
    assert without_page("5-6", 5) == "6"
    assert budget_warning({"ocr_stopped": "x", "ocr_not_read": "1,3,5,7-9"}, "ab") == (
        "x; pages 1,3,5,... are stored without text. Read them with: culpa ocr ab --pages 1; "
        "culpa ocr ab --pages 3; culpa ocr ab --pages 5 (and 1 more ranges: see ocr_not_read)"
    )


def _zip(path: Path, members: int, size: int = 8) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(members):
            archive.writestr(f"m/{n:04d}.txt", f"member {n:04d} ".ljust(size, "x"))
    return path


def _members(conn: sqlite3.Connection, archive: str) -> list[str]:
    rows = conn.execute("SELECT path FROM provenance WHERE parent_path = ?", (archive,))
    return sorted(row[0] for row in rows)


def test_an_archive_past_its_member_budget_is_kept_as_partial(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    _zip(trove / "many.zip", 50)
    _zip(trove / "few.zip", 5)
    summary = ingest(case, [trove], IngestOptions(workers=1, ocr=False, member_budget=20))
    assert summary.errors == {"limit_exceeded": 1}
    conn = connect(case.db_path)
    _, _, status, kind, message, _, metadata = _document(conn, "many.zip")
    assert (status, kind) == ("partial", "limit_exceeded")
    assert "more than 20 members (--max-archive-members 20)" in str(message)
    assert json.loads(str(metadata))["members_unpacked"] == "20"
    members = _members(conn, "trove/many.zip")
    assert members == [f"trove/many.zip!/m/{n:04d}.txt" for n in range(20)]
    assert len(_members(conn, "trove/few.zip")) == 5  # the trove went on
    assert {hit.path for hit in search(SqliteCaseStore(conn), "0019")} == {
        "trove/many.zip!/m/0019.txt"
    }
    assert conn.execute("SELECT kind FROM errors WHERE path = 'trove/many.zip'").fetchone() == (
        "limit_exceeded",
    )
    assert conn.execute("SELECT complete FROM documents WHERE status = 'partial'").fetchone() == (
        1,
    )
    conn.close()
    shown = culpa("errors", "--case", str(case.root), "--kind", "limit_exceeded")
    assert "trove/many.zip" in shown.stdout and "--max-archive-members 20" in shown.stdout

    # A plain re-run keeps it as it is; --retry-errors with a larger budget reads it whole.
    again = ingest(case, [trove], IngestOptions(workers=1, ocr=False, member_budget=20))
    assert again.files_unchanged == 2 and again.errors == {"limit_exceeded": 1}
    retry = IngestOptions(
        workers=1, ocr=False, member_budget=100, retry_kinds=frozenset({"limit_exceeded"})
    )
    again = ingest(case, [trove], retry)
    assert again.error_count == 0 and again.documents_added == 31  # 30 members, the zip anew
    conn = connect(case.db_path)
    doc_id, _, status, kind, message, _, _ = _document(conn, "many.zip")
    assert (status, kind, message) == ("ok", None, None)
    assert len(_members(conn, "trove/many.zip")) == 50
    assert conn.execute("SELECT count(*) FROM errors").fetchone()[0] == 0
    assert conn.execute("SELECT complete FROM documents WHERE id = ?", (doc_id,)).fetchone() == (1,)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_the_run_stops_unpacking_at_its_unpack_budget(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    _zip(trove / "a.zip", 10, size=1000)
    summary = ingest(case, [trove], IngestOptions(workers=1, ocr=False, max_unpack_bytes=5500))
    assert summary.errors == {"limit_exceeded": 1}
    conn = connect(case.db_path)
    _, _, status, kind, message, _, _ = _document(conn, "a.zip")
    assert (status, kind) == ("partial", "limit_exceeded")
    assert "unpack budget" in str(message) and "5 of its 10 members" in str(message)
    assert len(_members(conn, "trove/a.zip")) == 5
    conn.close()
    assert not any(case.tmp_dir.iterdir())  # the members left out are not left behind


@pytest.mark.parametrize("flag", ["--max-ocr-pages", "--max-blank-ocr-pages", "--max-ocr-minutes"])
def test_the_budgets_are_options_of_ingest(flag: str) -> None:
    shown = culpa("ingest", "--help")
    assert flag in shown.stdout and "--max-archive-members" in shown.stdout
    assert "--max-unpack-gb" in shown.stdout


def test_retry_errors_reads_a_partial_document_again_whole(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    dotted_pdf(trove / "dots.pdf", 8, text_pages=("Secret memo 2017",))
    assert ingest(case, [trove], _options(OcrBudget(2, 0, 0))).errors == {"ocr_budget": 1}
    retry = _options(OcrBudget(0, 0, 0), retry_kinds=frozenset({"ocr_budget"}))
    assert ingest(case, [trove], retry).error_count == 0
    conn = connect(case.db_path)
    doc_id, _, status, kind, _, page_count, _ = _document(conn, "dots.pdf")
    assert (status, kind, page_count) == ("ok", None, 8)
    assert set(_methods(conn, doc_id).values()) == {"ocr"} and len(_methods(conn, doc_id)) == 8
    assert {hit.page for hit in search(SqliteCaseStore(conn), "memo")} == {
        1
    }  # indexed once, not twice
    conn.execute("INSERT INTO page_index(page_index, rank) VALUES ('integrity-check', 0)")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
