from __future__ import annotations

import time
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.rtf import RtfExtractor
from culpa.formats.registry import extractor_class_for
from culpa.formats.sniff import detect_mime
from tests.conftest import CORPUS
from tests.formats.tagging import tagged


def _gbk_escapes(text: str) -> str:
    return "".join(f"\\'{byte:02x}" for byte in text.encode("gbk"))


def _chinese_rtf() -> str:
    return (
        "{\\rtf1\\ansi\\ansicpg936\\deff0"
        "{\\fonttbl{\\f0\\fnil\\fcharset134 " + _gbk_escapes("宋体") + ";}"
        "{\\f1\\fswiss\\fcharset0 Arial;}}"
        "{\\info{\\title " + _gbk_escapes("会议纪要") + "}"
        "{\\subject Internal}{\\author \\u26446?\\u22235?}{\\operator Wang Wu}"
        "{\\keywords " + _gbk_escapes("新疆") + "}{\\doccomm draft}"
        "{\\*\\company ACME}{\\manager Boss}{\\category memo}"
        "{\\creatim\\yr2019\\mo3\\dy5\\hr10\\min30}{\\revtim\\yr2020\\mo1\\dy2\\hr3\\min4}"
        "{\\printim\\yr2020\\mo2\\dy2}{\\version7}}"
        "{\\header \\pard header text\\par}"
        "\\pard\\f0 " + _gbk_escapes("中文测试：关于加强管理的通知") + "\\par "
        "\\f1 Euro \\u8364? sign, emoji \\u-10179?\\u-8704?\\par "
        "{\\pict\\pngblip " + "89504e47" * 2000 + "}"
        "{\\object\\objemb{\\*\\objclass Word.Document.8}{\\*\\objdata 0105000002000000}"
        "{\\result attached}}"
        "\\page \\f0 \\u31532?\\u20108?\\u39029? page two\\par"
        "}"
    )


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work")


def test_chinese_text_info_and_page_breaks(tmp_path: Path) -> None:
    path = tmp_path / "memo.rtf"
    path.write_text(_chinese_rtf(), encoding="ascii")
    assert extractor_class_for(detect_mime(path)) is RtfExtractor
    result = tagged(RtfExtractor().extract(path, _context(tmp_path)))
    assert [page.text for page in result.pages] == [
        "中文测试：关于加强管理的通知\nEuro € sign, emoji 😀",
        "第二页 page two",
    ]
    assert result.pages[0].language == "zh-Hans"
    assert "header text" not in result.pages[0].text
    assert result.metadata == {
        "title": "会议纪要",
        "subject": "Internal",
        "author": "李四",
        "last_modified_by": "Wang Wu",
        "keywords": "新疆",
        "comments": "draft",
        "company": "ACME",
        "manager": "Boss",
        "category": "memo",
        "created": "2019-03-05T10:30:00",
        "modified": "2020-01-02T03:04:00",
        "last_printed": "2020-02-02T00:00:00",
        "revision": "7",
        "embedded_objects_skipped": "1",
    }


def test_raw_gbk_bytes_are_decoded_in_the_code_page(tmp_path: Path) -> None:
    path = tmp_path / "raw.rtf"
    path.write_bytes(
        b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fcharset134 SimSun;}}\\f0 "
        + "未转义的中文".encode("gbk")
        + b"\\par}"
    )
    result = RtfExtractor().extract(path, _context(tmp_path))
    assert result.pages[0].text == "未转义的中文"


def test_mac_code_page_and_binary_payloads(tmp_path: Path) -> None:
    payload = b"\x00\xff}{\\par junk" * 100
    path = tmp_path / "mac.rtf"
    path.write_bytes(
        b"{\\rtf1\\mac\\ansicpg10000{\\fonttbl{\\f0\\fcharset1 Helvetica;}}\\f0 caf\\'8e "
        b"{\\pict\\bin" + str(len(payload)).encode() + b" " + payload + b"}after\\par}"
    )
    result = RtfExtractor().extract(path, _context(tmp_path))
    assert result.pages[0].text == "café after"


def test_large_embedded_picture_is_skipped_quickly(tmp_path: Path) -> None:
    path = tmp_path / "big.rtf"
    picture = "{\\pict\\pngblip " + "0123456789abcdef" * 1_000_000 + "}"
    path.write_text("{\\rtf1\\ansi " + picture + "visible text\\par}", encoding="ascii")
    started = time.monotonic()
    result = RtfExtractor().extract(path, _context(tmp_path))
    assert time.monotonic() - started < 5
    assert result.pages[0].text == "visible text"


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.rtf"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionError) as caught:
        RtfExtractor().extract(empty, _context(tmp_path))
    assert caught.value.kind == ErrorKind.EMPTY
    other = tmp_path / "other.rtf"
    other.write_bytes(b"%PDF-1.4 not rtf")
    with pytest.raises(ExtractionError) as caught:
        RtfExtractor().extract(other, _context(tmp_path))
    assert caught.value.kind == ErrorKind.CORRUPT
    truncated = tmp_path / "truncated.rtf"
    truncated.write_text(_chinese_rtf()[:400], encoding="ascii")
    result = RtfExtractor().extract(truncated, _context(tmp_path))  # what is there is kept
    assert result.metadata["title"] == "会议纪要"


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


@needs_corpus
def test_corpus_documents(tmp_path: Path) -> None:
    standard = RtfExtractor().extract(
        CORPUS / "office/textract_standardized_text.rtf", _context(tmp_path)
    )
    assert standard.pages[0].text == "the quick brown fox jumps over the lazy dog"
    assert standard.metadata["author"] == "Dean Malmgren"
    assert standard.metadata["company"] == "Datascope Analytics"
    assert standard.metadata["created"] == "2015-06-14T13:26:00"
    raw = RtfExtractor().extract(CORPUS / "office/textract_raw_text.rtf", _context(tmp_path))
    assert raw.pages[0].text.startswith("I love word documents. They are lovely.")
    linked = RtfExtractor().extract(
        CORPUS / "office/tika_testRTFEmbeddedLink.rtf", _context(tmp_path)
    )
    assert linked.metadata["embedded_objects_skipped"] == "1"
    assert linked.metadata["author"] == "Allison, Tim"
