"""Bad input on the command line is a message and a usage error, never "a bug" (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def small_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    trove = root / "trove"
    trove.mkdir()
    (trove / "a.txt").write_text("mass surveillance of the region\n", encoding="utf-8")
    case = root / "case"
    assert _invoke("init", str(case))[0] == 0
    code, _, err = _invoke("ingest", "--case", str(case), "--no-ocr", str(trove))
    assert code == 0, err
    return case


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("a\x00b", "control character"),
        ("(" * 5000 + "a" + ")" * 5000, "deep"),
        ("a " + "NOT " * 3000 + "b", "deep"),
        ("a" + " OR a" * 999, "terms"),
    ],
)
def test_hostile_queries_are_usage_errors(small_case: Path, query: str, message: str) -> None:
    code, _, err = _invoke("search", "--case", str(small_case), query)
    assert code == 2, err
    assert message in err
    assert "a bug" not in err
