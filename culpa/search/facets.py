"""How many pages match, and the facets of the result: how many matching pages fall in
each type, language, folder, year, tag and star state, with the query filter that
narrows the search to each.

Counted by the store over the matching pages (:func:`culpa.search.engine.matching_pages`).
A term on most of a large case matches far more pages than a screenful needs
(新疆 on 144,000 of 200,000 pages): reading every one of them takes a third of a
second or more (each page row is looked up), while counting the term alone in
the index takes 10 ms. So:

* a query without filters is counted exactly, in the index;
* its facets come from about one matching page in k (by a hash of its id) once more than
  :data:`FACET_SAMPLE_PAGES` match (a sample of ~1,000 pages spread over the
  whole case), scaled up and shown as approximate (≈);
* a query with filters (``type:pdf``, ``tag:x``, ...) whose words match more than
  :data:`EXACT_COUNT_PAGES` pages is counted on the same kind of sample and its
  count shown as approximate, unless even a ten times wider sample holds fewer
  than :data:`MIN_SAMPLE_MATCHES` pages (a filter keeping under ~1 % of them):
  then it is counted exactly, which is slower (~0.4 s on 144,000 matches, about
  what the search itself costs with such a filter).

The people, organisations, places and speakers on the matching pages (the
findings of ``culpa analyze``, after the reporter's merges and aliases) are
facets too, each value the number of matching pages naming it (on the same
sample), and a click adds ``person:NAME`` (``org:``, ``place:``, ``speaker:``).
``org:`` and ``place:`` match a part of a name, so a click on 公安厅 may keep
more pages than counted: those of 新疆维吾尔自治区公安厅 as well.

Results of recent queries are kept (:class:`FacetCache`), so paging through
results or coming back from a document does not count again; the key holds
the case's last page id and a counter bumped by every star, tag and note, so
an ingest or an annotation makes them fresh.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace

from culpa.search.engine import count, matching_page_ids
from culpa.search.query import Query
from culpa.store.api import CaseStore
from culpa.store.entity_filter import FILTER_FIELDS

#: Above this many matching pages, facets are counted on a spread sample of about this size.
FACET_SAMPLE_PAGES = 1000
#: A filtered query whose words match more pages than this is counted on a sample...
EXACT_COUNT_PAGES = 5_000
#: ...if the sample holds at least this many matches (about ±10 %); a sample holding
#: fewer is taken again this many times wider before the query is counted exactly.
MIN_SAMPLE_MATCHES = 100
SAMPLE_WIDENING = 10
#: Values shown per facet (the rest are summed up as "more").
MAX_VALUES = 12
#: Deepest folder level offered.
MAX_FOLDER_DEPTH = 8
#: Queries whose facets are kept.
FACET_CACHE_SIZE = 128
#: The titles of the facets of who is named on the matching pages (issue 12).
ENTITY_TITLES = {
    "person": "People",
    "org": "Organisations",
    "place": "Places",
    "speaker": "Speakers",
}

_PATH_PARTS = re.compile(r"(!/|/)")
_PLAIN_VALUE = re.compile(r"[^\s\"“”「」『』()（）:]+")


@dataclass(frozen=True, slots=True)
class FacetValue:
    label: str
    count: int
    #: The query filter narrowing to this value (``type:pdf``); None when none can express it.
    token: str | None


@dataclass(frozen=True, slots=True)
class Facet:
    name: str
    title: str
    values: tuple[FacetValue, ...]
    more: int = 0


@dataclass(frozen=True, slots=True)
class Facets:
    facets: tuple[Facet, ...]
    #: True when the facets were counted on a sample and scaled.
    approximate: bool
    sampled_pages: int
    #: Matching pages: exact, or estimated from the sample when ``total_exact`` is False.
    total_pages: int
    total_exact: bool
    #: Documents among the matches (exact only when not sampled).
    documents: int


def filter_token(field: str, value: str) -> str | None:
    """``field:value`` as the query language reads it back, quoting when needed."""
    if _PLAIN_VALUE.fullmatch(value):
        return f"{field}:{value}"
    for opening, closing in (('"', '"'), ("「", "」"), ("『", "』")):
        if closing not in value:
            return f"{field}:{opening}{value}{closing}"
    return None


def folder_prefixes(path: str, depth: int) -> str | None:
    """The first ``depth`` folders of a provenance path, with the separator after them."""
    parts = _PATH_PARTS.split(path)
    # parts alternate name, separator, name, ...; the last name is the file itself.
    if len(parts) <= 2 * depth:
        return None
    return "".join(parts[: 2 * depth])


def _top(counter: Counter[str], scale: float, field: str | None) -> tuple[list[FacetValue], int]:
    ranked = counter.most_common()
    values = [
        FacetValue(label, max(1, round(n * scale)), filter_token(field, label) if field else None)
        for label, n in ranked[:MAX_VALUES]
    ]
    return values, len(ranked) - len(values)


def _folders(
    paths: dict[int, list[str]], per_doc: Counter[int], current: tuple[str, ...]
) -> Counter[str]:
    """Folder counts at the first level below the current path filter that splits the matches."""
    # Where each path's folders end (after each "/" or "!/"), found once.
    ends = {
        doc_id: [(p, [m.end() for m in _PATH_PARTS.finditer(p)]) for p in doc_paths]
        for doc_id, doc_paths in paths.items()
    }
    everything = sum(per_doc[d] for d in paths)
    best: Counter[str] = Counter()
    for depth in range(1, MAX_FOLDER_DEPTH + 1):
        counter: Counter[str] = Counter()
        deeper = False
        for doc_id, doc_ends in ends.items():
            if len(doc_ends) == 1:
                path, cuts = doc_ends[0]
                if len(cuts) >= depth:
                    counter[path[: cuts[depth - 1]]] += per_doc[doc_id]
                    deeper = True
                continue
            # Several paths: a folder counts once per document.
            folders = {p[: c[depth - 1]] for p, c in doc_ends if len(c) >= depth}
            deeper = deeper or bool(folders)
            for folder in folders:
                counter[folder] += per_doc[doc_id]
        if not deeper:
            break
        # A folder the path filter already narrows to (or lies inside) says nothing.
        for folder in [f for f in counter if any(c.startswith(f) for c in current)]:
            del counter[folder]
        if counter:
            best = counter
            if len(counter) > 1 or next(iter(counter.values())) < everything:
                break  # this level tells the matches apart
    return best


def _unfiltered(query: Query) -> Query:
    return replace(
        query,
        types=(),
        languages=(),
        paths=(),
        fields=(),
        tags=(),
        starred=None,
        years=(),
        entities=(),
    )


def _named(store: CaseStore, page_ids: list[int]) -> dict[str, Counter[str]]:
    """Pages naming each person, organisation, place and speaker, by filter field."""
    named: dict[str, Counter[str]] = {field: Counter() for field in FILTER_FIELDS}
    for _, field, name in store.index.page_entities(page_ids) if page_ids else ():
        named[field][name] += 1
    return named


def _stride(total: int) -> int:
    return max(1, math.ceil(total / FACET_SAMPLE_PAGES)) if total > FACET_SAMPLE_PAGES else 1


def _round(estimate: int) -> int:
    """An estimate to three significant digits (the rest would be noise)."""
    if estimate < 1000:
        return estimate
    step: int = 10 ** (len(str(estimate)) - 3)
    return round(estimate / step) * step


def compute(store: CaseStore, query: Query) -> Facets:
    """The number of pages matching ``query`` and the facets of those pages."""
    total_exact = True
    if query.expr is None:  # filters alone: documents by their first pages
        total = count(store, query)
        rows = matching_page_ids(store, query, every=_stride(total)) if total else []
    else:
        words = count(store, _unfiltered(query))
        if words == 0 or _unfiltered(query) == query:
            total = words
            rows = matching_page_ids(store, query, every=_stride(total)) if total else []
        elif words <= EXACT_COUNT_PAGES:
            rows = matching_page_ids(store, query)
            total = len(rows)
            rows = rows[:: _stride(total)]
        else:
            every = _stride(words)
            rows = matching_page_ids(store, query, every=every)
            if len(rows) < MIN_SAMPLE_MATCHES and every >= 2 * SAMPLE_WIDENING:
                every //= SAMPLE_WIDENING  # a selective filter: a wider sample
                rows = matching_page_ids(store, query, every=every)
            if len(rows) >= MIN_SAMPLE_MATCHES:
                total, total_exact = _round(len(rows) * every), False
            else:
                rows = matching_page_ids(store, query)
                total = len(rows)
                rows = rows[:: _stride(total)]
    approximate = len(rows) < total
    scale = total / len(rows) if approximate and rows else 1.0
    per_doc: Counter[int] = Counter(doc_id for _, doc_id, _ in rows)
    languages: Counter[str] = Counter(lang for _, _, lang in rows if lang)
    ids = list(per_doc)
    types: Counter[str] = Counter()
    years: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    starred: Counter[str] = Counter()
    paths: dict[int, list[str]] = {}
    if ids:
        for doc_id, doc_type, year in store.catalog.types_and_years(ids):
            types[doc_type] += per_doc[doc_id]
            if isinstance(year, str) and len(year) == 4 and year.isdigit():
                years[year] += per_doc[doc_id]
        for doc_id, path in store.catalog.paths(ids):
            paths.setdefault(doc_id, []).append(path)
        marks = store.annotations.marks_of(ids)
        for doc_id, tag in marks.tags:
            tags[tag] += per_doc[doc_id]
        for doc_id in marks.starred:
            starred["yes"] += per_doc[doc_id]
    named = _named(store, [page_id for page_id, _, _ in rows])
    facets: list[Facet] = []
    for name, title, counter, field in (
        ("type", "File type", types, "type"),
        ("lang", "Language", languages, "lang"),
        ("folder", "Folder", _folders(paths, per_doc, query.paths), "path"),
        ("year", "Year", years, "year"),
        ("tag", "Tag", tags, "tag"),
        ("starred", "Starred", starred, "starred"),
        *((field, ENTITY_TITLES[field], named[field], field) for field in FILTER_FIELDS),
    ):
        values, more = _top(counter, scale, field)
        if name == "year":
            values.sort(key=lambda v: v.label, reverse=True)
        if values:
            facets.append(Facet(name, title, tuple(values), more))
    return Facets(
        facets=tuple(facets),
        approximate=approximate,
        sampled_pages=len(rows),
        total_pages=total,
        total_exact=total_exact,
        documents=len(per_doc),
    )


class FacetCache:
    """Facets of the most recent queries (thread-safe, least recently used dropped)."""

    def __init__(self, size: int = FACET_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[object, ...], Facets] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: CaseStore, text: str, query: Query, generation: int) -> Facets:
        key = (text, store.catalog.last_page_id(), generation)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        facets = compute(store, query)
        with self._lock:
            self._items[key] = facets
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return facets
