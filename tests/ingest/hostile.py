"""Hostile files made in code: bombs, traversal, links, entity attacks, broken PDFs.

Each ``write_*`` function writes one file (or one small folder) into ``folder``
and returns its path. Files that could reach out (HTML, SVG, XML, DOCX, PDF,
EML) take ``url``, the base of a URL that a test server may be listening on,
so the same generators prove both "nothing is written outside" and "nothing
is fetched". ``token`` makes the names a slipped write would take unique to
one run, so finding them afterwards is proof, not a leftover.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pymupdf

#: The flat bomb's one member: zeros, deflating about 1000:1 (the ratio limit is 200).
FLAT_BOMB_BYTES = 64 * 1024**2
#: The nested bomb: this many copies per level, this many levels above the bomb zip.
NESTED_COPIES = 4
NESTED_LEVELS = 2
#: Entities nested this deep, ten references each, expand "lol" to 3 * 10**9 bytes.
LAUGH_LEVELS = 9
#: Linux allows at most 255 bytes in one file name (NAME_MAX); a CJK character takes 3.
MAX_NAME_BYTES = 255
#: Length of the member name in the long-name zip (characters; no file system limit applies).
LONG_MEMBER_NAME_CHARS = 400

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


# --- helpers -----------------------------------------------------------------


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, method)
    return buffer.getvalue()


def billion_laughs_dtd(root: str, levels: int = LAUGH_LEVELS) -> str:
    """A DOCTYPE whose entity ``a{levels}`` expands to 3 * 10**levels bytes."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return f"<!DOCTYPE {root} [{entities}]>"


def xxe_dtd(root: str, targets: tuple[str, ...]) -> str:
    """A DOCTYPE declaring external entities ``x0``, ``x1``, ... at ``targets``."""
    entities = "".join(f'<!ENTITY x{i} SYSTEM "{target}">' for i, target in enumerate(targets))
    return f"<!DOCTYPE {root} [{entities}]>"


def xxe_references(targets: tuple[str, ...]) -> str:
    """``&x0;&x1;...``: where the entities of :func:`xxe_dtd` would be expanded."""
    return "".join(f"&x{i};" for i in range(len(targets)))


#: What the XXE files try to read by default.
XXE_TARGETS: tuple[str, ...] = ("file:///etc/hostname",)


def docx_bytes(
    body_xml: str,
    *,
    doctype: str = "",
    document_rels: str = "",
    settings_rels: str = "",
) -> bytes:
    """A minimal Word package whose document.xml holds ``body_xml`` (after ``doctype``)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/settings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
        "</Types>"
    )
    package_rels = (
        f'{XML_DECLARATION}<Relationships xmlns="{PKG_RELS_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body_xml}</w:body></w:document>'
    )
    rels = (
        f'{XML_DECLARATION}<Relationships xmlns="{PKG_RELS_NS}">'
        '<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/settings" Target="settings.xml"/>{document_rels}</Relationships>'
    )
    settings = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:settings xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        + ('<w:attachedTemplate r:id="rIdTemplate"/>' if settings_rels else "")
        + "</w:settings>"
    )
    members = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": package_rels.encode(),
        "word/document.xml": document.encode(),
        "word/_rels/document.xml.rels": rels.encode(),
        "word/settings.xml": settings.encode(),
    }
    if settings_rels:
        members["word/_rels/settings.xml.rels"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PKG_RELS_NS}">{settings_rels}</Relationships>'
        ).encode()
    return zip_bytes(members)


def paragraph(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def pdf_bytes(objects: list[bytes], *, xref_header: bytes | None = None, size: int = 0) -> bytes:
    """A PDF written by hand: object n is ``objects[n - 1]``, object 1 the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += xref_header or b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (size or len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf_text(text: str, y: int = 720) -> bytes:
    """Content-stream operators showing ASCII ``text`` in font /F1."""
    return b"BT /F1 12 Tf 72 %d Td (%s) Tj ET" % (y, text.encode("ascii"))


PDF_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
PDF_RESOURCES = b"/Resources << /Font << /F1 5 0 R >> >>"
PDF_MEDIABOX = b"/MediaBox [0 0 612 792]"


def pdf_with_pages(pages: list[str]) -> bytes:
    """A real multi-page PDF made by PyMuPDF (its text found by any reader)."""
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page()
        y = 72.0
        for line in text.split("\n"):
            page.insert_text((72, y), line, fontsize=11)
            y += 16
    data: bytes = doc.tobytes()
    doc.close()
    return data


# --- archives ----------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def flat_bomb_bytes() -> bytes:
    """A zip whose one member is zeros that deflate about 1000:1 (the ratio limit is 200)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w") as member,
    ):
        chunk = bytes(1024**2)
        for _ in range(FLAT_BOMB_BYTES // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def write_flat_zip_bomb(folder: Path) -> Path:
    """One member of zeros, far past the compression-ratio limit."""
    path = folder / "flat-bomb.zip"
    path.write_bytes(flat_bomb_bytes())
    return path


def write_nested_zip_bomb(folder: Path) -> Path:
    """42.zip in small: copies of zips of copies of zips, the innermost a flat bomb."""
    level = flat_bomb_bytes()
    for depth in range(NESTED_LEVELS):
        level = zip_bytes({f"level{depth}-{i}.zip": level for i in range(NESTED_COPIES)})
    path = folder / "nested-bomb.zip"
    path.write_bytes(level)
    return path


def write_many_members_zip(folder: Path, members: int, name: str = "many-members.zip") -> Path:
    """``members`` tiny stored members (the member-count limit is tested with it)."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number in range(members):
            archive.writestr(f"m/{number:07d}.txt", b"x")
    return path


def write_zip_slip(folder: Path, token: str) -> Path:
    """Members named to climb out of any folder they are unpacked into."""
    path = folder / "zip-slip.zip"
    path.write_bytes(
        zip_bytes(
            {
                f"../../evil-{token}.txt": b"zip slip relative climb",
                f"/tmp/abs-evil-{token}.txt": b"zip slip absolute path",
                f"C:\\..\\winevil-{token}.txt": b"zip slip windows drive",
                f"..\\..\\backslash-evil-{token}.txt": b"zip slip backslash climb",
            }
        )
    )
    return path


def write_tar_links(folder: Path, token: str) -> Path:
    """Symbolic and hard links out of the archive, and a file written through a link."""
    path = folder / "links.tar"
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as archive:
        for name, kind, target in (
            ("rel-symlink", tarfile.SYMTYPE, "../../etc/passwd"),
            ("abs-symlink", tarfile.SYMTYPE, "/etc/passwd"),
            ("rel-hardlink", tarfile.LNKTYPE, "../../etc/passwd"),
            ("abs-hardlink", tarfile.LNKTYPE, "/etc/passwd"),
            ("tmp-link", tarfile.SYMTYPE, "/tmp"),
        ):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = target
            archive.addfile(info)
        data = b"written through a symlink into /tmp"
        info = tarfile.TarInfo(f"tmp-link/through-link-evil-{token}.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def write_long_member_name_zip(folder: Path) -> Path:
    """A member whose name is longer than any file system allows in one name."""
    path = folder / "long-member-name.zip"
    name = "长" * LONG_MEMBER_NAME_CHARS + ".txt"
    path.write_bytes(zip_bytes({name: b"a member with a very long name"}))
    return path


# --- XML family --------------------------------------------------------------


def write_docx_xxe(folder: Path, targets: tuple[str, ...] = XXE_TARGETS) -> Path:
    path = folder / "xxe.docx"
    body = paragraph(f"docx before {xxe_references(targets)} after") + paragraph(
        "docx xxe second paragraph"
    )
    path.write_bytes(docx_bytes(body, doctype=xxe_dtd("w:document", targets)))
    return path


def write_docx_billion_laughs(folder: Path) -> Path:
    path = folder / "laughs.docx"
    body = paragraph(f"docx laughs &a{LAUGH_LEVELS};")
    path.write_bytes(docx_bytes(body, doctype=billion_laughs_dtd("w:document")))
    return path


def write_svg_xxe(folder: Path, targets: tuple[str, ...] = XXE_TARGETS) -> Path:
    path = folder / "xxe.svg"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        + xxe_dtd("svg", targets)
        + '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        f"<text x='1' y='20'>svg before {xxe_references(targets)} after</text></svg>",
        encoding="utf-8",
    )
    return path


def write_svg_billion_laughs(folder: Path) -> Path:
    path = folder / "laughs.svg"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        + billion_laughs_dtd("svg")
        + '<svg xmlns="http://www.w3.org/2000/svg">'
        f"<text>svg laughs &a{LAUGH_LEVELS};</text></svg>",
        encoding="utf-8",
    )
    return path


def write_xml_xxe(folder: Path, targets: tuple[str, ...] = XXE_TARGETS) -> Path:
    path = folder / "xxe.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        + xxe_dtd("report", targets)
        + f"<report><p>xml before {xxe_references(targets)} after</p></report>",
        encoding="utf-8",
    )
    return path


def write_xml_billion_laughs(folder: Path) -> Path:
    path = folder / "laughs.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        + billion_laughs_dtd("report")
        + f"<report>xml laughs &a{LAUGH_LEVELS};</report>",
        encoding="utf-8",
    )
    return path


# --- PDF ---------------------------------------------------------------------


def write_pdf_reference_loop(folder: Path) -> Path:
    """The page tree holds itself, and the page names itself as its /Parent."""
    path = folder / "pdf-loop.pdf"
    path.write_bytes(
        pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 3 0 R "
                + PDF_MEDIABOX
                + b" /Contents 4 0 R "
                + PDF_RESOURCES
                + b" >>",
                pdf_stream(pdf_text("pdf loop page text")),
                PDF_FONT,
            ]
        )
    )
    return path


def write_pdf_self_kids(folder: Path) -> Path:
    """A page tree whose only kid is itself: no page can ever be reached."""
    path = folder / "pdf-self-kids.pdf"
    path.write_bytes(
        pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
            ]
        )
    )
    return path


def write_pdf_xobject_loop(folder: Path) -> Path:
    """A form XObject that draws itself (unbounded recursion in a naive renderer)."""
    path = folder / "pdf-xobject-loop.pdf"
    form_resources = b"/Resources << /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >>"
    path.write_bytes(
        pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R "
                + PDF_MEDIABOX
                + b" /Contents 4 0 R "
                + form_resources
                + b" >>",
                pdf_stream(pdf_text("pdf xobject page") + b" /X Do"),
                PDF_FONT,
                pdf_stream(
                    pdf_text("inside the form", 700) + b" /X Do",
                    b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + form_resources,
                ),
            ]
        )
    )
    return path


def write_pdf_huge_object_count(folder: Path) -> Path:
    """The xref and trailer claim two billion objects (a naive reader allocates for all)."""
    path = folder / "pdf-huge-xref.pdf"
    path.write_bytes(
        pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R "
                + PDF_MEDIABOX
                + b" /Contents 4 0 R "
                + PDF_RESOURCES
                + b" >>",
                pdf_stream(pdf_text("pdf huge xref page")),
                PDF_FONT,
            ],
            xref_header=b"xref\n0 2000000000\n",
            size=2_000_000_000,
        )
    )
    return path


def write_pdf_page_count_lie(folder: Path) -> Path:
    """One page, but the page tree says a billion (a naive reader loops or allocates)."""
    path = folder / "pdf-count-lie.pdf"
    path.write_bytes(
        pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>",
                b"<< /Type /Page /Parent 2 0 R "
                + PDF_MEDIABOX
                + b" /Contents 4 0 R "
                + PDF_RESOURCES
                + b" >>",
                pdf_stream(pdf_text("pdf count lie page")),
                PDF_FONT,
            ]
        )
    )
    return path


def write_truncated_pdf(folder: Path) -> Path:
    """The first half of a real three-page PDF."""
    path = folder / "truncated.pdf"
    data = pdf_with_pages([f"truncated pdf page {n}\n" + "filler line\n" * 40 for n in (1, 2, 3)])
    path.write_bytes(data[: len(data) // 2])
    return path


# --- names and types ---------------------------------------------------------


def write_empty(folder: Path) -> Path:
    path = folder / "empty.pdf"
    path.write_bytes(b"")
    return path


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A small white greyscale PNG, written by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_png_named_pdf(folder: Path) -> Path:
    path = folder / "really-a-png.pdf"
    path.write_bytes(png_bytes())
    return path


def write_invalid_utf8_name(folder: Path) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), b"bad-name-\xff\xfe.txt")))
    path.write_bytes(b"a file whose name is not UTF-8")
    return path


#: A top-level name near the longest Linux allows: 83 CJK characters and ".txt" (253 bytes).
LONG_NAME = "长" * ((MAX_NAME_BYTES - 4) // 3) + ".txt"


def write_long_name(folder: Path) -> Path:
    path = folder / LONG_NAME
    path.write_bytes(b"a file with the longest name Linux allows")
    return path


def write_deep_path(folder: Path) -> Path:
    """A file more than 300 characters deep (no single name can be that long)."""
    deep = folder / "deep"
    for level in range(8):
        deep = deep / (f"{level}" + "层" * 40)
    deep.mkdir(parents=True)
    path = deep / "deep-file.txt"
    path.write_bytes(b"a file at the end of a very long path")
    return path


# --- web and mail ------------------------------------------------------------


def write_html_remote(folder: Path, url: str) -> Path:
    path = folder / "remote.html"
    path.write_text(
        f"""<!DOCTYPE html><html><head><title>remote page</title>
<base href="{url}/base/">
<link rel="stylesheet" href="{url}/style.css">
<style>@import url("{url}/import.css"); body {{ background: url('{url}/bg.png') }}</style>
<script src="{url}/script.js"></script>
<script>fetch("{url}/fetch"); document.write("script text must not show")</script>
<meta http-equiv="refresh" content="0; url={url}/refresh">
</head><body><p>html visible text</p>
<img src="{url}/pixel.gif" srcset="{url}/pixel2.gif 2x">
<iframe src="{url}/frame.html"></iframe><object data="{url}/object.swf"></object>
<div style="background-image: url({url}/div.png)">styled div text</div>
</body></html>""",
        encoding="utf-8",
    )
    return path


def write_eml_traversal(folder: Path, token: str) -> Path:
    path = folder / "traversal.eml"
    message = EmailMessage()
    message["From"] = "a@example.invalid"
    message["To"] = "b@example.invalid"
    message["Subject"] = "attachment named to climb"
    message.set_content("mail body with a hostile attachment name")
    message.add_attachment(
        b"#!/bin/sh\necho evil shell attachment\n",
        maintype="application",
        subtype="x-sh",
        filename=f"../../evil-{token}.sh",
    )
    path.write_bytes(bytes(message))
    return path


def write_eml_remote(folder: Path, url: str) -> Path:
    """An HTML mail with remote images and styles, and a message/external-body part."""
    path = folder / "remote.eml"
    path.write_text(
        f"""From: a@example.invalid
To: b@example.invalid
Subject: remote images
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/html; charset=utf-8

<html><head><link rel="stylesheet" href="{url}/eml.css"></head>
<body><p>eml html body</p><img src="{url}/eml-pixel.gif">
<div style="background:url({url}/eml-bg.png)">eml styled</div></body></html>

--outer
Content-Type: message/external-body; access-type=URL; URL="{url}/external-body"

Content-Type: text/plain

--outer--
""".replace("\n", "\r\n"),
        encoding="utf-8",
        newline="",
    )
    return path


def write_docx_remote(folder: Path, url: str) -> Path:
    """External image and hyperlink relationships and a remote attached template."""
    path = folder / "remote.docx"
    image_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
    link_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
    template_rel = (
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
    )
    drawing = (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
        'drawingml/2006/wordprocessingDrawing"><wp:extent cx="9525" cy="9525"/>'
        '<wp:docPr id="1" name="remote"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/'
        'drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/'
        '2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/'
        'picture"><pic:nvPicPr><pic:cNvPr id="1" name="remote"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:link="rIdImage"/></pic:blipFill><pic:spPr/></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )
    body = (
        paragraph("docx remote text")
        + drawing
        + '<w:p><w:hyperlink r:id="rIdLink"><w:r><w:t>docx link text</w:t></w:r></w:hyperlink>'
        + f'<w:r><w:fldSimple w:instr="INCLUDEPICTURE &quot;{url}/field.png&quot;"/></w:r></w:p>'
    )
    path.write_bytes(
        docx_bytes(
            body,
            document_rels=(
                f'<Relationship Id="rIdImage" Type="{image_rel}" Target="{url}/image.png" '
                'TargetMode="External"/>'
                f'<Relationship Id="rIdLink" Type="{link_rel}" Target="{url}/link" '
                'TargetMode="External"/>'
            ),
            settings_rels=(
                f'<Relationship Id="rIdTemplate" Type="{template_rel}" '
                f'Target="{url}/template.dotm" TargetMode="External"/>'
            ),
        )
    )
    return path


def write_svg_remote(folder: Path, url: str) -> Path:
    path = folder / "remote.svg"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<?xml-stylesheet type="text/css" href="{url}/svg-pi.css"?>'
        f'<!DOCTYPE svg SYSTEM "{url}/svg.dtd" [<!ENTITY remote SYSTEM "{url}/e">'
        f'<!ENTITY % param SYSTEM "{url}/param.dtd"> %param;]>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<style>@import url("{url}/svg-import.css");</style>'
        f'<image href="{url}/href.png" width="1" height="1"/>'
        f'<image xlink:href="{url}/xlink.png" width="1" height="1"/>'
        f'<use href="{url}/sprite.svg#icon"/>'
        f'<xi:include href="{url}/xinclude.xml" parse="text"/>'
        f'<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="{url}/fo"/>'
        "</foreignObject>"
        "<text x='1' y='20'>svg remote text &remote;</text></svg>",
        encoding="utf-8",
    )
    return path


def write_xml_remote(folder: Path, url: str) -> Path:
    path = folder / "remote.xml"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<?xml-stylesheet type="text/xsl" href="{url}/style.xsl"?>'
        f'<!DOCTYPE report SYSTEM "{url}/report.dtd" ['
        f'<!ENTITY remote SYSTEM "{url}/entity">'
        f'<!ENTITY % param SYSTEM "{url}/param.dtd"> %param;]>'
        '<report xmlns:xi="http://www.w3.org/2001/XInclude" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:x {url}/schema.xsd">'
        "<p>xml remote text &remote;</p>"
        f'<xi:include href="{url}/xinclude.xml"/></report>',
        encoding="utf-8",
    )
    return path


def write_pdf_remote(folder: Path, url: str) -> Path:
    """URI and remote GoToR links, a URL file spec, a JavaScript and an XFA submit to ``url``."""
    path = folder / "remote.pdf"
    uri = url.encode("ascii")
    javascript = (
        b'app.launchURL("%s/js-launch", true); this.submitForm("%s/js-submit"); '
        b'var x = Net.HTTP.request({cVerb: "GET", cURL: "%s/js-net"});'
    ) % (uri, uri, uri)
    xfa = (
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template '
        b'xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="f">'
        b'<event activity="initialize"><submit target="%s/xfa-submit"/></event>'
        b'<event activity="docReady"><script contentType="application/x-javascript">'
        b'xfa.host.gotoURL("%s/xfa-goto");</script></event></subform></template></xdp:xdp>'
    ) % (uri, uri)
    path.write_bytes(
        pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction 7 0 R /AcroForm 9 0 R "
                b"/Names << /JavaScript << /Names [(fetch) 7 0 R] >> >> >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R "
                + PDF_MEDIABOX
                + b" /Contents 4 0 R "
                + PDF_RESOURCES
                + b" /Annots [6 0 R 8 0 R] /AA << /O 7 0 R >> >>",
                pdf_stream(pdf_text("pdf remote page text")),
                PDF_FONT,
                b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 730] /Border [0 0 0] "
                b"/A << /S /URI /URI (%s/uri) >> >>" % uri,
                b"<< /S /JavaScript /JS (%s) >>" % javascript,
                b"<< /Type /Annot /Subtype /Link /Rect [72 650 300 680] /A << /S /GoToR "
                b"/F << /Type /Filespec /FS /URL /F (%s/remote.pdf) >> /D [0 /Fit] >> >>" % uri,
                b"<< /Fields [] /XFA 10 0 R >>",
                pdf_stream(xfa),
                # A stream whose data lives in an external file named by a URL spec.
                pdf_stream(b"", b"/F << /FS /URL /F (%s/external-stream) >>" % uri),
            ]
        )
    )
    return path


# --- the folder --------------------------------------------------------------


def write_good_files(folder: Path) -> dict[str, str]:
    """Ordinary files beside the hostile ones: path under ``folder`` -> a phrase in its text."""
    good = folder / "good"
    good.mkdir(parents=True)
    (good / "report.txt").write_text("good plain report 新疆 text", encoding="utf-8")
    (good / "memo.pdf").write_bytes(pdf_with_pages(["good pdf memo page"]))
    (good / "note.docx").write_bytes(docx_bytes(paragraph("good docx note")))
    (good / "page.html").write_text(
        "<html><body><p>good html page</p></body></html>", encoding="utf-8"
    )
    (good / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text>good svg drawing</text></svg>',
        encoding="utf-8",
    )
    (good / "drawing.svgz").write_bytes(
        gzip.compress(
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>good svgz drawing</text></svg>',
            mtime=0,
        )
    )
    (good / "data.xml").write_text(
        '<?xml version="1.0"?><data><row>good xml data</row></data>', encoding="utf-8"
    )
    (good / "archive.zip").write_bytes(zip_bytes({"inner.txt": b"good zipped member"}))
    return {
        "good/report.txt": "good plain report",
        "good/memo.pdf": "good pdf memo page",
        "good/note.docx": "good docx note",
        "good/page.html": "good html page",
        "good/drawing.svg": "good svg drawing",
        "good/drawing.svgz!/drawing.svgz.uncompressed": "good svgz drawing",
        "good/data.xml": "good xml data",
        "good/archive.zip!/inner.txt": "good zipped member",
    }


def write_hostile_folder(
    folder: Path, token: str, url: str, xxe_targets: tuple[str, ...] = XXE_TARGETS
) -> list[Path]:
    """Every hostile file above (``url``: where remote references point; ``xxe_targets``:
    what the XXE files try to read)."""
    folder.mkdir(parents=True, exist_ok=True)
    writers: list[Callable[[Path], Path]] = [
        write_flat_zip_bomb,
        write_nested_zip_bomb,
        lambda f: write_zip_slip(f, token),
        lambda f: write_tar_links(f, token),
        write_long_member_name_zip,
        lambda f: write_docx_xxe(f, xxe_targets),
        write_docx_billion_laughs,
        lambda f: write_svg_xxe(f, xxe_targets),
        write_svg_billion_laughs,
        lambda f: write_xml_xxe(f, xxe_targets),
        write_xml_billion_laughs,
        write_pdf_reference_loop,
        write_pdf_self_kids,
        write_pdf_xobject_loop,
        write_pdf_huge_object_count,
        write_pdf_page_count_lie,
        write_truncated_pdf,
        write_empty,
        write_png_named_pdf,
        write_invalid_utf8_name,
        write_long_name,
        write_deep_path,
        lambda f: write_html_remote(f, url),
        lambda f: write_eml_traversal(f, token),
    ]
    return [write(folder) for write in writers]


def write_remote_folder(folder: Path, url: str) -> list[Path]:
    """Documents that reference ``url`` in every way their formats allow."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_html_remote(folder, url),
        write_docx_remote(folder, url),
        write_svg_remote(folder, url),
        write_xml_remote(folder, url),
        write_pdf_remote(folder, url),
        write_eml_remote(folder, url),
        write_svg_xxe(folder, (f"{url}/svg-xxe",)),
        write_xml_xxe(folder, (f"{url}/xml-xxe",)),
        write_docx_xxe(folder, (f"{url}/docx-xxe",)),
    ]
