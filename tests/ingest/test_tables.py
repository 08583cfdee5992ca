"""Tables stored at ingest: rows numbered per page, dropped when a document is read again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.verify import verify_case

OPTIONS = IngestOptions(workers=1, ocr=False)


def _csv(folder: Path, rows: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "payments.csv"
    lines = ["payee,amount"] + [f"payee {i},{i * 10}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_csv_is_stored_with_its_table_and_row_numbers(case: Case, tmp_path: Path) -> None:
    _csv(tmp_path / "trove", 2500)
    ingest(case, [tmp_path / "trove"], OPTIONS)
    conn = connect(case.db_path)
    (doc_id, kind, pages), *_ = conn.execute("SELECT id, type, page_count FROM documents")
    assert (kind, pages) == ("csv", 3)
    ((name, columns),) = conn.execute(
        "SELECT name, columns FROM tables WHERE document_id = ?", (doc_id,)
    )
    assert name == "payments.csv" and json.loads(columns) == ["payee", "amount"]
    stored = conn.execute(
        "SELECT p.number, tp.first_row, tp.last_row, tp.rows, p.text FROM table_pages tp "
        "JOIN pages p ON p.id = tp.page_id ORDER BY p.number"
    ).fetchall()
    assert [(n, lo, hi) for n, lo, hi, _, _ in stored] == [
        (1, 2, 1001),
        (2, 1002, 2001),
        (3, 2002, 2501),
    ]
    assert json.loads(stored[2][3])[-1] == 2501 and stored[2][4].endswith("payee 2499\t24990")
    assert verify_case(case).intact


def test_a_document_read_again_drops_its_table_rows(case: Case, tmp_path: Path) -> None:
    from culpa.ingest.writer import CaseWriter
    from culpa.store.sqlite import SqliteCaseStore

    _csv(tmp_path / "trove", 10)
    ingest(case, [tmp_path / "trove"], OPTIONS)
    conn = connect(case.db_path)
    doc_id = conn.execute("SELECT id FROM documents").fetchone()[0]
    conn.execute("BEGIN")
    CaseWriter(SqliteCaseStore(conn))._drop_pages(doc_id)
    assert conn.execute("SELECT count(*) FROM tables").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM table_pages").fetchone()[0] == 0
    conn.execute("ROLLBACK")


def _stored(case: Case) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    conn = connect(case.db_path)
    pages = conn.execute(
        "SELECT p.number, p.text, p.language, tp.rows, tp.first_row, tp.last_row, t.name, "
        "t.columns, d.page_count, d.metadata FROM pages p JOIN documents d ON d.id = p.document_id "
        "LEFT JOIN table_pages tp ON tp.page_id = p.id LEFT JOIN tables t ON t.id = tp.table_id "
        "ORDER BY p.number"
    ).fetchall()
    conn.close()
    return pages, []


def test_a_spooled_csv_is_stored_as_one_held_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from culpa.ingest.writer import CaseWriter
    from culpa.search.engine import search
    from culpa.store.case import init_case

    spools: list[Path] = []
    store_spool = CaseWriter._store_spool

    def counted(self: CaseWriter, doc_id: int, spool: Path, table_ids: list[int]) -> None:
        spools.append(spool)
        store_spool(self, doc_id, spool, table_ids)

    monkeypatch.setattr(CaseWriter, "_store_spool", counted)

    trove = tmp_path / "trove"
    _csv(trove, 6000)
    held, spooled = init_case(tmp_path / "held"), init_case(tmp_path / "spooled")
    ingest(held, [trove], OPTIONS)
    summary = ingest(
        spooled,
        [trove],
        IngestOptions(workers=1, ocr=False, extractor_modules=("tests.ingest.small_spool",)),
    )
    assert summary.pages_added == 6 and len(spools) == 1  # the spooled path was taken
    assert _stored(spooled) == _stored(held)
    conn = connect(spooled.db_path)
    (hit,) = search(SqliteCaseStore(conn), '"payee 4321"')
    assert (hit.page, hit.row, hit.table) == (5, 4323, "payments.csv")
    assert not list((spooled.root / "tmp").glob("*.pages"))  # the spool is gone
    assert verify_case(spooled).intact
