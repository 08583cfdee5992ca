from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.text import (
    MAX_PAGE_CHARS,
    TextExtractor,
    decode_text,
    guess_encoding,
    split_pages,
)

SIMPLIFIED = "关于进一步加强新疆维吾尔自治区社会稳定工作的通知。各地区各部门要认真贯彻落实。"
TRADITIONAL = "關於進一步加強社會穩定工作的通知。各地區各部門要認真貫徹落實，切實做好有關工作。"


def _extract(tmp_path: Path, data: bytes) -> tuple[list[str], dict[str, str]]:
    path = tmp_path / "file.txt"
    path.write_bytes(data)
    result = TextExtractor().extract(path, ExtractContext(workdir=tmp_path))
    return [page.text for page in result.pages], result.metadata


@pytest.mark.parametrize(
    ("data", "codec"),
    [
        (SIMPLIFIED.encode("gb2312"), "gb18030"),
        (SIMPLIFIED.encode("gb18030"), "gb18030"),
        (TRADITIONAL.encode("big5"), "cp950"),
        (TRADITIONAL.encode("gbk"), "gb18030"),  # Traditional characters written in GBK
        (SIMPLIFIED.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SIMPLIFIED.encode("utf-32-le"), "utf-32-le"),
    ],
)
def test_chinese_in_any_encoding(data: bytes, codec: str) -> None:
    text, used = decode_text(data)
    assert used == codec
    assert text in (SIMPLIFIED, TRADITIONAL)


def test_big5_is_not_mistaken_for_gb18030() -> None:
    # Big5 bytes also decode as GB18030, into nonsense: plausibility must decide.
    data = TRADITIONAL.encode("big5")
    assert data.decode("gb18030") != TRADITIONAL
    assert decode_text(data) == (TRADITIONAL, "cp950")


def test_utf16_without_bom_and_latin1() -> None:
    assert guess_encoding("Date,Bid,Ask\r\n07/19".encode("utf-16-le")) == (
        "Date,Bid,Ask\r\n07/19",
        "utf-16-le",
    )
    text, codec = decode_text("Café crème brûlée, déjà vu, naïve façade.".encode("cp1252"))
    assert text == "Café crème brûlée, déjà vu, naïve façade."
    assert codec in ("cp1252", "latin_1", "iso8859-1", "iso8859_15")


def test_extract_records_encoding_and_language(tmp_path: Path) -> None:
    pages, metadata = _extract(tmp_path, SIMPLIFIED.encode("gb2312"))
    assert pages == [SIMPLIFIED]
    assert metadata["encoding"] == "gb18030"
    result = TextExtractor().extract(tmp_path / "file.txt", ExtractContext(workdir=tmp_path))
    assert result.pages[0].language == "zh-Hans"


def test_form_feeds_split_pages_and_newlines_are_normalised(tmp_path: Path) -> None:
    pages, _ = _extract(tmp_path, b"one\r\nline\fsecond page\f")
    assert pages == ["one\nline", "second page"]


def test_long_pages_split_at_a_line_break() -> None:
    line = "x" * 99 + "\n"
    text = line * 500  # 50,000 characters
    pages = split_pages(text)
    assert "".join(pages) == text
    assert all(len(page) <= MAX_PAGE_CHARS for page in pages)
    assert all(page.endswith("\n") for page in pages)
    assert len(pages) == 3


def test_long_line_without_breaks_is_cut_hard() -> None:
    pages = split_pages("y" * (MAX_PAGE_CHARS * 2 + 10))
    assert [len(p) for p in pages] == [MAX_PAGE_CHARS, MAX_PAGE_CHARS, 10]


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ExtractionError) as info:
        TextExtractor().extract(path, ExtractContext(workdir=tmp_path))
    assert info.value.kind == ErrorKind.EMPTY
