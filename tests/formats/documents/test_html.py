from __future__ import annotations

from pathlib import Path

from culpa.formats.base import ExtractContext
from culpa.formats.documents.html import HtmlExtractor, html_to_text

PAGE = """<html><head><title>内部 通知</title>
<meta name="author" content="办公室"><meta charset="{charset}">
<style>p {{ color: red }}</style><script>alert('x')</script>
<link rel="stylesheet" href="http://example.invalid/a.css"></head>
<body><h1>关于加强管理的通知</h1><p>请 <a href="http://example.invalid/">点击这里</a> 查看。</p>
<img src="http://example.invalid/track.gif"><table><tr><td>甲</td><td>乙</td></tr></table>
<script>document.write('hidden')</script>结尾</body></html>"""


def _extract(tmp_path: Path, data: bytes) -> tuple[str, dict[str, str]]:
    path = tmp_path / "page.html"
    path.write_bytes(data)
    result = HtmlExtractor().extract(path, ExtractContext(workdir=tmp_path))
    return "\n".join(p.text for p in result.pages), result.metadata


def test_visible_text_and_metadata(tmp_path: Path) -> None:
    text, metadata = _extract(tmp_path, PAGE.format(charset="utf-8").encode())
    assert "关于加强管理的通知" in text
    assert "点击这里" in text
    assert "甲\t乙" in text
    assert "结尾" in text
    assert "alert" not in text and "hidden" not in text and "color" not in text
    assert metadata["title"] == "内部 通知"
    assert metadata["meta:author"] == "办公室"
    assert metadata["encoding"] == "utf-8"


def test_declared_gb2312_is_read_as_gb18030(tmp_path: Path) -> None:
    text, metadata = _extract(tmp_path, PAGE.format(charset="gb2312").encode("gb18030"))
    assert "关于加强管理的通知" in text
    assert metadata["encoding"] == "gb18030"


def test_a_lying_charset_is_ignored(tmp_path: Path) -> None:
    # Declares UTF-8 but is Big5: the declaration fails to decode, detection wins.
    data = PAGE.format(charset="utf-8").replace("关于加强管理的通知", "關於加強管理的通知")
    text, metadata = _extract(tmp_path, data.encode("big5", errors="ignore"))
    assert "關於加強管理的通知" in text
    assert metadata["encoding"] == "cp950"


def test_entities_in_doctype_are_not_expanded() -> None:
    hostile = (
        '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY x SYSTEM "file:///etc/passwd">]><html><body>&b; &x; ok</body></html>'
    )
    text, _ = html_to_text(hostile)
    assert "root:" not in text
    assert "aaaaaaaaaa" * 8 not in text
    assert "ok" in text


def test_empty_and_garbage_html() -> None:
    assert html_to_text("") == ("", {})
    text, _ = html_to_text("<<<>>><p>still text")
    assert "still text" in text


def test_link_targets_are_kept_not_fetched(tmp_path: Path) -> None:
    page = tmp_path / "links.html"
    page.write_text(
        '<p><a href="https://example.org/报告">报告</a> <a href="javascript:alert(1)">x</a>'
        ' <a href="mailto:desk@example.org">mail</a> <a href="https://example.org/报告">again</a>'
        ' <a href="/relative">rel</a></p>',
        encoding="utf-8",
    )
    result = HtmlExtractor().extract(page, ExtractContext(workdir=tmp_path / "w"))
    assert result.metadata["links"].splitlines() == [
        "https://example.org/报告",
        "mailto:desk@example.org",
    ]
    assert "报告" in result.pages[0].text
