from __future__ import annotations

import pytest

from culpa.formats.tables import pager as pager_module
from culpa.formats.tables.pager import TablePager, looks_like_header, sheet_columns
from culpa.formats.tables.table_pages import clean_cell, column_letter, row_line


def test_cells_keep_one_line_and_rows_drop_trailing_blanks() -> None:
    assert clean_cell("a\tb\r\nc\x00") == "a b  c\ufffd"  # the layout of table_pages
    assert row_line(["x", "two\nlines", "", ""]) == "x\ttwo lines"
    assert row_line(["", "", "z"]) == "\t\tz"
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_a_header_is_names_not_values() -> None:
    assert looks_like_header(["姓名", "单位", "金额"], 3)
    assert not looks_like_header(["姓名", "12", "2017-03-01"], 3)
    assert not looks_like_header(["Title of the report"], 4)  # a title above the header
    assert not looks_like_header(["a", "a"], 2)
    assert not looks_like_header(["TRUE", "#DIV/0!"], 2)
    assert sheet_columns(["Name", "", "Amount"], 4) == ("Name", "B", "Amount", "D")
    assert sheet_columns(["1", "2"], 3) == ("A", "B", "C")


def test_pages_hold_at_most_so_many_rows_and_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pager_module, "MAX_PAGE_ROWS", 3)
    monkeypatch.setattr(pager_module, "MAX_PAGE_CHARS", 20)
    pager = TablePager("t", first_page=5)
    pages = [pager.add(row, line) for row, line in ((1, "a"), (2, "b"), (4, "c"), (9, "d"))]
    pages += [pager.add(10, "x" * 30), pager.add(11, "e"), pager.finish()]
    done = [page for page in pages if page is not None]
    assert [page.text for page in done] == ["a\nb\nc", "d", "x" * 30, "e"]
    assert [page.number for page in done] == [5, 6, 7, 8]
    table = pager.table(["only"])
    assert [(p.page, p.rows) for p in table.pages] == [
        (5, (1, 2, 4)),
        (6, (9,)),
        (7, (10,)),
        (8, (11,)),
    ]
    assert table.name == "t" and table.columns == ("only",)
    assert pager.rows_added == 6
