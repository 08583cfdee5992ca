"""The tokens of the query syntax: words, quotes, parentheses, operators, filters, NEAR.

The syntax itself is described in :mod:`culpa.search.query`, whose parser
reads these tokens. Reading the characters is a concept of its own: quotes come
in four pairs (``"…"``, ``“…”``, ``「…」``, ``『…』``) and parentheses in two
widths, a ``name:`` is a filter only when the name is one culpa knows (a
``http://`` or a time is a word), and whatever the parser could not honour
(``*`` inside a word, ``word~2``, an unknown ``field:``, a control character)
is refused here with the reason, never silently changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from unicodedata import category

from culpa.errors import QueryError
from culpa.index.expression import Term
from culpa.store.entity_filter import FILTER_FIELDS

#: Filter fields and the keyword each fills in :class:`culpa.search.query.Query`.
FIELDS = ("type", "lang", "path", "tag", "starred", "year", "ocr", *FILTER_FIELDS)
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
#: A user's ``word~2`` (fuzzy search elsewhere), which this parser cannot honour.
_FUZZY = re.compile(r"~\d*$")
#: A ``name:`` that looks meant as a field (``autor:李``), not a time or a URL.
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z_-]*")
_NEAR_BODY = re.compile(r"(.*?)(?:[,，]\s*(\S*))?\s*", re.S)

_OPEN_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_OPEN_PARENS = "(（"
_CLOSE_PARENS = ")）"
_SPECIAL = set(_OPEN_QUOTES) | set(_OPEN_PARENS) | set(_CLOSE_PARENS)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a query, at ``pos`` in the string typed."""

    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "term", "filter", "near"
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


def tokenize(s: str) -> list[Token]:
    """The tokens of a query string; raise :class:`QueryError` on what cannot be searched."""
    _check_characters(s)
    toks: list[Token] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c in _OPEN_PARENS:
            toks.append(Token("(", pos=i))
            i += 1
        elif c in _CLOSE_PARENS:
            toks.append(Token(")", pos=i))
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
                toks.append(Token("term", text, quoted=True, pos=i, prefix=prefix))
        elif c == "-" and i + 1 < n and not s[i + 1].isspace() and s[i + 1] not in _CLOSE_PARENS:
            toks.append(Token("-", pos=i))
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
                toks.append(Token("filter", value, field=field, pos=start))
            elif word in ("AND", "OR", "NOT"):
                toks.append(Token(word, pos=start))
            elif word == "NEAR" and i < n and s[i] in _OPEN_PARENS:
                near, i = _read_near(s, i)
                toks.append(near)
            else:
                toks.append(_word(word, s, start, i))
    return toks


def _word(word: str, s: str, start: int, end: int) -> Token:
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
    return Token("term", word, pos=start, prefix=prefix)


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


def _proximity(text: str, prefix: bool, distance: int, pos: int) -> Token:
    """``"a b"~N``: the phrase's words, each at most N words from the next."""
    words = text.split()
    if len(words) < 2:
        raise QueryError(
            f'"{text}"~{distance} needs two words or more, apart: write "新疆 棉花"~5 or '
            f'"mass surveillance"~3'
        )
    last = len(words) - 1
    terms = tuple(Term(w, True, prefix and k == last) for k, w in enumerate(words))
    return Token("near", pos=pos, terms=terms, distance=distance)


def _read_near(s: str, i: int) -> tuple[Token, int]:
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
    inner = tokenize(body)
    if any(t.kind != "term" for t in inner):
        raise QueryError(f'NEAR( ) holds only words and "phrases", e.g. NEAR(a "b c", 5): {s!r}')
    if len(inner) < 2:
        raise QueryError(f"NEAR( ) needs two words or more, e.g. NEAR(新疆 棉花, 5): {s!r}")
    terms = tuple(Term(t.text, t.quoted, t.prefix) for t in inner)
    return Token("near", pos=i, terms=terms, distance=distance), close + 1
