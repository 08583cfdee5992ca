"""Issue 11: partial failures are typed warnings, stored with their document.

The ingest writer stores a result's warnings in the file's own savepoint and
replaces them when the document is stored anew; ``culpa ocr`` replaces a page's
``ocr_failed`` warning with the page; ``culpa errors`` lists them after the
errors and ``culpa status`` counts them.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.errors import ErrorKind
from culpa.formats.archives.zip import LOCKED_MEMBER
from culpa.ingest.reocr import _record_failure, _set_page_error
from culpa.ingest.worker import PageRow, WorkItem, WorkResult
from culpa.ingest.writer import CaseWriter
from culpa.models import PartialFailure
from culpa.store.case import Case, open_case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.warnings import SqliteWarnings

LOCKED = PartialFailure(ErrorKind.ENCRYPTED, "locked by a password", member="秘密/a.txt")
BROKEN = PartialFailure(ErrorKind.CORRUPT, "cycle in page tree", page=2)


def _page(number: int) -> PageRow:
    return PageRow(number, f"page {number}", "en", "text", None, None, 0.0, 0.0, "[]", "page")


def _result(sha: str, *warnings: PartialFailure, error: str | None = None) -> WorkResult:
    return WorkResult(
        WorkItem("trove/leak.zip", Path("/nonexistent")),
        sha,
        10,
        mime="application/zip",
        type="zip",
        pages=() if error else (_page(1), _page(2)),
        error_kind=error,
        error_message="no password opened it" if error else None,
        warnings=warnings,
    )


def _store(case: Case, result: WorkResult) -> int:
    conn = connect(case.db_path)
    try:
        writer = CaseWriter(SqliteCaseStore(conn))
        doc_id, _new, _awaiting = writer.add(result)
        writer.flush()
    finally:
        conn.close()
    assert doc_id is not None
    return doc_id


def test_warnings_are_stored_listed_counted_and_replaced_with_their_document(
    case: Case,
) -> None:
    sha = "ab" * 32
    # Stored as failed first (say, encrypted), then read again with a password: the
    # document is stored anew, its warnings with it.
    doc_id = _store(case, _result(sha, LOCKED, error=str(ErrorKind.ENCRYPTED)))
    conn = connect(case.db_path)
    assert [w.member for w in SqliteWarnings(conn).listed()] == ["秘密/a.txt"]
    conn.close()
    assert _store(case, _result(sha, BROKEN)) == doc_id

    store = case.store()
    try:
        warnings = [row for row in store.errors.listed() if row.get("warning")]
        assert [(w["kind"], w["page"], w["member"], w["path"]) for w in warnings] == [
            ("corrupt", 2, None, "trove/leak.zip")
        ]
        assert store.errors.listed("encrypted") == []
        counts = store.documents.counts()
        assert counts["warnings"] == 1 and counts["warnings_by_kind"] == {"corrupt": 1}
        assert counts["errors"] == 0
    finally:
        store.close()

    runner = CliRunner()
    shown = runner.invoke(cli, ["errors", "--case", str(case.root)])
    assert shown.exit_code == 0, shown.output
    assert "corrupt\ttrove/leak.zip\twarning: page 2: cycle in page tree" in shown.stdout
    assert "0 errors, 1 warnings" in shown.stderr
    listed = json.loads(runner.invoke(cli, ["errors", "--case", str(case.root), "--json"]).stdout)
    assert [(row["kind"], row["warning"]) for row in listed] == [("corrupt", True)]
    status = json.loads(runner.invoke(cli, ["status", "--case", str(case.root), "--json"]).stdout)
    assert status["warnings_by_kind"] == {"corrupt": 1}
    assert (
        "warnings by kind: corrupt 1"
        in runner.invoke(cli, ["status", "--case", str(case.root)]).stdout
    )


def test_a_page_read_again_replaces_its_ocr_warning(case: Case) -> None:
    doc_id = _store(case, _result("cd" * 32))
    conn = connect(case.db_path)
    store = SqliteCaseStore(conn)
    try:
        _record_failure(store, doc_id, 2, "tesseract died")
        _record_failure(store, doc_id, 2, "tesseract died again")  # a re-run: still one
        _record_failure(store, doc_id, 1, "no language data")
        listed = SqliteWarnings(conn).listed()
        assert [(w.kind, w.page, w.message) for w in listed] == [
            ("ocr_failed", 1, "no language data"),
            ("ocr_failed", 2, "tesseract died again"),
        ]
        metadata = json.loads(conn.execute("SELECT metadata FROM documents").fetchone()[0])
        assert metadata["ocr_errors"] == "page 1: no language data\npage 2: tesseract died again"
        conn.execute("BEGIN")
        _set_page_error(store, doc_id, 2, None)  # page 2 read, in its page's transaction
        conn.execute("COMMIT")
        assert [w.page for w in SqliteWarnings(conn).listed()] == [1]
        assert SqliteWarnings(conn).counts() == {"ocr_failed": 1}
    finally:
        conn.close()


def test_a_case_ingested_before_warnings_gets_them_from_its_metadata(case: Case) -> None:
    metadata = {
        "page_errors": "page 2: cycle in page tree",
        "encrypted_members": "电报/秘密.txt",
        "members": "3",
    }
    conn = connect(case.db_path)
    conn.execute(
        "INSERT INTO documents (sha256, size, mime, type, status, metadata, page_count, "
        "complete, ingested_at) VALUES (?, 1, 'application/zip', 'zip', 'ok', ?, 0, 1, '')",
        ("ef" * 32, json.dumps(metadata, ensure_ascii=False)),
    )
    conn.execute("INSERT INTO provenance (path, document_id) VALUES ('trove/old.zip', 1)")
    # As a case made before step 5: no warnings table.
    conn.executescript("DROP TABLE warnings; PRAGMA user_version = 4;")
    conn.close()

    conn = connect(open_case(case.root).db_path)
    try:
        listed = [(w.kind, w.page, w.member, w.message) for w in SqliteWarnings(conn).listed()]
        assert listed == [
            ("encrypted", None, "电报/秘密.txt", LOCKED_MEMBER),
            ("corrupt", 2, None, "cycle in page tree"),
        ]
    finally:
        conn.close()
