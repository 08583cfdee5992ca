from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.documents.xml import MAX_XML_BYTES, SvgExtractor, XmlExtractor
from culpa.models import Extracted
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Generator: Adobe Illustrator 16.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="400" height="300">
  <title>新疆 组织结构图</title>
  <desc>Org chart of the
        detention centre</desc>
  <style>text { font-family: sans-serif }</style>
  <script>alert("not text")</script>
  <rect x="0" y="0" width="10" height="10"/>
  <text x="10" y="20"><tspan x="10" y="20">第一行 first</tspan><tspan x="10" y="40">second
     line</tspan></text>
  <text x="10" y="80">Hel<tspan dx="1">lo</tspan> world</text>
  <image xlink:href="http://127.0.0.1:9/track.png" width="1" height="1"/>
</svg>
"""


def _extract(tmp_path: Path, data: bytes, name: str = "doc.xml") -> Extracted:
    path = tmp_path / name
    path.write_bytes(data)
    cls = SvgExtractor if name.endswith((".svg", ".svgz")) else XmlExtractor
    return tagged(cls().extract(path, ExtractContext(workdir=tmp_path / "work")))


def _text(result: Extracted) -> str:
    return "\n".join(page.text for page in result.pages)


def test_svg_text_titles_and_descriptions(tmp_path: Path) -> None:
    result = _extract(tmp_path, SVG.encode(), "chart.svg")
    lines = _text(result).split("\n")
    assert lines == [
        "新疆 组织结构图",
        "Org chart of the detention centre",
        "第一行 first",
        "second line",
        "Hello world",
    ]
    assert result.metadata["title"] == "新疆 组织结构图"
    assert result.metadata["application"] == "Adobe Illustrator 16.0.0"
    assert result.metadata["root_element"] == "svg"
    assert result.pages[0].number == 1 and result.pages[0].language is not None


def test_svgz_is_inflated(tmp_path: Path) -> None:
    result = _extract(tmp_path, gzip.compress(SVG.encode()), "chart.svgz")
    assert "Org chart of the detention centre" in _text(result)


def test_svgz_bomb_is_refused(tmp_path: Path) -> None:
    zeros = gzip.compress(b"<svg>" + b" " * (MAX_XML_BYTES + 1), compresslevel=1)
    with pytest.raises(ExtractionError) as caught:
        _extract(tmp_path, zeros, "bomb.svgz")
    assert caught.value.kind == ErrorKind.LIMIT_EXCEEDED


def test_generic_xml_text_nodes_one_element_per_line(tmp_path: Path) -> None:
    data = """<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0"><channel>
  <title>内部  通知</title>
  <link>http://example.invalid/</link>
  <item><description>请 <b>立即</b> 上报。</description></item>
  <!-- a comment -->
</channel></rss>""".encode("gb18030")
    result = _extract(tmp_path, data)
    assert _text(result) == "内部 通知\nhttp://example.invalid/\n请 立即 上报。"
    assert result.metadata["encoding"] == "gb18030"
    assert result.metadata["root_element"] == "rss"


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">'
        f'<!ENTITY % p SYSTEM "file://{secret}">]>'
        "<d><p>before &x; after</p></d>"
    ).encode()
    result = _extract(tmp_path, data)
    assert _text(result) == "before after"
    assert "TOP-SECRET-MARKER" not in repr(result)
    assert result.metadata["entities_not_expanded"] == "x, p"


def test_small_internal_entities_are_left_unexpanded(tmp_path: Path) -> None:
    # Adobe Illustrator declares namespace entities like this in ordinary SVGs.
    data = (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" ['
        b'<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">'
        b'<!ENTITY word "EXPANDED-ENTITY">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:i="&ns_ai;">'
        b"<text>Hello &word; there</text></svg>"
    )
    result = _extract(tmp_path, data, "ai.svg")
    assert _text(result) == "Hello there"
    assert "EXPANDED-ENTITY" not in _text(result)


def test_billion_laughs_is_refused_as_unsafe(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    data = f"<!DOCTYPE d [{entities}]><d>x &a9; y</d>".encode()
    with pytest.raises(ExtractionError) as caught:
        _extract(tmp_path, data)
    assert caught.value.kind == ErrorKind.UNSAFE
    assert "entity" in caught.value.message


def test_entity_loop_is_refused_as_unsafe(tmp_path: Path) -> None:
    data = b'<!DOCTYPE d [<!ENTITY a "&b;"><!ENTITY b "&a;">]><d>&a;</d>'
    with pytest.raises(ExtractionError) as caught:
        _extract(tmp_path, data)
    assert caught.value.kind == ErrorKind.UNSAFE


def test_truncated_xml_keeps_what_can_be_read(tmp_path: Path) -> None:
    data = b"<report><p>first paragraph</p><p>second para"
    result = _extract(tmp_path, data)
    assert "first paragraph" in _text(result)
    assert "xml_error" in result.metadata


def test_not_xml_at_all_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as caught:
        _extract(tmp_path, b"\x89PNG\r\n\x1a\n not xml")
    assert caught.value.kind == ErrorKind.CORRUPT


def test_too_large_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with path.open("wb") as f:
        f.write(b"<d>")
        f.truncate(MAX_XML_BYTES + 10)
    with pytest.raises(ExtractionError) as caught:
        XmlExtractor().extract(path, ExtractContext(workdir=tmp_path))
    assert caught.value.kind == ErrorKind.TOO_LARGE


def test_claims_xml_and_svg_mime_types_only() -> None:
    assert registry.extractor_class_for("image/svg+xml", "x.svg") is SvgExtractor
    assert registry.extractor_class_for("text/xml", "feed.rss") is XmlExtractor
    assert registry.extractor_class_for("application/xml") is XmlExtractor
    assert registry.extractor_class_for("text/plain", "x.xml") is not XmlExtractor
    assert registry.extractor_class_for("text/html", "x.xml") is not XmlExtractor


def test_corpus_big5_feed_and_inkscape_svg() -> None:
    feed = XmlExtractor().extract(
        CORPUS / "cjk" / "chardet_Big5_digitalwall.com.xml", ExtractContext(workdir=CORPUS)
    )
    assert "數位之牆" in _text(feed)
    assert feed.metadata["encoding"] == "cp950"
    drawing = SvgExtractor().extract(
        CORPUS / "images" / "ingestfile_image.svg", ExtractContext(workdir=CORPUS)
    )
    assert _text(drawing) == "TEST"
    assert drawing.metadata["application"].startswith("Inkscape 0.91")


def test_corpus_hostile_payloads() -> None:
    hostile = CORPUS / "hostile"
    context = ExtractContext(workdir=hostile)
    wrapper = XmlExtractor().extract(hostile / "payloadsallthethings_XXE PHP Wrapper.xml", context)
    assert _text(wrapper).split("\n")[0] == "Jean Dupont"
    assert wrapper.metadata["entities_not_expanded"] == "xxe"
    laughs = XmlExtractor().extract(
        hostile / "payloadsallthethings_Deny Of Service - Billion Laugh Attack", context
    )
    assert "dos" not in _text(laughs)  # 10^4 "dos": small enough to parse, never expanded
    ssrf = SvgExtractor().extract(hostile / "payloadsallthethings_SSRF_url.svg", context)
    assert _text(ssrf) == "" and "evil.com" not in repr(ssrf)
    nested = SvgExtractor().extract(
        hostile / "payloadsallthethings_SVG_XSS_nested_svg.svg", context
    )
    assert "alert" not in _text(nested)
    with pytest.raises(ExtractionError) as caught:  # "<!ELEMENT data (#ANY)>" is not XML
        XmlExtractor().extract(hostile / "payloadsallthethings_Classic XXE.xml", context)
    assert caught.value.kind == ErrorKind.CORRUPT


ANDROID_STRINGS = """<?xml version="1.0" encoding="utf-8"?>
<resources xmlns:tools="http://schemas.android.com/tools">
    <!-- login screen -->
    <string name="app_name">警务通</string>
    <string name="warn">Don\\'t <b>share</b> the "code"</string>
    <string-array name="bank">
        <item>中国建设银行</item>
        <item>天山农商银行</item>
    </string-array>
    <plurals name="days">
        <item quantity="one">%d day</item>
        <item quantity="other">%d days</item>
    </plurals>
    <color name="red">#FF0000</color>
</resources>
"""


def test_android_resources_keep_their_keys(tmp_path: Path) -> None:
    text = _text(_extract(tmp_path, ANDROID_STRINGS.encode(), "strings.xml"))
    assert text.splitlines() == [
        "app_name: 警务通",
        'warn: Don\'t share the "code"',
        "bank[0]: 中国建设银行",
        "bank[1]: 天山农商银行",
        "days[one]: %d day",
        "days[other]: %d days",
        "red: #FF0000",
    ]


def test_corpus_android_resources_keep_their_keys() -> None:
    folder = CORPUS / "cjk-official"
    context = ExtractContext(workdir=folder)
    strings = XmlExtractor().extract(folder / "hrwijop_values-ug-rCN_strings.xml", context)
    lines = [line for page in strings.pages for line in page.text.splitlines() if line]
    assert "abnormal_cause: بىنورماللىق سەۋەبى" in lines
    assert len(lines) == 865  # every <string>, each on its own line
    arrays = XmlExtractor().extract(folder / "hrwijop_values_arrays.xml", context)
    lines = _text(arrays).splitlines()
    assert lines[:2] == ["avatar_option[0]: 拍照", "avatar_option[1]: 从相册选择"]
    assert "bank[4]: 天山农商银行" in lines
