"""Foxmail ``.box`` mailboxes: GB2312 messages behind marker lines, read as messages."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.email.eml import EmlExtractor
from culpa.formats.email.foxmail import FoxmailExtractor
from culpa.formats.registry import extractor_class_for, type_for
from culpa.formats.sniff import FOXMAIL_MIME, detect_mime
from culpa.ingest.runner import IngestOptions, ingest
from culpa.search.engine import search
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect

#: What Foxmail writes before every message of a .box file.
MARKER = b"\x10" * 7 + b"\x11" * 6 + b"S\r\n"


def _b(text: str) -> str:
    """An RFC 2047 encoded word in GB2312, as Foxmail writes headers."""
    return f"=?gb2312?B?{base64.b64encode(text.encode('gb2312')).decode()}?="


def _crlf(text: str, charset: str = "gb2312") -> bytes:
    return text.replace("\n", "\r\n").encode(charset)


def foxmail_messages() -> list[bytes]:
    """Three messages as Foxmail 6 stores them: GB2312 throughout, CRLF line ends."""
    first = _crlf(
        f"""Return-Path: <zhangsan@example.cn>
From: "{_b("张三")}" <zhangsan@example.cn>
To: "{_b("李四")}" <lisi@example.cn>
Subject: {_b("关于培训中心的通知")}
Date: Mon, 6 Mar 2017 10:15:00 +0800
Message-ID: <201703061015000001@example.cn>
X-mailer: Foxmail 6, 15, 201, 21 [cn]
Mime-Version: 1.0
Content-Type: text/plain;
\tcharset="gb2312"
Content-Transfer-Encoding: 8bit

各位同事：
请于周五前上报学员名单。
"""
    )
    # Older Foxmail sent raw 8-bit GB2312 headers, not RFC 2047 words.
    second = _crlf(
        """From: 李四 <lisi@example.cn>
To: 张三 <zhangsan@example.cn>
Subject: 回复：关于培训中心的通知
Date: Tue, 7 Mar 2017 09:00:00 +0800
Message-ID: <201703070900000002@example.cn>
X-mailer: Foxmail 5.0 [cn]
Mime-Version: 1.0
Content-Type: text/plain; charset="gb2312"
Content-Transfer-Encoding: 8bit

名单已收到，共四十二人。
"""
    )
    attachment = base64.encodebytes("学员名单\n阿布都热依木\n".encode("gb2312")).decode()
    third = _crlf(
        f"""From: "{_b("王五")}" <wangwu@example.cn>
To: lisi@example.cn
Subject: {_b("名单附件")}
Date: Wed, 8 Mar 2017 16:30:00 +0800
Message-ID: <201703081630000003@example.cn>
X-mailer: Foxmail 6, 15, 201, 21 [cn]
Mime-Version: 1.0
Content-Type: multipart/mixed;
\tboundary="=====001_Dragon584738475730_====="

This is a multi-part message in MIME format.

--=====001_Dragon584738475730_=====
Content-Type: text/plain;
\tcharset="gb2312"
Content-Transfer-Encoding: base64

{base64.encodebytes("附件是最新的名单，请核对。".encode("gb2312")).decode()}
--=====001_Dragon584738475730_=====
Content-Type: text/plain;
\tname="{_b("名单.txt")}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
\tfilename="{_b("名单.txt")}"

{attachment}
--=====001_Dragon584738475730_=====--
"""
    )
    return [first, second, third]


def foxmail_box(path: Path, messages: list[bytes] | None = None) -> Path:
    path.write_bytes(b"".join(MARKER + message for message in messages or foxmail_messages()))
    return path


def test_a_foxmail_box_is_sniffed_as_one(tmp_path: Path) -> None:
    path = foxmail_box(tmp_path / "in.box")
    assert detect_mime(path) == FOXMAIL_MIME
    assert extractor_class_for(FOXMAIL_MIME, "in.box") is FoxmailExtractor
    assert type_for(FOXMAIL_MIME) == "mailbox"


def test_other_files_are_not_taken_for_foxmail(tmp_path: Path) -> None:
    text = tmp_path / "note.box"
    text.write_bytes("Subject: 通知\r\n会议改期。\r\n".encode("gb2312"))
    assert detect_mime(text) != FOXMAIL_MIME
    # The marker bytes before something that is not a mail header block.
    binary = tmp_path / "data.box"
    binary.write_bytes(MARKER + bytes(range(256)) * 4)
    assert detect_mime(binary) != FOXMAIL_MIME
    # A marker inside a file, not at its start, is not a mailbox either.
    later = tmp_path / "later.txt"
    later.write_bytes(b"hello\r\n" + MARKER + foxmail_messages()[0])
    assert detect_mime(later) != FOXMAIL_MIME


def test_messages_become_eml_children_with_decoded_headers(tmp_path: Path) -> None:
    result = FoxmailExtractor().extract(
        foxmail_box(tmp_path / "in.box"), ExtractContext(workdir=tmp_path / "work")
    )
    assert result.metadata == {"messages": "3", "mailbox_format": "foxmail"}
    assert [child.name for child in result.children] == [
        "0001 关于培训中心的通知.eml",
        "0002 回复：关于培训中心的通知.eml",
        "0003 名单附件.eml",
    ]
    index = result.pages[0].text.splitlines()
    assert index == [
        "0001  2017-03-06T10:15:00+08:00  张三 <zhangsan@example.cn>  关于培训中心的通知",
        "0002  2017-03-07T09:00:00+08:00  李四 <lisi@example.cn>  回复：关于培训中心的通知",
        "0003  2017-03-08T16:30:00+08:00  王五 <wangwu@example.cn>  名单附件",
    ]
    # Each child is the message's bytes exactly, without the marker.
    expected = foxmail_messages()
    for child, message in zip(result.children, expected, strict=True):
        assert child.path.read_bytes() == message

    eml = EmlExtractor()
    first = eml.extract(result.children[0].path, ExtractContext(workdir=tmp_path / "one"))
    assert first.metadata["subject"] == "关于培训中心的通知"
    assert "请于周五前上报学员名单。" in first.pages[0].text
    second = eml.extract(result.children[1].path, ExtractContext(workdir=tmp_path / "two"))
    assert second.metadata["subject"] == "回复：关于培训中心的通知"  # raw 8-bit GB2312
    assert second.metadata["from"] == "李四 <lisi@example.cn>"
    assert second.pages[0].text == "名单已收到，共四十二人。"
    third = eml.extract(result.children[2].path, ExtractContext(workdir=tmp_path / "three"))
    assert "附件是最新的名单" in third.pages[0].text
    assert [child.name for child in third.children] == ["名单.txt"]
    assert "阿布都热依木" in third.children[0].path.read_bytes().decode("gb2312")


def test_a_message_without_its_last_line_break(tmp_path: Path) -> None:
    messages = foxmail_messages()
    path = foxmail_box(tmp_path / "sent.box", [messages[1].rstrip(b"\r\n"), messages[0]])
    result = FoxmailExtractor().extract(path, ExtractContext(workdir=tmp_path / "work"))
    assert len(result.children) == 2
    assert result.children[0].path.read_bytes() == messages[1].rstrip(b"\r\n")
    assert result.children[1].path.read_bytes() == messages[0]


def test_not_a_foxmail_box_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.box"
    path.write_bytes(b"just text\r\n" + MARKER + foxmail_messages()[0])
    with pytest.raises(ExtractionError) as raised:
        FoxmailExtractor().extract(path, ExtractContext(workdir=tmp_path / "work"))
    assert raised.value.kind is ErrorKind.CORRUPT


def test_ingest_makes_foxmail_subjects_bodies_and_attachments_searchable(
    case: Case, tmp_path: Path
) -> None:
    trove = tmp_path / "trove"
    (trove / "mail" / "zhangsan").mkdir(parents=True)
    foxmail_box(trove / "mail" / "zhangsan" / "in.box")
    summary = ingest(case, [trove], IngestOptions(workers=1, ocr=False))
    assert summary.error_count == 0
    conn = connect(case.db_path)
    paths = {row[0] for row in conn.execute("SELECT path FROM provenance")}
    assert "trove/mail/zhangsan/in.box!/0003 名单附件.eml!/名单.txt" in paths
    found = {
        query: {
            conn.execute(
                "SELECT path FROM provenance WHERE document_id = ?", (hit.document_id,)
            ).fetchone()[0]
            for hit in search(SqliteCaseStore(conn), query, limit=20)
        }
        for query in ("学员名单", "四十二人", "阿布都热依木")
    }
    assert "trove/mail/zhangsan/in.box!/0001 关于培训中心的通知.eml" in found["学员名单"]
    assert found["四十二人"] == {"trove/mail/zhangsan/in.box!/0002 回复：关于培训中心的通知.eml"}
    assert found["阿布都热依木"] == {"trove/mail/zhangsan/in.box!/0003 名单附件.eml!/名单.txt"}
