"""CSV and TSV read as tables: encodings, delimiters, headers, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from culpa.errors import ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.sniff import detect_mime
from culpa.formats.tables import delimited, table_pages
from culpa.formats.tables.delimited import DelimitedExtractor, sniff_shape
from culpa.formats.tables.table_pages import read_spool
from culpa.models import Extracted


def _read(tmp_path: Path, data: bytes, name: str = "t.csv") -> Extracted:
    path = tmp_path / name
    path.write_bytes(data)
    return DelimitedExtractor().extract(path, ExtractContext(workdir=tmp_path / "work"))


def test_header_rows_and_quoted_line_breaks(tmp_path: Path) -> None:
    data = b'name,amount,note\r\nZhang Wei,100,"two\r\nlines"\r\n\r\nLi Na,200,"tab\there"\r\n'
    result = _read(tmp_path, data)
    (table,) = result.tables
    assert table.columns == ("name", "amount", "note")
    assert result.pages[0].text == "Zhang Wei\t100\ttwo lines\nLi Na\t200\ttab here"
    # Rows as a spreadsheet numbers them: the header is row 1, a blank line counts.
    assert table.pages[0].rows == (2, 4)
    assert result.metadata["header"] == "yes" and result.metadata["delimiter"] == "comma"


@pytest.mark.parametrize(
    ("delimiter", "name"), [(b";", "semicolon"), (b"\t", "tab"), (b"|", "bar")]
)
def test_any_delimiter_and_encoding(tmp_path: Path, delimiter: bytes, name: str) -> None:
    rows = ["城市", "人口"], ["北京", "2189"], ["上海", "2487"], ["乌鲁木齐", "405"]
    text = "\r\n".join(delimiter.decode().join(row) for row in rows)
    result = _read(tmp_path, text.encode("gb18030"))
    assert result.metadata["delimiter"] == name
    assert result.metadata["encoding"] == "gb18030"
    assert result.tables[0].columns == ("城市", "人口")
    assert result.pages[0].text.splitlines()[0] == "北京\t2189"


def test_no_header_gives_spreadsheet_letters_and_ragged_rows(tmp_path: Path) -> None:
    result = _read(tmp_path, b"1,2\n3,4,5\n6,7\n8,9\n10,11\n")
    (table,) = result.tables
    assert table.columns == ("A", "B", "C")
    assert table.pages[0].rows == (1, 2, 3, 4, 5)
    assert result.pages[0].text.splitlines()[1] == "3\t4\t5"


def test_bom_and_nul(tmp_path: Path) -> None:
    data = "\ufeffa,b\nx\x00y,2\nz,3\n".encode("utf-16-le")
    result = _read(tmp_path, b"\xff\xfe" + data[2:])
    assert result.tables[0].columns == ("a", "b")
    assert result.pages[0].text.startswith("x\ufffdy\t2")


def test_utf8_bom_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    result = _read(tmp_path, b"\xef\xbb\xbfid,name\n1,a\n2,b\n")
    assert result.tables[0].columns == ("id", "name") and result.metadata["encoding"] == "utf-8"


def test_prose_and_one_column_stay_text(tmp_path: Path) -> None:
    prose = b"Dear sir, we met, as agreed.\nThe money, all of it, is gone\nBye\n"
    assert _read(tmp_path, prose).tables == ()
    one = _read(tmp_path, b"name\nann\nbob\n")
    assert one.tables == () and one.metadata["table"] == "no"
    assert one.pages[0].text == "name\nann\nbob\n"


def test_pages_hold_at_most_a_thousand_rows(tmp_path: Path) -> None:
    data = "id,v\n" + "".join(f"{i},x\n" for i in range(2500))
    result = _read(tmp_path, data.encode())
    assert [len(p.rows) for p in result.tables[0].pages] == [1000, 1000, 500]
    assert result.tables[0].pages[2].rows[-1] == 2501
    assert [p.number for p in result.pages] == [1, 2, 3]


def test_spooled_pages_equal_pages_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ("id,name\n" + "".join(f"{i},名字{i}\n" for i in range(5000))).encode()
    held = _read(tmp_path, data)
    monkeypatch.setattr(table_pages, "SPOOL_THRESHOLD_CHARS", 1000)
    spooled = _read(tmp_path, data, "s.csv")
    assert spooled.pages == () and spooled.spool is not None
    records = list(read_spool(spooled.spool))
    assert [r.page for r in records] == list(held.pages)
    assert [r.rows for r in records] == [p.rows for p in held.tables[0].pages]
    assert spooled.tables[0].columns == held.tables[0].columns


def test_a_huge_line_or_unclosed_quote_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "MAX_RECORD_CHARS", 10_000)
    monkeypatch.setattr(table_pages, "CHUNK_BYTES", 4096)
    data = b"a,b\n" + b"1,2\n" * 20 + b"x," * 20_000 + b"\n"
    with pytest.raises(ExtractionError, match="a line of over"):
        _read(tmp_path, data)
    with pytest.raises(ExtractionError, match="unclosed quote"):
        _read(tmp_path, b"a,b\n" + b"1,2\n" * 20 + b'3,"4\n' + b"more text\n" * 3000)


def test_a_first_line_longer_than_the_sample_is_text(tmp_path: Path) -> None:
    data = b"x," * (delimited.SAMPLE_BYTES // 2 + 10) + b"\n1,2\n"
    assert _read(tmp_path, data).tables == ()


def test_many_columns_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_pages, "MAX_COLUMNS", 5)
    result = _read(tmp_path, b"1,2,3,4,5,6,7\n1,2,3,4,5,6,7\n")
    assert result.tables[0].columns == ("A", "B", "C", "D", "E")
    assert result.pages[0].text.splitlines()[0] == "1\t2\t3\t4\t5,6,7"
    assert "warning" in result.metadata


def test_sniff_routes_tables_and_leaves_text(tmp_path: Path) -> None:
    cases = {
        "a.tsv": (b"k\tv\na\t1\nb\t2\nc\t3\n", "text/tab-separated-values"),
        "a.txt": (b"k;v\na;1\nb;2\nc;3\n", "text/csv"),
        "b.txt": (b"Hello, world\nnothing, here\n", "text/plain"),
        "c.txt": (b"code\n\tindented\n\tmore\n\tyet\n", "text/plain"),
    }
    for name, (data, mime) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert detect_mime(tmp_path / name) == mime, name
    assert registry.extractor_class_for("text/csv") is DelimitedExtractor


def test_shape_of_a_sample() -> None:
    shape = sniff_shape("a|b|c\n1|2|3\n4|5|6\n", complete=True)
    assert shape is not None and shape.delimiter == "|" and shape.header and shape.width == 3
    assert sniff_shape("1,2\n3,4\n5,", complete=False) is not None
    assert sniff_shape("no line break at all,", complete=False) is None
