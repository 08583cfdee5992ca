"""culpa entities and culpa quotes (issue 12): lists, JSON lines and CSV shapes, the
reporter's edits surviving an analyzer re-run, usage errors.

A case is ingested once per module from two text files, and copied for each test;
the analyzers' findings are stored into it as they would store them
(tests/store/entity_findings.py), so no recogniser is needed.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from culpa.cli.main import cli
from culpa.publish.export import ENTITY_COLUMNS, MENTION_COLUMNS, QUOTATION_COLUMNS
from culpa.store.api import CaseStore
from culpa.store.case import open_case
from tests.store.entity_findings import PAGE_ONE, PAGE_TWO, Stored, analyze, rerun


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def stored(store: CaseStore) -> tuple[Stored, Stored]:
    """The two ingested documents, by their page text."""
    found = {}
    for document in store.analysis.documents():
        text = store.analysis.with_pages(document).pages[0].text
        found[text] = (document.id, document.sha256)
    return found[PAGE_ONE], found[PAGE_TWO]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("entities")
    case = root / "case"
    trove = root / "trove"
    trove.mkdir()
    (trove / "one.txt").write_text(PAGE_ONE, encoding="utf-8")
    (trove / "two.txt").write_text(PAGE_TWO, encoding="utf-8")
    assert run("init", str(case)).exit_code == 0
    ingested = run("ingest", "--case", str(case), "--no-ocr", "--analyze", "none", str(trove))
    assert ingested.exit_code == 0, ingested.output
    store = open_case(case).store()
    try:
        analyze(store, *stored(store))
    finally:
        store.close()
    return case


@pytest.fixture
def case(template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "case"
    shutil.copytree(template, copy)
    return str(copy)


def lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def rows(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_entities_as_text_json_lines_and_csv(case: str) -> None:
    text = run("entities", "--case", case)
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0] == (
        "PER\t陈全国\t3 mentions\t2 documents\t自治区党委书记陳全國; 陈全国同志"
    )
    assert "4 entities" in text.stderr
    listed = lines(run("entities", "--case", case, "--json"))
    assert [tuple(e) for e in listed] == [ENTITY_COLUMNS] * 4
    assert listed[0] == {
        "label": "PER",
        "name": "陈全国",
        "aliases": ["自治区党委书记陳全國", "陈全国同志"],
        "mentions": 3,
        "documents": 2,
    }
    places = rows(run("entities", "--case", case, "--csv", "--label", "LOC"))
    assert tuple(places[0]) == ENTITY_COLUMNS
    assert {(p["label"], p["name"], p["mentions"]) for p in places} == {
        ("LOC", "喀什", "1"),
        ("LOC", "Kashgar", "1"),
    }


def test_mentions_as_json_lines_point_at_the_page_text(case: str) -> None:
    store = open_case(case).store()
    (first, one), (second, two) = stored(store)
    store.close()
    found = lines(run("entities", "--case", case, "--mentions", "--json"))
    assert len(found) == 7 and all(tuple(m) == MENTION_COLUMNS for m in found)
    pages = {first: (one, PAGE_ONE), second: (two, PAGE_TWO)}
    for mention in found:
        sha256, page = pages[mention["document_id"]]
        assert page[mention["start"] : mention["end"]] == mention["text"]
        assert mention["sha256"] == sha256 and mention["page"] == 1
    titled = next(m for m in found if m["text"] == "自治区党委书记陳全國")
    assert titled["entity"] == "陈全国" and titled["role"] == "自治区党委书记"
    people = rows(run("entities", "--case", case, "--mentions", "--csv", "--label", "PER"))
    assert tuple(people[0]) == MENTION_COLUMNS and len(people) == 5
    chen = lines(run("entities", "--case", case, "--mentions", "--json", "--name", "陳全國"))
    assert sorted(m["text"] for m in chen) == ["自治区党委书记陳全國", "陈全国", "陈全国同志"]
    assert {m["entity"] for m in chen} == {"陈全国"}
    alone = lines(run("entities", "--case", case, "--json", "--name", "陈全国同志"))  # an alias
    assert [(e["name"], e["mentions"]) for e in alone] == [("陈全国", 3)]


def test_quotes_and_a_speaker_in_traditional_script(case: str) -> None:
    every = lines(run("quotes", "--case", case, "--json"))
    assert [tuple(q) for q in every] == [QUOTATION_COLUMNS] * 2
    first = next(q for q in every if q["text"] == "要严打。")
    assert (first["text"], first["speaker"], first["entity"]) == (
        "要严打。",
        "陈全国同志",
        "陈全国",
    )
    assert PAGE_ONE[first["start"] : first["end"]] == "要严打。"
    assert PAGE_ONE[first["speaker_start"] : first["speaker_end"]] == "陈全国同志"
    by = lines(run("quotes", "--case", case, "--json", "--speaker", "陳全國"))
    assert [q["text"] for q in by] == ["要严打。"]
    table = rows(run("quotes", "--case", case, "--csv", "--speaker", "zhu hailun"))
    assert [(q["text"], q["speaker"], q["entity"]) for q in table] == [
        ("Round them up.", "Zhu Hailun", "Zhu Hailun")
    ]
    text = run("quotes", "--case", case)
    assert "陈全国 (as 陈全国同志)\t“要严打。”" in text.stdout and "2 quotations" in text.stderr


def test_edits_survive_the_analyzers_running_again(case: str) -> None:
    merged = run("entities", "merge", "--case", case, "Zhu Hailun", "陳全國")
    assert merged.exit_code == 0, merged.output
    assert "edit 1: PER Zhu Hailun merged into PER 陈全国" in merged.stderr
    store = open_case(case).store()
    one, _two = stored(store)
    store.close()
    split = run(
        "entities", "split", "--case", case, "陈全国", "--into", "另一个陈全国",
        "--document", str(one[0]), "--page", "1", "--span", "0:12",
    )  # fmt: skip
    assert split.exit_code == 0, split.output
    assert "1 mentions of PER 陈全国 moved to PER 另一个陈全国" in split.stderr
    added = run("entities", "--case", case, "alias", "陈全国", "Secretary Chen")  # --case first
    assert added.exit_code == 0, added.output

    def state() -> dict[str, tuple[int, int]]:
        listed = lines(run("entities", "--case", case, "--json", "--label", "PER"))
        return {e["name"]: (e["mentions"], e["documents"]) for e in listed}

    assert state() == {"陈全国": (4, 2), "另一个陈全国": (1, 1)}
    store = open_case(case).store()
    try:
        rerun(store, *stored(store))
    finally:
        store.close()
    assert state() == {"陈全国": (4, 2), "另一个陈全国": (1, 1)}
    quoted = lines(run("quotes", "--case", case, "--json", "--speaker", "secretary chen"))
    assert sorted(q["text"] for q in quoted) == ["Round them up.", "要严打。"]

    edits = lines(run("entities", "edits", "--case", case, "--json"))
    assert [(e["id"], e["kind"]) for e in edits] == [(1, "merge"), (2, "split"), (3, "alias")]
    assert edits[1]["mentions"] == [{"sha256": one[1], "page": 1, "start": 0, "end": 10}]
    assert run("entities", "undo", "--case", case, "2").exit_code == 0
    assert state() == {"陈全国": (5, 2)}
    assert run("entities", "undo", "--case", case, "1").exit_code == 0
    assert state() == {"陈全国": (3, 2), "Zhu Hailun": (2, 2)}
    # An alias (here a written form) as NAME moves only the mentions so written.
    written = run("entities", "merge", "--case", case, "陈全国同志", "陈某")
    assert "PER 陈全国同志 (mentions so called, from 陈全国) moved to a new entity PER 陈某" in (
        written.stderr
    )
    assert state() == {"陈全国": (2, 2), "Zhu Hailun": (2, 2), "陈某": (1, 1)}


@pytest.mark.parametrize(
    "args",
    [
        ("entities", "--json", "--csv"),
        ("entities", "--label", "PEOPLE"),
        ("entities", "--name", "Wang Lequan"),
        ("entities", "--label", "PER", "merge", "a", "b"),
        ("entities", "merge", "Wang Lequan", "陈全国"),
        ("entities", "merge", "陈全国", "陳全國"),
        ("entities", "alias", "陈全国", "陳全國"),
        ("entities", "split", "陈全国", "--into", "x", "--document", "999999"),
        ("entities", "split", "陈全国", "--into", "x", "--document", "1", "--span", "0:3"),
        (
            "entities",
            "split",
            "陈全国",
            "--into",
            "x",
            "--document",
            "1",
            "--page",
            "1",
            "--span",
            "3-0",
        ),
        ("entities", "undo", "42"),
        ("quotes", "--json", "--csv"),
    ],
)
def test_usage_errors_exit_2(case: str, args: tuple[str, ...]) -> None:
    at = 2 if args[1] in {"merge", "alias", "split", "undo"} else 1
    result = run(*args[:at], "--case", case, *args[at:])
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(case: str) -> None:
    formula = '=HYPERLINK("http://x")'
    assert run("entities", "merge", "--case", case, "陈全国", formula).exit_code == 0
    listed = rows(run("entities", "--case", case, "--csv", "--label", "PER"))
    assert [e["name"] for e in listed] == ["'" + formula, "Zhu Hailun"]
    assert listed[0]["aliases"] == "自治区党委书记陳全國; 陈全国; 陈全国同志"
    as_json = lines(run("entities", "--case", case, "--json", "--label", "PER"))
    assert as_json[0]["name"] == formula


def test_export_writes_entities_mentions_and_quotes(case: str, tmp_path: Path) -> None:
    listed = run("entities", "--case", case, "--csv").stdout
    out = tmp_path / "entities.csv"
    exported = run("export", "--case", case, "--records", "entities", "--csv", "-o", str(out))
    assert exported.exit_code == 0 and "4 entities exported" in exported.stderr
    assert out.read_text(encoding="utf-8") == listed
    mentions = lines(run("export", "--case", case, "--records", "mentions"))
    assert mentions == lines(run("entities", "--case", case, "--mentions", "--json"))
    quoted = rows(run("export", "--case", case, "--records", "quotes", "--csv"))
    assert [q["text"] for q in quoted] == [
        q["text"] for q in lines(run("quotes", "--case", case, "--json"))
    ]
    documents = lines(run("export", "--case", case))
    assert {d["pages"][0]["text"] for d in documents} == {PAGE_ONE, PAGE_TWO}
    refused = run("export", "--case", case, "--csv")
    assert refused.exit_code == 2 and "--records" in refused.stderr


def test_control_characters_from_a_leak_never_reach_the_terminal_raw(case: str) -> None:
    hostile = "陈\x1b[2J\u202e书记"
    assert run("entities", "--case", case, "alias", "陈全国", hostile).exit_code == 0
    text = run("entities", "--case", case, "--label", "PER")
    assert "\x1b" not in text.stdout and "\u202e" not in text.stdout
    assert "陈\\x1b[2J\\u202e书记" in text.stdout
    as_json = run("entities", "--case", case, "--json", "--label", "PER")
    assert "\x1b" not in as_json.stdout and "\u202e" not in as_json.stdout
    assert hostile in lines(as_json)[0]["aliases"]  # the JSON still decodes to the text
