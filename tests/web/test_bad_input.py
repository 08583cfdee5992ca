"""Bad input to the workbench is a 404 or 400 with a message, never a 500 (issue 10).

A small case of two text files, ingested without OCR, served by a TestClient that
reports server errors as responses (so a 500 is seen as one).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from culpa.cli.main import cli
from culpa.search.query import MAX_DEPTH, MAX_TERMS
from culpa.store.case import open_case
from culpa.web.app import MAX_BODY_BYTES, create_app
from culpa.web.security import SECURITY_HEADERS
from tests.web.conftest import TEST_ORIGIN, TEST_PORT

TOO_BIG = str(2**63)


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("bad-input")
    trove = root / "trove"
    trove.mkdir()
    (trove / "a.txt").write_text("mass surveillance of the region\n", encoding="utf-8")
    (trove / "b.txt").write_text("another page about surveillance\n", encoding="utf-8")
    case_dir = str(root / "case")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", case_dir]).exit_code == 0
    result = runner.invoke(cli, ["ingest", "--case", case_dir, "--no-ocr", str(trove)])
    assert result.exit_code == 0, result.output
    app = create_app(open_case(case_dir), port=TEST_PORT)
    with TestClient(app, base_url=TEST_ORIGIN, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        f"/doc/{TOO_BIG}",
        f"/doc/{TOO_BIG}/download",
        f"/doc/{TOO_BIG}/page/1/image",
        f"/doc/1/page/{TOO_BIG}/image",
        f"/doc/{TOO_BIG}/cite?page=1&start=0&end=1",
        f"/doc/{'9' * 40}",
        "/doc/-1",
        "/doc/abc",
    ],
)
def test_numbers_out_of_range_in_paths_are_404(small_client: TestClient, url: str) -> None:
    assert small_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        f"page={TOO_BIG}&start=0&end=1",
        f"page=1&start={TOO_BIG}&end={2**64}",
        f"page=-{TOO_BIG}0&start=0&end=1",
        "page=x&start=0&end=1",
    ],
)
def test_numbers_out_of_range_in_cite_are_400(small_client: TestClient, query: str) -> None:
    response = small_client.get(f"/doc/1/cite?{query}")
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize(
    "url",
    [
        f"/doc/1?page={TOO_BIG}",
        f"/doc/1?hit={TOO_BIG}",
        f"/doc/1?hit=-{TOO_BIG}",
        f"/?q=surveillance&offset={TOO_BIG}",
        "/?q=surveillance&offset=abc",
    ],
)
def test_numbers_out_of_range_in_parameters_are_clamped(small_client: TestClient, url: str) -> None:
    assert small_client.get(url).status_code == 200


def test_note_with_a_span_out_of_range_is_400(small_client: TestClient) -> None:
    token = small_client.cookies.get(f"culpa_csrf_{TEST_PORT}") or ""
    if not token:
        small_client.get("/")
        token = small_client.cookies.get(f"culpa_csrf_{TEST_PORT}") or ""
    response = small_client.post(
        "/doc/1/notes",
        data={"csrf": token, "text": "n", "page": "1", "start": TOO_BIG, "end": "1"},
        headers={"Origin": TEST_ORIGIN, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "out of range" in response.json()["error"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("a\x00b", "control character"),
        ("(" * 5000 + "a" + ")" * 5000, f"more than {MAX_DEPTH} deep"),
        ("a " + "NOT " * 3000 + "b", f"more than {MAX_DEPTH} deep"),
        ("-" * 3000 + "b", f"more than {MAX_DEPTH} deep"),
        ("a" + " OR a" * 999, f"at most {MAX_TERMS}"),
    ],
)
def test_hostile_queries_are_400_with_a_message(
    small_client: TestClient, query: str, message: str
) -> None:
    started = time.process_time()
    response = small_client.get("/", params={"q": query})
    assert response.status_code == 400
    assert message in response.text
    assert time.process_time() - started < 2.0


def test_too_large_body_has_the_security_headers(small_client: TestClient) -> None:
    response = small_client.post(
        "/doc/1/notes",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value


def test_many_repeated_terms_compile_one_alternative() -> None:
    from culpa.search.engine import match_pattern
    from culpa.search.query import parse

    pattern = match_pattern(parse("a" + " OR a" * (MAX_TERMS - 1)).terms)
    assert pattern is not None
    assert pattern.pattern.count("|") == 0
