from __future__ import annotations

import base64
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

from culpa.formats.base import ExtractContext
from culpa.formats.email.eml import EmlExtractor
from culpa.formats.sniff import detect_mime
from culpa.models import Extracted
from tests.formats.tagging import tagged


def _extract(tmp_path: Path, data: bytes) -> Extracted:
    path = tmp_path / "mail.eml"
    path.write_bytes(data)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return tagged(EmlExtractor().extract(path, ExtractContext(workdir=work)))


def test_headers_plain_body_and_attachments(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = "张三 <zhang@example.com>"
    message["To"] = "li@example.com"
    message["Cc"] = "wang@example.com"
    message["Subject"] = "关于会议的通知"
    message["Date"] = "Mon, 02 Jan 2017 10:00:00 +0800"
    message["Message-ID"] = "<1@example.com>"
    message["In-Reply-To"] = "<0@example.com>"
    message.set_content("正文：请准时参加。")
    message.add_alternative("<p>HTML 版本</p>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="../../etc/报告.pdf"
    )
    message.add_attachment(b"one", maintype="text", subtype="plain", filename="a.txt")
    message.add_attachment(b"two", maintype="text", subtype="plain", filename="a.txt")
    inner = EmailMessage()
    inner["Subject"] = "原始邮件"
    inner.set_content("forwarded body")
    message.add_attachment(inner)
    result = _extract(tmp_path, message.as_bytes())
    assert result.metadata["from"] == "张三 <zhang@example.com>"
    assert result.metadata["subject"] == "关于会议的通知"
    assert result.metadata["cc"] == "wang@example.com"
    assert result.metadata["message-id"] == "<1@example.com>"
    assert result.metadata["in-reply-to"] == "<0@example.com>"
    assert result.metadata["date_iso"] == "2017-01-02T10:00:00+08:00"
    assert result.pages[0].text == "正文：请准时参加。"
    names = [child.name for child in result.children]
    assert names[0] == ".._.._etc_报告.pdf"
    assert "a.txt" in names and "a (2).txt" in names
    assert any(name.endswith(".eml") for name in names)
    for child in result.children:
        assert child.path.parent == tmp_path / "work"
        assert "/" not in child.name and "\x00" not in child.name
    by_name = {child.name: child.path.read_bytes() for child in result.children}
    assert by_name[".._.._etc_报告.pdf"] == b"%PDF-1.4 fake"
    assert b"forwarded body" in by_name["原始邮件.eml"]


def test_html_only_body_is_rendered(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "html"
    message.set_content(
        "<html><body><p>只有 <b>HTML</b></p><script>x()</script></body></html>", subtype="html"
    )
    result = _extract(tmp_path, message.as_bytes())
    assert result.pages[0].text == "只有 HTML"


def test_legacy_chinese_charsets(tmp_path: Path) -> None:
    outer = MIMEMultipart()
    outer["Subject"] = "=?gb2312?B?" + base64.b64encode("通知".encode("gb2312")).decode() + "?="
    body = MIMEText("新疆维吾尔自治区公安厅关于加强管理的通知", "plain", "gb2312")
    outer.attach(body)
    big5 = MIMEApplication("附件".encode("big5"), "octet-stream")
    big5.add_header("Content-Disposition", "attachment", filename=("big5", "", "報告.doc"))
    outer.attach(big5)
    result = _extract(tmp_path, outer.as_bytes())
    assert result.metadata["subject"] == "通知"
    assert "新疆维吾尔自治区公安厅" in result.pages[0].text
    assert result.pages[0].language == "zh-Hans"
    assert [child.name for child in result.children] == ["報告.doc"]


def test_big5_body_mislabelled_as_gb2312(tmp_path: Path) -> None:
    raw = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "關於加強社會穩定工作的通知，各地區各部門要認真貫徹落實。".encode("big5")
    )
    result = _extract(tmp_path, raw)
    assert "關於加強社會穩定工作的通知" in result.pages[0].text


def test_mhtml_page_text_and_links(tmp_path: Path) -> None:
    page = (
        "From: <Saved by Blink>\r\nSnapshot-Content-Location: https://example.org/news\r\n"
        "Subject: =?utf-8?B?5paw6Ze7?=\r\nDate: Mon, 3 Jul 2017 10:00:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; type="text/html"; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Location: https://example.org/news\r\n\r\n"
        '<html><body><p>新疆 新闻</p><a href="https://example.org/report">报告</a>'
        '<img src="https://tracker.example/pixel.gif"></body></html>\r\n--B--\r\n'
    )
    path = tmp_path / "page.mhtml"
    path.write_bytes(page.encode("utf-8"))
    assert detect_mime(path) == "message/rfc822"
    result = EmlExtractor().extract(path, ExtractContext(workdir=tmp_path / "w"))
    assert "新疆 新闻" in result.pages[0].text
    assert result.metadata["links"] == "https://example.org/report"
