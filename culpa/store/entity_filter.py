"""Which mentions and quotations a search's entity filters keep, for any backend.

``person:陈全国``, ``org:公安厅``, ``place:喀什`` and ``speaker:习近平`` keep the pages
that mention such an entity, or that hold a quotation by such a speaker. A page,
not a document: a citation points at a page, and a 300-page file that names 陈全国
once is not 300 pages about him.

A filter value names an *entity* (a label and a canonical name, after the
reporter's merges, splits and aliases: :class:`culpa.store.entity_edits.Canon`),
compared folded as the edits compare names (:func:`culpa.store.entity_edits.folded`:
traditional and simplified script, case and accents alike). It names the
entities whose canonical name it is; only when no entity is so called, those it
is an alias of (the forms their mentions are written in, the names merged into
them, the aliases added). So ``person:陳全國`` finds the pages of 陈全国, and
``person:"Chen Quanguo"`` them too once that spelling is folded, merged or
aliased into 陈全国; and after a split, ``person:陈全国`` keeps the 陈全国 who kept
the name, not the one split off, whose mentions are still written 陈全国.

* ``person:`` names a whole name: a part of a person's name is a surname
  (``person:陈`` would be every 陈), so it matches nothing by itself.
* ``org:`` and ``place:`` also match a part of a name: an organisation is
  written out in full (``新疆维吾尔自治区公安厅``) and looked for by its head
  (``org:公安厅``), a place by the shorter name inside the longer (``place:喀什``
  keeps ``喀什地区`` too).
* ``speaker:`` keeps a quotation whose speaker's entity is so named (whole names,
  as ``person:``); where no speaker is, one whose speaker is written so
  (``speaker:officials``).

The backend reads the distinct mention and quotation keys (what the edits tell
apart: label, canonical name, written text, split; for a quotation the
speaker's name, the speaker as written, split), asks these functions which keys
the filter keeps, and then keeps the pages holding a finding with one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from culpa.store.entity_edits import Canon, EntityKey, MentionGroup, folded
from culpa.store.records import StoredEntity

#: Filter fields naming entities, and the label of the entities each keeps.
ENTITY_FIELDS: Final = {"person": "PER", "org": "ORG", "place": "LOC"}
#: The filter field keeping quotations by a speaker.
SPEAKER_FIELD: Final = "speaker"
#: Every entity filter field, in the order facets show them.
FILTER_FIELDS: Final = (*ENTITY_FIELDS, SPEAKER_FIELD)
#: The field a label's entities are filtered by (PER → person).
FIELD_OF_LABEL: Final = {label: field for field, label in ENTITY_FIELDS.items()}
#: Labels whose filter value may be a part of the name (see the module docstring).
PART_LABELS: Final = frozenset({"ORG", "LOC"})

#: A mention as the edits tell it apart: (label, canonical name, text, split edit or None).
MentionKey = tuple[str, str, str, int | None]
#: A quotation as the edits tell it apart: (speaker's canonical name, speaker as
#: written, the split edit that moved the mention at the speaker's span, or None).
QuoteKey = tuple[str | None, str | None, int | None]


def _matches(name: str, wanted: str, part: bool) -> bool:
    return wanted in folded(name) if part else folded(name) == wanted


def named_entities(
    entities: Iterable[StoredEntity], value: str, label: str | None = None
) -> set[EntityKey]:
    """The entities (of ``label``) ``value`` names: those whose canonical name it is (a part
    of it, for organisations and places); when none is so called, those it is an alias of.

    Names first, so that after a split ``person:陈全国`` keeps the 陈全国 who kept the
    name, not also the one split off, whose mentions are still written 陈全国.
    """
    wanted = folded(value)
    if not wanted:
        return set()
    candidates = [e for e in entities if label is None or e.label == label]
    by_name = {
        (e.label, e.name)
        for e in candidates
        if _matches(e.name, wanted, label is not None and e.label in PART_LABELS)
    }
    if by_name:
        return by_name
    return {
        (e.label, e.name)
        for e in candidates
        if any(_matches(a, wanted, label is not None and e.label in PART_LABELS) for a in e.aliases)
    }


def key_entities(canon: Canon, keys: Iterable[MentionKey]) -> list[StoredEntity]:
    """The entities the mention keys make, with their aliases (counts are of keys)."""
    return canon.entities(MentionGroup(*key, document_id=0, count=1) for key in keys)


def matching_mentions(
    canon: Canon,
    keys: Sequence[MentionKey],
    field: str,
    value: str,
    entities: Sequence[StoredEntity] | None = None,
) -> list[MentionKey]:
    """The mention keys whose entity ``field:value`` names (``field`` in ENTITY_FIELDS)."""
    found = key_entities(canon, keys) if entities is None else entities
    named = named_entities(found, value, ENTITY_FIELDS[field])
    if not named:
        return []
    return [key for key in keys if canon.entity(*key) in named]


def matching_quotes(
    canon: Canon, entities: Sequence[StoredEntity], keys: Iterable[QuoteKey], value: str
) -> list[QuoteKey]:
    """The quotation keys ``speaker:value`` keeps: the speaker's entity is named ``value``
    (by :func:`named_entities`, whole names only), or, where no speaker is so called, the
    speaker is written ``value``; folded."""
    wanted = folded(value)
    if not wanted:
        return []
    said = [(key, canon.speaker(*key)) for key in keys]
    names = {folded(name) for _, name in named_entities(entities, value)}
    if not names and any(entity and folded(entity) == wanted for _, entity in said):
        names = {wanted}  # a speaker no mention names (the recogniser missed them)
    return [
        key
        for key, entity in said
        if (entity and folded(entity) in names) or (not names and folded(key[1] or "") == wanted)
    ]
