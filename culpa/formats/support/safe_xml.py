"""One configuration of lxml for every XML a leak holds (Office parts, ODF, SVG, XMP).

A hostile file's XML may declare external entities (XXE: read a local file,
fetch a URL) or entities that expand exponentially (billion laughs). Every
parser culpa makes starts from :data:`SAFE_PARSER_OPTIONS`: no entity is
substituted, no DTD is loaded, nothing is fetched, and libxml2 keeps its
limits on depth and text size.
"""

from __future__ import annotations

from typing import Any

import lxml.etree

#: Options for :class:`lxml.etree.XMLParser` and :func:`lxml.etree.iterparse`.
SAFE_PARSER_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
}
#: libxml2's messages when a document tries entity expansion or an entity loop.
ENTITY_ATTACK_MARKERS = ("amplification", "entity reference loop", "entity loop")


def safe_parser(**options: Any) -> lxml.etree.XMLParser:
    """A new parser with the safe options (lxml parsers must not be shared by threads).

    ``options`` add to them (``recover``, ``remove_comments``, ...); they cannot
    turn entity substitution, DTD loading or the network back on.
    """
    for name in ("resolve_entities", "no_network", "load_dtd", "huge_tree"):
        if name in options and options[name] != SAFE_PARSER_OPTIONS[name]:
            raise ValueError(f"safe_parser: {name} cannot be changed")
    return lxml.etree.XMLParser(**{**SAFE_PARSER_OPTIONS, **options})


def is_entity_attack(error: BaseException) -> bool:
    """Whether libxml2 stopped on exponential entity expansion or an entity loop."""
    if isinstance(error, lxml.etree.XMLSyntaxError) and (
        error.code == lxml.etree.ErrorTypes.ERR_ENTITY_LOOP
    ):
        return True
    message = str(getattr(error, "msg", None) or error).lower()
    return any(marker in message for marker in ENTITY_ATTACK_MARKERS)
