"""XMP packets (PDF, images): who made a file, with what, when, and its lineage.

XMP carries what the info dictionary often lacks: the document's and each
revision's unique ids (xmpMM:DocumentID / InstanceID, which tie a PDF to the
Word file it came from) and a history of the programs that saved it. Parsed
with entities off and no network, since the packet is the file author's XML.
"""

from __future__ import annotations

import lxml.etree

from culpa.formats.support.safe_xml import safe_parser

#: XMP packets larger than this are ignored (bytes of text).
MAX_XMP_CHARS = 1_000_000
#: History entries kept.
MAX_HISTORY = 50

_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
# (namespace prefix, element or attribute name) -> metadata key.
_FIELDS = {
    ("dc", "creator"): "author",
    ("dc", "title"): "title",
    ("dc", "description"): "subject",
    ("pdf", "Keywords"): "keywords",
    ("xmp", "CreatorTool"): "creator_tool",
    ("pdf", "Producer"): "producer",
    ("xmp", "CreateDate"): "created",
    ("xmp", "ModifyDate"): "modified",
    ("xmp", "MetadataDate"): "metadata_date",
    ("xmpMM", "DocumentID"): "document_id",
    ("xmpMM", "InstanceID"): "instance_id",
    ("xmpMM", "OriginalDocumentID"): "original_document_id",
}
_PARSER = safe_parser(recover=True)


def _value(element: lxml.etree._Element) -> str:
    """An element's text, or its rdf:li items joined (Seq/Bag/Alt)."""
    items = [
        (li.text or "").strip()
        for li in element.iter(f"{{{_NS['rdf']}}}li")
        if (li.text or "").strip()
    ]
    if items:
        return "; ".join(dict.fromkeys(items))
    return (element.text or "").strip()


def xmp_fields(packet: str) -> dict[str, str]:
    """Metadata keys found in an XMP packet (empty values left out); {} if unreadable."""
    if not packet or len(packet) > MAX_XMP_CHARS:
        return {}
    start = packet.find("<x:xmpmeta")
    if start < 0:
        start = packet.find("<rdf:RDF")
    if start < 0:
        return {}
    try:
        root = lxml.etree.fromstring(packet[start:].encode("utf-8", "replace"), _PARSER)
    except lxml.etree.XMLSyntaxError:
        return {}
    if root is None:
        return {}
    found: dict[str, str] = {}
    for (prefix, name), key in _FIELDS.items():
        qualified = f"{{{_NS[prefix]}}}{name}"
        for element in root.iter(qualified):
            value = _value(element)
            if value:
                found.setdefault(key, value)
        if key not in found:  # the short form: an attribute of rdf:Description
            for description in root.iter(f"{{{_NS['rdf']}}}Description"):
                value = (description.get(qualified) or "").strip()
                if value:
                    found[key] = value
                    break
    history = []
    for event in root.iter(f"{{{_NS['rdf']}}}li"):
        action = event.get(f"{{{_NS['stEvt']}}}action") or _child(event, "action")
        if not action:
            continue
        when = event.get(f"{{{_NS['stEvt']}}}when") or _child(event, "when")
        agent = event.get(f"{{{_NS['stEvt']}}}softwareAgent") or _child(event, "softwareAgent")
        history.append(" ".join(part for part in (when, action, agent) if part))
        if len(history) >= MAX_HISTORY:
            break
    if history:
        found["xmp_history"] = "\n".join(history)
    return found


def _child(element: lxml.etree._Element, name: str) -> str:
    child = element.find(f"{{{_NS['stEvt']}}}{name}")
    return (child.text or "").strip() if child is not None else ""
