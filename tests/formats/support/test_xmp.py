"""XMP packets and PDF metadata: authors, tools, ISO dates, document ids, history."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from culpa.formats.base import ExtractContext
from culpa.formats.documents.pdf import PdfExtractor, pdf_date
from culpa.formats.support.xmp import xmp_fields

PACKET = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="WPS 文字"
   xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
   xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#">
  <dc:creator><rdf:Seq><rdf:li>王五</rdf:li><rdf:li>&secret;</rdf:li></rdf:Seq></dc:creator>
  <xmp:CreateDate>2017-07-25T18:00:00+08:00</xmp:CreateDate>
  <xmpMM:DocumentID>uuid:585F41AD</xmpMM:DocumentID>
  <xmpMM:History><rdf:Seq>
   <rdf:li stEvt:action="created" stEvt:when="2017-07-25T18:00:00+08:00"
     stEvt:softwareAgent="Microsoft Word"/>
   <rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action>
     <stEvt:softwareAgent>Adobe Acrobat</stEvt:softwareAgent></rdf:li>
  </rdf:Seq></xmpMM:History>
 </rdf:Description>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def test_xmp_fields_elements_attributes_history_and_no_entities() -> None:
    fields = xmp_fields(PACKET)
    assert fields["author"] == "王五"  # the external entity is not expanded
    assert fields["creator_tool"] == "WPS 文字"
    assert fields["created"] == "2017-07-25T18:00:00+08:00"
    assert fields["document_id"] == "uuid:585F41AD"
    assert fields["xmp_history"].splitlines() == [
        "2017-07-25T18:00:00+08:00 created Microsoft Word",
        "saved Adobe Acrobat",
    ]
    assert xmp_fields("") == {} and xmp_fields("<x:xmpmeta><broken") == {}


def test_pdf_dates_become_iso() -> None:
    assert pdf_date("D:20170725180000+08'00'") == "2017-07-25T18:00:00+08:00"
    assert pdf_date("D:20170725180000Z") == "2017-07-25T18:00:00Z"
    assert pdf_date("D:2017") == "2017-01-01"
    assert pdf_date("yesterday") is None


def test_pdf_metadata_from_info_and_xmp(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "text")
    doc.set_metadata(
        {"author": "李四", "creator": "Microsoft Word", "creationDate": "D:20190429120602-04'00'"}
    )
    doc.set_xml_metadata(PACKET.split("\n", 2)[2])  # without the DOCTYPE line
    path = tmp_path / "m.pdf"
    doc.save(path)
    metadata = PdfExtractor().extract(path, ExtractContext(workdir=tmp_path / "w")).metadata
    assert metadata["author"] == "李四"  # the info dictionary wins over XMP
    assert metadata["creator_tool"] == "Microsoft Word"
    assert metadata["created"] == "2019-04-29T12:06:02-04:00"
    assert metadata["document_id"] == "uuid:585F41AD"
    assert "Adobe Acrobat" in metadata["xmp_history"]
