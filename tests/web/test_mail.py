"""E-mail bodies for the viewer: HTML from .eml and Outlook .msg, sanitised."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from culpa.web.mail import OUTLOOK_MIME, email_body
from tests.conftest import CORPUS


def test_eml_html_body_loses_scripts_images_and_link_targets(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "会议"
    message.set_content("plain")
    message.add_alternative(
        '<p>正文<script>window.pwned=1</script><img src="http://127.0.0.1:9/p.gif">'
        '<a href="javascript:alert(1)">链接</a></p>',
        subtype="html",
    )
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(message))
    body = email_body(path)
    assert body is not None
    assert "正文" in body.html and "链接" in body.html
    assert "script" not in body.html and "<img" not in body.html and "href" not in body.html
    assert (body.images_dropped, body.links_disabled) == (1, 1)


def test_outlook_msg_html_body(tmp_path: Path) -> None:
    path = CORPUS / "cjk" / "tika_testMSG_chinese.msg"
    if not path.exists():
        pytest.skip("shared corpus not present")
    body = email_body(path, OUTLOOK_MIME)
    assert body is not None
    assert "中文測試" in body.html and "高票當選" in body.html
    assert email_body(CORPUS / "email" / "tika_testMSG.msg", OUTLOOK_MIME) is None  # text only


def test_an_email_with_thousands_of_attachments_is_read_once(tmp_path: Path) -> None:
    # Every view parsed every part again with the default policy: 33 s per view of an
    # e-mail with 50,000 attachments (issue 10).
    attachment = (
        "--B\r\nContent-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="{}"\r\n\r\nx\r\n'
    )
    raw = (
        "Subject: many\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>正文 <b>first</b></p>\r\n"
        + "".join(attachment.format(number) for number in range(20_000))
        + "--B--\r\n"
    ).encode()
    path = tmp_path / "many.eml"
    path.write_bytes(raw)
    started = time.perf_counter()
    first = email_body(path)
    first_view = time.perf_counter() - started
    assert first is not None and "正文" in first.html
    started = time.perf_counter()
    for _ in range(5):
        assert email_body(path) == first
    assert time.perf_counter() - started < 0.05, f"first view took {first_view:.2f} s"
    # A changed file is read again.
    path.write_bytes(raw.replace(b"first", b"other"))
    again = email_body(path)
    assert again is not None and "other" in again.html
