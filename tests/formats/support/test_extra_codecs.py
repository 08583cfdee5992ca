"""EUC-TW and ISO-2022-CN as Python codecs (glibc's iconv for EUC-TW, ours for ISO-2022-CN)."""

from __future__ import annotations

import codecs
import subprocess

import pytest

from culpa.formats.support.extra_codecs import ICONV_CHUNK_BYTES, register_codecs

register_codecs()

TAIWAN = "中華民國行政院公告：乂 ABC\n"


def test_euc_tw_round_trip_matches_iconv() -> None:
    data = TAIWAN.encode("euc-tw")
    made = subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", "EUC-TW"], input=TAIWAN.encode(), capture_output=True
    )
    assert data == made.stdout and b"\x8e\xa2" in data  # 乂 is in CNS 11643 plane 2
    assert data.decode("EUC_TW") == TAIWAN and codecs.lookup("x-euc-tw").name == "euc_tw"


def test_iso2022_cn_switches_sets_inside_a_shifted_run() -> None:
    # glibc 2.36's ISO-2022-CN reads this as 中徂漆傧: it keeps GB 2312 after ESC $ ) G.
    made = subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", "ISO-2022-CN"],
        input="中華民國\n".encode(),
        capture_output=True,
    )
    assert made.stdout == b"\x1b$)A\x0eVP\x1b$)Ga^FaYO\x0f\n"
    assert made.stdout.decode("iso-2022-cn") == "中華民國\n"
    assert made.stdout.decode("iso2022_cn_ext") == "中華民國\n"


@pytest.mark.parametrize("codec", ["euc_tw", "iso2022_cn"])
def test_incremental_decoding_byte_by_byte(codec: str) -> None:
    data = (
        TAIWAN.encode("euc_tw")
        if codec == "euc_tw"
        else b"\x1b$)A\x0eVP\x1b$)Ga^FaYO\x0f\n\x1b$*H\x1bN!!"
    )
    decoder = codecs.getincrementaldecoder(codec)()
    text = "".join(decoder.decode(data[i : i + 1]) for i in range(len(data)))
    text += decoder.decode(b"", final=True)
    assert text == data.decode(codec)
    assert text == (TAIWAN if codec == "euc_tw" else "中華民國\n乂")


@pytest.mark.parametrize(
    ("codec", "data", "replaced"),
    [
        ("euc_tw", b"ab\xff\xc4\xa1", "ab\ufffd一"),
        ("euc_tw", b"ab\xc4", "ab\ufffd"),  # cut in the middle of a character
        ("iso2022_cn", b"\x1b$)A\x0eVP\x0f\x80x", "中\ufffdx"),
        ("iso2022_cn", b"a\x0eVP", "a\ufffd中"),  # shift out before any designation
    ],
)
def test_bad_bytes_fail_strictly_or_are_replaced(codec: str, data: bytes, replaced: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        data.decode(codec)
    assert data.decode(codec, "replace") == replaced


def test_iso2022_cn_only_decodes() -> None:
    with pytest.raises(UnicodeEncodeError):
        "中".encode("iso2022_cn")
    with pytest.raises(UnicodeEncodeError):
        "测".encode("euc_tw")  # simplified: not in CNS 11643


@pytest.mark.parametrize("shift", range(4))
def test_euc_tw_characters_cut_between_iconv_chunks(shift: int) -> None:
    # iconv gets 1 MB at a time (a bounded buffer); a 4-byte character may straddle two.
    text = "a" * (ICONV_CHUNK_BYTES - 2 + shift) + "乂中"
    assert text.encode("euc_tw").decode("euc_tw") == text
