"""The culpa command end to end on the demo trove: real ingest, OCR and search."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.index.tokens import normalize

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "trove"
EXPECTED = json.loads((REPO / "demo" / "expected.json").read_text(encoding="utf-8"))


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> str:
    case = str(tmp_path_factory.mktemp("demo") / "case")
    assert run("init", case).exit_code == 0
    result = run("ingest", "--case", case, "--json", str(DEMO))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["error_count"] == 0
    assert summary["ocr_pages_added"] >= 2  # the scanned page and the photo
    return case


def _document_of(case: str, path: str) -> int:
    conn = sqlite3.connect(Path(case) / "case.db")
    row = conn.execute("SELECT document_id FROM provenance WHERE path = ?", ("trove/" + path,))
    found = row.fetchone()
    assert found is not None, path
    return int(found[0])


def _same(found: str, query: str) -> bool:
    """Equal once folded, line breaks and runs of spaces counting as one space."""
    return " ".join(normalize(found).split()) == " ".join(normalize(query).split())


def _search(case: str, *args: str) -> list[dict[str, Any]]:
    result = run("search", "--case", case, "--json", "--limit", "200", *args)
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.stdout)["hits"]
    return hits


@pytest.mark.parametrize("query", sorted(EXPECTED["queries"]))
def test_search_finds_the_demo_documents_that_hold_the_query(demo_case: str, query: str) -> None:
    expected = EXPECTED["queries"][query]
    must = {_document_of(demo_case, path) for path in expected["text"]}
    may = must | {_document_of(demo_case, path) for path in expected["ocr"]}
    hits = _search(demo_case, f'"{query}"')
    found = {hit["document_id"] for hit in hits}
    assert must <= found, f"missed {must - found}"
    assert found <= may, f"unexpected {found - may}"
    conn = sqlite3.connect(Path(demo_case) / "case.db")
    for hit in hits:
        text = conn.execute(
            "SELECT text FROM pages WHERE document_id = ? AND number = ?",
            (hit["document_id"], hit["page"]),
        ).fetchone()[0]
        assert _same(text[hit["start"] : hit["end"]], query)
        assert "[[" in hit["snippet"] and hit["page"] >= 1 and len(hit["sha256"]) == 64


def test_ocr_finds_text_in_the_scanned_page(demo_case: str) -> None:
    scan = _document_of(demo_case, "扫描件_学员情况周报.pdf")
    assert scan in {hit["document_id"] for hit in _search(demo_case, "新疆")}


def test_boolean_and_filters(demo_case: str) -> None:
    both = {h["document_id"] for h in _search(demo_case, "detention AND 新疆")}
    either = {h["document_id"] for h in _search(demo_case, "detention OR 新疆")}
    only = {h["document_id"] for h in _search(demo_case, "detention NOT 新疆")}
    assert both and both < either and only and not (only & both)
    pdfs = _search(demo_case, "新疆", "--type", "pdf")
    assert pdfs and all(h["type"] == "pdf" for h in pdfs)
    zipped = _search(demo_case, "--path", "trove/leak.zip", "培训中心")
    assert zipped and all(h["path"].startswith("trove/leak.zip!/") for h in zipped)
    english = _search(demo_case, "lang:en detention")
    assert english and all(h["language"] == "en" for h in english)


def test_csv_and_text_output(demo_case: str) -> None:
    result = run("search", "--case", demo_case, "--csv", "习近平")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {"sha256", "path", "page", "start", "end", "snippet"} <= set(rows[0])
    plain = run("search", "--case", demo_case, "--limit", "1", "习近平")
    assert plain.exit_code == 0 and plain.stdout.startswith("1. trove/")


def test_show_and_cite_a_hit(demo_case: str) -> None:
    hit = _search(demo_case, "刻不容缓", "--type", "pdf")[0]
    shown = json.loads(
        run(
            "show", "--case", demo_case, hit["sha256"][:10], "--page", str(hit["page"]), "--json"
        ).stdout
    )
    assert shown["sha256"] == hit["sha256"]
    page = shown["page"]
    assert page["words"] and all(page["text"][w["start"] : w["end"]].strip() for w in page["words"])
    span = f"{hit['start']}:{hit['end']}"
    cite = ["cite", "--case", demo_case, str(hit["document_id"]), "--page", str(hit["page"])]
    citation = json.loads(run(*cite, "--span", span, "--json").stdout)
    assert _same(citation["quote"], "刻不容缓")
    assert citation["sha256"] == hit["sha256"] and citation["page"] == hit["page"]
    text = run(*cite, "--span", span).stdout
    assert hit["sha256"] in text and f"page {hit['page']}" in text and "刻不" in text


def test_status_errors_and_export(demo_case: str, tmp_path: Path) -> None:
    status = json.loads(run("status", "--case", demo_case, "--json").stdout)
    assert status["documents"] >= 10 and status["ocr_pages"] >= 2 and status["errors"] == 0
    assert {"pdf", "image", "docx", "email", "text", "zip"} <= set(status["documents_by_type"])
    assert json.loads(run("errors", "--case", demo_case, "--json").stdout) == []
    out = tmp_path / "export.jsonl"
    assert run("export", "--case", demo_case, "-o", str(out)).exit_code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == status["documents"]
    email = next(r for r in records if r["type"] == "email")
    assert email["paths"] == ["trove/转发通知.eml"] and email["pages"][0]["text"]


def test_show_sums_up_what_the_mail_view_records(demo_case: str) -> None:
    # The record lists every attachment (50,000 in one leaked e-mail): one line in
    # the text output, the whole of it in --json (issue 10).
    doc = str(_document_of(demo_case, "转发通知.eml"))
    text = run("show", "--case", demo_case, doc).stdout
    line = next(line for line in text.splitlines() if line.startswith("  mail_view: "))
    assert line.endswith("1 attachment, no HTML body (the whole record: --json)")
    shown = json.loads(run("show", "--case", demo_case, doc, "--json").stdout)
    record = json.loads(shown["metadata"]["mail_view"])
    assert [a["type"] for a in record["attachments"]] == ["application/pdf"]


def test_usage_errors_exit_2(demo_case: str, tmp_path: Path) -> None:
    assert run("search", "--case", str(tmp_path / "none"), "x").exit_code == 2
    assert run("search", "--case", demo_case, "NOT").exit_code == 2
    assert run("show", "--case", demo_case, "ffffffffffff").exit_code == 2
    assert run("cite", "--case", demo_case, "1", "--page", "1", "--span", "9:3").exit_code == 2
    assert run("ingest", "--case", demo_case, str(tmp_path / "missing")).exit_code == 2


def test_file_errors_exit_3(tmp_path: Path) -> None:
    case = str(tmp_path / "case")
    run("init", case)
    trove = tmp_path / "t"
    trove.mkdir()
    (trove / "empty.pdf").write_bytes(b"")
    (trove / "ok.txt").write_text("fine", encoding="utf-8")
    result = run("ingest", "--case", case, "--json", str(trove))
    assert result.exit_code == 3
    assert json.loads(result.stdout)["errors"] == {"empty": 1}
    listed = json.loads(run("errors", "--case", case, "--json", "--kind", "empty").stdout)
    assert [e["path"] for e in listed] == ["t/empty.pdf"]


def test_two_character_recall_is_complete_on_the_stored_pages(demo_case: str) -> None:
    """Every page whose stored text holds a 2-character word is found (brute force check)."""
    import random

    conn = sqlite3.connect(Path(demo_case) / "case.db")
    pages = {
        (doc, number): normalize(text)
        for doc, number, text in conn.execute("SELECT document_id, number, text FROM pages")
    }
    han = [
        text[i : i + 2]
        for text in pages.values()
        for i in range(len(text) - 1)
        if all("\u4e00" <= c <= "\u9fff" for c in text[i : i + 2])
    ]
    rng = random.Random(5)
    for word in rng.sample(sorted(set(han)), 40):
        expected = {key for key, text in pages.items() if word in text}
        hits = _search(demo_case, word, "--limit", "1000")
        assert {(h["document_id"], h["page"]) for h in hits} == expected, word


def _mail(folder: Path, name: str, subject: str, message_id: str, replies_to: str = "") -> None:
    import email.message

    message = email.message.EmailMessage()
    message["From"] = f"{name}@example.org"
    message["To"] = "desk@example.org"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = f"Mon, 3 Jul 2017 1{len(replies_to.split())}:00:00 +0800"
    if replies_to:
        message["In-Reply-To"] = replies_to.split()[-1]
        message["References"] = replies_to
    message.set_content(f"正文 {subject}")
    (folder / f"{name}.eml").write_bytes(bytes(message))


def test_thread_and_metadata_field_search(tmp_path: Path) -> None:
    case = str(tmp_path / "case")
    run("init", case)
    mails = tmp_path / "mails"
    mails.mkdir()
    _mail(mails, "first", "会议安排", "<a@x>")
    _mail(mails, "reply", "回复：会议安排", "<b@x>", "<a@x>")
    _mail(mails, "again", "回复：回复：会议安排", "<c@x>", "<a@x> <b@x>")
    _mail(mails, "other", "天气", "<d@x>")
    assert run("ingest", "--case", case, str(mails)).exit_code == 0
    again = _document_of_path(case, "mails/again.eml")
    listed = json.loads(run("thread", "--case", case, "--json", str(again)).stdout)
    assert [(m["path"], m["depth"]) for m in listed] == [
        ("mails/first.eml", 0),
        ("mails/reply.eml", 1),
        ("mails/again.eml", 2),
    ]
    text = run("thread", "--case", case, str(again)).stdout.splitlines()
    assert text[2].startswith("    ") and "回复：回复：会议安排" in text[2]
    hits = _search(case, "from:reply@example.org")
    assert [h["path"] for h in hits] == ["mails/reply.eml"]
    assert {h["path"] for h in _search(case, "会议安排 from:example.org")} == {
        "mails/first.eml",
        "mails/reply.eml",
        "mails/again.eml",
    }
    assert run("search", "--case", case, "会议 -from:reply").exit_code == 2  # filters: no NOT


def _document_of_path(case: str, path: str) -> int:
    conn = sqlite3.connect(Path(case) / "case.db")
    found = conn.execute("SELECT document_id FROM provenance WHERE path = ?", (path,)).fetchone()
    conn.close()
    assert found is not None, path
    return int(found[0])


def test_passwords_from_the_command_line_and_a_file(tmp_path: Path) -> None:
    import pymupdf

    trove = tmp_path / "locked"
    trove.mkdir()
    for name, password in (("a.pdf", "first secret"), ("b.pdf", "second")):
        doc = pymupdf.open()
        doc.new_page().insert_text((72, 72), f"sealed {name}")
        doc.save(trove / name, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password)
    case = str(tmp_path / "case")
    run("init", case)
    locked = run("ingest", "--case", case, "--json", str(trove))
    assert locked.exit_code == 3 and json.loads(locked.stdout)["errors"] == {"encrypted": 2}
    passwords = tmp_path / "passwords.txt"
    passwords.write_text("wrong\nfirst secret\n", encoding="utf-8")
    opened = run(
        "ingest",
        "--case",
        case,
        "--json",
        "--password",
        "second",
        "--password-file",
        str(passwords),
        str(trove),
    )
    assert opened.exit_code == 0, opened.output
    assert {h["path"] for h in _search(case, "sealed")} == {"locked/a.pdf", "locked/b.pdf"}
    with sqlite3.connect(Path(case) / "case.db") as conn:  # passwords are never stored
        dump = "\n".join(conn.iterdump())
    assert "first secret" not in dump and "second" not in dump
