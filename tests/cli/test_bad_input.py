"""Bad input on the command line is a message and a usage error, never "a bug" (issue 10)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from culpa.cli.main import cli
from culpa.store.case import open_case
from culpa.web.app import create_app
from tests.web.conftest import TEST_ORIGIN, TEST_PORT


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def small_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    trove = root / "trove"
    trove.mkdir()
    (trove / "a.txt").write_text("mass surveillance of the region\n", encoding="utf-8")
    pdf = pymupdf.open()  # type: ignore[no-untyped-call]
    pdf.new_page().insert_text((72, 72), "a rendered page")
    pdf.save(trove / "b.pdf")
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


@pytest.fixture
def read_only_case(small_case: Path, tmp_path: Path) -> Iterator[Path]:
    """The small case seen through a read-only bind mount (as on a write-protected disk)."""
    mount_point = tmp_path / "read-only"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(small_case), str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        # Lazily: the app's thread-local connections may still hold the mount.
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def test_read_only_case_can_be_searched_and_viewed(read_only_case: Path) -> None:
    # Setting WAL mode on open is a write: every command failed on such a case.
    case = str(read_only_case)
    code, out, err = _invoke("search", "--case", case, "surveillance")
    assert code == 0, err
    assert "surveillance" in out
    for args in (("show", "1"), ("status",), ("errors",)):
        code, _, err = _invoke(*args, "--case", case)
        assert code == 0, err

    app = create_app(open_case(case), port=TEST_PORT)
    with TestClient(app, base_url=TEST_ORIGIN, raise_server_exceptions=False) as client:
        assert client.get("/", params={"q": "surveillance"}).status_code == 200
        assert client.get("/doc/1").status_code == 200
        found = _hits(_invoke("search", "--case", case, "rendered", "--json")[1])
        image = client.get(f"/doc/{found[0]['document_id']}/page/1/image")
        assert image.status_code == 200, image.text  # rendered, though it cannot be cached
        assert image.headers["content-type"] == "image/png"
        token = client.cookies.get(f"culpa_csrf_{TEST_PORT}") or ""
        refused = client.post("/doc/1/star", data={"csrf": token}, headers={"Origin": TEST_ORIGIN})
        assert refused.status_code == 403
        assert "read-only" in refused.text


@pytest.mark.parametrize("damage", ["emptied", "overwritten", "truncated"])
def test_damaged_case_db_is_named_not_a_bug(small_case: Path, tmp_path: Path, damage: str) -> None:
    case = tmp_path / "case"
    shutil.copytree(small_case, case)
    db = case / "case.db"
    data = db.read_bytes()
    if damage == "emptied":
        db.write_bytes(b"")
    elif damage == "overwritten":
        db.write_bytes(bytes(range(256)) * 16 + data[4096:])
    else:
        db.write_bytes(data[: len(data) // 2])
    for args in (("search", "surveillance"), ("status",), ("show", "1")):
        code, _, err = _invoke(*args, "--case", str(case))
        assert code == 2, err
        assert "case.db is damaged" in err
        assert "a bug" not in err and "Traceback" not in err


#: A member name that retitles the window, clears the screen and reverses what follows.
EVIL_NAME = "evil\x1b]0;pwned\x07\x1b[2J\u202efdp.txt"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def _hits(out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    hits: list[dict[str, Any]] = data["hits"] if isinstance(data, dict) else data
    return hits


@pytest.fixture(scope="module")
def hostile_names_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    (root / "trove").mkdir()
    with zipfile.ZipFile(root / "trove" / "leak.zip", "w") as archive:
        archive.writestr(EVIL_NAME, "secret \x1b[31mred\x9b1m text\n")
        archive.writestr("bad\x1b[31m.pdf", b"%PDF-1.4 broken")
    case = root / "case"
    assert _invoke("init", str(case))[0] == 0
    code, _, err = _invoke("ingest", "--case", str(case), "--no-ocr", str(root / "trove"))
    assert code == 3, err  # the broken PDF
    return case


@pytest.mark.parametrize(
    "args",
    [
        ("search", "secret"),
        ("show", "DOC"),
        ("show", "DOC", "--page", "1"),
        ("errors",),
        ("status",),
    ],
)
def test_control_characters_from_a_leak_never_reach_the_terminal(
    hostile_names_case: Path, args: tuple[str, ...]
) -> None:
    case = str(hostile_names_case)
    doc = str(_hits(_invoke("search", "--case", case, "secret", "--json")[1])[0]["document_id"])
    code, out, err = _invoke(*(doc if a == "DOC" else a for a in args), "--case", case)
    assert code == 0, err
    for raw in RAW_CONTROLS:
        assert raw not in out and raw not in err
    if args[0] in ("search", "show"):
        assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\u202efdp.txt" in out + err
    if args[0] == "errors":
        assert "bad\\x1b[31m.pdf" in out


def test_json_output_escapes_controls_and_keeps_the_data(hostile_names_case: Path) -> None:
    code, out, err = _invoke("search", "--case", str(hostile_names_case), "secret", "--json")
    assert code == 0, err
    for raw in RAW_CONTROLS:
        assert raw not in out
    hit = _hits(out)[0]
    assert hit["path"] == f"trove/leak.zip!/{EVIL_NAME}"
    assert "\x9b" in hit["snippet"]


def test_ingest_of_a_fifo_says_what_it_is(small_case: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    code, out, err = _invoke("ingest", "--case", str(small_case), "--json", str(tmp_path / "pipe"))
    assert code == 3, err
    assert json.loads(out)["error_count"] == 1
    code, out, _ = _invoke("errors", "--case", str(small_case))
    assert "pipe\ta FIFO (named pipe), not a regular file: not read" in out


def test_ingest_of_a_symlink_loop_is_a_usage_error(small_case: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    code, _, err = _invoke("ingest", "--case", str(small_case), str(tmp_path / "a"))
    assert code == 2
    assert "symbolic link that cannot be followed" in err
