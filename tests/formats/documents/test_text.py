from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.text import TextExtractor
from culpa.formats.sniff import looks_like_text
from culpa.formats.support.plain_text import (
    MAX_PAGE_CHARS,
    decode_text,
    guess_encoding,
    split_pages,
)
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

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
    result = tagged(
        TextExtractor().extract(tmp_path / "file.txt", ExtractContext(workdir=tmp_path))
    )
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


def _iso2022_cn(*runs: tuple[bytes, str, str]) -> bytes:
    """ISO-2022-CN built by hand (Python has no encoder): (escape, codec, text) runs."""
    out = b""
    for escape, codec, text in runs:
        encoded = text.encode(codec)
        if codec == "euc_tw" and encoded.startswith(b"\x8e\xa2"):  # CNS plane 2: SS2 each
            pairs = [encoded[i + 2 : i + 4] for i in range(0, len(encoded), 4)]
            out += escape + b"".join(b"\x1bN" + bytes(b & 0x7F for b in p) for p in pairs)
        elif escape:
            out += escape + b"\x0e" + bytes(b & 0x7F for b in encoded) + b"\x0f"
        else:
            out += encoded
    return out


ISO2022_CN = _iso2022_cn(
    (b"\x1b$)A", "gb2312", "关于加强社会治安"),
    (b"", "ascii", " 2017 "),
    (b"\x1b$)G", "euc_tw", "中華民國行政院"),
    (b"\x1b$*H", "euc_tw", "乂"),
    (b"", "ascii", "\n"),
)
JAPANESE = "文書の内容を確認してください。会議は明日の午後三時から始まります。"
KOREAN = "국가정보원은 어제 보고서를 발표했습니다. 회의는 내일 오후에 시작됩니다."


@pytest.mark.parametrize(
    ("data", "text", "codec"),
    [
        (JAPANESE.encode("iso2022_jp"), JAPANESE, "iso2022_jp"),
        ("ｶﾀｶﾅ半角".encode("iso2022_jp_ext"), "ｶﾀｶﾅ半角", "iso2022_jp_ext"),
        (KOREAN.encode("iso2022_kr"), KOREAN, "iso2022_kr"),
        (ISO2022_CN, "关于加强社会治安 2017 中華民國行政院乂\n", "iso2022_cn"),
        (TRADITIONAL.encode("euc_tw"), TRADITIONAL, "euc_tw"),
        ("中華民國行政院乂".encode("euc_tw"), "中華民國行政院乂", "euc_tw"),  # plane 2
    ],
    ids=["iso2022_jp", "iso2022_jp_ext", "iso2022_kr", "iso2022_cn", "euc_tw", "euc_tw_plane2"],
)
def test_iso2022_and_euc_tw_text(tmp_path: Path, data: bytes, text: str, codec: str) -> None:
    assert decode_text(data) == (text, codec)
    assert looks_like_text(data)  # ISO-2022-KR was sniffed as binary: unsupported
    pages, metadata = _extract(tmp_path, data)
    assert "".join(pages) == text and metadata["encoding"] == codec


def test_corpus_iso2022_jp() -> None:
    data = (CORPUS / "cjk" / "chardet_iso-2022-jp__ude_1.txt").read_bytes()
    text, codec = decode_text(data)
    assert codec == "iso2022_jp" and "\x1b" not in text
    assert "コンソール アプリケーション : universalchardet プロジェクトの概要" in text


def test_terminal_escapes_are_not_iso2022() -> None:
    log = b"build ok \x1b[32mPASS\x1b(B\x1b[m\nnext line\n"
    assert decode_text(log) == (log.decode(), "utf-8")


def test_a_short_gbk_string_is_not_read_as_euc_tw() -> None:
    """Any GB2312 bytes decode as EUC-TW; on a few characters the rare codec must not win."""
    from culpa.formats.support.plain_text import _decode_cjk

    best = _decode_cjk("原始内容".encode("gbk"), final=True)
    assert best is not None and best[:2] == ("原始内容", "gb18030")
