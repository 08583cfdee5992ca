from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.tables import xlsx
from culpa.formats.tables.xlsx import XlsxExtractor
from culpa.formats.tables.xlsx_cells import format_kind, format_number, format_serial_date
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

OFFICE = CORPUS / "office"
needs_corpus = pytest.mark.skipif(not OFFICE.is_dir(), reason="shared corpus not present")


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work")


def _openpyxl_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "名单"
    sheet.append(["姓名", "单位", "人数", "日期", "已审核"])
    sheet.append(["王五", "公安局", 12, datetime.date(2017, 3, 1), True])
    sheet.append(["赵六", "", 3.25, datetime.datetime(2017, 3, 2, 14, 30), False])
    sheet["C4"] = "=SUM(C2:C3)"
    sheet["G2"] = "far right"
    sheet["A2"].comment = Comment("身份待核实", "审查员")
    hidden = workbook.create_sheet("Hidden one")
    hidden["A1"] = "hidden figures"
    hidden.sheet_state = "hidden"
    very_hidden = workbook.create_sheet("Secret")
    very_hidden["B2"] = "only VBA shows this"
    very_hidden.sheet_state = "veryHidden"
    workbook.create_chartsheet("Chart")
    workbook.properties.creator = "李四"
    workbook.properties.title = "人员名单"
    workbook.save(path)
    return path


def test_every_sheet_is_a_table_after_an_overview_page(tmp_path: Path) -> None:
    result = tagged(
        XlsxExtractor().extract(_openpyxl_workbook(tmp_path / "a.xlsx"), _context(tmp_path))
    )
    texts = [page.text for page in result.pages]
    assert texts == [
        "Sheets (4):\n"
        "名单 (4 rows; 1 comment)\n"
        "Hidden one (hidden sheet; 1 row)\n"
        "Secret (very hidden sheet; 1 row)\n"
        "Chart (chart sheet)",
        "姓名\t单位\t人数\t日期\t已审核\n"
        "王五\t公安局\t12\t2017-03-01\tTRUE\t\tfar right\n"
        "赵六\t\t3.25\t2017-03-02 14:30:00\tFALSE\n"
        "\t\t=SUM(C2:C3)",  # a formula without a saved value shows as the formula
        "Comments on sheet 名单:\n[comment by 审查员 on A2] 身份待核实",
        "hidden figures",
        "\tonly VBA shows this",
    ]
    assert [page.number for page in result.pages] == [1, 2, 3, 4, 5]
    assert result.pages[1].language == "zh-Hans"
    names, hidden, secret = result.tables
    assert names.name == "名单"
    assert names.columns == ("姓名", "单位", "人数", "日期", "已审核", "F", "G")
    assert [(p.page, p.rows) for p in names.pages] == [(2, (1, 2, 3, 4))]
    assert (hidden.name, hidden.columns, hidden.pages[0].page) == ("Hidden one", ("A",), 4)
    assert (secret.columns, secret.pages[0].rows) == (("A", "B"), (2,))  # Excel's row number
    metadata = result.metadata
    assert metadata["sheet_names"] == "名单; Hidden one; Secret; Chart"
    assert metadata["hidden_sheets"] == "Hidden one; Secret"
    assert metadata["sheets"] == "4"
    assert metadata["comment_authors"] == "审查员"
    assert metadata["author"] == "李四"
    assert metadata["title"] == "人员名单"


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{R_NS}"><workbookPr date1904="{{date1904}}"/>
<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>
<Relationship Id="rId4" Type="{REL}/externalLink" Target="externalLinks/externalLink1.xml"/>
</Relationships>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
EXTERNAL_LINK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{REL}/externalLinkPath" TargetMode="External"
 Target="file:///\\\\fileserver\\finance\\jdoe\\budget%202017.xlsx"/></Relationships>"""
SHARED_STRINGS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="{MAIN_NS}" count="3" uniqueCount="3">
<si><t>plain</t></si>
<si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r>
<rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>
<si><t>line one_x000D_
line two</t></si>
</sst>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN_NS}">
<numFmts count="2">
<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts>
<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="20"/>
<xf numFmtId="165"/></cellXfs></styleSheet>"""
ROWS = """
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>
 <c r="D1" t="s"><v>2</v></c></row>
<row r="2"><c r="A2" s="1"><v>42795</v></c><c r="B2" s="2"><v>42795</v></c>
 <c r="C2" s="3"><v>0.5</v></c><c r="D2" s="4"><v>1.5</v></c></row>
<row r="3"><c r="A3"><f>1/3</f><v>0.33333333333333331</v></c><c r="B3" t="str"><f>A1&amp;"!"</f>
 <v>plain!</v></c><c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D3" t="b"><v>1</v></c></row>
<row r="5"><c r="B5" t="inlineStr"><is><t>inline 文字</t></is></c><c r="C5"><v>1E+20</v></c>
 <c r="D5"><v>-7</v></c></row>
<row r="6"><c r="A6"/><c r="B6" t="s"><v>99</v></c></row>"""


def _sheet(rows: str, prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:D6"/><sheetData>{rows}'
        "</sheetData></worksheet>"
    )


def _workbook(path: Path, *, date1904: bool = False, **overrides: str) -> Path:
    parts = {
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK.format(date1904=int(date1904)),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": _sheet(ROWS),
        "xl/sharedStrings.xml": SHARED_STRINGS,
        "xl/styles.xml": STYLES,
        "xl/externalLinks/externalLink1.xml": f'<externalLink xmlns="{MAIN_NS}"/>',
        "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS,
    }
    parts.update(overrides)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_cells_show_as_excel_shows_them(tmp_path: Path) -> None:
    result = XlsxExtractor().extract(_workbook(tmp_path / "b.xlsx"), _context(tmp_path))
    assert result.pages[0].text == "Sheets (1):\nData (4 rows)"
    assert result.pages[1].text.split("\n") == [
        "plain\trich text\t\tline one line two",  # phonetic hints are not text; _x000D_ is CR
        "2017-03-01\t2017-03-01\t12:00:00\t1.5",  # [h]:mm is a duration, not a date
        "0.333333333333333\tplain!\t#DIV/0!\tTRUE",
        "\tinline 文字\t1e+20\t-7",
    ]
    (table,) = result.tables
    assert table.pages[0].rows == (1, 2, 3, 5)  # row 4 is missing, row 6 holds nothing
    assert table.columns == ("plain", "rich text", "C", "line one line two")
    assert result.metadata["external_links"] == (
        "file:///\\\\fileserver\\finance\\jdoe\\budget%202017.xlsx"
    )


def test_1904_date_system(tmp_path: Path) -> None:
    result = XlsxExtractor().extract(
        _workbook(tmp_path / "c.xlsx", date1904=True), _context(tmp_path)
    )
    assert "2021-03-02\t2021-03-02" in result.pages[1].text


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("yyyy-mm-dd", "date"),
        ('yyyy"年"m"月"d"日"', "date"),
        ("[$-804]yyyy年m月d日 dddd", "date"),
        ("mmm-yy", "date"),
        ("h:mm AM/PM", "time"),
        ("mm:ss", "time"),
        ("d/m/yyyy h:mm", "datetime"),
        ("[h]:mm:ss", None),
        ("0.00E+00", None),
        ("#,##0.00 ¥;[Red]-#,##0.00 ¥", None),
        ('"day "0', None),
        ("General", None),
        ("@", None),
    ],
)
def test_date_formats_are_recognised(code: str, kind: str | None) -> None:
    assert format_kind(code) == kind


def test_number_and_serial_formatting() -> None:
    assert format_number("3.0") == "3"
    assert format_number("0.30000000000000004") == "0.3"
    assert format_number("123456789012345678") == "1.23456789012346e+17"
    assert format_serial_date("1", "date", False) == "1900-01-01"
    assert format_serial_date("61", "date", False) == "1900-03-01"
    assert format_serial_date("0", "date", True) == "1904-01-01"
    assert format_serial_date("45000.75", "datetime", False) == "2023-03-15 18:00:00"
    assert format_serial_date("-5", "date", False) == "-5"


def test_long_sheets_are_cut_and_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="s"><v>0</v></c></row>'
        for n in range(1, 20_001)
    )
    path = _workbook(tmp_path / "big.xlsx", **{"xl/worksheets/sheet1.xml": _sheet(rows)})
    whole = XlsxExtractor().extract(path, _context(tmp_path))
    assert whole.pages[-1].text.endswith("\n19999\tplain\n20000\tplain")
    assert "truncated_sheets" not in whole.metadata
    (table,) = whole.tables
    assert [len(page.rows) for page in table.pages] == [1000] * 20  # pages of 1,000 rows
    assert table.pages[-1].rows[-1] == 20_000
    assert table.columns == ("A", "B")  # the first row holds a number: no header

    monkeypatch.setattr(xlsx, "MAX_SHEET_CHARS", 1000)
    cut = XlsxExtractor().extract(path, _context(tmp_path))
    assert cut.pages[0].text == "Sheets (1):\nData (110 rows; cut after 1000 characters)"
    assert cut.tables[0].pages[0].rows == tuple(range(1, 111))
    assert len(cut.pages[1].text) < 1000
    assert cut.metadata["truncated_sheets"] == "Data"


def test_entities_in_sheets_and_shared_strings_are_refused(tmp_path: Path) -> None:
    canary = "CANARY-xlsx-51d0"
    secret = tmp_path / "secret.txt"
    secret.write_text(canary)
    xxe = f'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    bomb = "<!DOCTYPE sst [<!ENTITY a0 'lollollollol'>" + "".join(
        f"<!ENTITY a{n + 1} '{('&a' + str(n) + ';') * 10}'>" for n in range(9)
    )
    bomb += "]>"
    for prolog, reference in ((xxe, "&xxe;"), (bomb, "&a9;")):
        strings = SHARED_STRINGS.replace("?>", "?>" + prolog, 1).replace("plain", reference)
        rows = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{reference}</t></is></c></row>'
        for overrides in (
            {"xl/sharedStrings.xml": strings},
            {"xl/worksheets/sheet1.xml": _sheet(rows, prolog.replace("sst", "worksheet"))},
        ):
            path = _workbook(tmp_path / "x.xlsx", **overrides)
            with pytest.raises(ExtractionError) as info:
                XlsxExtractor().extract(path, _context(tmp_path))
            assert info.value.kind == ErrorKind.UNSAFE
            assert canary not in info.value.message


def test_damaged_workbooks_are_corrupt(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "d.xlsx", **{"xl/worksheets/sheet1.xml": "<worksheet><sheetData"})
    with pytest.raises(ExtractionError) as info:
        XlsxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT
    missing = _workbook(tmp_path / "e.xlsx", **{"xl/workbook.xml": "", "_rels/.rels": ""})
    with zipfile.ZipFile(missing) as archive:
        assert "xl/workbook.xml" in archive.namelist()
    with pytest.raises(ExtractionError) as info:
        XlsxExtractor().extract(missing, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT


def test_registry_claims_macro_enabled_workbooks() -> None:
    for mime in (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
    ):
        assert registry.extractor_class_for(mime) is XlsxExtractor
    assert registry.type_for("application/vnd.ms-excel.sheet.macroEnabled.12") == "xlsx"


@needs_corpus
def test_corpus_workbooks(tmp_path: Path) -> None:
    result = XlsxExtractor().extract(OFFICE / "tika_testEXCEL.xlsx", _context(tmp_path))
    assert result.metadata["sheet_names"] == "Feuil1; Feuil2; Feuil3"
    assert result.pages[0].text == "Sheets (3):\nFeuil1 (18 rows)\nFeuil2\nFeuil3"
    assert result.pages[1].text.startswith(
        "Sample Excel Worksheet - Numbers and their Squares\n\tNumber\tSquare\n\t1\t1\n"
    )
    assert "\t15\t225\n" in result.pages[1].text
    assert result.tables[0].columns == ("A", "B", "C")  # a title above the header
    assert result.metadata["author"] == "Keith Bennett"

    pivot = XlsxExtractor().extract(OFFICE / "textract_raw_text.xlsx", _context(tmp_path))
    assert pivot.pages[0].text == "Sheets (2):\nSheet1 (341 rows; 1 comment)\nSheet2 (14 rows)"
    assert "\nLogical\tIFERROR\tReturns a different result" in pivot.pages[1].text
    functions = pivot.tables[0]
    assert functions.columns == (
        "Category",
        "Function",
        "Description",
        "New?",
        "Help Topic",
        "Help",
    )
    assert [(page.page, len(page.rows)) for page in functions.pages] == [(2, 188), (3, 153)]
    assert "Grand Total\t340" in pivot.pages[4].text
    assert pivot.metadata["comment_authors"] == "John Walkenbach"
    assert pivot.pages[3].text.startswith(
        "Comments on sheet Sheet1:\n[comment by John Walkenbach on "
    )

    embedded = XlsxExtractor().extract(OFFICE / "tika_testEXCEL_embeded.xlsx", _context(tmp_path))
    assert sorted(child.name.rpartition("/")[2] for child in embedded.children) == [
        "Microsoft_Office_PowerPoint_Presentation1.pptx",
        "Microsoft_Office_Word_97_-_2003_Document1.doc",
        "Microsoft_Office_Word_Document2.docx",
    ]


@needs_corpus
def test_corpus_non_ascii_cells(tmp_path: Path) -> None:
    result = XlsxExtractor().extract(OFFICE / "ingestfile_file.xlsx", _context(tmp_path))
    assert result.pages[2].text == "Title\tPrice\tTimestamp\nVlad Țepeș\t111\t13/09/1953 22:01"
    assert result.tables[1].name == "Sheet2"
    assert result.tables[1].columns == ("Title", "Price", "Timestamp")


def test_a_member_failing_its_checksum_is_corrupt(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "ok.xlsx")
    path = tmp_path / "crc.xlsx"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(path, "w") as out:
        for info in archive.infolist():
            out.writestr(info.filename, archive.read(info), compress_type=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    data[data.find(b"inline ")] = ord("J")  # the stored sheet no longer matches its CRC
    path.write_bytes(bytes(data))
    with pytest.raises(ExtractionError) as info:
        XlsxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT
    assert "CRC" in info.value.message


def test_rows_without_numbers_follow_the_last_one(tmp_path: Path) -> None:
    rows = (
        '<row><c t="inlineStr"><is><t>first</t></is></c></row>'
        '<row r="5"><c r="A5" t="inlineStr"><is><t>fifth</t></is></c></row>'
        '<row><c t="inlineStr"><is><t>sixth</t></is></c></row>'
        '<row r="2"><c t="inlineStr"><is><t>out of order</t></is></c></row>'
    )
    path = _workbook(tmp_path / "r.xlsx", **{"xl/worksheets/sheet1.xml": _sheet(rows)})
    result = XlsxExtractor().extract(path, _context(tmp_path))
    assert result.pages[1].text == "first\nfifth\nsixth\nout of order"
    assert result.tables[0].pages[0].rows == (1, 5, 6, 7)  # never a number twice
