"""A table's row found by search, and cited as doc N row R, end to end."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def table_case(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("tables")
    trove = root / "trove"
    trove.mkdir()
    lines = ["收款人,金额,备注"] + [f"公司{i},{i}00,普通" for i in range(1, 1500)]
    lines[1234] = "新疆棉花有限公司,98000,转账"
    (trove / "ledger.csv").write_text("\n".join(lines) + "\n", encoding="gb18030")
    case = str(root / "case")
    assert run("init", case).exit_code == 0
    result = run("ingest", "--case", case, "--no-ocr", "--json", str(trove))
    assert result.exit_code == 0, result.output
    return case


def test_a_hit_names_its_table_and_row(table_case: str) -> None:
    result = run("search", "--case", table_case, "--json", "新疆棉花")
    (hit,) = json.loads(result.stdout)["hits"]
    assert hit["type"] == "csv" and hit["table"] == "ledger.csv" and hit["row"] == 1235
    assert hit["page"] == 2
    text = run("search", "--case", table_case, "新疆棉花").stdout
    assert "row 1235 of ledger.csv" in text


def test_cite_a_row(table_case: str) -> None:
    result = run("cite", "--case", table_case, "1", "--row", "1235")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["收款人: 新疆棉花有限公司", "金额: 98000", "备注: 转账"]
    assert "row 1235" in lines[3] and lines[4].startswith("  SHA-256: ")
    assert lines[5].endswith("ledger.csv")
    data = json.loads(run("cite", "--case", table_case, "1", "--row", "2", "--json").stdout)
    assert data["cells"][0] == {"column": "收款人", "value": "公司1"} and data["page"] == 1
    missing = run("cite", "--case", table_case, "1", "--row", "99999")
    assert missing.exit_code != 0 and "has no row 99999" in missing.output


def test_a_hit_snippet_shows_its_own_row_only(table_case: str) -> None:
    (hit,) = json.loads(run("search", "--case", table_case, "--json", "新疆棉花").stdout)["hits"]
    assert hit["snippet"] == "[[新疆棉花]]有限公司 98000 转账"
