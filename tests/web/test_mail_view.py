"""The e-mail view reads what the ingest recorded, and parses no message part (issue 10).

Viewing an e-mail with 50,000 attachments took 33 s because every view parsed
every part. Proved here by behaviour: the stdlib's real parser is wrapped and
counted, and must not run for a message ingested with its record; a case
ingested before the record existed still shows its e-mails by parsing.
"""

from __future__ import annotations

import base64
import email.feedparser
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from culpa.cli.main import cli
from culpa.formats.email.mail_record import MAIL_VIEW_KEY, parse_record
from culpa.store.case import Case, open_case
from culpa.web.app import create_app
from culpa.web.mail import email_body, recorded_body
from culpa.web.views import members
from tests.web.conftest import TEST_ORIGIN, TEST_PORT

ATTACHMENTS = 120
HTML = (
    '<p>正文 <b>first</b><script>window.pwned=1</script><img src="http://127.0.0.1:9/p.gif">'
    '<img src="cid:logo@x"><a href="https://example.org/">链接</a></p>'
)
_LISTED = re.compile(r'<li>(?:<a href="/doc/(\d+)">)?([^<]+?\.txt)')


def _message() -> bytes:
    """An HTML body (base64), an inline image, and attachments (two share a name)."""
    attachment = (
        "--B\r\nContent-Type: text/plain\r\n"
        'Content-Disposition: attachment; filename="{0}.txt"\r\n\r\nattachment {1}\r\n'
    )
    body = base64.encodebytes(HTML.encode()).decode().replace("\n", "\r\n")
    return (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
        f"\r\n{body}"
        "--B\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
        "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
        + "".join(attachment.format(n, n) for n in range(ATTACHMENTS - 2))
        + attachment.format(0, "again")
        + "--B--\r\n"
    ).encode()


@pytest.fixture(scope="module")
def mail_case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("mailview")
    (root / "trove").mkdir()
    (root / "trove" / "many.eml").write_bytes(_message())
    case_dir = str(root / "case")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", case_dir]).exit_code == 0
    result = runner.invoke(cli, ["ingest", "--no-ocr", "--case", case_dir, str(root / "trove")])
    assert result.exit_code == 0, result.output
    return open_case(case_dir)


@pytest.fixture
def client(mail_case: Case) -> Iterator[TestClient]:
    with TestClient(create_app(mail_case, port=TEST_PORT), base_url=TEST_ORIGIN) as test_client:
        yield test_client


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts whole-message parses by the stdlib's (real) parser."""
    counted: list[int] = []
    close = email.feedparser.FeedParser.close

    def counting_close(self: email.feedparser.FeedParser) -> object:
        counted.append(1)
        return close(self)

    monkeypatch.setattr(email.feedparser.FeedParser, "close", counting_close)
    return counted


def _mail_id(case: Case) -> int:
    conn = sqlite3.connect(case.db_path)
    try:
        row = conn.execute("SELECT id FROM documents WHERE type = 'email'").fetchone()
    finally:
        conn.close()
    return int(row[0])


def _all_listed(client: TestClient, url: str) -> list[tuple[str, str]]:
    """(document id, name) of every attachment listed, following the list's pages."""
    listed: list[tuple[str, str]] = []
    next_url: str | None = url
    while next_url is not None:
        page = client.get(next_url).text
        listed += _LISTED.findall(page.split('id="members"')[1])
        found = re.search(r'<a href="([^"]+)">next [\d,]+</a>', page)
        next_url = found.group(1).replace("&amp;", "&") if found else None
    return listed


def test_the_stored_list_is_complete(mail_case: Case) -> None:
    conn = sqlite3.connect(mail_case.db_path)
    try:
        raw = conn.execute(
            "SELECT json_extract(metadata, ?) FROM documents WHERE type = 'email'",
            (f"$.{MAIL_VIEW_KEY}",),
        ).fetchone()[0]
        children = conn.execute(
            "SELECT count(*) FROM provenance WHERE parent_path = 'trove/many.eml'"
        ).fetchone()[0]
    finally:
        conn.close()
    record = parse_record(raw)
    assert record is not None and len(record.attachments) == children == ATTACHMENTS
    image = record.attachments[0]
    assert (image.content_type, image.content_id, image.inline) == ("image/png", "logo@x", True)
    assert [a.child for a in record.attachments[-2:]] == ["117.txt", "0 (2).txt"]
    assert record.attachments[-1].name == "0.txt"


def test_the_view_lists_every_attachment_without_parsing_the_message(
    client: TestClient, mail_case: Case, parses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(members, "MAX_MEMBERS", 50)  # three pages of the list
    doc = _mail_id(mail_case)
    page = client.get(f"/doc/{doc}").text
    assert "正文" in page and "<b>first</b>" in page  # the body, from its bytes alone
    assert "cid:logo@x" in page and "inline" in page and "image/png" in page
    listed = _all_listed(client, f"/doc/{doc}")
    assert len(listed) == ATTACHMENTS - 1  # every .txt (the image is listed too)
    assert len({document for document, _name in listed}) == ATTACHMENTS - 1  # each linked
    assert [name for _doc, name in listed].count("0.txt") == 2  # shown as the sender named it
    assert parses == []


def test_the_recorded_body_keeps_every_rule_of_the_mail_view(
    client: TestClient, mail_case: Case
) -> None:
    response = client.get(f"/doc/{_mail_id(mail_case)}")
    body = response.text.split('class="mail-body"')[1].split("</details>")[0]
    assert "script" not in body and "pwned" not in body and "<img" not in body
    assert "href" not in body and "链接" in body
    assert "2 images not loaded" in response.text and "1 link disabled" in response.text
    assert "img-src" in response.headers["content-security-policy"]
    assert MAIL_VIEW_KEY not in response.text  # shown as the list, not as a metadata row


def test_a_case_ingested_before_the_record_still_shows_its_mail(
    client: TestClient, mail_case: Case, parses: list[int]
) -> None:
    doc = _mail_id(mail_case)
    conn = sqlite3.connect(mail_case.db_path)
    try:
        saved = conn.execute("SELECT metadata FROM documents WHERE id = ?", (doc,)).fetchone()[0]
        with conn:
            conn.execute(
                "UPDATE documents SET metadata = json_remove(metadata, ?) WHERE id = ?",
                (f"$.{MAIL_VIEW_KEY}", doc),
            )
        viewer_page = client.get(f"/doc/{doc}").text
        listed = _all_listed(client, f"/doc/{doc}")
    finally:
        with conn:
            conn.execute("UPDATE documents SET metadata = ? WHERE id = ?", (saved, doc))
        conn.close()
    assert "正文" in viewer_page and "<b>first</b>" in viewer_page
    assert len(listed) == ATTACHMENTS - 1
    assert parses  # today's path: the message is parsed


def test_the_recorded_body_is_the_parsed_body(mail_case: Case, tmp_path: Path) -> None:
    conn = sqlite3.connect(mail_case.db_path)
    try:
        sha256, raw = conn.execute(
            "SELECT sha256, json_extract(metadata, ?) FROM documents WHERE type = 'email'",
            (f"$.{MAIL_VIEW_KEY}",),
        ).fetchone()
    finally:
        conn.close()
    record = parse_record(raw)
    assert record is not None
    blob = mail_case.blobs.path_for(sha256)
    assert recorded_body(blob, record.body) == email_body(blob)
    # A range past the end of the file (a truncated copy) gives no body, not an error.
    short = tmp_path / "short.eml"
    short.write_bytes(blob.read_bytes()[:100])
    assert recorded_body(short, record.body) is None
