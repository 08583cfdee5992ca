"""Outlook .msg: messages built in code with extract-msg's OLE writer, and corpus files.

No library writes complete .msg files, so the builder below lays out the
MS-OXMSG storage by hand (property stream, ``__substg1.0_`` streams, recipient
and attachment storages, an embedded message storage) with extract-msg's
``OleWriter``; Outlook's own files come from the corpus.
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
from pathlib import Path
from typing import Any

import compressed_rtf
import pytest
from extract_msg.ole_writer import OleWriter

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.email.mail_record import MAIL_VIEW_KEY, parse_record
from culpa.formats.email.msg import MsgExtractor
from culpa.formats.registry import extractor_class_for
from culpa.formats.sniff import detect_mime
from culpa.models import Extracted
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

LONG, SYSTIME, UNICODE, STRING8, BINARY = 0x3, 0x40, 0x1F, 0x1E, 0x102
UNICODE_STORE = {(0x340D, LONG): 0x40000}  # PR_STORE_SUPPORT_MASK: strings are Unicode
Props = dict[tuple[int, int], Any]


def _filetime(when: dt.datetime) -> int:
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


def _properties(writer: OleWriter, base: list[str], props: Props, header: bytes) -> None:
    entries = b""
    for (prop_id, prop_type), value in props.items():
        tag = (prop_id << 16) | prop_type
        if prop_type in (UNICODE, STRING8, BINARY):
            data = value.encode("utf-16-le") if prop_type == UNICODE else value
            size = len(data) + {UNICODE: 2, STRING8: 1, BINARY: 0}[prop_type]
            writer.addEntry([*base, f"__substg1.0_{tag:08X}"], data)
            entries += struct.pack("<IIII", tag, 6, size, 0)
        else:
            entries += struct.pack("<IIQ", tag, 6, value)
    writer.addEntry([*base, "__properties_version1.0"], header + entries)


def _message(
    writer: OleWriter,
    base: list[str],
    props: Props,
    recipients: list[tuple[int, str, str]],
    attachments: list[dict[str, Any]],
    top: bool = True,
) -> None:
    counts = struct.pack("<IIII", *(len(recipients), len(attachments)) * 2)
    _properties(writer, base, props, b"\0" * 8 + counts + (b"\0" * 8 if top else b""))
    for n, (kind, name, address) in enumerate(recipients):
        storage = [*base, f"__recip_version1.0_#{n:08X}"]
        writer.addEntry(storage, storage=True)
        fields = {
            (0x0C15, LONG): kind,
            (0x3001, UNICODE): name,
            (0x3003, UNICODE): address,
            (0x3002, UNICODE): "SMTP",
            (0x39FE, UNICODE): address,
        }
        _properties(writer, storage, fields, b"\0" * 8)
    for n, attachment in enumerate(attachments):
        storage = [*base, f"__attach_version1.0_#{n:08X}"]
        writer.addEntry(storage, storage=True)
        if "message" in attachment:  # ATTACH_EMBEDDED_MSG
            fields = {(0x3705, LONG): 5, (0x3001, UNICODE): attachment["display"]}
            _properties(writer, storage, fields, b"\0" * 8)
            inner = [*storage, "__substg1.0_3701000D"]
            writer.addEntry(inner, storage=True)
            _message(writer, inner, *attachment["message"], top=False)
        else:  # ATTACH_BY_VALUE
            fields = {
                (0x3705, LONG): 1,
                (0x3707, UNICODE): attachment["name"],
                (0x3701, BINARY): attachment["data"],
                **attachment.get("props", {}),
            }
            _properties(writer, storage, fields, b"\0" * 8)


def build_msg(
    path: Path,
    props: Props,
    recipients: list[tuple[int, str, str]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a minimal MS-OXMSG file."""
    writer = OleWriter()
    writer.addEntry(["__nameid_version1.0"], storage=True)
    for stream in ("__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"):
        writer.addEntry(["__nameid_version1.0", stream], b"")
    _message(writer, [], props, recipients or [], attachments or [])
    writer.write(str(path))
    return path


def _extract(path: Path, work: Path, **limits: int) -> Extracted:
    context = ExtractContext(workdir=work, limits=ArchiveLimits(**limits))
    return tagged(MsgExtractor().extract(path, context))


@pytest.fixture(autouse=True)
def _quiet_extract_msg() -> None:
    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)


def test_message_with_attachments_and_attached_message(tmp_path: Path) -> None:
    inner = (
        {
            (0x001A, UNICODE): "IPM.Note",
            (0x0037, UNICODE): "Re: 会议",
            (0x1000, UNICODE): "内层正文：见附件。",
            **UNICODE_STORE,
        },
        [(1, "张三", "zhang@example.com")],
        [{"name": "报告.docx", "data": b"PK\x03\x04 fake docx"}],
    )
    props = {
        (0x001A, UNICODE): "IPM.Note",
        (0x0037, UNICODE): "关于会议的通知",
        (0x1000, UNICODE): "正文：请准时参加。",
        (0x0C1A, UNICODE): "张三",
        (0x5D01, UNICODE): "zhang@example.com",
        (0x1035, UNICODE): "<1@example.com>",
        (0x1042, UNICODE): "<0@example.com>",
        (0x1039, UNICODE): "<00@example.com> <0@example.com>",
        (0x0039, SYSTIME): _filetime(dt.datetime(2017, 1, 2, 2, 0, tzinfo=dt.UTC)),
        **UNICODE_STORE,
    }
    recipients = [
        (1, "李四", "li@example.com"),
        (2, "王五", "wang@example.com"),
        (3, "赵六", "zhao@x.org"),
    ]
    attachments = [
        {"name": "../../etc/附件.txt", "data": "你好".encode()},
        {"name": "附件.txt", "data": b"second"},
        {"message": inner, "display": "Re: 会议"},
    ]
    path = build_msg(tmp_path / "a.msg", props, recipients, attachments)
    assert detect_mime(path) == "application/vnd.ms-outlook"
    cls = extractor_class_for("application/vnd.ms-outlook", "a.msg")
    assert cls is MsgExtractor and cls.type == "email"

    result = _extract(path, tmp_path / "work")
    record = parse_record(result.metadata.pop(MAIL_VIEW_KEY))
    assert record is not None and record.body is None  # no HTML body
    assert [(a.child, a.content_type, a.size) for a in record.attachments] == [
        (".._.._etc_附件.txt", "text/plain", 6),
        ("附件.txt", "text/plain", 6),
        ("Re- 会议.msg", "application/vnd.ms-outlook", result.children[2].path.stat().st_size),
    ]
    assert result.metadata == {
        "from": "张三 <zhang@example.com>",
        "to": "李四 <li@example.com>",
        "cc": "王五 <wang@example.com>",
        "bcc": "赵六 <zhao@x.org>",
        "date": "Mon, 02 Jan 2017 02:00:00 +0000",
        "subject": "关于会议的通知",
        "message-id": "<1@example.com>",
        "in-reply-to": "<0@example.com>",
        "references": "<00@example.com> <0@example.com>",
        "date_iso": "2017-01-02T02:00:00+00:00",
        "message_class": "IPM.Note",
        "attachments": "3",
    }
    assert [page.text for page in result.pages] == ["正文：请准时参加。"]
    assert result.pages[0].language == "zh-Hans"
    names = [child.name for child in result.children]
    assert names == [".._.._etc_附件.txt", "附件.txt", "Re- 会议.msg"]
    assert [child.path.name for child in result.children] == [
        "attachment-00001.txt",
        "attachment-00002.txt",
        "attachment-00003.msg",
    ]
    assert result.children[0].path.read_bytes() == "你好".encode()

    embedded = result.children[2].path
    assert detect_mime(embedded) == "application/vnd.ms-outlook"
    again = _extract(embedded, tmp_path / "work2")
    assert again.metadata["subject"] == "Re: 会议"
    assert again.metadata["to"] == "张三 <zhang@example.com>"
    assert again.pages[0].text == "内层正文：见附件。"
    assert [child.name for child in again.children] == [
        "报告.docx"
    ]  # a.msg!/Re- 会议.msg!/报告.docx
    assert again.children[0].path.read_bytes() == b"PK\x03\x04 fake docx"


def test_transport_headers_win_and_mapi_fills_gaps(tmp_path: Path) -> None:
    headers = (
        "Received: from mx.example.com by mail.example.com; Mon, 2 Jan 2017 10:00:00 +0800\r\n"
        "From: =?utf-8?b?5byg5LiJ?= <zhang@example.com>\r\n"
        "To: li@example.com\r\n"
        "Subject: =?gb2312?b?udjT2rvh0um1xM2o1qo=?=\r\n"
        "Date: Mon, 2 Jan 2017 10:00:00 +0800\r\n"
        "Message-ID: <header@example.com>\r\n"
        "Content-Type: multipart/alternative; boundary=x\r\n\r\n"
    )
    props = {
        (0x001A, UNICODE): "IPM.Note",
        (0x007D, UNICODE): headers,
        (0x0037, UNICODE): "MAPI subject",
        (0x1035, UNICODE): "<mapi@example.com>",
        (0x1000, UNICODE): "body",
        **UNICODE_STORE,
    }
    path = build_msg(tmp_path / "h.msg", props, [(3, "秘书", "sec@example.com")])
    result = _extract(path, tmp_path / "work")
    assert result.metadata["from"] == "张三 <zhang@example.com>"
    assert result.metadata["subject"] == "关于会议的通知"
    assert result.metadata["message-id"] == "<header@example.com>"
    assert result.metadata["date_iso"] == "2017-01-02T10:00:00+08:00"
    assert result.metadata["bcc"] == "秘书 <sec@example.com>"  # never in transport headers


@pytest.mark.parametrize(
    ("codec", "codepage", "sender", "subject", "body"),
    [
        ("gbk", 936, "张三", "关于会议的通知", "正文：请准时参加，地点在三楼会议室。"),
        ("big5", None, "張三", "關於會議的通知", "正文：請準時參加，地點在三樓會議室。"),
        ("gbk", 1252, "张三", "关于会议的通知", "正文：请准时参加，地点在三楼会议室。"),  # wrong
    ],
)
def test_eight_bit_strings_in_chinese_code_pages(
    tmp_path: Path, codec: str, codepage: int | None, sender: str, subject: str, body: str
) -> None:
    props: Props = {
        (0x001A, STRING8): b"IPM.Note",
        (0x0037, STRING8): subject.encode(codec),
        (0x1000, STRING8): body.encode(codec),
        (0x0C1A, STRING8): sender.encode(codec),
    }
    if codepage is not None:
        props[(0x3FFD, LONG)] = codepage
    result = _extract(build_msg(tmp_path / "c.msg", props), tmp_path / "work")
    assert result.metadata["subject"] == subject
    assert result.metadata["from"] == sender
    assert result.pages[0].text == body


def test_html_body_then_rtf_body(tmp_path: Path) -> None:
    html = (
        '<html><head><meta charset="gbk"><title>标题</title></head>'
        "<body><p>第一段</p><script>alert(1)</script><p>第二段</p></body></html>"
    )
    props = {(0x0037, UNICODE): "HTML", (0x1013, BINARY): html.encode("gbk"), **UNICODE_STORE}
    result = _extract(build_msg(tmp_path / "h.msg", props), tmp_path / "w1")
    assert result.pages[0].text == "第一段\n\n第二段"
    assert result.metadata["html_title"] == "标题"

    escaped = "".join(f"\\'{byte:02x}" for byte in "会议纪要".encode("gbk")).encode()
    rtf = (
        b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0 SimSun;}}\\f0 " + escaped + b"\\par second\\par}"
    )
    props = {
        (0x0037, UNICODE): "RTF",
        (0x1009, BINARY): compressed_rtf.compress(rtf, compressed=True),
        **UNICODE_STORE,
    }
    result = _extract(build_msg(tmp_path / "r.msg", props), tmp_path / "w2")
    assert result.pages[0].text == "会议纪要\nsecond"


def test_what_the_viewer_needs_is_recorded(tmp_path: Path) -> None:
    # The viewer lists attachments and shows the HTML body without opening the
    # message again: the OLE directory of 50,000 attachments is slow to read (issue 10).
    html = "<p>正文</p><img src='cid:logo@x'>"
    props = {(0x0037, UNICODE): "HTML", (0x1013, BINARY): html.encode(), **UNICODE_STORE}
    inline = {(0x3712, UNICODE): "<logo@x>", (0x370E, UNICODE): "image/png", (0x7FFE, 0x0B): 1}
    attachments = [
        {"name": "logo.png", "data": b"\x89PNG", "props": inline},
        {"name": "报告.pdf", "data": b"%PDF-1.4"},
        {"name": "报告.pdf", "data": b"%PDF-1.5 other"},
    ]
    path = build_msg(tmp_path / "h.msg", props, attachments=attachments)
    result = _extract(path, tmp_path / "work")
    record = parse_record(result.metadata[MAIL_VIEW_KEY])
    assert record is not None and record.body == html
    logo, first, second = record.attachments
    assert (logo.content_type, logo.content_id, logo.inline) == ("image/png", "logo@x", True)
    assert (first.child, first.content_type, first.size, first.inline) == (
        "报告.pdf",
        "application/pdf",
        8,
        False,
    )
    assert (second.child, second.name, second.size) == ("报告 (2).pdf", "报告.pdf", 14)
    assert [a.child for a in record.attachments] == [c.name for c in result.children]


def test_attachment_limits(tmp_path: Path) -> None:
    files = [{"name": f"{n}.txt", "data": b"x" * 100} for n in range(3)]
    path = build_msg(tmp_path / "l.msg", {(0x0037, UNICODE): "s", **UNICODE_STORE}, [], files)
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path / "w1", max_members=2)
    assert error.value.kind == ErrorKind.LIMIT_EXCEEDED
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path / "w2", max_total_bytes=250)
    assert error.value.kind == ErrorKind.LIMIT_EXCEEDED


def test_corpus_chinese_message(tmp_path: Path) -> None:
    # Big5 strings, no PR_MESSAGE_CODEPAGE: extract-msg alone would read them as ISO-8859-15.
    result = _extract(CORPUS / "cjk" / "tika_testMSG_chinese.msg", tmp_path)
    assert result.metadata["subject"] == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert result.metadata["from"] == "Tests Chang@FT (張毓倫)"
    assert result.metadata["from_exchange_dn"] == "/O=FT GROUP/OU=FT/CN=RECIPIENTS/CN=LYDIACHANG"
    assert result.metadata["to"] == '"Tests Chang@FT (張毓倫)" <tests.chang@fengttt.com>'
    assert result.metadata["date_iso"] == "2011-03-29T08:52:48+00:00"
    text = result.pages[0].text
    assert "中文測試" in text and "陳奎良 高票當選雲林縣總工會" in text
    assert result.pages[0].language == "zh-Hant"


def test_corpus_attachments(tmp_path: Path) -> None:
    result = _extract(CORPUS / "email" / "tika_testMSG_att_doc.msg", tmp_path / "doc")
    assert result.metadata["subject"] == "test pièce jointe 1"
    assert result.metadata["to"] == "nicolas1.23456@free.fr"
    assert result.pages[0].text == "contenu"
    assert [child.name for child in result.children] == ["test-unicode.doc", "pj1.txt"]
    assert detect_mime(result.children[0].path) == "application/msword"

    result = _extract(CORPUS / "email" / "tika_testMSG_att_msg.msg", tmp_path / "msg")
    assert result.metadata["from"] == "Nick Booth <nick.booth@pof.com.au>"
    assert result.metadata["attachments"] == "2"
    assert result.pages[0].text == "Test email with 1 msg attachment, 1 pdf"
    names = [child.name for child in result.children]
    assert names == ["Test Attachment.msg", "smbprn.00009008.KdcPjl.pdf"]
    assert detect_mime(result.children[1].path) == "application/pdf"
    inner = _extract(result.children[0].path, tmp_path / "inner")
    assert inner.metadata["subject"] == "Test Attachment"
    assert inner.pages[0].text == "Blah blah blah"


def test_corpus_reply_headers_and_appointment(tmp_path: Path) -> None:
    result = _extract(CORPUS / "email" / "tika_testMSG_forwarded.msg", tmp_path / "fw")
    assert result.metadata["subject"] == "FW: Testing"
    assert result.metadata["in-reply-to"] == (
        "<C8508767C15DBF40A21693142739EA8D564D18FDA1@EXVMBX018-1.exch018.msoutlookonline.net>"
    )
    assert result.pages[0].text.startswith("Forwarded Body")
    assert result.pages[0].text.endswith("Original Body")

    result = _extract(CORPUS / "email" / "tika_testMSG_Appointment.msg", tmp_path / "ap")
    assert result.metadata["message_class"] == "IPM.Appointment"
    assert result.metadata["subject"] == "Quick brown fox"
    assert result.pages[0].text == "This is a meeting to discuss jumping"


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.msg"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionError) as error:
        _extract(empty, tmp_path / "w0")
    assert error.value.kind == ErrorKind.EMPTY
    junk = tmp_path / "junk.msg"
    junk.write_bytes(b"not an OLE file" * 100)
    with pytest.raises(ExtractionError) as error:
        _extract(junk, tmp_path / "w1")
    assert error.value.kind == ErrorKind.CORRUPT
    data = (CORPUS / "email" / "tika_testMSG_att_msg.msg").read_bytes()
    for cut in (600, 5_000, 30_000):
        truncated = tmp_path / f"cut{cut}.msg"
        truncated.write_bytes(data[:cut])
        with pytest.raises(ExtractionError) as error:
            _extract(truncated, tmp_path / f"w{cut}")
        assert error.value.kind == ErrorKind.CORRUPT
