"""The date a document states in its text (issue 10: a 1992 document showed as 2023)."""

from __future__ import annotations

from pathlib import Path

import pytest

from culpa.analysis.dates import DATE_KEY, text_date, with_text_date
from culpa.store.sqlite.catalog import YEAR_SQL

# The layout of a 公文: a header with its issuing number, the body, the signature date.
NOTICE = (
    "新疆维吾尔自治区人民政府办公厅\n新政办发〔1992〕37号\n关于加强棉花收购管理的通知\n"
    "各州、市人民政府：\n一、自1990年1月1日起执行的办法继续有效。\n"
    "新疆维吾尔自治区人民政府办公厅\n一九九二年三月五日\n"
)


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ([NOTICE], "1992-03-05"),  # the closing date, not the one cited in the body
        (["2017年6月30日\n关于……的报告\n" + "正文。" * 300], "2017-06-30"),  # header
        (["二〇二三年十月一日"], "2023-10-01"),
        (["１９７１年２月２８日"], "1971-02-28"),  # full-width digits
        (["一九七一年二月二十八日"], "1971-02-28"),
        (["2017 年 6 月 30 日"], "2017-06-30"),
        (["第一页" + "正文。" * 300, "正文\n二〇一一年十二月三十一日"], "2011-12-31"),  # last page
        (["2017年2月30日"], None),  # no such day
        (["公元前0221年1月1日"], None),  # out of range
        (["no date at all, 2017-06-30 written otherwise"], None),
        ([], None),
    ],
)
def test_the_date_in_the_text(pages: list[str], expected: str | None) -> None:
    assert text_date(pages) == expected


def test_the_date_is_added_to_the_metadata_only_when_found() -> None:
    meta = {"created": "2023-01-01T00:00:00"}
    assert with_text_date(meta, [NOTICE]) == {**meta, DATE_KEY: "1992-03-05"}
    assert with_text_date(meta, ["nothing"]) == meta


def test_the_year_sql_reads_the_text_date_first() -> None:
    assert YEAR_SQL.index(DATE_KEY) < YEAR_SQL.index("created")


REAL = Path("/work/shared/corpus/cjk-official/bha3_5c7acab9-7534-46d4-9f38-7368dfe01557.pdf")


@pytest.mark.skipif(not REAL.exists(), reason="the shared corpus is not on this machine")
def test_a_real_1976_document_dated_on_its_last_page() -> None:
    """关于党内资产阶级问题的意见综述: 14 pages, 一九七六年七月八日 closing the last."""
    import pymupdf

    with pymupdf.open(REAL) as doc:  # type: ignore[no-untyped-call]
        pages = [page.get_text() for page in doc]
    assert text_date(pages) == "1976-07-08"
