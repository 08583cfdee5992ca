"""`culpa search` says what it did: how many pages and documents match, why nothing
did, and filter-only hits without an empty mark or a 0:0 span (issue 10)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.search.explain import explain_empty
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.fts import index_page


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _add(conn: sqlite3.Connection, type_: str, pages: list[str], **meta: str) -> None:
    n = conn.execute("SELECT count(*) FROM documents").fetchone()[0] + 1
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at,"
        " metadata) VALUES (?, ?, 0, '', ?, 'ok', ?, '', ?)",
        (n, f"{n:064x}", type_, len(pages), json.dumps(meta)),
    )
    conn.execute("INSERT INTO provenance(path, document_id) VALUES (?, ?)", (f"trove/{n}", n))
    for number, text in enumerate(pages, 1):
        cur = conn.execute(
            "INSERT INTO pages(document_id, number, text, language, method)"
            " VALUES (?, ?, ?, 'en', 'text')",
            (n, number, text),
        )
        assert cur.lastrowid is not None
        index_page(conn, cur.lastrowid, text)


@pytest.fixture
def root(case: Case) -> str:
    conn = sqlite3.connect(case.db_path)
    _add(conn, "pdf", ["cotton quota one", "cotton quota two"], author="Li")
    _add(conn, "pdf", ["cotton prices"], author="Wang")
    _add(conn, "text", ["name,amount\ncotton,12"])
    conn.commit()
    conn.close()
    return str(case.root)


def test_the_number_of_matching_pages_and_documents(root: str) -> None:
    result = run("search", "--case", root, "--limit", "1", "cotton")
    assert result.exit_code == 0
    assert "4 pages in 3 documents match; showing 1-1" in result.stderr
    data = json.loads(run("search", "--case", root, "--json", "--limit", "1", "cotton").stdout)
    assert (data["pages"], data["documents"], len(data["hits"])) == (4, 3, 1)
    assert data["no_hits_because"] == []


def test_filter_only_hits_have_no_empty_mark_and_no_span(root: str) -> None:
    result = run("search", "--case", root, "author:Li")
    assert result.exit_code == 0
    assert "[[" not in result.stdout and "[0:0]" not in result.stdout
    assert "cotton quota one" in result.stdout  # the first page's opening instead
    assert "1 page in 1 document match" in result.stderr
    [hit] = json.loads(run("search", "--case", root, "--json", "author:Li").stdout)["hits"]
    assert hit["start"] is None and hit["end"] is None and "[[" not in hit["snippet"]


def test_an_unknown_type_says_which_types_exist(root: str) -> None:
    result = run("search", "--case", root, "cotton", "--type", "csv")
    assert result.exit_code == 0
    assert "no documents of type csv; types here: pdf (2 documents), text (1 document)" in (
        result.stderr
    )
    assert "CSV files are typed text" in result.stderr
    data = json.loads(run("search", "--case", root, "--json", "cotton type:csv").stdout)
    assert data["pages"] == 0 and "CSV files are typed text" in data["no_hits_because"][0]


def test_unknown_languages_paths_fields_and_years_are_named(case: Case, root: str) -> None:
    conn = sqlite3.connect(case.db_path)
    why = explain_empty(
        SqliteCaseStore(conn), "cotton lang:fr company:x year:1990", path_prefix="elsewhere/"
    )
    assert why[0].startswith("no pages in language fr; languages here: en (4 pages)")
    assert why[1] == "no file was found under the path elsewhere/"
    assert why[2].startswith("no document has a metadata field company; fields here: author")
    assert why[3].startswith("no document is dated 1990")
    assert explain_empty(SqliteCaseStore(conn), "cotton type:pdf lang:en author:Li") == []
