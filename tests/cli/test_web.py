"""culpa serve, culpa notes and culpa tags."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.store.case import Case
from culpa.store.sqlite.annotations import SqliteAnnotations
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.fts import index_page

#: Seconds the server may take to print its address.
START_SECONDS = 20


def _doc(case: Case, path: str, text: str) -> int:
    conn = connect(case.db_path)
    try:
        n: int = conn.execute("SELECT count(*) FROM documents").fetchone()[0] + 1
        conn.execute(
            "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at)"
            " VALUES (?, ?, 0, 'text/plain', 'text', 'ok', 1, '')",
            (n, f"{n:064x}"),
        )
        conn.execute("INSERT INTO provenance(path, document_id) VALUES (?, ?)", (path, n))
        cur = conn.execute(
            "INSERT INTO pages(document_id, number, text, method) VALUES (?, 1, ?, 'text')",
            (n, text),
        )
        assert cur.lastrowid is not None
        index_page(conn, cur.lastrowid, text)
    finally:
        conn.close()
    return n


def test_notes_and_tags_list_what_was_added(case: Case) -> None:
    first = _doc(case, "trove/a.txt", "关于新疆工作的通知")
    second = _doc(case, "trove/b.txt", "second")
    conn = connect(case.db_path)
    SqliteAnnotations(conn).add_tag(first, "xinjiang")
    SqliteAnnotations(conn).add_tag(second, "xinjiang")
    SqliteAnnotations(conn).add_tag(second, "later")
    SqliteAnnotations(conn).add_note(first, "look here\nand here", page=1, start=2, end=4)
    conn.close()
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["notes", "--case", str(case.root), "--json"]).stdout)
    assert [(n["path"], n["page"], n["quote"], n["body"]) for n in listed] == [
        ("trove/a.txt", 1, "新疆", "look here\nand here")
    ]
    text = runner.invoke(cli, ["notes", "--case", str(case.root)]).stdout
    assert "trove/a.txt  page 1  [2:4]" in text and "“新疆”" in text and "   and here" in text
    tags = json.loads(runner.invoke(cli, ["tags", "--case", str(case.root), "--json"]).stdout)
    assert tags == [
        {"tag": "later", "count": 1, "documents": [{"id": second, "sha256": f"{second:064x}",
                                                    "path": "trove/b.txt"}]},
        {"tag": "xinjiang", "count": 2, "documents": [
            {"id": first, "sha256": f"{first:064x}", "path": "trove/a.txt"},
            {"id": second, "sha256": f"{second:064x}", "path": "trove/b.txt"},
        ]},
    ]  # fmt: skip
    plain = runner.invoke(cli, ["tags", "--case", str(case.root)]).stdout
    assert "xinjiang  (2 documents)" in plain


def test_serve_listens_on_localhost_and_prints_its_address(case: Case, tmp_path: Path) -> None:
    _doc(case, "trove/a.txt", "关于新疆工作的通知")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "culpa", "serve", "--case", str(case.root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        address = server.stdout.readline().strip()
        assert address.startswith("http://127.0.0.1:") and address.endswith("/")
        url = address + "?q=%E6%96%B0%E7%96%86"  # 新疆
        with urllib.request.urlopen(url, timeout=START_SECONDS) as response:
            page = response.read().decode()
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "trove/a.txt" in page and "<mark>新疆</mark>" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = str(taken.getsockname()[1])
        busy = CliRunner().invoke(cli, ["serve", "--case", str(case.root), "--port", port])
    finally:
        taken.close()
    assert busy.exit_code == 2 and "in use" in busy.output  # a usage error, not a traceback
