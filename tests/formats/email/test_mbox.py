from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.email.eml import EmlExtractor
from culpa.formats.email.mbox import MboxExtractor, subject_file_name
from culpa.formats.registry import extractor_class_for
from culpa.formats.sniff import detect_mime
from culpa.models import Extracted
from tests.conftest import CORPUS


def _message(subject: str, sender: str, body: str, date: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "li@example.com"
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = f"<{abs(hash(subject))}@example.com>"
    message.set_content(body)
    return message


def _mailbox(tmp_path: Path, *messages: bytes, linesep: bytes = b"\n") -> Path:
    parts = []
    for data in messages:
        postmark = b"From sender@example.com Mon Jan  2 10:00:00 2017" + linesep
        parts.append(postmark + data.rstrip(b"\r\n") + linesep + linesep)
    path = tmp_path / "box.mbox"
    path.write_bytes(b"".join(parts))
    return path


def _extract(path: Path, tmp_path: Path, **limits: int) -> Extracted:
    context = ExtractContext(workdir=tmp_path / "work", limits=ArchiveLimits(**limits))
    return MboxExtractor().extract(path, context)


def test_messages_become_numbered_eml_children(tmp_path: Path) -> None:
    first = _message(
        "关于会议的通知",
        "张三 <zhang@example.com>",
        "请准时参加。",
        "Mon, 02 Jan 2017 10:00:00 +0800",
    )
    first.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="报告.pdf"
    )
    body = "Line one\nFrom here on, an unquoted From line\n\n>From the quoted line\n>>From twice\n"
    second = _message(
        "Re: 关于会议的通知", "li@example.com", body, "Tue, 03 Jan 2017 09:30:00 +0000"
    )
    third = _message(
        "Re: 关于会议的通知", "wang@example.com", "同意", "Wed, 04 Jan 2017 09:30:00 +0000"
    )
    path = _mailbox(tmp_path, first.as_bytes(), second.as_bytes(), third.as_bytes())
    assert detect_mime(path) == "application/mbox"
    cls = extractor_class_for("application/mbox", "box.mbox")
    assert cls is MboxExtractor and cls.type == "mailbox"

    result = _extract(path, tmp_path)
    assert result.metadata == {"messages": "3"}
    names = [child.name for child in result.children]
    assert names == [
        "0001 关于会议的通知.eml",
        "0002 Re- 关于会议的通知.eml",
        "0003 Re- 关于会议的通知.eml",
    ]
    index = result.pages[0].text.splitlines()
    assert index[0] == "0001  2017-01-02T10:00:00+08:00  张三 <zhang@example.com>  关于会议的通知"
    assert index[1].startswith(
        "0002  2017-01-03T09:30:00+00:00  li@example.com  Re: 关于会议的通知"
    )
    assert len(index) == 3
    for child in result.children:
        assert child.path.parent == tmp_path / "work"
        assert child.path.name.startswith("message-") and child.path.suffix == ".eml"

    eml = EmlExtractor()
    one = eml.extract(result.children[0].path, ExtractContext(workdir=tmp_path / "one"))
    assert one.metadata["subject"] == "关于会议的通知"
    assert one.metadata["from"] == "张三 <zhang@example.com>"
    assert one.pages[0].text == "请准时参加。"
    assert [child.name for child in one.children] == ["报告.pdf"]
    assert one.children[0].path.read_bytes() == b"%PDF-1.4 fake"

    two = eml.extract(result.children[1].path, ExtractContext(workdir=tmp_path / "two"))
    text = two.pages[0].text
    assert "From here on, an unquoted From line" in text  # not split: no blank line before it
    assert "\nFrom the quoted line" in text and "\n>From twice" in text
    three = eml.extract(result.children[2].path, ExtractContext(workdir=tmp_path / "three"))
    assert three.pages[0].text == "同意" and three.metadata["from"] == "wang@example.com"


def test_crlf_mailbox_and_headers_only_message(tmp_path: Path) -> None:
    headers_only = (
        b"From: a@example.com\r\nSubject: no body\r\nDate: Mon, 02 Jan 2017 10:00:00 +0000\r\n"
    )
    plain = _message("second", "b@example.com", "body two", "Mon, 02 Jan 2017 11:00:00 +0000")
    path = _mailbox(
        tmp_path, headers_only, plain.as_bytes().replace(b"\n", b"\r\n"), linesep=b"\r\n"
    )
    result = _extract(path, tmp_path)
    assert [child.name for child in result.children] == ["0001 no body.eml", "0002 second.eml"]
    assert result.children[0].path.read_bytes().startswith(b"From: a@example.com\r\n")
    assert b"From sender" not in result.children[0].path.read_bytes()
    second = EmlExtractor().extract(result.children[1].path, ExtractContext(workdir=tmp_path / "x"))
    assert second.pages[0].text == "body two"


def test_hostile_subjects_and_long_lines(tmp_path: Path) -> None:
    evil = _message("../../etc/passwd: \x07 <x>", "a@example.com", "x" * 3_000_000, "junk date")
    untitled = b"From: b@example.com\n\nno subject at all\n"
    path = _mailbox(tmp_path, evil.as_bytes(), untitled)
    result = _extract(path, tmp_path)
    names = [child.name for child in result.children]
    assert names == ["0001 -..-etc-passwd- -x-.eml", "0002 message.eml"]
    assert all("/" not in name for name in names)
    assert result.children[0].path.stat().st_size > 3_000_000
    index = result.pages[0].text.splitlines()
    assert index[0] == "0001  -  a@example.com  ../../etc/passwd: <x>"
    assert index[1] == "0002  -  b@example.com  -"


def test_subject_file_name() -> None:
    assert subject_file_name("Re: 会议", ".eml") == "Re- 会议.eml"
    assert subject_file_name("  a\tb  ", ".msg") == "a b.msg"
    assert subject_file_name(None, ".eml") == "message.eml"
    assert subject_file_name("...", ".eml") == "message.eml"
    assert len(subject_file_name("长" * 500, ".eml")) == 104


def test_limits(tmp_path: Path) -> None:
    messages = [
        _message(
            f"m{n}", "a@example.com", "body " * 100, "Mon, 02 Jan 2017 10:00:00 +0000"
        ).as_bytes()
        for n in range(3)
    ]
    path = _mailbox(tmp_path, *messages)
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path, max_members=2)
    assert error.value.kind == ErrorKind.LIMIT_EXCEEDED
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path / "b", max_total_bytes=1000)
    assert error.value.kind == ErrorKind.LIMIT_EXCEEDED
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path / "c", max_member_bytes=100)
    assert error.value.kind == ErrorKind.LIMIT_EXCEEDED


def test_not_a_mailbox(tmp_path: Path) -> None:
    path = tmp_path / "x.mbox"
    path.write_bytes(b"Subject: hi\n\nbody\n")
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path)
    assert error.value.kind == ErrorKind.CORRUPT
    path.write_bytes(b"\n\n")
    with pytest.raises(ExtractionError) as error:
        _extract(path, tmp_path)
    assert error.value.kind == ErrorKind.EMPTY


def test_corpus_mailbox(tmp_path: Path) -> None:
    path = CORPUS / "email" / "ingestfile_plan.mbox"
    assert detect_mime(path) == "application/mbox"
    result = _extract(path, tmp_path)
    assert result.metadata["messages"] == "1"
    assert [child.name for child in result.children] == ["0001 Re- Our friends has a good plan.eml"]
    assert result.pages[0].text == (
        "0001  2017-02-21T09:55:09+03:00  Dzmitry Lahoda <dzmitry.lahoda@gmail.com>  "
        "Re: Our friends has a good plan"
    )
    child = result.children[0]
    assert detect_mime(child.path) == "message/rfc822"
    message = EmlExtractor().extract(child.path, ExtractContext(workdir=tmp_path / "eml"))
    assert message.metadata["subject"] == "Re: Our friends has a good plan"
    assert message.pages[0].text.startswith("I do not know you and do not understand you.")


def test_raw_gbk_subject_without_encoded_words(tmp_path: Path) -> None:
    raw = b"Subject: " + "关于原始邮件的通知".encode("gbk") + b"\nFrom: a@example.com\n\nbody\n"
    result = _extract(_mailbox(tmp_path, raw), tmp_path)
    assert [child.name for child in result.children] == ["0001 关于原始邮件的通知.eml"]
    assert result.pages[0].text == "0001  -  a@example.com  关于原始邮件的通知"
