"""The full-text index (:class:`~culpa.store.api.TextIndex`): the contentless FTS5 ``page_index``.

The table holds only tokens (see :mod:`culpa.index.tokens`); the text lives in
``pages`` and ``page_index.rowid`` is ``pages.id``. Being contentless, a row
can only be removed by replaying the tokens it was indexed with, so
:func:`unindex_page` needs the same text and :data:`TOKENS_VERSION`.

FTS5 finds and ranks candidate pages (bm25 over the bigram index); the
search engine (:mod:`culpa.search.engine`) then reads only the returned pages
and locates the query in them. How the candidates are found fast on a large
case (a sample of the doclist for the first results, document by document
under a selective filter) is FTS5's business and stays here.

The index is asked with the expression nodes of :mod:`culpa.index.expression`,
and this module alone writes them as an FTS5 MATCH string (:func:`to_match`).
Every user string reaches FTS5 inside double quotes (with ``"`` doubled), so
no input can inject FTS5 syntax (column filters, NEAR, ^, *); the operators in
the MATCH string are only the ones written here.

A term becomes the phrase of its index tokens
(:func:`culpa.index.expression.term_tokens`: CJK as bigrams). A phrase ending
in two or more CJK characters is matched one token short of its end (the
trailing unigram is dropped), so a ``NEAR`` whose phrases end so is widened by
one (see the module docstring of :mod:`culpa.search.query` for the whole rule).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Sequence

from culpa.errors import QueryError
from culpa.index.expression import Near, Node, Not, Or, Term, ending, term_tokens
from culpa.index.tokens import index_text
from culpa.store.records import HitPage, PageFilters
from culpa.store.sqlite.annotations import has_tables as has_annotations
from culpa.store.sqlite.catalog import YEAR_SQL, path_range
from culpa.store.sqlite.entity_pages import EntityPages
from culpa.store.sqlite.tables import SqliteTables
from culpa.store.sqlite.words import page_words

#: Matching pages above which the first results are ranked on a sample (see _ranked).
RANK_WINDOW = 2500
#: Filters that keep at most this many documents are searched document by document.
MAX_SELECTIVE_DOCUMENTS = 32

#: Knuth's multiplicative hash (2^32 / golden ratio), for sampling page ids.
_HASH_MULTIPLIER = 2654435761
_HASH_MASK = 0xFFFFFFFF


def index_page(conn: sqlite3.Connection, page_id: int, text: str) -> None:
    """Index one stored page (``pages.id`` = ``page_id``)."""
    conn.execute("INSERT INTO page_index(rowid, tokens) VALUES (?, ?)", (page_id, index_text(text)))


def index_pages(conn: sqlite3.Connection, pages: Iterable[tuple[int, str]]) -> int:
    """Index many ``(page_id, text)`` pairs; return how many."""
    count = 0

    def rows() -> Iterable[tuple[int, str]]:
        nonlocal count
        for page_id, text in pages:
            count += 1
            yield page_id, index_text(text)

    conn.executemany("INSERT INTO page_index(rowid, tokens) VALUES (?, ?)", rows())
    return count


def unindex_page(conn: sqlite3.Connection, page_id: int, text: str) -> None:
    """Remove a page from the index; ``text`` must be what it was indexed with."""
    conn.execute(
        "INSERT INTO page_index(page_index, rowid, tokens) VALUES ('delete', ?, ?)",
        (page_id, index_text(text)),
    )


def reindex_all(conn: sqlite3.Connection) -> int:
    """Rebuild the whole index from ``pages`` (after a :data:`TOKENS_VERSION` change)."""
    conn.execute("INSERT INTO page_index(page_index) VALUES ('delete-all')")
    # A second cursor streams the pages while the first one writes the index.
    n = index_pages(conn, conn.cursor().execute("SELECT id, text FROM pages ORDER BY id"))
    optimize(conn)
    return n


def optimize(conn: sqlite3.Connection) -> None:
    """Merge the index into one segment; do it after a bulk ingest (queries get faster)."""
    conn.execute("INSERT INTO page_index(page_index) VALUES ('optimize')")


def _quote(tokens: str) -> str:
    return '"' + tokens.replace('"', '""') + '"'


def term_match(term: Term) -> str:
    """One term as an FTS5 phrase of index tokens (CJK as bigrams)."""
    tokens, prefix = term_tokens(term)
    return _quote(tokens) + (" *" if prefix else "")


def near_match(node: Near) -> str:
    """``NEAR(…, N)``, widened by one for phrases that end one token short (see the module
    docstring)."""
    widen = 1 if ending(node.terms[0].text) == "run" else 0
    phrases = " ".join(term_match(t) for t in node.terms)
    return f"NEAR({phrases}, {node.distance + widen})"


def to_match(node: Node) -> str:
    """FTS5 MATCH string for an expression checked by :func:`culpa.search.query.parse`."""
    if isinstance(node, Term):
        return term_match(node)
    if isinstance(node, Near):
        return near_match(node)
    if isinstance(node, Or):
        return "(" + " OR ".join(to_match(c) for c in node.children) + ")"
    if isinstance(node, Not):  # only reached under an And; see below
        return to_match(node.child)
    positives = [to_match(c) for c in node.children if not isinstance(c, Not)]
    negatives = [to_match(c) for c in node.children if isinstance(c, Not)]
    out = "(" + " AND ".join(positives) + ")"
    for neg in negatives:
        out = f"({out} NOT {neg})"
    return out


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Filters:
    """SQL conditions on pages ``p`` / documents ``d`` for :class:`PageFilters`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        filters: PageFilters,
        entity_pages: EntityPages | None = None,
    ) -> None:
        self.sql: list[str] = []
        self.params: list[object] = []
        #: True when a condition is on pages (language, OCR), not only on documents.
        self.page_level = False
        for types in filters.types:
            self.types(types)
        for languages in filters.languages:
            self.languages(languages)
        self.ocr(filters.ocr)
        for paths in filters.paths:
            self.path_prefixes(paths)
        self.metadata(filters.fields)
        self.annotations(conn, filters)
        self.entities(entity_pages or EntityPages(conn), filters.entities)

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
                self.params.extend(path_range(v))
            self.sql.append(
                "EXISTS (SELECT 1 FROM provenance pr WHERE pr.document_id = p.document_id AND ("
                + " OR ".join(ors)
                + "))"
            )

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

    def annotations(self, conn: sqlite3.Connection, filters: PageFilters) -> None:
        """``tag:`` (any of the tags), ``starred:`` and ``year:`` (any of the years)."""
        if filters.years:
            self.sql.append(f"{YEAR_SQL} IN ({', '.join('?' * len(filters.years))})")
            self.params.extend(filters.years)
        if (filters.tags or filters.starred is not None) and not has_annotations(conn):
            # A case from before annotations: nothing is tagged or starred.
            if filters.tags or filters.starred:
                self.sql.append("0")
            return
        if filters.tags:
            self.sql.append(
                "EXISTS (SELECT 1 FROM tags t WHERE t.document_id = p.document_id AND t.tag IN "
                f"({', '.join('?' * len(filters.tags))}))"
            )
            self.params.extend(filters.tags)
        if filters.starred is not None:
            self.sql.append(
                ("" if filters.starred else "NOT ")
                + "EXISTS (SELECT 1 FROM stars s WHERE s.document_id = p.document_id)"
            )

    def entities(self, pages: EntityPages, wanted: Sequence[tuple[str, str]]) -> None:
        """``person:`` ``org:`` ``place:`` ``speaker:``: each must hold on the page
        (:mod:`culpa.store.sqlite.entity_pages`)."""
        if not wanted:
            return
        self.page_level = True
        for field, value in dict.fromkeys(wanted):
            sql, params = pages.condition(field, value)
            self.sql.append(sql)
            self.params.extend(params)


def _from_where(
    match: str | None, filters: PageFilters, f: _Filters, *, join: bool = False
) -> tuple[str, list[object]]:
    if match is None:
        # Filters alone: each matching document once, by its first page; but OCR
        # quality and a mention are a page's, so ocr: and person: (org:, place:,
        # speaker:) alone list every page they keep.
        every_page = filters.ocr or filters.entities
        sql = (
            "FROM pages p JOIN documents d ON d.id = p.document_id "
            f"WHERE {'1' if every_page else 'p.number = 1'} AND " + " AND ".join(f.sql or ["1"])
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
    return sql, [match, *f.params]


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
    conn: sqlite3.Connection, match: str, documents: Sequence[int]
) -> list[tuple[int, float]] | None:
    """Every matching page of ``documents`` with its bm25, best first (exact order).

    A document's pages have consecutive ids (the writer stores them together),
    and a rowid range is the one restriction FTS5 applies while walking a
    doclist, so each document costs one short query. None if some document's
    pages are not one run of ids (then the ordinary plan is used).
    """
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
    conn: sqlite3.Connection,
    match: str | None,
    filters: PageFilters,
    limit: int,
    offset: int,
    entity_pages: EntityPages | None = None,
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
    f = _Filters(conn, filters, entity_pages)
    from_where, params = _from_where(match, filters, f)
    if match is None:
        return _run(
            conn,
            f"SELECT p.id, 0 {from_where} ORDER BY p.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    documents = _selective_documents(conn, f)
    if documents is not None and (rows := _ranked_in_documents(conn, match, documents)) is not None:
        return rows[offset : offset + limit]
    want = offset + limit
    # bm25() rather than the rank column: SQLite then applies the filters before
    # ranking, where FTS5 would rank every match first.
    select = f"SELECT page_index.rowid, bm25(page_index) {from_where}"
    only = "FROM page_index WHERE page_index MATCH ?"
    # Walking a doclist is far cheaper than ranking it: probe for its size.
    probe = conn.execute(
        f"SELECT rowid {only} ORDER BY rowid LIMIT 1 OFFSET ?", (match, RANK_WINDOW)
    ).fetchone()
    if probe is None:
        return _run(conn, f"{select} ORDER BY 2, 1 LIMIT ? OFFSET ?", [*params, limit, offset])
    lo = conn.execute(f"SELECT rowid {only} ORDER BY rowid LIMIT 1", (match,)).fetchone()[0]
    hi = conn.execute(f"SELECT rowid {only} ORDER BY rowid DESC LIMIT 1", (match,))
    # [lo, probe) holds RANK_WINDOW matches: a run that wide, somewhere in [lo, hi].
    width = probe[0] - lo
    room = hi.fetchone()[0] - lo - width + 1
    first = lo + zlib.crc32(match.encode()) % max(1, room)
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


def _match(expr: Node | None) -> str | None:
    """The MATCH string of ``expr``; None (filters alone) stays None."""
    return None if expr is None else to_match(expr)


#: The columns of :class:`HitPage` as read (see :meth:`SqliteTextIndex.hit_pages`).
_HitRow = tuple[int, int, str, str | None, int, str, str, str | None, str, str | None, float | None]


class SqliteTextIndex:
    """The ``page_index`` table and the page queries a search needs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        #: The entity findings as last read, and the database version they were read at.
        self._entities: tuple[tuple[int, int], EntityPages] | None = None

    def _entity_pages(self, filters: PageFilters | None = None) -> EntityPages | None:
        """The entity findings, read again only after the case changed.

        Resolving names through the edits costs a few hundred milliseconds on a case
        of 100,000 mentions, and a search asks for them three or four times (ranking,
        counting, facets); any commit, by this connection or another, reads them anew.
        """
        if filters is not None and not filters.entities:
            return None
        version = (
            int(self.conn.execute("PRAGMA data_version").fetchone()[0]),
            self.conn.total_changes,
        )
        if self._entities is None or self._entities[0] != version:
            self._entities = (version, EntityPages(self.conn))
        return self._entities[1]

    def index_page(self, page_id: int, text: str) -> None:
        index_page(self.conn, page_id, text)

    def index_pages(self, pages: Iterable[tuple[int, str]]) -> int:
        return index_pages(self.conn, pages)

    def unindex_page(self, page_id: int, text: str) -> None:
        unindex_page(self.conn, page_id, text)

    def index_tokens(self, rows: Iterable[tuple[int, str]]) -> None:
        self.conn.executemany("INSERT INTO page_index (rowid, tokens) VALUES (?, ?)", rows)

    def reindex_all(self) -> int:
        return reindex_all(self.conn)

    def optimize(self) -> None:
        optimize(self.conn)

    def ranked(
        self, expr: Node | None, filters: PageFilters, limit: int, offset: int
    ) -> list[tuple[int, float]]:
        return _ranked(self.conn, _match(expr), filters, limit, offset, self._entity_pages(filters))

    def count(self, expr: Node | None, filters: PageFilters) -> int:
        match = _match(expr)
        f = _Filters(self.conn, filters, self._entity_pages(filters))
        if match is not None and (documents := _selective_documents(self.conn, f)) is not None:
            rows = _ranked_in_documents(self.conn, match, documents)
            if rows is not None:
                return len(rows)
        from_where, params = _from_where(match, filters, f)
        rows = _run(self.conn, f"SELECT count(*), 0 {from_where}", params)
        return int(rows[0][0])

    def totals(self, expr: Node | None, filters: PageFilters) -> tuple[int, int]:
        f = _Filters(self.conn, filters, self._entity_pages(filters))
        from_where, params = _from_where(_match(expr), filters, f, join=True)
        row = _run(
            self.conn, f"SELECT count(*), count(DISTINCT p.document_id) {from_where}", params
        )
        return int(row[0][0]), int(row[0][1])

    def matching_pages(
        self, expr: Node | None, filters: PageFilters, every: int = 1
    ) -> list[tuple[int, str | None]]:
        return [
            (doc, language) for _, doc, language in self.matching_page_ids(expr, filters, every)
        ]

    def matching_page_ids(
        self, expr: Node | None, filters: PageFilters, every: int = 1
    ) -> list[tuple[int, int, str | None]]:
        match = _match(expr)
        f = _Filters(self.conn, filters, self._entity_pages(filters))
        from_where, params = _from_where(match, filters, f, join=True)
        if every > 1:
            # On the index's rowid, so skipped pages are never read from the pages table.
            rowid = "page_index.rowid" if match is not None else "p.id"
            from_where += f" AND (({rowid} * {_HASH_MULTIPLIER}) & {_HASH_MASK}) < ?"
            params.append((_HASH_MASK + 1) // every)
        rows = self.conn.execute(f"SELECT p.id, p.document_id, p.language {from_where}", params)
        return [(int(r[0]), int(r[1]), r[2]) for r in rows.fetchall()]

    def page_entities(self, page_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        pages = self._entity_pages()
        assert pages is not None
        return pages.on_pages(page_ids)

    def page_numbers(self, document_id: int, expr: Node) -> list[int]:
        # Bounded by the document's own range of page rowids, so the index is asked
        # about that document only, not every page of the case that holds the term.
        lo, hi = self.conn.execute(
            "SELECT min(id), max(id) FROM pages WHERE document_id = ?", (document_id,)
        ).fetchone()
        if lo is None:
            return []
        try:
            rows = self.conn.execute(
                "SELECT p.number FROM page_index JOIN pages p ON p.id = page_index.rowid "
                "WHERE page_index MATCH ? AND page_index.rowid BETWEEN ? AND ? "
                "AND p.document_id = ? ORDER BY p.number",
                (to_match(expr), lo, hi, document_id),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise QueryError(f"full-text search failed: {exc}") from exc
        return [int(r[0]) for r in rows]

    def hit_pages(self, page_ids: Sequence[int], path_prefixes: Sequence[str]) -> list[HitPage]:
        path_sql = "SELECT path FROM provenance pr WHERE pr.document_id = d.id"
        path_params: list[object] = []
        if path_prefixes:
            # Show a path that satisfies the path filter.
            path_sql += (
                " AND ("
                + " OR ".join("(pr.path >= ? AND pr.path < ?)" for _ in path_prefixes)
                + ")"
            )
            for prefix in path_prefixes:
                path_params.extend(path_range(prefix))
        path_sql += " ORDER BY length(pr.path), pr.path LIMIT 1"
        rows: list[_HitRow] = self.conn.execute(
            f"SELECT p.id, p.document_id, d.sha256, ({path_sql}), p.number, p.text, d.type, "
            f"p.language, p.method, p.ocr_engine, p.ocr_confidence "
            f"FROM pages p JOIN documents d ON d.id = p.document_id "
            f"WHERE p.id IN ({', '.join('?' * len(page_ids))})",
            [*path_params, *page_ids],
        ).fetchall()
        # Word confidences are read for OCR'd pages only: text-layer hits cost nothing more.
        words = page_words(self.conn, [row[0] for row in rows if row[8] == "ocr"])
        tables = SqliteTables(self.conn).page_tables([row[0] for row in rows])
        return [HitPage(*row, words=words.get(row[0]), table=tables.get(row[0])) for row in rows]
