from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.support.ooxml import (
    MAX_PROPERTY_CHARS,
    embedded_children,
    ooxml_properties,
    open_package,
)

CANARY = "CANARY-7f3a-secret-file-content"

CORE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties
  xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{title}</dc:title><dc:subject>预算</dc:subject><dc:creator>张三</dc:creator>
<cp:keywords>camps; budget</cp:keywords><dc:description>draft for the bureau</dc:description>
<cp:lastModifiedBy>李四</cp:lastModifiedBy><cp:revision>7</cp:revision>
<cp:lastPrinted>1601-01-01T00:00:00Z</cp:lastPrinted>
<dcterms:created xsi:type="dcterms:W3CDTF">2017-03-01T08:30:00Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2017-03-02T09:00:00Z</dcterms:modified>
<cp:category>internal</cp:category><dc:language>zh-CN</dc:language>
<cp:contentStatus>Final</cp:contentStatus><dc:identifier>doc-42</dc:identifier>
<cp:version>3.1</cp:version>
</cp:coreProperties>"""

APP_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
  xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<Template>Bureau.dotm</Template><TotalTime>95</TotalTime><Pages>3</Pages><Words>812</Words>
<Characters>4630</Characters><Application>Microsoft Office Word</Application>
<DocSecurity>0</DocSecurity><Company>某某公安局</Company><Manager>王五</Manager>
<AppVersion>16.0000</AppVersion><Slides>0</Slides><Notes>0</Notes><HiddenSlides>0</HiddenSlides>
</Properties>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="props/core-1.xml"
 Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"/>
<Relationship Id="rId2" Target="/props/app-1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"/>
</Relationships>"""


def _zip(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _context(tmp_path: Path, **kwargs: object) -> ExtractContext:
    return ExtractContext(
        workdir=tmp_path / "work",
        extractor_for=registry.extractor_for,
        **kwargs,  # type: ignore[arg-type]
    )


def test_core_and_app_properties_found_through_the_package_relationships(
    tmp_path: Path,
) -> None:
    long_title = "会议纪要" * 1000
    path = _zip(
        tmp_path / "p.docx",
        {
            "_rels/.rels": ROOT_RELS,
            "props/core-1.xml": CORE_XML.format(title=long_title),
            "props/app-1.xml": APP_XML,
        },
    )
    with open_package(path, _context(tmp_path), "DOCX") as package:
        metadata = ooxml_properties(package)
    assert metadata["title"] == long_title[:MAX_PROPERTY_CHARS]
    assert metadata["author"] == "张三"
    assert metadata["last_modified_by"] == "李四"
    assert metadata["subject"] == "预算"
    assert metadata["keywords"] == "camps; budget"
    assert metadata["comments"] == "draft for the bureau"
    assert metadata["category"] == "internal"
    assert metadata["revision"] == "7"
    assert metadata["created"] == "2017-03-01T08:30:00+00:00"
    assert metadata["modified"] == "2017-03-02T09:00:00+00:00"
    assert "last_printed" not in metadata  # 1601-01-01 is Windows' "never"
    assert metadata["language"] == "zh-CN"
    assert metadata["content_status"] == "Final"
    assert metadata["identifier"] == "doc-42"
    assert metadata["version"] == "3.1"
    assert metadata["company"] == "某某公安局"
    assert metadata["manager"] == "王五"
    assert metadata["template"] == "Bureau.dotm"
    assert metadata["application"] == "Microsoft Office Word"
    assert metadata["app_version"] == "16.0000"
    assert metadata["total_time"] == "95"
    assert (metadata["pages"], metadata["words"], metadata["characters"]) == ("3", "812", "4630")
    assert metadata["doc_security"] == "0"


def test_properties_at_the_usual_names_from_a_plain_zipfile(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "p.xlsx",
        {"docProps/core.xml": CORE_XML.format(title="t"), "docProps/app.xml": APP_XML},
    )
    with zipfile.ZipFile(path) as archive:
        metadata = ooxml_properties(archive)
    assert metadata["title"] == "t"
    assert metadata["company"] == "某某公安局"


def test_relationship_targets_resolve_relative_to_their_part(tmp_path: Path) -> None:
    rels = """<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
    <Relationship Id="a" Type="http://x/comments" Target="../comments/c%201.xml"/>
    <Relationship Id="b" Type="http://x/hyperlink" Target="file:///C:/Users/jdoe/x.xlsx"
      TargetMode="External"/></Relationships>"""
    path = _zip(tmp_path / "r.pptx", {"ppt/slides/_rels/slide1.xml.rels": rels})
    with open_package(path, _context(tmp_path), "PPTX") as package:
        found = package.relationships("ppt/slides/slide1.xml")
    assert [(r.id, r.kind, r.target, r.external) for r in found] == [
        ("a", "comments", "ppt/comments/c 1.xml", False),
        ("b", "hyperlink", "file:///C:/Users/jdoe/x.xlsx", True),
    ]


@pytest.mark.parametrize(
    ("limits", "parts", "words"),
    [
        ({}, {"big.xml": b"\x00" * (20 * 1024**2)}, "compression ratio"),
        ({"max_members": 3}, {f"p{n}.xml": b"x" for n in range(5)}, "5 parts"),
        ({"max_member_bytes": 1000}, {"a.xml": b"x" * 2000}, "inflate"),
        ({"max_total_bytes": 1500}, {"a.xml": b"x" * 1000, "b.xml": b"y" * 1000}, "inflate"),
    ],
)
def test_bombs_are_refused_before_anything_is_inflated(
    tmp_path: Path, limits: dict[str, int], parts: dict[str, bytes], words: str
) -> None:
    path = _zip(tmp_path / "bomb.docx", dict(parts))
    context = ExtractContext(workdir=tmp_path, limits=ArchiveLimits(**limits))  # type: ignore[arg-type]
    with pytest.raises(ExtractionError) as info:
        open_package(path, context, "DOCX")
    assert info.value.kind == ErrorKind.LIMIT_EXCEEDED
    assert words in info.value.message


def test_not_a_zip_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(ExtractionError) as info:
        open_package(path, _context(tmp_path), "DOCX")
    assert info.value.kind == ErrorKind.CORRUPT


def test_parts_with_external_entities_or_entity_bombs_are_unsafe(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY)
    xxe = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'
    lol = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8))
        + "]><r>&i;</r>"
    )
    path = _zip(tmp_path / "x.docx", {"xxe.xml": xxe, "lol.xml": lol, "bad.xml": "<r>"})
    with open_package(path, _context(tmp_path), "DOCX") as package:
        for part in ("xxe.xml", "lol.xml"):
            with pytest.raises(ExtractionError) as info:
                package.parse(part)
            assert info.value.kind == ErrorKind.UNSAFE, part
            assert CANARY not in info.value.message
        with pytest.raises(ExtractionError) as info:
            package.parse("bad.xml")
        assert info.value.kind == ErrorKind.CORRUPT
        assert package.parse("missing.xml") is None


def test_embedded_files_become_children_with_generated_names(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "e.docx",
        {
            "word/embeddings/../../evil.xlsx": b"PK workbook",
            "word/embeddings/oleObject1.bin": b"ole",
            "word/media/image1.png": b"png",
        },
    )
    context = _context(tmp_path)
    with open_package(path, context, "DOCX") as package:
        children = embedded_children(package, ["word/embeddings"], context)
    assert sorted(child.name for child in children) == [
        "word/embeddings/../../evil.xlsx",
        "word/embeddings/oleObject1.bin",
    ]
    for child in children:
        assert child.path.parent == context.workdir
        assert child.path.name.startswith("member-")
    assert {child.path.read_bytes() for child in children} == {b"PK workbook", b"ole"}
