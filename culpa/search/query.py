"""Parse a search query into a :class:`Query`: an expression and the filters around it.

Syntax: words, "quoted phrases" (also “…” and 「…」), ``AND`` / ``OR`` /
``NOT`` (upper case; ``-word`` is NOT too), parentheses, implicit AND, and
the filters ``type:pdf``, ``lang:zh``, ``path:leak.zip!/2017`` (values may be
quoted). Precedence: NOT > AND > OR. Filters restrict the whole query wherever
they stand outside parentheses; repeated values of one field are alternatives.

Documents' metadata is searched with its field names: ``author:李``,
``from:example.org``, ``company:"Public Security"`` (the value is found
anywhere in the field, case-insensitively for Latin letters), or any stored
key with ``meta:key=value``. A query may be filters alone (``author:李``): it
then lists documents, each by its first page.

What people added in ``culpa serve`` filters too: ``tag:xinjiang`` (documents
carrying the tag), ``starred:yes`` / ``starred:no``, and ``year:2017`` (the
year of the date the document's text states, :mod:`culpa.analysis.dates`, else
of its ``created``, else ``date_iso``, else ``modified``).

How a page's text was read filters too: ``ocr:yes`` (OCR'd pages), ``ocr:no``
(text-layer pages) and ``ocr:low`` (OCR'd pages whose confidence is below
:data:`culpa.analysis.ocr.quality.LOW_PAGE_CONFIDENCE`), so a reporter can
find the pages whose text most needs checking against the image.

Who is named filters too (issue 12, from the findings of ``culpa analyze``):
``person:陈全国``, ``org:公安厅``, ``place:喀什`` keep the pages that mention such a
person, organisation or place, and ``speaker:习近平`` the pages holding a quotation
by that speaker. A value is the entity's canonical name or an alias, in either
script (``person:陳全國``), after the reporter's merges and aliases; ``org:`` and
``place:`` match a part of a name too (``org:公安厅`` keeps 新疆维吾尔自治区公安厅),
``person:`` and ``speaker:`` a whole name only (:mod:`culpa.store.entity_filter`).
Unlike the other filters, repeated entity filters must all hold (``person:A
person:B``: pages naming both), since a facet click narrows what it counted. A
mention is a page's, so these filters alone list every page they keep.

The tokens of this syntax are read by :mod:`culpa.search.lexer`; the nodes a query
parses into are in :mod:`culpa.index.expression`, and the case's full-text index
takes them as they are (the SQLite store writes them as an FTS5 MATCH string, every
user string inside double quotes, so no input can inject FTS5 syntax:
:mod:`culpa.store.sqlite.fts`).

Prefixes and proximity (issue 10): ``surveil*`` (also ``"mass surveil*"``) finds
words that begin so; on Chinese ``新疆*`` is the plain search, since every bigram
is already found inside longer words. ``"a b"~3`` and ``NEAR(a b, 3)`` find the
words at most 3 words apart, in either order. In the index every CJK character
is one token (its bigram, or the unigram closing a run) and every other word one
token, so the distance counts characters in Chinese and words elsewhere; a phrase
ending in two or more CJK characters is matched one token short of its end (the
trailing unigram is dropped), so its distance is widened by one. A NEAR mixing
such phrases with others cannot be measured exactly in either order and is
refused, as is any ``*``, ``~`` or unknown ``field:`` the parser cannot honour:
a query is refused with the reason, never silently changed.

A query is refused (:class:`QueryError`, a usage error, HTTP 400) when it holds a
control character such as NUL, more than :data:`MAX_TERMS` terms, or operators
nested deeper than :data:`MAX_DEPTH` (parentheses and NOTs together): far beyond
what a reporter types, and each would otherwise cost the parser's recursion or
the highlighting regex without limit (issue 10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from culpa.errors import QueryError
from culpa.index.expression import And, Near, Node, Not, Or, Term, ending
from culpa.index.tokens import has_token_chars, normalize
from culpa.search.lexer import FIELDS, Token, tokenize
from culpa.store.entity_filter import FILTER_FIELDS

#: Values of ``starred:``.
STARRED_VALUES = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
#: Values of ``ocr:``: OCR'd pages, text-layer pages, OCR'd pages of low confidence.
OCR_VALUES = ("yes", "no", "low")
#: Fewest letters of a word before ``*`` (``s*`` would merge the lists of every s-word).
MIN_PREFIX = 2
#: Most terms in one query (words, phrases and filters): ``"a OR a …"`` with 1,000 terms
#: cost 8 s of CPU in snippets and marks before this cap.
MAX_TERMS = 200
#: Deepest nesting of parentheses and NOTs (5,000 parentheses overflowed the parser's stack).
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the boolean expression and the filters found in it."""

    #: None for a query of filters alone.
    expr: Node | None
    types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()  # positive terms, for locating matches
    #: (metadata key, value to find in it); one key's values are alternatives.
    fields: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    #: True: starred documents only; False: unstarred only; None: either.
    starred: bool | None = None
    years: tuple[str, ...] = ()
    #: Values of ``ocr:`` (see :data:`OCR_VALUES`); several are alternatives.
    ocr: tuple[str, ...] = ()
    #: ``(field, value)`` of ``person:``, ``org:``, ``place:``, ``speaker:``; all must hold.
    entities: tuple[tuple[str, str], ...] = ()


# -- parser ------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.toks = tokenize(source)
        terms = sum(1 for t in self.toks if t.kind in ("term", "filter"))
        if terms > MAX_TERMS:
            raise QueryError(
                f"the query has {terms} terms; at most {MAX_TERMS} are searched at once: "
                "split it into several searches"
            )
        self.i = 0
        self.depth = 0
        #: Parentheses and NOTs open around the parser's position (see :meth:`enter`).
        self.nesting = 0
        self.filters: dict[str, list[str]] = {f: [] for f in FIELDS}
        self.fields: list[tuple[str, str]] = []

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, message: str) -> QueryError:
        source = self.source if len(self.source) <= 200 else self.source[:200] + "…"
        return QueryError(f"{message} in query {source!r}")

    def enter(self) -> None:
        """One level deeper (a parenthesis or a NOT); refused past :data:`MAX_DEPTH`."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise QueryError(
                f"the query nests parentheses and NOTs more than {MAX_DEPTH} deep; simplify it"
            )

    def parse(self) -> Node | None:
        node = self.or_expr()
        if self.peek() is not None:
            raise self.fail("unexpected ')'")
        return node

    def or_expr(self) -> Node | None:
        children = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            children.append(self.and_expr())
        if len(children) == 1:
            return children[0]
        if any(c is None for c in children):
            raise self.fail("OR needs a search term on both sides")
        return Or(tuple(c for c in children if c is not None))

    def and_expr(self) -> Node | None:
        children: list[Node] = []
        saw_operand = False
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                if not saw_operand:
                    raise self.fail("AND needs a search term on both sides")
                self.take()
                nxt = self.peek()
                if nxt is None or nxt.kind in ("OR", ")", "AND"):
                    raise self.fail("AND needs a search term on both sides")
                continue
            if tok.kind == "filter":
                if self.depth:
                    raise self.fail(f"filter {tok.field}: cannot stand inside parentheses")
                self.take()
                if tok.field in self.filters:
                    self.filters[tok.field].append(tok.text)
                else:
                    self.fields.append((tok.field.removeprefix("meta."), tok.text))
                saw_operand = True
                continue
            node = self.unary()
            saw_operand = True
            if node is not None:
                children.append(node)
        if not children:
            if not saw_operand and (tok := self.peek()) is not None and tok.kind == "OR":
                raise self.fail("OR needs a search term on both sides")
            return None
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node | None:
        tok = self.take()
        if tok.kind in ("NOT", "-"):
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "AND", ")"):
                raise self.fail(f"{tok.kind} needs a search term after it")
            if nxt.kind == "filter":
                raise self.fail("filters cannot be negated")
            self.enter()
            child = self.unary()
            self.nesting -= 1
            return None if child is None else Not(child)
        if tok.kind == "(":
            self.depth += 1
            self.enter()
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != ")":
                raise self.fail("unclosed '('")
            self.take()
            self.depth -= 1
            self.nesting -= 1
            return node
        if tok.kind == "term":
            # A term with nothing searchable ("!!!", a lone "-") is ignored.
            if not has_token_chars(normalize(tok.text)):
                if tok.prefix:
                    raise self.fail(f"{tok.text}* has no letters before the *")
                return None
            term = Term(tok.text, tok.quoted, tok.prefix)
            if term.prefix:
                _check_prefix(term)
            return term
        if tok.kind == "near":
            return self.near(tok)
        raise self.fail(f"unexpected {tok.kind!r}")

    def near(self, tok: Token) -> Near:
        for term in tok.terms:
            if not has_token_chars(normalize(term.text)):
                raise self.fail(f"NEAR: {term.text!r} has nothing to search")
            if term.prefix:
                _check_prefix(term)
        endings = {ending(t.text) == "run" for t in tok.terms}
        if len(endings) > 1:
            # See the module docstring: the index drops the last unigram of a CJK phrase.
            raise self.fail(
                "NEAR between a word of two or more Chinese characters and a single Chinese "
                "character or a word in another script cannot be measured exactly (Chinese is "
                "indexed by pairs of characters); search for them with AND, or make both sides "
                "Chinese words of two characters or more"
            )
        return Near(tok.terms, tok.distance)


def _check_prefix(term: Term) -> None:
    if ending(term.text) != "word":
        return  # a CJK ending: every bigram is found inside longer words already
    last = re.findall(r"[^\W_]+", normalize(term.text))
    if not last or len(last[-1]) < MIN_PREFIX:
        raise QueryError(
            f"{term.text}*: give at least {MIN_PREFIX} letters before the * "
            "(a shorter prefix matches most of the index)"
        )


def _positive_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return list(node.terms)
    if isinstance(node, Not):
        return []
    return [t for c in node.children for t in _positive_terms(c)]


def _check(node: Node) -> None:
    """Reject what FTS5 cannot express: a NOT with nothing to subtract it from."""
    if isinstance(node, Not):
        raise QueryError("NOT needs a positive term to subtract from, e.g. 新疆 NOT 棉花")
    if isinstance(node, Or):
        for c in node.children:
            _check(c)
    elif isinstance(node, And):
        positives = [c for c in node.children if not isinstance(c, Not)]
        if not positives:
            raise QueryError("NOT needs a positive term to subtract from, e.g. 新疆 NOT 棉花")
        for c in positives:
            _check(c)
        for c in node.children:
            if isinstance(c, Not):
                _check_negated(c.child)


def _check_negated(node: Node) -> None:
    # Inside a NOT anything FTS5 can match is fine, but nested bare NOTs need a positive.
    if isinstance(node, Not):
        raise QueryError("NOT NOT is not supported; remove both")
    if isinstance(node, (And, Or)):
        _check(node)


def parse(source: str) -> Query:
    """Parse a query string; raise :class:`QueryError` if it cannot be searched."""
    parser = _Parser(source)
    expr = parser.parse()
    f = parser.filters
    if expr is None and not (parser.fields or any(f.values())):
        raise QueryError(f"query {source!r} has no search term")
    if expr is not None:
        _check(expr)
    starred = None
    for value in f["starred"]:
        if value.lower() not in STARRED_VALUES:
            raise QueryError(f"filter starred:{value}: write starred:yes or starred:no")
        starred = STARRED_VALUES[value.lower()]
    for value in f["year"]:
        if not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise QueryError(f"filter year:{value}: write four digits, e.g. year:2017")
    for value in f["ocr"]:
        if value.lower() not in OCR_VALUES:
            raise QueryError(f"filter ocr:{value}: write ocr:yes, ocr:no or ocr:low")
    return Query(
        expr,
        types=tuple(v.lower() for v in f["type"]),
        languages=tuple(f["lang"]),
        paths=tuple(f["path"]),
        terms=tuple(_positive_terms(expr)) if expr is not None else (),
        fields=tuple(parser.fields),
        tags=tuple(" ".join(v.split()) for v in f["tag"]),
        starred=starred,
        years=tuple(f["year"]),
        ocr=tuple(dict.fromkeys(v.lower() for v in f["ocr"])),
        entities=tuple(
            dict.fromkeys(
                (field, " ".join(value.split())) for field in FILTER_FIELDS for value in f[field]
            )
        ),
    )
