"""Outlook PST/OST through pffexport: the corpus stores, and the export layout with attachments.

No library writes PST files and the corpus stores hold no attachments, so the
attachment and attached-message handling is also checked against a stand-in
``pffexport`` that lays out what the real one writes (``Message00001/``,
``Attachments/<name>``, ``Attachments/Attachment00002/Message00001/``, per
libpff's pfftools/export_handle.c), put first on PATH.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.email import pst
from culpa.formats.email.eml import EmlExtractor
from culpa.formats.email.pst import PstExtractor
from culpa.formats.registry import extractor_class_for
from culpa.formats.sniff import detect_mime
from culpa.models import Extracted
from tests.conftest import CORPUS

TEST_PST = CORPUS / "email" / "ingestfile_testPST.pst"
BODY_TYPES_PST = CORPUS / "email" / "tika_testPST_variousBodyTypes.pst"


def _extract(path: Path, work: Path, **limits: int) -> Extracted:
    context = ExtractContext(workdir=work, limits=ArchiveLimits(**limits))
    return PstExtractor().extract(path, context)


def _eml(path: Path, work: Path) -> Extracted:
    return EmlExtractor().extract(path, ExtractContext(workdir=work))


def test_corpus_store(tmp_path: Path) -> None:
    assert detect_mime(TEST_PST) == "application/vnd.ms-outlook-pst"
    cls = extractor_class_for("application/vnd.ms-outlook-pst", "x.pst")
    assert cls is PstExtractor and cls.type == "mailbox"
    result = _extract(TEST_PST, tmp_path / "work")
    assert result.metadata == {
        "messages": "6",
        "folders": "4",
        "format": "unicode",
        "pst_encoding": "compressible",
    }
    names = [child.name for child in result.children]
    assert names == [
        "Re- Feature Generators.eml",
        "Re- init tokenizer fails- -Bad type in putfield-putstatic-.eml",
        "Feature Generators.eml",
        "[jira] [Resolved] (TIKA-1249) Vcard files detection.eml",
        "[jira] [Commented] (TIKA-1250) Process loops infintely processing a CHM file.eml",
        "[WEBINAR] - -Introducing Couchbase Server 2.5-.eml",
    ]
    index = result.pages[0].text.splitlines()
    assert index[0] == (
        "Re- Feature Generators.eml  2014-02-26T08:50:04+01:00  Jörn Kottmann <kottmann@gmail.com>"
    )
    assert len(index) == 6
    # The export tree is gone; only the rebuilt messages remain.
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [
        f"message-{n:07d}.eml" for n in range(1, 7)
    ]
    first = _eml(result.children[0].path, tmp_path / "m1")
    assert first.metadata["subject"] == "Re: Feature Generators"
    assert first.metadata["from"] == "Jörn Kottmann <kottmann@gmail.com>"
    assert first.metadata["to"] == "users@opennlp.apache.org"
    assert first.pages[0].text.startswith("Hello,\n\nthe PreviousMapFeatureGenerator remebers")
    webinar = _eml(result.children[5].path, tmp_path / "m6")
    assert webinar.metadata["subject"] == '[WEBINAR] - "Introducing Couchbase Server 2.5"'
    assert "LIVE WEBINAR: February 26, 2014 at 10am PST" in webinar.pages[0].text


def test_corpus_folders_and_body_types(tmp_path: Path) -> None:
    result = _extract(BODY_TYPES_PST, tmp_path / "work")
    assert result.metadata["messages"] == "4"
    assert [child.name for child in result.children] == [
        "Inbox/tmp/original email.eml",
        "Inbox/tmp/FW- original email.eml",
        "Inbox/tmp/FW- original email (2).eml",
        "Inbox/tmp/FW- original email (3).eml",
    ]
    texts = [_eml(c.path, tmp_path / f"m{n}").pages[0].text for n, c in enumerate(result.children)]
    assert texts[0] == "This is the original email (html)"
    assert all("This is the original email (html)" in text for text in texts[1:])
    assert "Forwarded RTF" in texts[2]


def test_a_store_read_twice_gives_byte_identical_messages(tmp_path: Path) -> None:
    """The email package's random MIME boundaries gave each ingest other .eml bytes, so
    other SHA-256s and other documents for the same store (issue 10)."""
    for store in (TEST_PST, BODY_TYPES_PST):
        first = _extract(store, tmp_path / store.stem / "first")
        second = _extract(store, tmp_path / store.stem / "second")
        messages = [child.path.read_bytes() for child in first.children]
        assert messages == [child.path.read_bytes() for child in second.children]
    assert any(b'boundary="===============culpa' in message for message in messages)


def test_bad_stores(tmp_path: Path) -> None:
    data = TEST_PST.read_bytes()
    cases = {
        "empty.pst": (b"", ErrorKind.EMPTY),
        "header.pst": (b"!BDN" + b"\0" * 100, ErrorKind.CORRUPT),
        "truncated.pst": (data[:20_000], ErrorKind.CORRUPT),
        "encrypted.pst": (data[:0x201] + b"\x10" + data[0x202:], ErrorKind.ENCRYPTED),
        "garbage.pst": (b"!BDN" + b"\xff" * 0x300, ErrorKind.CORRUPT),
    }
    for name, (content, kind) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ExtractionError) as error:
            _extract(path, tmp_path / f"work-{name}")
        assert error.value.kind == kind, name
    with pytest.raises(ExtractionError) as error:
        _extract(TEST_PST, tmp_path / "limit", max_members=3)
    assert error.value.kind == ErrorKind.LIMIT_EXCEEDED


_FAKE_EXPORT = r"""
import sys, time
from pathlib import Path
args = sys.argv[1:]
if "{mode}" == "sleep":
    time.sleep(30)
if "{mode}" == "fail":
    sys.stderr.write("libpff_file_open: unable to open file.\n")
    sys.exit(1)
base = Path(args[args.index("-t") + 1])
root = Path(str(base) + ".export") / "Top of Personal Folders"
def item(folder, outlook, internet=None, body=None, html=None, recipients=None):
    folder.mkdir(parents=True)
    (folder / "OutlookHeaders.txt").write_text(outlook, encoding="utf-8")
    if internet is not None:
        (folder / "InternetHeaders.txt").write_bytes(internet.encode().replace(b"\n", b"\r\n"))
    if body is not None:
        (folder / "Message.txt").write_text(body, encoding="utf-8")
    if html is not None:
        (folder / "Message.html").write_bytes(html.encode("gbk"))
    if recipients is not None:
        (folder / "Recipients.txt").write_text(recipients, encoding="utf-8")
    return folder
received = item(
    root / "收件箱" / "Message00001",
    "Message:\nSubject:\t\t\t\tRe: 会议\nSender name:\t\t\t张三\n",
    internet=(
        "Received: from mx.example.com; Mon, 2 Jan 2017 10:00:00 +0800\n"
        "From: =?utf-8?b?5byg5LiJ?= <zhang@example.com>\n"
        "To: li@example.com\n"
        "Subject: =?utf-8?b?UmU6IOS8muiurg==?=\n"
        "Date: Mon, 2 Jan 2017 10:00:00 +0800\n"
        "Message-ID: <r1@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed;\n\tboundary=\"gone\"\n\n"
    ),
    body="请看附件。\n",
)
attachments = received / "Attachments"
attachments.mkdir()
(attachments / "报告.docx").write_bytes(b"PK\x03\x04 fake docx")
(attachments / "notes.txt").write_bytes("备注".encode("gbk"))
item(
    attachments / "Attachment00003" / "Message00001",
    "Message:\nClient submit time:\t\tJan 01, 2017 08:00:00.000000000 UTC\n"
    "Subject:\t\t\t\t原始邮件\nSender name:\t\t\t王五\n"
    "Sender email address:\t\t\t/O=EXAMPLE/CN=WANG\n",
    html='<html><head><meta charset="gbk"></head><body><p>原始内容</p></body></html>',
    recipients="Display name:\t\t李四\nEmail address:\t\tli@example.com\nRecipient type:\t\tTo\n",
)
(attachments / "Attachment00003" / "Message00001" / "Attachments").mkdir()
(attachments / "Attachment00003" / "Message00001" / "Attachments" / "表.xlsx").write_bytes(b"PK")
item(
    root / "Sent Items" / "Message00001",
    "Message:\nClient submit time:\t\tFeb 03, 2017 09:30:00.000000000 UTC\n"
    "Subject:\t\t\t\t回复: 预算\nSender name:\t\t\t李四\n"
    "Sender email address:\t\t\tli@example.com\n",
    body="同意。",
    recipients=(
        "Display name:\t\t张三\nEmail address:\t\tzhang@example.com\nAddress type:\t\tSMTP\n"
        "Recipient type:\t\tTo\n\nDisplay name:\t\t王五\nEmail address:\t\t/o=EX/cn=WANG\n"
        "Address type:\t\tEX\nRecipient type:\t\tCC\n"
    ),
)
contact = root / "Contacts" / "Contact00001"
contact.mkdir(parents=True)
(contact / "Contact.txt").write_text("Display name: 赵六\n", encoding="utf-8")
"""


def _fake_pffexport(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str = "") -> None:
    tools = tmp_path / "bin"
    tools.mkdir(parents=True)
    script = tools / "pffexport"
    body = textwrap.dedent(_FAKE_EXPORT).replace("{mode}", mode)
    script.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")


def test_export_layout_with_attachments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pffexport(tmp_path, monkeypatch)
    result = _extract(TEST_PST, tmp_path / "work")
    assert result.metadata["messages"] == "2"
    names = [child.name for child in result.children]
    assert names == [
        "Contacts/Contact00001/Contact.txt",
        "Sent Items/回复- 预算.eml",
        "收件箱/Re- 会议.eml",
    ]
    assert result.children[0].path.read_text(encoding="utf-8") == "Display name: 赵六\n"

    received = _eml(result.children[2].path, tmp_path / "received")
    assert received.metadata["subject"] == "Re: 会议"
    assert received.metadata["from"] == "张三 <zhang@example.com>"
    assert received.metadata["message-id"] == "<r1@example.com>"
    assert received.metadata["date_iso"] == "2017-01-02T10:00:00+08:00"
    assert received.pages[0].text == "请看附件。"
    assert [child.name for child in received.children] == ["原始邮件.eml", "notes.txt", "报告.docx"]
    by_name = {child.name: child.path for child in received.children}
    assert by_name["报告.docx"].read_bytes() == b"PK\x03\x04 fake docx"
    assert by_name["notes.txt"].read_bytes() == "备注".encode("gbk")  # bytes kept as they were

    # box.pst!/收件箱/Re- 会议.eml!/原始邮件.eml!/表.xlsx
    original = _eml(by_name["原始邮件.eml"], tmp_path / "original")
    assert original.metadata["subject"] == "原始邮件"
    assert original.metadata["from"] == "王五"  # an Exchange directory name is not an address
    assert original.metadata["to"] == "李四 <li@example.com>"
    assert original.metadata["date_iso"] == "2017-01-01T08:00:00+00:00"
    assert original.pages[0].text == "原始内容"
    assert [child.name for child in original.children] == ["表.xlsx"]

    sent = _eml(result.children[1].path, tmp_path / "sent")
    assert sent.metadata["subject"] == "回复: 预算"
    assert sent.metadata["from"] == "李四 <li@example.com>"
    assert sent.metadata["to"] == "张三 <zhang@example.com>"
    assert sent.metadata["cc"] == "王五"
    assert sent.pages[0].text == "同意。"


def test_pffexport_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pffexport(tmp_path / "a", monkeypatch, mode="fail")
    with pytest.raises(ExtractionError) as error:
        _extract(TEST_PST, tmp_path / "work-fail")
    assert error.value.kind == ErrorKind.CORRUPT
    assert "unable to open file" in error.value.message
    _fake_pffexport(tmp_path / "b", monkeypatch, mode="sleep")
    monkeypatch.setattr(pst, "PST_MIN_SECONDS", 1.0)
    with pytest.raises(ExtractionError) as error:
        _extract(TEST_PST, tmp_path / "work-sleep")
    assert error.value.kind == ErrorKind.TIMEOUT
