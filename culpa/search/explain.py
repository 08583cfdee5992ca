"""Why a search found nothing: the filters that name what this case does not hold.

``--type csv`` on a case where CSV files are typed ``text`` finds nothing, and
"no hits" alone would let a reporter think the trove holds no such file. For each
filter whose value matches nothing in the case, :func:`explain_empty` says so and
lists the values that exist (with how many documents or pages have each). Only
run after an empty result, so its scans cost nothing on a search that finds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from culpa.search.query import Query, parse
from culpa.store.api import CaseStore, Catalog
from culpa.store.entity_filter import ENTITY_FIELDS, SPEAKER_FIELD, named_entities

#: Values shown per list; the rest are counted.
MAX_LISTED = 12
#: Names people give file types, and the type culpa stores for them.
TYPE_HINTS = {
    "csv": "text",
    "tsv": "text",
    "txt": "text",
    "json": "text",
    "ndjson": "text",
    "md": "text",
    "log": "text",
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "tif": "image",
    "tiff": "image",
    "gif": "image",
    "bmp": "image",
    "webp": "image",
    "eml": "email",
    "msg": "email",
    "mbox": "mailbox",
    "pst": "mailbox",
    "box": "mailbox",
    "htm": "html",
    "gz": "archive",
    "bz2": "archive",
    "xz": "archive",
    "iso": "archive",
}


def _listing(rows: Sequence[tuple[str, int]], unit: str) -> str:
    shown = [f"{value} ({n} {unit}{'s' * (n != 1)})" for value, n in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        shown.append(f"and {len(rows) - MAX_LISTED} more")
    return ", ".join(shown) if shown else "none"


def _types(catalog: Catalog, wanted: Sequence[str]) -> list[str]:
    rows = catalog.type_counts()
    present = {row[0] for row in rows}
    out = []
    for value in dict.fromkeys(v.lower() for v in wanted):
        if value in present:
            continue
        message = f"no documents of type {value}; types here: {_listing(rows, 'document')}"
        if value in TYPE_HINTS:
            message += f"; {value.upper()} files are typed {TYPE_HINTS[value]}"
        out.append(message)
    return out


def _languages(catalog: Catalog, wanted: Sequence[str]) -> list[str]:
    rows = catalog.language_counts()
    present = {str(row[0]).lower() for row in rows}
    out = []
    for value in dict.fromkeys(wanted):
        low = value.lower()
        if low in present or any(p.startswith(low + "-") for p in present):
            continue
        out.append(f"no pages in language {value}; languages here: {_listing(rows, 'page')}")
    return out


def _paths(catalog: Catalog, wanted: Sequence[str]) -> list[str]:
    return [
        f"no file was found under the path {prefix}"
        for prefix in dict.fromkeys(wanted)
        if not catalog.has_path_under(prefix)
    ]


def _fields(catalog: Catalog, fields: Sequence[tuple[str, str]]) -> list[str]:
    keys = list(dict.fromkeys(key for key, _ in fields))
    if not keys:
        return []
    rows = catalog.field_counts()
    present = {row[0] for row in rows}
    return [
        f"no document has a metadata field {key}; fields here: {_listing(rows, 'document')}"
        for key in keys
        if key not in present
    ]


def _years(catalog: Catalog, wanted: Sequence[str]) -> list[str]:
    if not wanted:
        return []
    rows = catalog.year_counts()
    present = {row[0] for row in rows}
    return [
        f"no document is dated {year}; years here: {_listing(rows, 'document')}"
        for year in dict.fromkeys(wanted)
        if year not in present
    ]


#: How an empty result names each kind of entity filter: (one, several).
_ENTITY_NOUNS = {
    "person": ("person", "people"),
    "org": ("organisation", "organisations"),
    "place": ("place", "places"),
}


def _entities(store: CaseStore, wanted: Sequence[tuple[str, str]]) -> list[str]:
    """``person:`` ``org:`` ``place:`` ``speaker:`` values that name no one in the case."""
    if not wanted:
        return []
    found = store.entities.entities()
    out = []
    for field, value in dict.fromkeys(wanted):
        if field == SPEAKER_FIELD:
            if next(iter(store.entities.quotations(speaker=value)), None) is None:
                speakers = Counter(q.entity for q in store.entities.quotations() if q.entity)
                listed = _listing(speakers.most_common(), "quotation")
                out.append(f"no quotation by {value}; speakers here: {listed}{_ANALYZE}")
            continue
        label = ENTITY_FIELDS[field]
        if named_entities(found, value, label):
            continue
        named = [e for e in found if e.label == label]
        one, several = _ENTITY_NOUNS[field]
        listed = _listing([(e.name, e.mentions) for e in named], "mention")
        out.append(f"no {one} named {value}; {several} here: {listed}{_ANALYZE}")
    return out


_ANALYZE = " (culpa analyze finds them; culpa entities lists them)"


def explain_empty(
    store: CaseStore,
    query: str | Query,
    *,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> list[str]:
    """Messages naming each filter value that matches nothing in the case, with the
    values that exist; empty when every filter matches something by itself."""
    q = parse(query) if isinstance(query, str) else query
    paths = [*q.paths, *([path_prefix] if path_prefix else [])]
    catalog = store.catalog
    return [
        *_types(catalog, [*q.types, *types]),
        *_languages(catalog, [*q.languages, *languages]),
        *_paths(catalog, paths),
        *_fields(catalog, q.fields),
        *_years(catalog, q.years),
        *_entities(store, q.entities),
    ]
