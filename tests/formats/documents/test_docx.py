from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.documents.docx import DocxExtractor
from tests.conftest import CORPUS
from tests.formats.tagging import tagged


def _document(path: Path, *, page_break: bool) -> Path:
    document = docx.Document()
    document.core_properties.author = "李四"
    document.core_properties.title = "会议纪要"
    document.sections[0].header.paragraphs[0].text = "机密文件"
    document.sections[0].footer.paragraphs[0].text = "第 1 页"
    document.add_paragraph("第一段：关于加强管理的通知。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "姓名"
    table.cell(0, 1).text = "单位"
    table.cell(1, 0).text = "王五"
    table.cell(1, 1).text = "公安局"
    paragraph = document.add_paragraph("第二段")
    if page_break:
        paragraph.add_run().add_break(WD_BREAK.PAGE)
        paragraph.add_run("分页之后")
    document.add_paragraph("最后一段")
    document.save(str(path))
    return path


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path)


def test_paragraphs_tables_headers_in_order(tmp_path: Path) -> None:
    result = tagged(
        DocxExtractor().extract(
            _document(tmp_path / "a.docx", page_break=False), _context(tmp_path)
        )
    )
    assert len(result.pages) == 1
    text = result.pages[0].text
    order = ["机密文件", "第一段", "姓名\t单位", "王五\t公安局", "第二段", "最后一段", "第 1 页"]
    positions = [text.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert result.pages[0].language == "zh-Hans"
    assert result.metadata["author"] == "李四"
    assert result.metadata["title"] == "会议纪要"
    assert "created" in result.metadata


def test_explicit_page_breaks_split_pages(tmp_path: Path) -> None:
    result = DocxExtractor().extract(
        _document(tmp_path / "b.docx", page_break=True), _context(tmp_path)
    )
    assert len(result.pages) == 2
    assert "第二段" in result.pages[0].text
    assert result.pages[1].text.startswith("分页之后")
    assert "最后一段" in result.pages[1].text


def test_broken_package_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    with pytest.raises(ExtractionError) as info:
        DocxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ExtractionError) as info:
        DocxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT


def test_zip_bomb_disguised_as_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024**2))
    with pytest.raises(ExtractionError) as info:
        DocxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.LIMIT_EXCEEDED


# --- Hand-built packages: notes, comments, tracked changes --------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="{main}"/>
<Override PartName="/word/comments.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>
<Override PartName="/word/footnotes.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>
<Override PartName="/word/endnotes.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"/>
</Types>"""
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="word/document.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
<Relationship Id="rId2" Target="docProps/core.xml"
 Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"/>
</Relationships>"""
DOCUMENT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="comments.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"/>
<Relationship Id="rId2" Target="footnotes.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"/>
<Relationship Id="rId3" Target="endnotes.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"/>
</Relationships>"""
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties
 xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>张三</dc:creator>
<cp:lastModifiedBy>李四</cp:lastModifiedBy></cp:coreProperties>"""
BODY = """
<w:p><w:r><w:t xml:space="preserve">The budget is </w:t></w:r>
 <w:del w:id="1" w:author="张三" w:date="2024-03-01T09:00:00Z">
  <w:r><w:delText>5 million</w:delText></w:r>
  <w:r><w:delText xml:space="preserve"> yuan</w:delText></w:r>
 </w:del>
 <w:ins w:id="2" w:author="李四" w:date="2024-03-02T10:00:00Z">
  <w:r><w:t>9 million</w:t></w:r></w:ins>
 <w:r><w:t xml:space="preserve"> for </w:t></w:r>
 <w:commentRangeStart w:id="0"/><w:r><w:t>the camps</w:t></w:r><w:commentRangeEnd w:id="0"/>
 <w:r><w:commentReference w:id="0"/></w:r><w:r><w:footnoteReference w:id="1"/></w:r>
 <w:r><w:t>.</w:t></w:r></w:p>
<w:p><w:moveFrom w:id="3" w:author="王五" w:date="2024-03-03T11:00:00Z">
 <w:r><w:t>Moved sentence.</w:t></w:r></w:moveFrom></w:p>
<w:p><w:r><w:t>Second paragraph</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r></w:p>
<w:p><w:moveTo w:id="4" w:author="王五" w:date="2024-03-03T11:00:00Z">
 <w:r><w:t>Moved sentence.</w:t></w:r></w:moveTo></w:p>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
 <w:r><w:rPr><w:b/><w:rPrChange w:id="5" w:author="赵六" w:date="2024-03-04T12:00:00Z">
 <w:rPr/></w:rPrChange></w:rPr><w:t>Bold now</w:t><w:tab/><w:t>after a tab</w:t></w:r></w:p>
<w:sectPr/>"""
COMMENTS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments xmlns:w="{W_NS}">
<w:comment w:id="0" w:author="Reporter One" w:date="2024-03-05T08:00:00Z" w:initials="RO">
<w:p><w:r><w:annotationRef/></w:r><w:r><w:t>Check this figure</w:t></w:r></w:p>
<w:p><w:r><w:t>against the 2017 plan</w:t></w:r></w:p></w:comment>
<w:comment w:id="9" w:author="Reporter Two"><w:p><w:r><w:t>Unanchored</w:t></w:r></w:p></w:comment>
</w:comments>"""
FOOTNOTES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="{W_NS}">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r>
</w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>
<w:r><w:t xml:space="preserve"> Source: internal memo.</w:t></w:r></w:p></w:footnote>
</w:footnotes>"""
ENDNOTES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:endnotes xmlns:w="{W_NS}">
<w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t>尾注文字</w:t></w:r></w:p></w:endnote>
</w:endnotes>"""


def _document_xml(body: str, prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    )


def _package(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _annotated(path: Path, main: str = DOCX_MAIN, **overrides: str | bytes) -> Path:
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES.format(main=main),
        "_rels/.rels": ROOT_RELS,
        "word/document.xml": _document_xml(BODY),
        "word/_rels/document.xml.rels": DOCUMENT_RELS,
        "word/comments.xml": COMMENTS,
        "word/footnotes.xml": FOOTNOTES,
        "word/endnotes.xml": ENDNOTES,
        "docProps/core.xml": CORE,
    }
    parts.update(overrides)
    return _package(path, parts)


def test_notes_comments_and_tracked_changes_are_appended(tmp_path: Path) -> None:
    result = DocxExtractor().extract(_annotated(tmp_path / "a.docx"), _context(tmp_path))
    assert len(result.pages) == 1
    text = result.pages[0].text
    body, _, annotations = text.partition("\n\nFootnotes:\n")
    # The body reads as the document now does: insertions in, deletions and moves-away out.
    assert body.split("\n") == [
        "The budget is 9 million for the camps.",
        "",
        "Second paragraph",
        "Moved sentence.",
        "Bold now\tafter a tab",  # a tab stop in w:pPr/w:tabs is no tab character
    ]
    assert annotations == (
        "[1] Source: internal memo.\n"
        "\n"
        "Endnotes:\n"
        "[1] 尾注文字\n"
        "\n"
        "Comments:\n"
        "[comment by Reporter One, 2024-03-05T08:00:00Z on «the camps»] Check this figure "
        "against the 2017 plan\n"
        "[comment by Reporter Two] Unanchored\n"
        "\n"
        "Tracked changes:\n"
        "[deleted by 张三, 2024-03-01T09:00:00Z] 5 million yuan\n"
        "[inserted by 李四, 2024-03-02T10:00:00Z] 9 million\n"
        "[moved away by 王五, 2024-03-03T11:00:00Z] Moved sentence.\n"
        "[moved here by 王五, 2024-03-03T11:00:00Z] Moved sentence."
    )
    metadata = result.metadata
    assert metadata["author"] == "张三"
    assert metadata["last_modified_by"] == "李四"
    assert metadata["comment_authors"] == "Reporter One; Reporter Two"
    assert metadata["revision_authors"] == "张三; 李四; 王五; 赵六"  # 赵六 changed formatting
    assert metadata["comment_count"] == "2"
    assert metadata["tracked_change_count"] == "4"


def test_annotations_follow_the_footer_on_the_last_page(tmp_path: Path) -> None:
    path = _document(tmp_path / "b.docx", page_break=True)
    with zipfile.ZipFile(path) as archive:
        parts: dict[str, str | bytes] = {n: archive.read(n) for n in archive.namelist()}
    document_xml = parts["word/document.xml"].decode()  # type: ignore[union-attr]
    parts["word/document.xml"] = document_xml.replace(
        "<w:t>最后一段</w:t>",
        '<w:t>最后一段</w:t></w:r><w:del w:id="7" w:author="审查员"><w:r>'
        "<w:delText>删掉的句子</w:delText></w:r></w:del><w:r>",
    )
    path = _package(tmp_path / "c.docx", parts)
    result = DocxExtractor().extract(path, _context(tmp_path))
    assert len(result.pages) == 2
    assert "删掉的句子" not in result.pages[1].text.split("Tracked changes:")[0]
    assert result.pages[1].text.endswith(
        "第 1 页\n\nTracked changes:\n[deleted by 审查员] 删掉的句子"
    )
    assert result.metadata["revision_authors"] == "审查员"


def test_macro_enabled_documents_open(tmp_path: Path) -> None:
    path = _annotated(tmp_path / "m.docm", main=DOCM_MAIN)
    result = DocxExtractor().extract(path, _context(tmp_path))
    assert result.pages[0].text.startswith("The budget is 9 million")
    assert registry.extractor_class_for("application/vnd.ms-word.document.macroEnabled.12") is (
        DocxExtractor
    )


def test_external_entity_and_entity_bomb_are_refused(tmp_path: Path) -> None:
    canary = "CANARY-docx-9c1e"
    secret = tmp_path / "secret.txt"
    secret.write_text(canary)
    xxe = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    bomb = "<!DOCTYPE w:document [<!ENTITY a0 'lollollollol'>" + "".join(
        f"<!ENTITY a{n + 1} '{('&a' + str(n) + ';') * 10}'>" for n in range(9)
    )
    bomb += "]>"
    for name, prolog, reference in (("xxe", xxe, "&xxe;"), ("lol", bomb, "&a9;")):
        body = f"<w:p><w:r><w:t>before {reference} after</w:t></w:r></w:p>"
        for part, data in (
            ("word/document.xml", _document_xml(body, prolog)),
            (
                "word/comments.xml",
                COMMENTS.replace("?>", "?>" + prolog, 1).replace("Unanchored", reference),
            ),
        ):
            path = _annotated(tmp_path / f"{name}.docx", **{part: data})
            with pytest.raises(ExtractionError) as info:
                DocxExtractor().extract(path, _context(tmp_path))
            assert info.value.kind == ErrorKind.UNSAFE, (name, part)
            assert canary not in info.value.message


def test_embedded_files_become_children(tmp_path: Path) -> None:
    path = _annotated(
        tmp_path / "e.docx", **{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": b"PK sheet"}
    )
    result = DocxExtractor().extract(path, _context(tmp_path))
    assert [child.name for child in result.children] == [
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx"
    ]
    assert result.children[0].path.read_bytes() == b"PK sheet"


# --- The shared corpus ---------------------------------------------------------

OFFICE = CORPUS / "office"
needs_corpus = pytest.mark.skipif(not OFFICE.is_dir(), reason="shared corpus not present")


@needs_corpus
def test_corpus_comment_with_its_author_and_anchor(tmp_path: Path) -> None:
    result = DocxExtractor().extract(OFFICE / "tika_testComment.docx", _context(tmp_path))
    assert result.pages[0].text == (
        "Here is some text.\n\nComments:\n"
        "[comment by Michael McCandless, 2011-09-17T08:32:00Z on «text»] Here is a comment"
    )
    assert result.metadata["comment_authors"] == "Michael McCandless"


@needs_corpus
def test_corpus_headers_footers_and_properties(tmp_path: Path) -> None:
    result = DocxExtractor().extract(OFFICE / "tika_testWORD.docx", _context(tmp_path))
    text = result.pages[0].text
    assert text.startswith("This is the header for our document\n\nSample Word Document Title")
    assert text.endswith("That’s it!\n\nThis is the footer for our document")
    assert "Nested table" in text
    metadata = result.metadata
    assert (metadata["author"], metadata["last_modified_by"]) == ("Keith Bennett", "Nick Burch")
    assert metadata["title"] == "Sample Word Document"
    assert metadata["application"] == "Microsoft Office Word"
    assert metadata["created"] == "2008-12-11T16:04:00+00:00"


@needs_corpus
def test_corpus_cells_inside_content_controls(tmp_path: Path) -> None:
    result = DocxExtractor().extract(OFFICE / "tika_testWORD_missing_text.docx", _context(tmp_path))
    assert "Cell0\tRich_text_in_cell\tCell2" in result.pages[0].text
    assert result.metadata["last_modified_by"] == "Allison, Timothy B."


@needs_corpus
def test_corpus_embedded_documents(tmp_path: Path) -> None:
    result = DocxExtractor().extract(OFFICE / "tika_testWORD_embeded.docx", _context(tmp_path))
    names = sorted(child.name for child in result.children)
    assert names == [
        "word/embeddings/Microsoft_Office_Excel_Worksheet1.xlsx",
        "word/embeddings/Microsoft_Office_PowerPoint_Presentation2.pptx",
        "word/embeddings/Microsoft_Office_Word_97_-_2003_Document1.doc",
    ]


def test_a_text_box_written_twice_is_read_once(tmp_path: Path) -> None:
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>box text</w:t></w:r></w:p></w:txbxContent>"
    body = (
        f'<w:p><w:r><w:t xml:space="preserve">Before </w:t></w:r><w:r>'
        f'<mc:AlternateContent xmlns:mc="{mc}"><mc:Choice Requires="wps"><w:drawing>{box}'
        f"</w:drawing></mc:Choice><mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
        '</mc:AlternateContent></w:r><w:r><w:t xml:space="preserve"> after</w:t></w:r></w:p>'
        "<w:sectPr/>"
    )
    path = _annotated(tmp_path / "t.docx", **{"word/document.xml": _document_xml(body)})
    result = DocxExtractor().extract(path, _context(tmp_path))
    assert result.pages[0].text.startswith("Before box text after\n\nFootnotes:")
