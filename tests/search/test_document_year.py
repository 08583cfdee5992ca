"""The year facet and year: use the document's own date (issue 10)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.search import facets
from culpa.search.engine import search
from culpa.search.query import parse
from culpa.store.sqlite import SqliteCaseStore
from tests.analysis.test_dates import NOTICE
from tests.search.conftest import AddDoc


def test_a_1992_document_scanned_in_2023_is_of_1992(
    conn: sqlite3.Connection, add_doc: AddDoc
) -> None:
    scanned = {"created": "2023-04-01T10:00:00", "date_in_text": "1992-03-05"}
    old = add_doc([NOTICE], metadata=scanned)
    undated = add_doc(["棉花 收购"], metadata={"created": "2023-04-01T10:00:00"})
    add_doc(["棉花"], metadata={})
    years = {f.name: f for f in facets.compute(SqliteCaseStore(conn), parse("棉花")).facets}["year"]
    assert {(v.label, v.count) for v in years.values} == {("1992", 1), ("2023", 1)}
    assert {h.document_id for h in search(SqliteCaseStore(conn), "棉花 year:1992")} == {old}
    assert {h.document_id for h in search(SqliteCaseStore(conn), "棉花 year:2023")} == {undated}


def test_the_ingest_stores_the_date_in_the_text(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "通知.txt").write_text(NOTICE, encoding="utf-8")
    case = str(tmp_path / "case")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", case]).exit_code == 0
    result = runner.invoke(cli, ["ingest", "--case", case, "--no-ocr", str(trove)])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(Path(case) / "case.db")
    [(metadata,)] = db.execute("SELECT metadata FROM documents").fetchall()
    assert json.loads(metadata)["date_in_text"] == "1992-03-05"
    found = runner.invoke(cli, ["search", "--case", case, "--json", "棉花 year:1992"])
    assert json.loads(found.stdout)["pages"] == 1


def test_reading_a_page_again_updates_the_date(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    """`culpa ocr` replaces a page's text: the date it states follows (first or last page)."""
    from culpa.ingest.reocr import refresh_text_date
    from culpa.store.sqlite import SqliteCaseStore

    doc = add_doc(["badly read", "middle", "end"], metadata={"created": "2023-04-01"})

    def set_page(number: int, text: str) -> dict[str, str]:
        conn.execute(
            "UPDATE pages SET text = ? WHERE document_id = ? AND number = ?", (text, doc, number)
        )
        refresh_text_date(SqliteCaseStore(conn), doc, number)
        row = conn.execute("SELECT metadata FROM documents WHERE id = ?", (doc,)).fetchone()
        metadata: dict[str, str] = json.loads(row[0])
        return metadata

    assert set_page(1, NOTICE)["date_in_text"] == "1992-03-05"
    assert set_page(2, "二〇〇一年一月一日")["date_in_text"] == "1992-03-05"  # not looked at
    assert set_page(1, "still unreadable") == {"created": "2023-04-01"}
    assert set_page(3, "正文\n二〇一一年十二月三十一日")["date_in_text"] == "2011-12-31"
