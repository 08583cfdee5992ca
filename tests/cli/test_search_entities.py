"""Issue 12: ``culpa search`` with entity filters after the real analyzers ran on text files.

One test (the recognisers take seconds to load): culpa init, ingest, analyze --only
entities --only quotes, then search by person, place and speaker in either script,
and an alias made with ``culpa entities alias`` honoured by the next search.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from culpa.cli.main import cli


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def hits(case: str, query: str) -> list[tuple[str, int]]:
    result = run("search", "--case", case, "--json", query)
    assert result.exit_code == 0, result.output
    return sorted((Path(h["path"]).name, h["page"]) for h in json.loads(result.stdout)["hits"])


def test_search_by_who_is_named_after_culpa_analyze(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "meeting.txt").write_text(
        "新疆维吾尔自治区党委书记陈全国在乌鲁木齐主持召开会议。陈全国说：“要严打。”",
        encoding="utf-8",
    )
    (trove / "cotton.txt").write_text("会议讨论了棉花收购。", encoding="utf-8")
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    ingested = run("ingest", "--case", case, "--no-ocr", "--analyze", "none", str(trove))
    assert ingested.exit_code == 0, ingested.output
    analyzed = run("analyze", "--case", case, "--only", "entities", "--only", "quotes")
    assert analyzed.exit_code == 0, analyzed.output

    assert hits(case, "person:陈全国") == [("meeting.txt", 1)]
    assert hits(case, "person:陳全國") == [("meeting.txt", 1)]
    assert hits(case, "会议 person:陈全国") == [("meeting.txt", 1)]
    assert hits(case, "speaker:陈全国") == [("meeting.txt", 1)]
    assert hits(case, "place:乌鲁木齐") == [("meeting.txt", 1)]
    assert hits(case, "棉花 person:陈全国") == []

    assert hits(case, "person:老陈") == []
    none = run("search", "--case", case, "person:老陈")
    assert none.exit_code == 0 and "no person named 老陈" in none.stderr
    aliased = run("entities", "--case", case, "alias", "陈全国", "老陈")
    assert aliased.exit_code == 0, aliased.output
    assert hits(case, "person:老陈") == [("meeting.txt", 1)]
