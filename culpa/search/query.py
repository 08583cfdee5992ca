"""Parse a search query into an AST and an FTS5 MATCH expression.

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

Every user string reaches FTS5 inside double quotes (with ``"`` doubled), so
no input can inject FTS5 syntax (column filters, NEAR, ^, *); the operators in
the MATCH string are only the ones written here.

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
from unicodedata import category

from culpa.errors import QueryError
from culpa.index.tokens import cjk_runs, has_token_chars, normalize, query_tokens

#: Filter fields and the keyword each fills in :class:`Query`.
FIELDS = ("type", "lang", "path", "tag", "starred", "year", "ocr")
#: Values of ``starred:``.
STARRED_VALUES = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
#: Values of ``ocr:``: OCR'd pages, text-layer pages, OCR'd pages of low confidence.
OCR_VALUES = ("yes", "no", "low")
#: Metadata keys that work as filters by name (``author:李``); any key works as ``meta:k=v``.
METADATA_FIELDS = (
    "author",
    "last_modified_by",
    "title",
    "subject",
    "keywords",
    "comments",
    "company",
    "manager",
    "template",
    "application",
    "creator",
    "creator_tool",
    "producer",
    "created",
    "modified",
    "from",
    "to",
    "cc",
    "bcc",
    "date",
    "message-id",
    "in-reply-to",
    "camera",
    "make",
    "model",
    "comment_authors",
    "revision_authors",
)
META = "meta"
#: Distance of ``NEAR(a b)`` written without one (FTS5's own default).
NEAR_DEFAULT = 10
#: Largest distance of ``NEAR(…, N)`` and ``"a b"~N``.
MAX_NEAR = 1000
#: Fewest letters of a word before ``*`` (``s*`` would merge the lists of every s-word).
MIN_PREFIX = 2
#: A user's ``word~2`` (fuzzy search elsewhere), which this parser cannot honour.
_FUZZY = re.compile(r"~\d*$")
#: A ``name:`` that looks meant as a field (``autor:李``), not a time or a URL.
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z_-]*")
_NEAR_BODY = re.compile(r"(.*?)(?:[,，]\s*(\S*))?\s*", re.S)
#: Most terms in one query (words, phrases and filters): ``"a OR a …"`` with 1,000 terms
#: cost 8 s of CPU in snippets and marks before this cap.
MAX_TERMS = 200
#: Deepest nesting of parentheses and NOTs (5,000 parentheses overflowed the parser's stack).
MAX_DEPTH = 32

_OPEN_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_OPEN_PARENS = "(（"
_CLOSE_PARENS = ")）"
_SPECIAL = set(_OPEN_QUOTES) | set(_OPEN_PARENS) | set(_CLOSE_PARENS)


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase as typed; ``quoted`` when it came in quotes."""

    text: str
    quoted: bool = False
    #: True for ``surveil*``: the last word may go on (see :func:`term_match`).
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Near:
    """``NEAR(a b, 5)`` / ``"a b"~5``: the terms at most ``distance`` words apart."""

    terms: tuple[Term, ...]
    distance: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Term | Near | And | Or | Not


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

    def match(self) -> str:
        """The FTS5 MATCH expression (a query of filters alone has none)."""
        if self.expr is None:
            raise QueryError("a query of filters alone has no full-text part")
        return to_match(self.expr)


# -- lexer -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "term", "filter"
    text: str = ""
    quoted: bool = False
    field: str = ""
    pos: int = 0
    prefix: bool = False
    #: The terms of a "near" token and their distance.
    terms: tuple[Term, ...] = ()
    distance: int = 0


def _read_quoted(s: str, i: int) -> tuple[str, int]:
    """Read a quoted string starting at ``s[i]`` (an opening quote); return text, next index."""
    close = _OPEN_QUOTES[s[i]]
    j = s.find(close, i + 1)
    if j < 0:
        raise QueryError(f"unclosed quote {s[i]} at position {i + 1}: {s!r}")
    return s[i + 1 : j], j + 1


def _check_characters(s: str) -> None:
    for i, c in enumerate(s):
        if category(c) == "Cc" and not c.isspace():
            raise QueryError(
                f"the query holds a control character (U+{ord(c):04X}) at position {i + 1}; "
                "remove it"
            )


def _tokenize(s: str) -> list[_Tok]:
    _check_characters(s)
    toks: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c in _OPEN_PARENS:
            toks.append(_Tok("(", pos=i))
            i += 1
        elif c in _CLOSE_PARENS:
            toks.append(_Tok(")", pos=i))
            i += 1
        elif c in _OPEN_QUOTES:
            text, i = _read_quoted(s, i)
            prefix = i < n and s[i] == "*"
            i += prefix
            if text.endswith("*"):
                prefix, text = True, text[:-1]
            if "*" in text:
                raise QueryError(
                    f"* works only at the end of a phrase or word, as in surveil*: {s!r}"
                )
            if i < n and s[i] == "~":
                distance, i = _read_distance(s, i + 1)
                toks.append(_proximity(text, prefix, distance, i))
            else:
                toks.append(_Tok("term", text, quoted=True, pos=i, prefix=prefix))
        elif c == "-" and i + 1 < n and not s[i + 1].isspace() and s[i + 1] not in _CLOSE_PARENS:
            toks.append(_Tok("-", pos=i))
            i += 1
        else:
            start = i
            while i < n and not s[i].isspace() and s[i] not in _SPECIAL:
                i += 1
            word = s[start:i]
            name, colon, value = word.partition(":")
            field = name.lower()
            if colon and (field in FIELDS or field in METADATA_FIELDS or field == META):
                if not value and i < n and s[i] in _OPEN_QUOTES:
                    value, i = _read_quoted(s, i)
                if not value:
                    raise QueryError(f"filter {name}: needs a value, e.g. {name}:abc")
                if field == META:
                    field, equals, value = value.partition("=")
                    if not equals or not field or not value:
                        raise QueryError(f"filter meta:{value}: write it as meta:key=value")
                    field = "meta." + field
                toks.append(_Tok("filter", value, field=field, pos=start))
            elif word in ("AND", "OR", "NOT"):
                toks.append(_Tok(word, pos=start))
            elif word == "NEAR" and i < n and s[i] in _OPEN_PARENS:
                near, i = _read_near(s, i)
                toks.append(near)
            else:
                toks.append(_word(word, s, start, i))
    return toks


def _word(word: str, s: str, start: int, end: int) -> _Tok:
    """An unquoted word as a term; ``*`` at its end makes it a prefix."""
    name, colon, value = word.partition(":")
    quoted_value = end < len(s) and s[end] in _OPEN_QUOTES
    looks_like_field = colon and _FIELD_NAME.fullmatch(name) and (value or quoted_value)
    if looks_like_field and not value.startswith("/"):  # "http://…" is not a field
        raise QueryError(
            f"unknown field {name}: the fields are {', '.join(FIELDS)}, "
            f"{', '.join(METADATA_FIELDS)}, or meta:key=value for any other metadata key; "
            f'to search the words themselves put them in quotes: "{word}"'
        )
    if _FUZZY.search(word):
        raise QueryError(
            f"{word}: fuzzy search (word~2) is not supported; for words near each other "
            'write "a b"~3 or NEAR(a b, 3)'
        )
    prefix = word.endswith("*")
    if prefix:
        word = word[:-1]
    if "*" in word or (prefix and not word):
        raise QueryError(f"* works only at the end of a word, as in surveil*: {s!r}")
    return _Tok("term", word, pos=start, prefix=prefix)


def _read_distance(s: str, i: int) -> tuple[int, int]:
    """The number after ``"a b"~``; return it and the next index."""
    j = i
    while j < len(s) and s[j].isascii() and s[j].isdigit():
        j += 1
    if j == i or (j < len(s) and not s[j].isspace() and s[j] not in _SPECIAL):
        raise QueryError(f'write the distance after ~ as a number, e.g. "a b"~3: {s!r}')
    return _distance(s[i:j], s), j


def _distance(text: str, s: str) -> int:
    distance = int(text)
    if distance > MAX_NEAR:
        raise QueryError(f"a distance of {distance} words is too far: at most {MAX_NEAR}: {s!r}")
    return distance


def _proximity(text: str, prefix: bool, distance: int, pos: int) -> _Tok:
    """``"a b"~N``: the phrase's words, each at most N words from the next."""
    words = text.split()
    if len(words) < 2:
        raise QueryError(
            f'"{text}"~{distance} needs two words or more, apart: write "新疆 棉花"~5 or '
            f'"mass surveillance"~3'
        )
    last = len(words) - 1
    terms = tuple(Term(w, True, prefix and k == last) for k, w in enumerate(words))
    return _Tok("near", pos=pos, terms=terms, distance=distance)


def _read_near(s: str, i: int) -> tuple[_Tok, int]:
    """``NEAR(a "b c", 5)`` starting at its ``(``; return the token and the next index."""
    close = min((j for c in _CLOSE_PARENS if (j := s.find(c, i + 1)) >= 0), default=-1)
    if close < 0:
        raise QueryError(f"unclosed NEAR( at position {i + 1}: {s!r}")
    m = _NEAR_BODY.fullmatch(s[i + 1 : close])
    assert m is not None  # the pattern matches any string
    body, number = m.group(1), m.group(2)
    distance = NEAR_DEFAULT
    if number is not None:
        if not (number.isascii() and number.isdigit()):
            raise QueryError(f"write NEAR's distance as a number, e.g. NEAR(a b, 5): {s!r}")
        distance = _distance(number, s)
    inner = _tokenize(body)
    if any(t.kind != "term" for t in inner):
        raise QueryError(f'NEAR( ) holds only words and "phrases", e.g. NEAR(a "b c", 5): {s!r}')
    if len(inner) < 2:
        raise QueryError(f"NEAR( ) needs two words or more, e.g. NEAR(新疆 棉花, 5): {s!r}")
    terms = tuple(Term(t.text, t.quoted, t.prefix) for t in inner)
    return _Tok("near", pos=i, terms=terms, distance=distance), close + 1


def ending(text: str) -> str:
    """How a term's searchable text ends: ``run`` (two CJK characters or more), ``char``
    (a lone CJK character), ``word`` (a word of letters or digits) or ``""`` (nothing)."""
    parts = [(cjk, p) for cjk, p in cjk_runs(normalize(text)) if cjk or has_token_chars(p)]
    if not parts:
        return ""
    cjk, piece = parts[-1]
    if cjk:
        return "run" if len(piece) > 1 else "char"
    return "word"


# -- parser ------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.toks = _tokenize(source)
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

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
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

    def near(self, tok: _Tok) -> Near:
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
    )


# -- FTS5 ---------------------------------------------------------------------


def _quote(tokens: str) -> str:
    return '"' + tokens.replace('"', '""') + '"'


def term_match(term: Term) -> str:
    """One term as an FTS5 phrase of index tokens (CJK as bigrams)."""
    tokens, prefix = query_tokens(normalize(term.text))
    # A CJK ending needs no "*": its last bigram is found inside longer runs already.
    prefix = prefix or (term.prefix and ending(term.text) == "word")
    return _quote(tokens) + (" *" if prefix else "")


def near_match(node: Near) -> str:
    """``NEAR(…, N)``, widened by one for phrases that end one token short (see above)."""
    widen = 1 if ending(node.terms[0].text) == "run" else 0
    phrases = " ".join(term_match(t) for t in node.terms)
    return f"NEAR({phrases}, {node.distance + widen})"


def to_match(node: Node) -> str:
    """FTS5 MATCH string for an AST checked by :func:`parse`."""
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
