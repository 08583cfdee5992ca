"""Issue 11: what a file could not give (a broken PDF page, a locked member) is a typed warning.

The file is stored and searchable, so the ingest exits 0; ``culpa errors`` lists
each warning with its kind, page or member, ``culpa status`` counts them, and a
re-run does not list them twice. The free-text metadata stays as it was.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import libarchive
from click.testing import CliRunner

from culpa.cli.main import cli
from tests.ingest.hostile import write_pdf_reference_loop


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _partly_locked_zip(path: Path) -> Path:
    """One member encrypted (no password given at ingest), one plain."""
    secret = "新疆 secret".encode()
    with libarchive.file_writer(
        str(path), "zip", options="encryption=aes256", passphrase="pw"
    ) as writer:
        writer.add_file_from_memory("电报/秘密.txt", len(secret), secret)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("plain.txt", "an open memo about cotton")
    return path


def test_a_broken_page_and_a_locked_member_are_warnings(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    write_pdf_reference_loop(trove)
    _partly_locked_zip(trove / "locked.zip")
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    ingested = run("ingest", "--case", case, "--no-ocr", "--json", str(trove))
    assert ingested.exit_code == 0, ingested.output  # a warning alone: exit 0
    assert json.loads(ingested.stdout)["error_count"] == 0

    listed = json.loads(run("errors", "--case", case, "--json").stdout)
    found = {(row["kind"], row["path"], row["page"], row["member"]) for row in listed}
    assert found == {
        ("corrupt", "trove/pdf-loop.pdf", 2, None),
        ("encrypted", "trove/locked.zip", None, "电报/秘密.txt"),
    }
    assert all(row["warning"] for row in listed)
    locked = json.loads(run("errors", "--case", case, "--json", "--kind", "encrypted").stdout)
    assert [row["member"] for row in locked] == ["电报/秘密.txt"]
    text = run("errors", "--case", case)
    assert "encrypted\ttrove/locked.zip!/电报/秘密.txt\twarning: password-protected" in text.stdout
    assert "corrupt\ttrove/pdf-loop.pdf\twarning: page 2: " in text.stdout
    assert "0 errors, 2 warnings" in text.stderr

    status = json.loads(run("status", "--case", case, "--json").stdout)
    assert status["warnings"] == 2 and status["errors"] == 0
    assert status["warnings_by_kind"] == {"corrupt": 1, "encrypted": 1}
    assert "2 warnings" in run("status", "--case", case).stdout

    # The free text is still in the metadata, and a re-run lists nothing twice.
    pdf = next(row["sha256"] for row in listed if row["kind"] == "corrupt")
    shown = json.loads(run("show", "--case", case, "--json", pdf).stdout)
    assert "page 2: " in shown["metadata"]["page_errors"]
    assert run("ingest", "--case", case, "--no-ocr", str(trove)).exit_code == 0
    assert json.loads(run("status", "--case", case, "--json").stdout)["warnings"] == 2


def test_the_ingest_summary_counts_the_warnings_it_recorded(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    write_pdf_reference_loop(trove)
    _partly_locked_zip(trove / "locked.zip")
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    text = run("ingest", "--case", case, "--no-ocr", "--analyze", "none", str(trove))
    assert text.exit_code == 0, text.output  # warnings alone: exit 0
    assert "0 errors, 2 warnings in " in text.stderr
    assert "  corrupt: 1 warning  (culpa errors --kind corrupt)" in text.stderr
    assert "  encrypted: 1 warning  (culpa errors --kind encrypted)" in text.stderr

    # Again: the files are in the case, so this run records no warning (status keeps 2).
    again = run("ingest", "--case", case, "--no-ocr", "--analyze", "none", "--json", str(trove))
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["warning_count"], summary["warnings"]) == (0, {})
    assert "warnings" not in run("ingest", "--case", case, "--no-ocr", str(trove)).stderr
    assert json.loads(run("status", "--case", case, "--json").stdout)["warnings"] == 2

    other = str(tmp_path / "other")
    assert run("init", other).exit_code == 0
    fresh = json.loads(run("ingest", "--case", other, "--no-ocr", "--json", str(trove)).stdout)
    assert fresh["warning_count"] == 2 and fresh["error_count"] == 0
    assert fresh["warnings"] == {"corrupt": 1, "encrypted": 1}
