"""``culpa ocr``: pages read again replace text, words and index; annotations stay."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pymupdf

from culpa.ingest.reocr import ReocrOptions, nearest_occurrence, parse_page_range, reocr
from culpa.ingest.runner import IngestOptions, ingest
from culpa.search.engine import search
from culpa.store.case import Case, init_case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.annotations import SqliteAnnotations
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.fts import index_page, unindex_page
from tests.ingest.test_ocr_stage import scanned_pdf

ENGLISH = ReocrOptions(languages=("eng",), engine="tesseract")


def _ingest(case: Case, folder: Path) -> None:
    options = IngestOptions(workers=2, ocr_languages=("eng",), ocr_engine="tesseract")
    summary = ingest(case, [folder], options)
    assert summary.error_count == 0


def _doc_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute(
        "SELECT document_id FROM provenance WHERE path LIKE ?", (f"%{name}",)
    ).fetchone()
    return int(row[0])


def _set_page_text(conn: sqlite3.Connection, doc_id: int, number: int, text: str) -> None:
    """Make a page read as an older, worse OCR did (text and index row, as ingest writes)."""
    page_id, old = conn.execute(
        "SELECT id, text FROM pages WHERE document_id = ? AND number = ?", (doc_id, number)
    ).fetchone()
    conn.execute("BEGIN")
    unindex_page(conn, page_id, old)
    conn.execute(
        "UPDATE pages SET text = ?, ocr_engine = 'old', language = 'sco' WHERE id = ?",
        (text, page_id),
    )
    index_page(conn, page_id, text)
    conn.execute("COMMIT")


def _pages_found(conn: sqlite3.Connection, query: str) -> set[tuple[int, int]]:
    return {(hit.document_id, hit.page) for hit in search(SqliteCaseStore(conn), query, limit=100)}


def test_reocr_replaces_text_and_index_and_keeps_tags_and_notes(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    scanned_pdf(trove / "scan.pdf", ["Confidential report 2017"])
    _ingest(case, trove)
    conn = connect(case.db_path)
    doc = _doc_id(conn, "scan.pdf")
    _set_page_text(conn, doc, 1, "qqold Confidential zzgarbage")
    SqliteAnnotations(conn).add_tag(doc, "police")
    SqliteAnnotations(conn).set_star(doc, True)
    moved = SqliteAnnotations(conn).add_note(
        doc, "the title", page=1, start=6, end=18
    )  # "Confidential"
    lost = SqliteAnnotations(conn).add_note(
        doc, "odd word", page=1, start=19, end=28
    )  # "zzgarbage"
    assert (moved.quote, lost.quote) == ("Confidential", "zzgarbage")
    assert _pages_found(conn, "zzgarbage") == {(doc, 1)}

    summary = reocr(case, [doc], ENGLISH)

    assert (summary.documents, summary.pages_read, summary.errors) == (1, 1, [])
    assert (summary.notes_moved, summary.notes_changed) == (1, 1)
    text, method, engine, language, words = conn.execute(
        "SELECT p.text, p.method, p.ocr_engine, p.language, w.words FROM pages p "
        "JOIN page_words w ON w.page_id = p.id WHERE p.document_id = ? AND p.number = 1",
        (doc,),
    ).fetchone()
    assert "Confidential" in text and "zzgarbage" not in text
    assert method == "ocr" and engine.startswith("tesseract") and language != "sco"
    for x0, _y0, x1, _y1, start, end, _confidence in json.loads(words):
        assert 0 <= x0 < x1 and 0 <= start < end <= len(text)
    assert _pages_found(conn, "zzgarbage") == set()  # the old index row is gone
    assert _pages_found(conn, "Confidential") == {(doc, 1)}
    assert _pages_found(conn, "qqold") == set()
    assert SqliteAnnotations(conn).document_tags(doc) == ["police"]
    assert conn.execute("SELECT count(*) FROM stars WHERE document_id = ?", (doc,)).fetchone()[0]
    notes = {note.id: note for note in SqliteAnnotations(conn).all_notes()}
    kept = notes[moved.id]
    assert text[kept.start : kept.end] == "Confidential" and not kept.passage_changed
    assert notes[lost.id].quote == "zzgarbage" and notes[lost.id].passage_changed

    again = reocr(case, [doc], ENGLISH)  # same settings: nothing left to do
    assert (again.pages_read, again.pages_skipped) == (0, 1)
    forced = reocr(case, [doc], ReocrOptions(languages=("eng",), engine="tesseract", force=True))
    assert forced.pages_read == 1
    conn.close()


def test_pages_forces_ocr_on_a_text_layer_page(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    doc = pymupdf.open()
    for line in ("first page text layer", "second page text layer"):
        doc.new_page().insert_text((72, 72), line, fontsize=24)
    doc.save(trove / "born.pdf")
    _ingest(case, trove)
    conn = connect(case.db_path)
    doc_id = _doc_id(conn, "born.pdf")
    assert reocr(case, [doc_id], ENGLISH).documents == 0  # no OCR'd page: nothing by default
    options = ReocrOptions(languages=("eng",), engine="tesseract", pages=(2, 2))
    summary = reocr(case, [doc_id], options)
    assert summary.pages_read == 1
    methods = conn.execute(
        "SELECT number, method FROM pages WHERE document_id = ? ORDER BY number", (doc_id,)
    ).fetchall()
    assert methods == [(1, "text"), (2, "ocr")]
    text = conn.execute(
        "SELECT text FROM pages WHERE document_id = ? AND number = 2", (doc_id,)
    ).fetchone()[0]
    assert "second" in text.lower()
    conn.close()


def test_page_ranges_and_nearest_quote() -> None:
    assert parse_page_range("3") == (3, 3) and parse_page_range("2-5") == (2, 5)
    assert nearest_occurrence("ab ab ab", "ab", 4) == 3
    assert nearest_occurrence("abc", "x", 0) is None


def _culpa(*args: str) -> list[str]:
    return [sys.executable, "-m", "culpa", *args]


def _runs(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM ocr_runs").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _state(case: Case) -> list[tuple[object, ...]]:
    conn = connect(case.db_path)
    rows = conn.execute(
        "SELECT p.number, p.text, p.method, p.ocr_engine, p.language, w.words FROM pages p "
        "JOIN page_words w ON w.page_id = p.id ORDER BY p.document_id, p.number"
    ).fetchall()
    words = {word for row in rows for word in str(row[1]).split() if word.isalpha()}
    found = [(word, sorted(_pages_found(conn, word))) for word in sorted(words)]
    conn.close()
    return [*rows, *found]


def test_kill_mid_reocr_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    lines = [f"Page {word} of the ledger" for word in ("one", "two", "three", "four")]
    scanned_pdf(trove / "scan.pdf", lines * 2)
    base = init_case(tmp_path / "base")
    _ingest(base, trove)
    conn = connect(base.db_path)
    doc = _doc_id(conn, "scan.pdf")
    for number in range(1, 9):  # an earlier, bad reading of every page
        _set_page_text(conn, doc, number, f"oldjunk{number}")
    conn.close()
    shutil.copytree(base.root, tmp_path / "reference")
    shutil.copytree(base.root, tmp_path / "crashed")
    command = ["ocr", "--all", "--lang", "eng", "--engine", "tesseract", "--case"]

    done = subprocess.run(_culpa(*command, str(tmp_path / "reference")), capture_output=True)
    assert done.returncode == 0, done.stderr

    crashed = Case(tmp_path / "crashed")
    process = subprocess.Popen(
        _culpa(*command, str(crashed.root)), start_new_session=True, stderr=subprocess.DEVNULL
    )
    killed = False
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if _runs(crashed.db_path) >= 2:
            os.killpg(process.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.005)
    process.wait()
    assert killed, "culpa ocr finished before it could be killed"
    assert 2 <= _runs(crashed.db_path) < 8
    finish = subprocess.run(_culpa(*command, str(crashed.root), "--json"), capture_output=True)
    assert finish.returncode == 0, finish.stderr
    summary = json.loads(finish.stdout)
    assert summary["pages_skipped"] >= 2 and summary["pages_read"] <= 6
    assert _state(crashed) == _state(Case(tmp_path / "reference"))
