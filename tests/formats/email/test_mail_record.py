"""What the e-mail viewer needs, recorded at ingest by the .eml extractor (issue 10)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from culpa.formats.base import ExtractContext
from culpa.formats.email.eml import EmlExtractor
from culpa.formats.email.mail_record import (
    MAIL_VIEW_KEY,
    AttachmentRecord,
    BodyRange,
    MailRecord,
    parse_record,
    record_metadata,
)
from culpa.models import Extracted
from culpa.web.mail import decode_range


def _extract(tmp_path: Path, data: bytes) -> tuple[Extracted, MailRecord]:
    path = tmp_path / "mail.eml"
    path.write_bytes(data)
    work = tmp_path / "work"
    result = EmlExtractor().extract(path, ExtractContext(workdir=work))
    record = parse_record(result.metadata.get(MAIL_VIEW_KEY))
    assert record is not None
    return result, record


def many_attachments(count: int, html: str = "<p>正文 <b>first</b></p>") -> bytes:
    """A message with an HTML body (quoted-printable) and ``count`` small attachments."""
    part = (
        "--B\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="{0}.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0{0}\r\n"
    )
    body = html.encode("utf-8").decode("latin-1")
    quoted = "".join(c if 32 <= ord(c) < 127 and c != "=" else f"={ord(c):02X}" for c in body)
    return (
        "From: a@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{quoted}\r\n"
        + "".join(part.format(number) for number in range(count))
        + "--B--\r\n"
    ).encode("ascii")


def test_every_attachment_of_thousands_is_recorded(tmp_path: Path) -> None:
    data = many_attachments(2_000)
    result, record = _extract(tmp_path, data)
    assert len(result.children) == len(record.attachments) == 2_000
    for child, item in zip(result.children, record.attachments, strict=True):
        assert item.child == child.name
        assert item.size == child.path.stat().st_size
        assert item.content_type == "application/pdf"
        assert not item.inline and item.content_id is None
    assert [item.name for item in record.attachments[:3]] == ["0.pdf", "1.pdf", "2.pdf"]
    assert isinstance(record.body, BodyRange)
    raw = data[record.body.start : record.body.end]
    assert (record.body.encoding, record.body.charset) == ("quoted-printable", "utf-8")
    assert decode_range(raw, record.body) == "<p>正文 <b>first</b></p>"


def test_inline_images_attached_messages_and_names_made_unique(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "图片"
    message.set_content("plain")
    message.add_alternative('<p>看图 <img src="cid:logo@x"></p>', subtype="html")
    html = message.get_payload()[1]
    html.add_related(b"\x89PNG", maintype="image", subtype="png", cid="<logo@x>")
    message.add_attachment(b"one", maintype="application", subtype="pdf", filename="a.pdf")
    message.add_attachment(b"two!", maintype="application", subtype="pdf", filename="a.pdf")
    inner = EmailMessage()
    inner["Subject"] = "原始邮件"
    inner.set_content("forwarded")
    message.add_attachment(inner)
    result, record = _extract(tmp_path, message.as_bytes())
    by_child = {item.child: item for item in record.attachments}
    assert [item.child for item in record.attachments] == [c.name for c in result.children]
    image = next(item for item in record.attachments if item.content_type == "image/png")
    assert image.content_id == "logo@x" and image.inline and image.size == 4
    assert by_child["a.pdf"].size == 3 and by_child["a (2).pdf"].size == 4
    assert by_child["a (2).pdf"].name == "a.pdf"  # the name the sender gave, as shown
    assert by_child["原始邮件.eml"].content_type == "message/rfc822"
    assert not by_child["a.pdf"].inline
    assert isinstance(record.body, BodyRange)


def test_a_plain_text_message_records_that_it_has_no_html(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "plain"
    message.set_content("只有纯文本")
    _result, record = _extract(tmp_path, message.as_bytes())
    assert (record.attachments, record.body, record.attachment_count) == ((), None, 0)


def test_a_body_no_range_can_decode_is_stored_as_text(tmp_path: Path) -> None:
    data = (
        b"Subject: uu\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 b.html\r\n,/'`^:&D\\+W`^\r\n`\r\nend\r\n"
    )
    _result, record = _extract(tmp_path, data)
    assert isinstance(record.body, str) and "hi" in record.body


@pytest.mark.parametrize(
    "value", [None, "", "not json", '{"v": 99, "body": null, "attachments": []}', '{"v": 1}']
)
def test_records_of_another_version_or_damaged_are_ignored(value: str | None) -> None:
    assert parse_record(value) is None


def test_record_round_trip() -> None:
    record = MailRecord(
        (
            AttachmentRecord("a (2).pdf", "a.pdf", "application/pdf", 4),
            AttachmentRecord("part-2.png", "part-2.png", "image/png", 9, "logo@x", True),
        ),
        BodyRange(10, 20, "base64", None),
    )
    assert parse_record(record_metadata(record)) == MailRecord(record.attachments, record.body, 2)
    as_text = MailRecord((), "<p>html</p>")
    assert parse_record(record_metadata(as_text)) == MailRecord((), "<p>html</p>", 0)
    window = parse_record(record_metadata(record), 1, 5)
    assert window == MailRecord(record.attachments[1:], record.body, 2)
