"""Legacy member names: the code page that reads an archive's names best."""

from __future__ import annotations

import pytest

from culpa.sources.archive import decode_legacy_name
from culpa.sources.names import decode_name, decode_names, names_codec


@pytest.mark.parametrize(
    ("name", "encoding", "codec"),
    [
        ("文書1.txt", "cp932", "cp932"),  # not 暥彂1.txt (GBK)
        ("会議の議事録.docx", "cp932", "cp932"),  # kana: Japanese
        ("家庭.doc", "big5", "cp950"),  # not 產畑.doc (GBK)
        ("中華民國行政院公告.doc", "big5", "cp950"),
        ("关于加强社会治安管理的通知.doc", "gbk", "gb18030"),
        ("资料.xls", "gbk", "gb18030"),  # Big5 and Shift_JIS decode it too
        ("Café Müller.txt", "cp437", "cp437"),
        ("电报.pdf", "utf-8", "utf-8"),
        ("plain.txt", "ascii", "utf-8"),
    ],
)
def test_one_name_is_read_in_its_code_page(name: str, encoding: str, codec: str) -> None:
    raw = name.encode(encoding)
    assert names_codec([raw]) == codec
    assert decode_name(raw) == decode_legacy_name(raw) == name


def test_an_archive_is_read_in_one_code_page() -> None:
    # 資料 alone reads as Shift_JIS or Big5; beside kana the archive is Japanese.
    names = ["資料.xls", "会議の議事録.docx", "報告.pdf"]
    assert decode_names([n.encode("cp932") for n in names]) == names


def test_a_stray_name_from_another_code_page_is_judged_on_its_own() -> None:
    raws = ["关于加强管理的通知.doc".encode("gbk"), "会議の議事録.docx".encode("cp932")]
    assert decode_names(raws) == ["关于加强管理的通知.doc", "会議の議事録.docx"]
    assert decode_names([]) == []
