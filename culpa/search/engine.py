"""Ranked search over every stored page, returning citable :class:`Hit` values.

The case's full-text index (``store.index``: FTS5 and bm25 over the bigram
index in SQLite, see :mod:`culpa.store.sqlite.fts` and :mod:`culpa.index.tokens`)
finds and ranks candidate pages for the query's expression (the nodes of
:mod:`culpa.index.expression`, which each backend writes in its own syntax) and its
filters (:class:`culpa.store.records.PageFilters`, data the index turns into its own
query); only the returned page texts are read, folded with an offset map and
searched for the query's positive terms, which gives the span in ``pages.text``
that a citation points to.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from culpa.index.expression import Node, Term
from culpa.index.tokens import (
    CJK_CLASS,
    cjk_runs,
    fold_with_offsets,
    has_token_chars,
    is_han_kana,
    normalize,
)
from culpa.models import Hit
from culpa.search.doubt import DOUBT_CLOSE, DOUBT_OPEN, doubtful_words
from culpa.search.query import Query, parse
from culpa.store.api import CaseStore, TextIndex
from culpa.store.records import PageFilters

#: Characters of context on each side of the match in a snippet.
SNIPPET_CONTEXT = 60
SNIPPET_OPEN = "[["
SNIPPET_CLOSE = "]]"

# unicode61 token characters, approximately: letters and digits (not "_").
_TOK = r"[^\W_]"
_NON_TOK = r"[\W_]"
# A token character that is not written as bigrams: the edge of a Latin word.
_WORD_CHAR = f"(?!{CJK_CLASS}){_TOK}"
_SPACES = re.compile(r"\s+")


def _run_pattern(run: str) -> str:
    out = [re.escape(run[0])]
    for prev, c in itertools.pairwise(run):
        # The index drops whitespace between Han/kana, so the text may have a line break here.
        out.append(r"\s*" if is_han_kana(prev) and is_han_kana(c) else "")
        out.append(re.escape(c))
    return "".join(out)


def term_pattern(term: Term) -> str | None:
    """Regex finding ``term`` in folded page text the way the index matches it."""
    parts = [(cjk, p) for cjk, p in cjk_runs(normalize(term.text)) if cjk or has_token_chars(p)]
    if not parts:
        return None
    out: list[str] = []
    prev: tuple[bool, str] | None = None
    for cjk, piece in parts:
        if prev is not None:
            if prev[0] and cjk:
                # Two CJK runs were split by punctuation: the text needs a separator too.
                both_han = is_han_kana(prev[1][-1]) and is_han_kana(piece[0])
                out.append(rf"{_NON_TOK}*[^\w\s]{_NON_TOK}*" if both_han else f"{_NON_TOK}+")
            else:
                out.append(f"{_NON_TOK}*")
        if cjk:
            out.append(_run_pattern(piece))
        else:
            words = [w for w in re.split(_NON_TOK, piece) if w]
            out.append(f"{_NON_TOK}+".join(re.escape(w) for w in words))
        prev = (cjk, piece)
    pattern = "".join(out)
    if not parts[0][0]:
        pattern = f"(?<!{_WORD_CHAR})" + pattern
    if not parts[-1][0]:
        # A prefix (surveil*) takes in the rest of its word, so the span is the whole word.
        pattern += f"(?:{_WORD_CHAR})*" if term.prefix else f"(?!{_WORD_CHAR})"
    return pattern


def match_pattern(terms: Iterable[Term]) -> re.Pattern[str] | None:
    """One regex for all positive terms; its leftmost match is the hit's first match."""
    # Each distinct pattern once: "a OR a OR …" is one alternative, not hundreds tried
    # at every position of every page (the number of terms is capped by the parser).
    patterns = list(dict.fromkeys(p for t in terms if (p := term_pattern(t)) is not None))
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def locate(text: str, pattern: re.Pattern[str] | None) -> tuple[int, int] | None:
    """Span in ``text`` (stored page text) of the first match, or None."""
    if pattern is None:
        return None
    folded, starts, ends = fold_with_offsets(text)
    m = pattern.search(folded)
    if m is None or m.end() == m.start():
        return None
    return starts[m.start()], ends[m.end() - 1]


def snippet_window(
    text: str, start: int, end: int, context: int = SNIPPET_CONTEXT
) -> tuple[int, int]:
    """The characters of ``text`` a snippet around ``start``..``end`` shows."""
    return max(0, start - context), min(len(text), end + context)


def snippet(
    text: str,
    start: int,
    end: int,
    context: int = SNIPPET_CONTEXT,
    doubtful: Sequence[tuple[int, int, float]] = (),
    *,
    mark: bool = True,
) -> str:
    """The match with ``context`` characters each side, marked, on one line.

    ``doubtful`` OCR words (spans in ``text``) are marked ``[?…?]``, inside or
    outside the match, so a quoted snippet never hides that a machine guessed.
    Without ``mark`` (a hit of filters alone, no passage matched) the match is
    not marked: the snippet is then the page's opening, not an empty ``[[]]``.
    """
    lo, hi = snippet_window(text, start, end, context)

    def flat(a: int, b: int) -> str:
        # Cut [a, b) at the doubtful words' edges and mark the words.
        out: list[str] = []
        pos = a
        for w_start, w_end, _ in doubtful:
            w_start, w_end = max(w_start, pos), min(w_end, b)
            if w_start >= w_end:
                continue
            out.append(_SPACES.sub(" ", text[pos:w_start]))
            out.append(DOUBT_OPEN + _SPACES.sub(" ", text[w_start:w_end]) + DOUBT_CLOSE)
            pos = w_end
        out.append(_SPACES.sub(" ", text[pos:b]))
        return "".join(out)

    return (
        ("…" if lo > 0 else "")
        + flat(lo, start)
        + (SNIPPET_OPEN if mark else "")
        + flat(start, end)
        + (SNIPPET_CLOSE if mark else "")
        + flat(end, hi)
        + ("…" if hi < len(text) else "")
    ).strip()


def _groups(*groups: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(group) for group in groups if group)


def _prepare(
    query: str | Query,
    types: Sequence[str],
    languages: Sequence[str],
    path_prefix: str | None,
) -> tuple[Query, Node | None, PageFilters]:
    """The parsed query, its expression (None: filters alone) and its filters.

    Keyword filters are groups of their own: they apply on top of the query's.
    """
    q = parse(query) if isinstance(query, str) else query
    filters = PageFilters(
        types=_groups(q.types, types),
        languages=_groups(q.languages, languages),
        ocr=q.ocr,
        paths=_groups(q.paths, [path_prefix] if path_prefix else ()),
        fields=q.fields,
        years=q.years,
        tags=q.tags,
        starred=q.starred,
        entities=q.entities,
    )
    return q, q.expr, filters


def search(
    store: CaseStore,
    query: str | Query,
    *,
    limit: int = 20,
    offset: int = 0,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> list[Hit]:
    """Best-ranked pages for ``query``, each with its first match located.

    Keyword filters apply on top of any ``type:``/``lang:``/``path:`` in the
    query. ``Hit.score`` is bm25 negated: higher is better.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
    q, expr, filters = _prepare(query, types, languages, path_prefix)
    if limit == 0:
        return []
    index = store.index
    ranked = index.ranked(expr, filters, limit, offset)
    if not ranked:
        return []
    return _hits(index, q, filters, ranked)


def count(
    store: CaseStore,
    query: str | Query,
    *,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> int:
    """How many pages match (no ranking, so cheaper than a full search)."""
    _, expr, filters = _prepare(query, types, languages, path_prefix)
    return store.index.count(expr, filters)


def totals(
    store: CaseStore,
    query: str | Query,
    *,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> tuple[int, int]:
    """How many pages and how many documents match (exact; a query of filters alone
    counts each document once, by its first page, as :func:`search` lists them)."""
    _, expr, filters = _prepare(query, types, languages, path_prefix)
    return store.index.totals(expr, filters)


def matching_pages(
    store: CaseStore,
    query: str | Query,
    *,
    every: int = 1,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> list[tuple[int, str | None]]:
    """``(document id, page language)`` of every matching page, unranked.

    With ``every`` > 1 about one page in ``every``, chosen by a multiplicative
    hash of the page id (not a stride, which would fall in step with regular
    layouts such as a fixed number of pages per document): a sample spread
    over the whole case, for statistics (facets) on huge result sets.
    """
    if every < 1:
        raise ValueError("every must be >= 1")
    _, expr, filters = _prepare(query, types, languages, path_prefix)
    return store.index.matching_pages(expr, filters, every)


def matching_page_ids(
    store: CaseStore, query: str | Query, *, every: int = 1
) -> list[tuple[int, int, str | None]]:
    """``(page id, document id, page language)`` of every matching page, unranked
    (``every`` as in :func:`matching_pages`)."""
    if every < 1:
        raise ValueError("every must be >= 1")
    _, expr, filters = _prepare(query, (), (), None)
    return store.index.matching_page_ids(expr, filters, every)


def _hits(
    index: TextIndex, q: Query, filters: PageFilters, ranked: list[tuple[int, float]]
) -> list[Hit]:
    pages = index.hit_pages([rowid for rowid, _ in ranked], filters.path_prefixes)
    by_id = {page.id: page for page in pages}
    pattern = match_pattern(q.terms)
    hits = []
    for rowid, rank in ranked:
        page = by_id.get(rowid)
        if page is None:  # indexed but no longer stored: skip rather than cite nothing
            continue
        text = page.text
        span = locate(text, pattern)
        start, end = span if span is not None else (0, 0)
        # No passage (filters alone): the page's opening, twice the context long.
        context = SNIPPET_CONTEXT if span is not None else 2 * SNIPPET_CONTEXT
        lo, hi = snippet_window(text, start, end, context)
        doubtful = tuple(doubtful_words(page.words, lo, hi, text)) if page.words else ()
        table = page.table
        text_snippet = snippet(text, start, end, context, doubtful, mark=span is not None)
        if table is not None and span is not None:
            text_snippet = _row_snippet(text, start, end, context) or text_snippet
        hits.append(
            Hit(
                document_id=page.document_id,
                sha256=page.sha256,
                path=page.path or "",
                page=page.number,
                start=start,
                end=end,
                snippet=text_snippet,
                score=-rank,
                type=page.type,
                language=page.language,
                method=page.method,
                ocr_engine=page.ocr_engine,
                ocr_confidence=page.ocr_confidence,
                doubtful=doubtful,
                table=table.name if table is not None else None,
                row=table.row_at(text, start) if table is not None else None,
            )
        )
    return hits


def _row_snippet(text: str, start: int, end: int, context: int) -> str | None:
    """On a table's page, the snippet of the match's own row (line), not its neighbours."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    if "\n" in text[start:end]:  # a match across rows: the page's snippet
        return None
    return snippet(text[lo:hi], start - lo, end - lo, context)
