"""The demo's phone photo and two-page spread are found by their OCR-only queries.

``tests/cli/test_cli.py`` lets an OCR-only query miss (OCR may err); here the
queries of the two real-looking pages must be found, because each of them is
found only if the page is read the right way: the photo turned upright by its
EXIF orientation, the spread read page by page rather than straight across.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
TROVE = REPO / "demo" / "trove"
EXPECTED = json.loads((REPO / "demo" / "expected.json").read_text(encoding="utf-8"))
FILES = ("IMG_20170716_101244.jpg", "扫描件_干校报告_第8-9页.tif")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("demo-ocr")
    trove = root / "trove"
    trove.mkdir()
    for name in FILES:
        shutil.copy(TROVE / name, trove / name)
    case = str(root / "case")
    assert run("init", case).exit_code == 0
    result = run("ingest", "--case", case, "--json", str(trove))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ocr_pages_added"] == 2
    return case


QUERIES = sorted(
    query for query, hits in EXPECTED["queries"].items() if set(hits["ocr"]) & set(FILES)
)


def test_there_are_ocr_only_queries_for_both_pages() -> None:
    found = {path for q in QUERIES for path in EXPECTED["queries"][q]["ocr"]}
    assert found == set(FILES)


@pytest.mark.parametrize("query", QUERIES)
def test_ocr_only_query_finds_its_page(case: str, query: str) -> None:
    result = run("search", "--case", case, "--json", f'"{query}"')
    assert result.exit_code == 0, result.output
    paths = {hit["path"] for hit in json.loads(result.stdout)["hits"]}
    wanted = {f"trove/{p}" for p in EXPECTED["queries"][query]["ocr"] if p in FILES}
    assert wanted <= paths, f"{query}: found in {paths or 'nothing'}"
