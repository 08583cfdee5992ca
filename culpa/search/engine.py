"""Ranked search over every stored page, returning citable :class:`Hit` values.

FTS5 finds and ranks candidate pages (bm25 over the bigram index, see
:mod:`culpa.index.tokens`); only the returned page texts are read, folded
with an offset map and searched for the query's positive terms, which gives
the span in ``pages.text`` that a citation points to.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import zlib
from collections.abc import Iterable, Sequence

from culpa.errors import QueryError
from culpa.index.tokens import (
    CJK_CLASS,
    cjk_runs,
    fold_with_offsets,
    has_token_chars,
    is_han_kana,
    normalize,
)
from culpa.models import Hit
from culpa.search.doubt import DOUBT_CLOSE, DOUBT_OPEN, doubtful_words, page_words
from culpa.search.expression import Term
from culpa.search.query import Query, parse
from culpa.store.tables import page_tables

#: Characters of context on each side of the match in a snippet.
SNIPPET_CONTEXT = 60
SNIPPET_OPEN = "[["
SNIPPET_CLOSE = "]]"
#: Matching pages above which the first results are ranked on a sample (see _ranked).
RANK_WINDOW = 2500
#: Filters that keep at most this many documents are searched document by document.
MAX_SELECTIVE_DOCUMENTS = 32

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


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _path_range(prefix: str) -> tuple[str, str]:
    # Every string starting with prefix sorts (binary collation) inside [prefix, prefix+U+10FFFF).
    return prefix, prefix + "\U0010ffff"


class _Filters:
    """SQL conditions on pages ``p`` / documents ``d`` for the type/lang/path filters."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.params: list[object] = []
        self.paths: list[str] = []
        #: True when a condition is on pages (language, OCR), not only on documents.
        self.page_level = False

    def types(self, values: Sequence[str]) -> None:
        if values:
            self.sql.append(f"d.type IN ({', '.join('?' * len(values))})")
            self.params.extend(v.lower() for v in values)

    def languages(self, values: Sequence[str]) -> None:
        # "zh" matches zh, zh-Hans and zh-Hant.
        if values:
            self.page_level = True
            ors = []
            for v in values:
                ors.append("(lower(p.language) = ? OR lower(p.language) LIKE ? ESCAPE '\\')")
                self.params.extend([v.lower(), _escape_like(v.lower()) + "-%"])
            self.sql.append("(" + " OR ".join(ors) + ")")

    def ocr(self, values: Sequence[str]) -> None:
        """``ocr:yes`` / ``ocr:no`` / ``ocr:low`` (alternatives), on ``pages.method``.

        Low is :func:`culpa.analysis.ocr.quality.is_low_page` in SQL: an OCR'd
        page below the threshold, or one with no confidence at all.
        """
        if not values:
            return
        from culpa.analysis.ocr.quality import LOW_PAGE_CONFIDENCE  # see search.doubt

        self.page_level = True
        ors = []
        for v in values:
            if v == "yes":
                ors.append("p.method = 'ocr'")
            elif v == "no":
                ors.append("p.method <> 'ocr'")
            else:
                ors.append("(p.method = 'ocr' AND coalesce(p.ocr_confidence < ?, 1))")
                self.params.append(LOW_PAGE_CONFIDENCE)
        self.sql.append("(" + " OR ".join(ors) + ")")

    def path_prefixes(self, values: Sequence[str]) -> None:
        if values:
            ors = []
            for v in values:
                ors.append("(pr.path >= ? AND pr.path < ?)")
                self.params.extend(_path_range(v))
            self.sql.append(
                "EXISTS (SELECT 1 FROM provenance pr WHERE pr.document_id = p.document_id AND ("
                + " OR ".join(ors)
                + "))"
            )
            self.paths.extend(values)

    def metadata(self, fields: Sequence[tuple[str, str]]) -> None:
        """Each key must hold one of its values (a substring, ASCII case-insensitive)."""
        by_key: dict[str, list[str]] = {}
        for key, value in fields:
            by_key.setdefault(key, []).append(value)
        for key, values in by_key.items():
            likes = " OR ".join("je.value LIKE ? ESCAPE '\\'" for _ in values)
            self.sql.append(
                f"EXISTS (SELECT 1 FROM json_each(d.metadata) je WHERE je.key = ? AND ({likes}))"
            )
            self.params.append(key)
            self.params.extend(f"%{_escape_like(v)}%" for v in values)

    def annotations(self, conn: sqlite3.Connection, q: Query) -> None:
        """``tag:`` (any of the tags), ``starred:`` and ``year:`` (any of the years)."""
        if q.years:
            self.sql.append(f"{YEAR_SQL} IN ({', '.join('?' * len(q.years))})")
            self.params.extend(q.years)
        if (q.tags or q.starred is not None) and not _has_annotations(conn):
            # A case from before annotations: nothing is tagged or starred.
            if q.tags or q.starred:
                self.sql.append("0")
            return
        if q.tags:
            self.sql.append(
                "EXISTS (SELECT 1 FROM tags t WHERE t.document_id = p.document_id AND t.tag IN "
                f"({', '.join('?' * len(q.tags))}))"
            )
            self.params.extend(q.tags)
        if q.starred is not None:
            self.sql.append(
                ("" if q.starred else "NOT ")
                + "EXISTS (SELECT 1 FROM stars s WHERE s.document_id = p.document_id)"
            )


#: Knuth's multiplicative hash (2^32 / golden ratio), for sampling page ids.
_HASH_MULTIPLIER = 2654435761
_HASH_MASK = 0xFFFFFFFF

#: A document's year: the first four characters of the date its text states
#: (:mod:`culpa.analysis.dates`), else of created, else date_iso, else modified.
YEAR_SQL = (
    "substr(coalesce(json_extract(d.metadata, '$.date_in_text'), "
    "json_extract(d.metadata, '$.created'), "
    "json_extract(d.metadata, '$.date_iso'), json_extract(d.metadata, '$.modified')), 1, 4)"
)


def _has_annotations(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('tags', 'stars')"
    ).fetchone()
    return int(row[0]) == 2


def _prepare(
    conn: sqlite3.Connection,
    query: str | Query,
    types: Sequence[str],
    languages: Sequence[str],
    path_prefix: str | None,
) -> tuple[Query, _Filters]:
    q = parse(query) if isinstance(query, str) else query
    f = _Filters()
    f.types(q.types)
    f.types(types)
    f.languages(q.languages)
    f.languages(languages)
    f.ocr(q.ocr)
    f.path_prefixes(q.paths)
    if path_prefix:
        f.path_prefixes([path_prefix])
    f.metadata(q.fields)
    f.annotations(conn, q)
    return q, f


def _from_where(q: Query, f: _Filters, *, join: bool = False) -> tuple[str, list[object]]:
    if q.expr is None:
        # Filters alone: each matching document once, by its first page; but OCR
        # quality is a page's, so ocr: alone lists every page it keeps.
        sql = (
            "FROM pages p JOIN documents d ON d.id = p.document_id "
            f"WHERE {'1' if q.ocr else 'p.number = 1'} AND " + " AND ".join(f.sql or ["1"])
        )
        return sql, list(f.params)
    if f.sql or join:
        sql = (
            "FROM page_index JOIN pages p ON p.id = page_index.rowid "
            "JOIN documents d ON d.id = p.document_id "
            "WHERE page_index MATCH ? AND " + " AND ".join(f.sql or ["1"])
        )
    else:
        sql = "FROM page_index WHERE page_index MATCH ?"
    return sql, [q.match(), *f.params]


def _run(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[tuple[int, float]]:
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as e:
        # The MATCH string is built from quoted tokens, so this is a bug or an FTS5 limit.
        raise QueryError(f"full-text search failed: {e}") from e


def _selective_documents(conn: sqlite3.Connection, f: _Filters) -> list[int] | None:
    """The documents the filters allow, when they are few enough to search one by one.

    A filter that keeps few documents (a tag, a star, a narrow path) on a word
    found on most pages would otherwise walk and join every match. Only
    document-level filters qualify; None means "use the ordinary plan".
    """
    if not f.sql or f.page_level or MAX_SELECTIVE_DOCUMENTS <= 0:
        return None
    rows = conn.execute(
        "SELECT d.id FROM documents d JOIN pages p ON p.document_id = d.id AND p.number = 1 "
        f"WHERE {' AND '.join(f.sql)} LIMIT ?",
        [*f.params, MAX_SELECTIVE_DOCUMENTS + 1],
    ).fetchall()
    if len(rows) > MAX_SELECTIVE_DOCUMENTS:
        return None
    return [row[0] for row in rows]


def _ranked_in_documents(
    conn: sqlite3.Connection, q: Query, documents: Sequence[int]
) -> list[tuple[int, float]] | None:
    """Every matching page of ``documents`` with its bm25, best first (exact order).

    A document's pages have consecutive ids (the writer stores them together),
    and a rowid range is the one restriction FTS5 applies while walking a
    doclist, so each document costs one short query. None if some document's
    pages are not one run of ids (then the ordinary plan is used).
    """
    match = q.match()
    rows: list[tuple[int, float]] = []
    for document in documents:
        low, high, pages = conn.execute(
            "SELECT min(id), max(id), count(*) FROM pages WHERE document_id = ?", (document,)
        ).fetchone()
        if low is None:
            continue
        if high - low + 1 != pages:
            return None
        rows += _run(
            conn,
            "SELECT rowid, bm25(page_index) FROM page_index WHERE page_index MATCH ? "
            "AND rowid BETWEEN ? AND ?",
            [match, low, high],
        )
    rows.sort(key=lambda row: (row[1], row[0]))
    return rows


def _ranked(
    conn: sqlite3.Connection, q: Query, f: _Filters, limit: int, offset: int
) -> list[tuple[int, float]]:
    """``(page id, bm25)`` of the wanted result rows, best first.

    FTS5 computes bm25 for every matching page before it sorts (a few µs a
    page), so a bigram found on most of 200,000 pages would take ~0.3–0.5 s.
    When more than :data:`RANK_WINDOW` pages match, the first results are
    therefore ranked among a sample: one run of consecutive page ids holding
    about RANK_WINDOW matches, placed by a hash of the query. A rowid range is
    the only restriction FTS5 applies before walking the doclist (a spread,
    stride-like sample measured 2–3x slower). Results past the sample follow
    in exact bm25 order, so paging neither repeats nor skips a page.
    Measured in bench/search_latency.py.
    """
    from_where, params = _from_where(q, f)
    if q.expr is None:
        return _run(
            conn,
            f"SELECT p.id, 0 {from_where} ORDER BY p.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    documents = _selective_documents(conn, f)
    if documents is not None and (rows := _ranked_in_documents(conn, q, documents)) is not None:
        return rows[offset : offset + limit]
    want = offset + limit
    # bm25() rather than the rank column: SQLite then applies the filters before
    # ranking, where FTS5 would rank every match first.
    select = f"SELECT page_index.rowid, bm25(page_index) {from_where}"
    match = "FROM page_index WHERE page_index MATCH ?"
    # Walking a doclist is far cheaper than ranking it: probe for its size.
    probe = conn.execute(
        f"SELECT rowid {match} ORDER BY rowid LIMIT 1 OFFSET ?", (params[0], RANK_WINDOW)
    ).fetchone()
    if probe is None:
        return _run(conn, f"{select} ORDER BY 2, 1 LIMIT ? OFFSET ?", [*params, limit, offset])
    lo = conn.execute(f"SELECT rowid {match} ORDER BY rowid LIMIT 1", (params[0],)).fetchone()[0]
    hi = conn.execute(f"SELECT rowid {match} ORDER BY rowid DESC LIMIT 1", (params[0],))
    # [lo, probe) holds RANK_WINDOW matches: a run that wide, somewhere in [lo, hi].
    width = probe[0] - lo
    room = hi.fetchone()[0] - lo - width + 1
    first = lo + zlib.crc32(str(params[0]).encode()) % max(1, room)
    last = first + width - 1
    sample = _run(
        conn,
        f"{select} AND page_index.rowid BETWEEN ? AND ? ORDER BY 2, 1 LIMIT ?",
        [*params, first, last, want],
    )
    if len(sample) >= want:
        return sample[offset:want]
    # Past the sample (all of it is in hand): every other match in exact bm25 order.
    rest = _run(conn, f"{select} ORDER BY 2, 1 LIMIT ?", [*params, want])
    combined = sample + [r for r in rest if not first <= r[0] <= last]
    return combined[offset:want]


def search(
    conn: sqlite3.Connection,
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
    q, f = _prepare(conn, query, types, languages, path_prefix)
    if limit == 0:
        return []
    ranked = _ranked(conn, q, f, limit, offset)
    if not ranked:
        return []
    return _hits(conn, q, f, ranked)


def count(
    conn: sqlite3.Connection,
    query: str | Query,
    *,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> int:
    """How many pages match (no ranking, so cheaper than a full search)."""
    q, f = _prepare(conn, query, types, languages, path_prefix)
    if q.expr is not None and (documents := _selective_documents(conn, f)) is not None:
        rows = _ranked_in_documents(conn, q, documents)
        if rows is not None:
            return len(rows)
    from_where, params = _from_where(q, f)
    rows = _run(conn, f"SELECT count(*), 0 {from_where}", params)
    return int(rows[0][0])


def totals(
    conn: sqlite3.Connection,
    query: str | Query,
    *,
    types: Sequence[str] = (),
    languages: Sequence[str] = (),
    path_prefix: str | None = None,
) -> tuple[int, int]:
    """How many pages and how many documents match (exact; a query of filters alone
    counts each document once, by its first page, as :func:`search` lists them)."""
    q, f = _prepare(conn, query, types, languages, path_prefix)
    from_where, params = _from_where(q, f, join=True)
    row = _run(conn, f"SELECT count(*), count(DISTINCT p.document_id) {from_where}", params)
    return int(row[0][0]), int(row[0][1])


def matching_pages(
    conn: sqlite3.Connection,
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
    q, f = _prepare(conn, query, types, languages, path_prefix)
    from_where, params = _from_where(q, f, join=True)
    if every > 1:
        # On the index's rowid, so skipped pages are never read from the pages table.
        rowid = "page_index.rowid" if q.expr else "p.id"
        from_where += f" AND (({rowid} * {_HASH_MULTIPLIER}) & {_HASH_MASK}) < ?"
        params.append((_HASH_MASK + 1) // every)
    rows = conn.execute(f"SELECT p.document_id, p.language {from_where}", params).fetchall()
    return [(int(r[0]), r[1]) for r in rows]


def _hits(
    conn: sqlite3.Connection, q: Query, f: _Filters, ranked: list[tuple[int, float]]
) -> list[Hit]:
    ids = [rowid for rowid, _ in ranked]
    path_sql = "SELECT path FROM provenance pr WHERE pr.document_id = d.id"
    path_params: list[object] = []
    if f.paths:
        # Show a path that satisfies the path filter.
        path_sql += " AND (" + " OR ".join("(pr.path >= ? AND pr.path < ?)" for _ in f.paths) + ")"
        for prefix in f.paths:
            path_params.extend(_path_range(prefix))
    path_sql += " ORDER BY length(pr.path), pr.path LIMIT 1"
    rows = conn.execute(
        f"SELECT p.id, p.document_id, d.sha256, ({path_sql}), p.number, p.text, d.type, "
        f"p.language, p.method, p.ocr_engine, p.ocr_confidence "
        f"FROM pages p JOIN documents d ON d.id = p.document_id "
        f"WHERE p.id IN ({', '.join('?' * len(ids))})",
        [*path_params, *ids],
    ).fetchall()
    by_id = {row[0]: row for row in rows}
    # Word confidences are read for OCR'd pages only: text-layer hits cost nothing more.
    ocr_pages = [row[0] for row in rows if row[8] == "ocr"]
    words = page_words(conn, ocr_pages)
    pattern = match_pattern(q.terms)
    tables = page_tables(conn, [row[0] for row in rows])
    hits = []
    for rowid, rank in ranked:
        row = by_id.get(rowid)
        if row is None:  # indexed but no longer stored: skip rather than cite nothing
            continue
        _, document_id, sha256, path, number, text, doc_type, language = row[:8]
        method, engine, confidence = row[8:]
        span = locate(text, pattern)
        start, end = span if span is not None else (0, 0)
        # No passage (filters alone): the page's opening, twice the context long.
        context = SNIPPET_CONTEXT if span is not None else 2 * SNIPPET_CONTEXT
        lo, hi = snippet_window(text, start, end, context)
        doubtful = tuple(doubtful_words(words[rowid], lo, hi, text)) if rowid in words else ()
        table = tables.get(rowid)
        text_snippet = snippet(text, start, end, context, doubtful, mark=span is not None)
        if table is not None and span is not None:
            text_snippet = _row_snippet(text, start, end, context) or text_snippet
        hits.append(
            Hit(
                document_id=document_id,
                sha256=sha256,
                path=path or "",
                page=number,
                start=start,
                end=end,
                snippet=text_snippet,
                score=-rank,
                type=doc_type,
                language=language,
                method=method,
                ocr_engine=engine,
                ocr_confidence=confidence,
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
