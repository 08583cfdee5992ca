"""``culpa ocr`` and ``culpa ingest --ocr-engine`` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from culpa.cli.main import cli

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def culpa(*args: str) -> subprocess.CompletedProcess[str]:
    """``culpa ocr`` in a subprocess: it forbids the network for its whole process."""
    return subprocess.run(
        [sys.executable, "-m", "culpa", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def trove(tmp_path: Path) -> Path:
    folder = tmp_path / "trove"
    folder.mkdir()
    font = ImageFont.truetype(FONT, 56)
    image = Image.new("RGB", (1100, 200), "white")
    ImageDraw.Draw(image).text((60, 60), "Secret memo 2017", font=font, fill="black")
    image.save(folder / "memo.png")
    return folder


@pytest.fixture
def case(tmp_path: Path, trove: Path) -> str:
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    args = ("--ocr-lang", "eng", "--ocr-engine", "tesseract", "--json", str(trove))
    result = run("ingest", "--case", case, *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ocr_pages_added"] == 1
    return case


def test_ingest_rerun_with_other_ocr_settings_says_how_to_reocr(case: str, trove: Path) -> None:
    same = run(
        "ingest", "--case", case, "--ocr-lang", "eng", "--ocr-engine", "tesseract", str(trove)
    )
    assert "culpa ocr" not in same.stderr
    other = run("ingest", "--case", case, "--ocr-lang", "chi_sim", "--json", str(trove))
    assert other.exit_code == 0
    summary = json.loads(other.stdout)  # stdout stays pure JSON
    assert summary["files_unchanged"] == 1
    assert summary["earlier_ocr"] == {"languages": "eng", "engine": "tesseract"}
    assert "1 unchanged files keep the OCR" in other.stderr
    assert "culpa ocr --all --lang chi_sim --engine auto" in other.stderr


def test_culpa_ocr_json_summary_and_failed_pages_exit_3(case: str) -> None:
    done = culpa("ocr", "--case", case, "--all", "--lang", "eng", "--engine", "tesseract", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["documents"], summary["pages_read"], summary["pages_failed"]) == (1, 1, 0)
    assert "pages read again" not in done.stdout  # messages go to stderr

    failed = culpa("ocr", "--case", case, "1", "--lang", "nosuchlang", "--engine", "tesseract")
    assert failed.returncode == 3
    assert "doc 1 page 1:" in failed.stderr
    shown = json.loads(run("show", "--case", case, "1", "--json").stdout)
    assert "page 1:" in json.dumps(shown, ensure_ascii=False)  # recorded in ocr_errors


def test_culpa_ocr_usage_errors(case: str) -> None:
    assert culpa("ocr", "--case", case).returncode == 2  # neither DOC nor --all
    assert culpa("ocr", "--case", case, "--all", "1").returncode == 2
    assert culpa("ocr", "--case", case, "999999").returncode == 2
    assert culpa("ocr", "--case", case, "1", "--pages", "3-1").returncode == 2


def test_notes_say_when_a_passage_changed(case: str, tmp_path: Path) -> None:
    import sqlite3

    from culpa.store.sqlite.annotations import SqliteAnnotations

    conn = sqlite3.connect(Path(case) / "case.db", isolation_level=None)
    text = conn.execute("SELECT text FROM pages WHERE document_id = 1").fetchone()[0]
    SqliteAnnotations(conn).add_note(1, "check this", page=1, start=0, end=len(text))
    conn.execute("UPDATE pages SET text = 'something else entirely' WHERE document_id = 1")
    conn.close()
    listed = run("notes", "--case", case, "--json")
    assert json.loads(listed.stdout)[0]["passage_changed"] is True
    assert "passage changed" in run("notes", "--case", case).stdout
