from __future__ import annotations

import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.documents.odf import OdpExtractor, OdsExtractor, OdtExtractor
from culpa.formats.registry import extractor_class_for
from culpa.formats.sniff import detect_mime
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'office:version="1.3"'
)
MIME = {
    "text": "application/vnd.oasis.opendocument.text",
    "spreadsheet": "application/vnd.oasis.opendocument.spreadsheet",
    "presentation": "application/vnd.oasis.opendocument.presentation",
}
META = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {NAMESPACES}><office:meta>
<meta:initial-creator>李四</meta:initial-creator><dc:creator>王五</dc:creator>
<dc:title>会议纪要</dc:title><dc:subject>内部</dc:subject>
<meta:keyword>新疆</meta:keyword><meta:keyword>培训</meta:keyword>
<dc:description>请勿外传</dc:description>
<meta:creation-date>2019-03-05T10:30:00</meta:creation-date><dc:date>2020-01-02T03:04:05</dc:date>
<meta:generator>LibreOffice/7.4</meta:generator><meta:editing-cycles>7</meta:editing-cycles>
<meta:template xlink:type="simple" xlink:href="file:///t.ott" xlink:title="公文模板"/>
<dc:language>zh-CN</dc:language>
</office:meta></office:document-meta>"""


def _package(
    path: Path,
    kind: str,
    content: str,
    *,
    styles: str | None = None,
    meta: str | None = META,
    manifest_extra: str = "",
) -> Path:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIME[kind]}"/>'
        f"{manifest_extra}</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), MIME[kind])
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        if styles is not None:
            package.writestr("styles.xml", styles, zipfile.ZIP_DEFLATED)
        if meta is not None:
            package.writestr("meta.xml", meta, zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def _content(body: str, automatic_styles: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
        f"<office:automatic-styles>{automatic_styles}</office:automatic-styles>"
        f"<office:body>{body}</office:body></office:document-content>"
    )


STYLES = f"""<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NAMESPACES}>
<office:styles><style:style style:name="Chapter" style:family="paragraph">
<style:paragraph-properties fo:break-before="page"/></style:style></office:styles>
<office:master-styles><style:master-page style:name="Standard">
<style:header><text:p>机密文件</text:p></style:header>
<style:footer><text:p>内部资料 注意保存</text:p></style:footer>
</style:master-page></office:master-styles></office:document-styles>"""

TEXT_BODY = """<office:text>
<text:tracked-changes>
 <text:changed-region text:id="ct1"><text:deletion>
  <office:change-info><dc:creator>张三</dc:creator><dc:date>2020-05-01T09:00:00</dc:date></office:change-info>
  <text:p>删去的敏感句子</text:p></text:deletion></text:changed-region>
 <text:changed-region text:id="ct2"><text:insertion>
  <office:change-info><dc:creator>Mary Major</dc:creator>
   <dc:date>2020-05-02T10:00:00</dc:date></office:change-info>
 </text:insertion></text:changed-region>
</text:tracked-changes>
<text:h text:outline-level="1">第一章 总则</text:h>
<text:p>第一段：关于加强管理的通知。<text:change text:change-id="ct1"/>其余内容<text:note
 text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>
 <text:p>脚注：见附件。</text:p></text:note-body></text:note></text:p>
<text:p>Tab<text:tab/>and<text:s text:c="3"/>spaces<text:line-break/>next line <text:change-start
 text:change-id="ct2"/>added
   words<text:change-end text:change-id="ct2"/>.</text:p>
<text:list><text:list-item><text:p>条目甲</text:p></text:list-item><text:list-item><text:p>条目乙</text:p>
 <text:list><text:list-item><text:p>子条目</text:p></text:list-item></text:list></text:list-item></text:list>
<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>
 <table:table-row><table:table-cell><text:p>姓名</text:p></table:table-cell>
  <table:table-cell><text:p>单位</text:p></table:table-cell></table:table-row>
 <table:table-row><table:table-cell><text:p>王五</text:p></table:table-cell>
  <table:table-cell><text:p>公安局</text:p></table:table-cell></table:table-row>
</table:table>
<text:p>批注在此<office:annotation><dc:creator>Richard Roe</dc:creator>
 <dc:date>2021-02-03T04:05:06</dc:date><text:p>Check this claim</text:p>
</office:annotation>句。</text:p>
<text:p text:style-name="P1">第二章 分页之后</text:p>
<text:p>second page text<text:soft-page-break/>third page text</text:p>
<text:p text:style-name="Chapter">第四页（样式分页）</text:p>
</office:text>"""
TEXT_STYLES = (
    '<style:style style:name="P1" style:family="paragraph">'
    '<style:paragraph-properties fo:break-before="page"/></style:style>'
)


def _context(tmp_path: Path, **kwargs: object) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work", **kwargs)  # type: ignore[arg-type]


def _text_document(path: Path) -> Path:
    return _package(path, "text", _content(TEXT_BODY, TEXT_STYLES), styles=STYLES)


def test_text_document_pages_sections_and_metadata(tmp_path: Path) -> None:
    path = _text_document(tmp_path / "a.odt")
    assert detect_mime(path) == MIME["text"]
    assert extractor_class_for(MIME["text"]) is OdtExtractor
    result = tagged(OdtExtractor().extract(path, _context(tmp_path)))
    texts = [page.text for page in result.pages]
    assert len(texts) == 4, texts
    first = texts[0]
    order = [
        "机密文件",  # header before the first page
        "第一章 总则",
        "第一段：关于加强管理的通知。其余内容[1]",
        "Tab\tand   spaces\nnext line added words.",
        "条目甲",
        "条目乙",
        "子条目",
        "姓名\t单位",
        "王五\t公安局",
        "批注在此句。",
        "Notes:\n[1] 脚注：见附件。",
        "Comments:\nRichard Roe, 2021-02-03T04:05:06: Check this claim",
        "Tracked changes:",
        "Deleted by 张三 on 2020-05-01T09:00:00: 删去的敏感句子",
        "Inserted by Mary Major on 2020-05-02T10:00:00: added words",
    ]
    positions = [first.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert "删去的敏感句子" not in first[: first.index("Tracked changes:")]
    assert texts[1] == "第二章 分页之后\nsecond page text"
    assert texts[2] == "third page text"
    assert texts[3] == "第四页（样式分页）\n\n内部资料 注意保存"  # footer after the last page
    assert result.pages[0].language == "zh-Hans"
    assert [page.number for page in result.pages] == [1, 2, 3, 4]
    metadata = result.metadata
    assert metadata["author"] == "李四"
    assert metadata["last_modified_by"] == "王五"
    assert metadata["title"] == "会议纪要"
    assert metadata["subject"] == "内部"
    assert metadata["keywords"] == "新疆, 培训"
    assert metadata["comments"] == "请勿外传"
    assert metadata["created"] == "2019-03-05T10:30:00"
    assert metadata["modified"] == "2020-01-02T03:04:05"
    assert metadata["application"] == "LibreOffice/7.4"
    assert metadata["revision"] == "7"
    assert metadata["template"] == "公文模板"
    assert metadata["language"] == "zh-CN"
    assert metadata["tracked_changes"] == "2"
    assert metadata["comment_count"] == "1"


def test_flat_text_document(tmp_path: Path) -> None:
    flat = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document {NAMESPACES} '
        f'office:mimetype="{MIME["text"]}">'
        "<office:meta><meta:initial-creator>Flat Author</meta:initial-creator></office:meta>"
        "<office:body><office:text><text:p>flat body</text:p></office:text></office:body>"
        "</office:document>"
    )
    path = tmp_path / "a.fodt"
    path.write_text(flat, encoding="utf-8")
    result = OdtExtractor().extract(path, _context(tmp_path))
    assert result.pages[0].text == "flat body"
    assert result.metadata["author"] == "Flat Author"


SHEETS = """<office:spreadsheet>
<table:table table:name="名单">
 <table:table-row>
  <table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>
  <table:table-cell office:value-type="string"><text:p>日期</text:p></table:table-cell>
  <table:table-cell table:number-columns-repeated="16380"/>
 </table:table-row>
 <table:table-row>
  <table:table-cell office:value-type="string"><text:p>王五</text:p>
   <office:annotation><dc:creator>Richard Roe</dc:creator><text:p>核实身份</text:p>
   </office:annotation>
  </table:table-cell>
  <table:table-cell office:value-type="date" office:date-value="2017-04-01"/>
  <table:table-cell table:number-columns-repeated="2"/>
  <table:table-cell office:value-type="float" office:value="3.5"><text:p>3.50</text:p>
  </table:table-cell>
 </table:table-row>
 <table:table-row table:number-rows-repeated="1048570">
  <table:table-cell table:number-columns-repeated="16384"/></table:table-row>
 <table:table-row><table:table-cell><text:p>末行</text:p></table:table-cell></table:table-row>
</table:table>
<table:table table:name="Bomb">
 <table:table-row table:number-rows-repeated="1048576">
  <table:table-cell table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell>
 </table:table-row>
</table:table>
</office:spreadsheet>"""


def test_spreadsheet_sheets_and_repeat_caps(tmp_path: Path) -> None:
    path = _package(tmp_path / "a.ods", "spreadsheet", _content(SHEETS))
    assert extractor_class_for(detect_mime(path)) is OdsExtractor
    started = time.monotonic()
    result = OdsExtractor().extract(path, _context(tmp_path))
    assert time.monotonic() - started < 10
    assert result.pages[0].text == (
        "Sheets (2):\n名单 (3 rows; 1 comment)\n"
        "Bomb (1000 rows; 1047576 copies of repeated rows not written out)"
    )
    assert result.pages[1].text == "姓名\t日期\n王五\t2017-04-01\t\t\t3.50\n末行"
    assert result.pages[2].text == "Comments on sheet 名单:\nA2: Richard Roe: 核实身份"
    names, bomb = result.tables
    assert names.name == "名单"
    assert names.pages[0].rows == (1, 2, 1_048_573)  # the row numbers Calc shows
    assert bomb.name == "Bomb"
    rows = [row for page in bomb.pages for row in page.rows]
    assert rows == list(range(1, 1001))  # 1,000 rows of 1,000 cells, not 16 billion
    assert result.pages[3].text.startswith("x\tx")
    assert sum(len(page.text) for page in result.pages) < 5_000_000
    assert result.metadata["sheet_names"] == "名单; Bomb"
    assert result.metadata["comment_count"] == "1"
    assert result.metadata["author"] == "李四"


PRESENTATION = """<office:presentation>
<draw:page draw:name="page1">
 <draw:frame presentation:class="title"><draw:text-box><text:p>年度报告</text:p></draw:text-box>
 </draw:frame>
 <draw:custom-shape><text:p>Shape text</text:p></draw:custom-shape>
 <draw:frame><table:table><table:table-row>
  <table:table-cell><text:p>a</text:p></table:table-cell>
  <table:table-cell><text:p>b</text:p></table:table-cell>
 </table:table-row></table:table></draw:frame>
 <presentation:notes><draw:page-thumbnail/><draw:frame presentation:class="notes">
  <draw:text-box><text:p>演讲者备注</text:p></draw:text-box></draw:frame></presentation:notes>
</draw:page>
<draw:page draw:name="page2"><draw:frame><draw:text-box><text:p>Second slide</text:p>
</draw:text-box></draw:frame></draw:page>
</office:presentation>"""


def test_presentation_one_page_per_slide_with_notes(tmp_path: Path) -> None:
    path = _package(tmp_path / "a.odp", "presentation", _content(PRESENTATION))
    assert extractor_class_for(detect_mime(path)) is OdpExtractor
    result = OdpExtractor().extract(path, _context(tmp_path))
    assert [page.text for page in result.pages] == [
        "年度报告\nShape text\na\tb\n\nNotes:\n演讲者备注",
        "Second slide",
    ]
    assert result.metadata["slides"] == "2"


def test_password_protected_package_is_encrypted(tmp_path: Path) -> None:
    entry = (
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        "</manifest:file-entry>"
    )
    path = _package(tmp_path / "a.odt", "text", "\x00garbage", manifest_extra=entry)
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind == ErrorKind.ENCRYPTED


LAUGHS = (
    '<!DOCTYPE office:document-content [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [
        ('<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>', "&xxe;"),
        (LAUGHS, "&lol9;"),
    ],
    ids=["xxe", "billion-laughs"],
)
@pytest.mark.parametrize("padding", [0, 70_000], ids=["plain", "after-long-comment"])
def test_hostile_xml_is_refused(tmp_path: Path, doctype: str, reference: str, padding: int) -> None:
    comment = f"<!--{' ' * padding}-->" if padding else ""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{comment}{doctype}'
        f"<office:document-content {NAMESPACES}><office:body><office:text>"
        f"<text:p>before {reference} after</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    path = _package(tmp_path / "evil.odt", "text", content)
    started = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(path, _context(tmp_path))
    assert time.monotonic() - started < 5
    assert caught.value.kind == ErrorKind.UNSAFE
    hostname = Path("/etc/hostname")
    if hostname.exists() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in caught.value.message


def test_hostile_spreadsheet_xml_is_refused(tmp_path: Path) -> None:
    content = (
        f'<?xml version="1.0"?>{LAUGHS}<office:document-content {NAMESPACES}><office:body>'
        '<office:spreadsheet><table:table table:name="s"><table:table-row><table:table-cell>'
        "<text:p>&lol9;</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path = _package(tmp_path / "evil.ods", "spreadsheet", content)
    with pytest.raises(ExtractionError) as caught:
        OdsExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind == ErrorKind.UNSAFE


def test_zip_bombs_are_refused_before_inflating(tmp_path: Path) -> None:
    padding = "<text:p>" + " " * (8 * 1024**2) + "</text:p>"
    body = f"<office:text>{padding}</office:text>"
    path = _package(tmp_path / "bomb.odt", "text", _content(body))
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind == ErrorKind.LIMIT_EXCEEDED
    assert "ratio" in caught.value.message
    small = _text_document(tmp_path / "small.odt")
    tight = _context(tmp_path, limits=ArchiveLimits(max_total_bytes=1000))
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(small, tight)
    assert caught.value.kind == ErrorKind.LIMIT_EXCEEDED


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.odt"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(empty, _context(tmp_path))
    assert caught.value.kind == ErrorKind.EMPTY
    junk = tmp_path / "junk.odt"
    junk.write_bytes(b"not a zip and not xml \x00\x01")
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(junk, _context(tmp_path))
    assert caught.value.kind == ErrorKind.CORRUPT
    truncated = tmp_path / "truncated.odt"
    truncated.write_bytes(_text_document(tmp_path / "whole.odt").read_bytes()[:-200])
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(truncated, _context(tmp_path))
    assert caught.value.kind == ErrorKind.CORRUPT
    broken = _package(tmp_path / "broken.odt", "text", "<office:document-content><unclosed>")
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(broken, _context(tmp_path))
    assert caught.value.kind == ErrorKind.CORRUPT
    wrong_body = _package(tmp_path / "wrong.odt", "text", _content("<office:spreadsheet/>"))
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(wrong_body, _context(tmp_path))
    assert caught.value.kind == ErrorKind.CORRUPT


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


@needs_corpus
def test_corpus_text_documents(tmp_path: Path) -> None:
    result = OdtExtractor().extract(CORPUS / "office/textract_raw_text.odt", _context(tmp_path))
    assert (
        result.pages[0].text
        == "Sample OppenOffice Writer file with\t\ttabs and     multiple spaces"
    )
    assert result.metadata["last_modified_by"] == "evan"
    assert result.metadata["application"].startswith("LibreOffice/4.2")
    source = OdtExtractor().extract(CORPUS / "office/pypdfsamples_source.odt", _context(tmp_path))
    assert source.pages[0].text.startswith("Lorem ipsum dolor sit amet")
    assert source.metadata["created"] == "2022-04-03T19:29:38.552950244"


@needs_corpus
@pytest.mark.parametrize(
    "name", ["office/ingestfile_encypted_by_libreoffice.odt", "office/tika_testODTEncrypted.odt"]
)
def test_corpus_encrypted_documents(tmp_path: Path, name: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(CORPUS / name, _context(tmp_path))
    assert caught.value.kind == ErrorKind.ENCRYPTED
    wrong = replace(_context(tmp_path), passwords=("wrong", "guess"))
    with pytest.raises(ExtractionError) as caught:
        OdtExtractor().extract(CORPUS / name, wrong)
    assert caught.value.kind == ErrorKind.ENCRYPTED
    assert "none of the 2 passwords" in caught.value.message


@needs_corpus
def test_the_right_password_opens_an_encrypted_odt(tmp_path: Path) -> None:
    """Tika's sample (AES-256-CBC, PBKDF2 with 100,000 rounds), password "tika"."""
    context = replace(_context(tmp_path), passwords=("wrong", "tika"))
    result = OdtExtractor().extract(CORPUS / "office/tika_testODTEncrypted.odt", context)
    assert result.pages[0].text.startswith("Shhhhhhhhhhh!")
    assert "This should be encrypted." in result.pages[0].text
    assert result.metadata["decrypted"].startswith("yes")
    assert result.metadata["application"].startswith("LibreOffice/6.4")


@needs_corpus
def test_corpus_spreadsheets(tmp_path: Path) -> None:
    rom = OdsExtractor().extract(CORPUS / "office/ingestfile_rom.ods", _context(tmp_path))
    assert [table.name for table in rom.tables] == ["Лист1"]
    assert rom.pages[0].text.startswith("Sheets (3):\nЛист1 (")
    assert rom.pages[0].text.endswith("\nЛист2\nЛист3")
    assert "Şcoala de Meserii 4 Bubueci" in rom.pages[1].text
    assert rom.metadata["author"] == "User"
    raw = OdsExtractor().extract(CORPUS / "office/textract_raw_text.ods", _context(tmp_path))
    assert raw.pages[1].text.startswith("Category\tFunction\tDescription")
    assert raw.tables[0].columns[:3] == ("Category", "Function", "Description")
    assert "Total Result\t340" in raw.pages[-1].text
    assert raw.metadata["author"] == "John Walkenbach"


def test_embedded_ole_objects_become_children(tmp_path: Path) -> None:
    path = _text_document(tmp_path / "with-object.odt")
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("Object 1", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 embedded workbook")
        package.writestr("Object 2/content.xml", "<chart/>")
    result = OdtExtractor().extract(path, _context(tmp_path))
    assert [child.name for child in result.children] == ["Object 1"]
    child = result.children[0].path
    assert child.read_bytes().endswith(b"embedded workbook")
    assert child.is_relative_to(tmp_path / "work")
    assert result.metadata["embedded_files"] == "1"


def test_repeated_table_cells_in_text_cannot_balloon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 KB of text in a cell repeated 1,000 columns x 1,000 rows would be 10 GB.
    cell = "<text:p>" + "长" * 10_000 + "</text:p>"
    row = (
        '<table:table-row table:number-rows-repeated="1000000">'
        f'<table:table-cell table:number-columns-repeated="16384">{cell}</table:table-cell>'
        "</table:table-row>"
    )
    body = f'<office:text><table:table table:name="t">{row}</table:table></office:text>'
    path = _package(tmp_path / "wide.odt", "text", _content(body))
    monkeypatch.setattr("culpa.formats.documents.odf.MAX_TEXT_CHARS", 50_000_000)
    started = time.monotonic()
    result = OdtExtractor().extract(path, _context(tmp_path))
    assert time.monotonic() - started < 10
    total = sum(len(page.text) for page in result.pages)
    assert 0 < total <= 50_000_000
    assert result.metadata["truncated"] == "text cut at 50000000 characters"


HIDING_STYLES = """<style:style style:name="ta1" style:family="table">
<style:table-properties table:display="true"/></style:style>
<style:style style:name="ta2" style:family="table">
<style:table-properties table:display="false"/></style:style>"""
HIDDEN_SHEETS = """<office:spreadsheet>
<table:table table:name="Shown" table:style-name="ta1"><table:table-row>
 <table:table-cell office:value-type="string"><text:p>visible</text:p></table:table-cell>
</table:table-row></table:table>
<table:table table:name="Secret" table:style-name="ta2">
 <table:table-row table:number-rows-repeated="4"><table:table-cell/></table:table-row>
 <table:table-row><table:table-cell table:number-columns-repeated="2"/>
  <table:table-cell office:value-type="string"><text:p>hidden figures</text:p></table:table-cell>
 </table:table-row></table:table>
</office:spreadsheet>"""


def test_hidden_sheets_are_said(tmp_path: Path) -> None:
    content = _content(HIDDEN_SHEETS, HIDING_STYLES)
    packaged = _package(tmp_path / "h.ods", "spreadsheet", content)
    flat = tmp_path / "h.fods"
    flat.write_text(content.replace("office:document-content", "office:document"), "utf-8")
    for path in (packaged, flat):
        result = OdsExtractor().extract(path, _context(tmp_path))
        assert result.pages[0].text == "Sheets (2):\nShown (1 row)\nSecret (hidden sheet; 1 row)"
        assert result.metadata["hidden_sheets"] == "Secret"
        secret = result.tables[1]
        assert (secret.name, secret.pages[0].rows) == ("Secret", (5,))
        assert result.pages[2].text == "\t\thidden figures"
