"""The boolean expression a search query stands for, and its FTS5 MATCH form.

:func:`culpa.search.query.parse` turns what a reporter typed into these nodes
(:class:`Term`, :class:`Near`, :class:`And`, :class:`Or`, :class:`Not`); this
module says what they mean to the index. It is kept apart from the syntax so
that the search engine, which highlights terms and builds the MATCH string, and
the parser, which needs to know how a term ends in the index, share one
definition without either importing the other's machinery.

Every user string reaches FTS5 inside double quotes (with ``"`` doubled), so
no input can inject FTS5 syntax (column filters, NEAR, ^, *); the operators in
the MATCH string are only the ones written here.

A term becomes the phrase of its index tokens (:func:`culpa.index.tokens.query_tokens`:
CJK as bigrams). A phrase ending in two or more CJK characters is matched one
token short of its end (the trailing unigram is dropped), so a ``NEAR`` whose
phrases end so is widened by one (see the module docstring of
:mod:`culpa.search.query` for the whole rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from culpa.index.tokens import cjk_runs, has_token_chars, normalize, query_tokens


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


def _quote(tokens: str) -> str:
    return '"' + tokens.replace('"', '""') + '"'


def term_match(term: Term) -> str:
    """One term as an FTS5 phrase of index tokens (CJK as bigrams)."""
    tokens, prefix = query_tokens(normalize(term.text))
    # A CJK ending needs no "*": its last bigram is found inside longer runs already.
    prefix = prefix or (term.prefix and ending(term.text) == "word")
    return _quote(tokens) + (" *" if prefix else "")


def near_match(node: Near) -> str:
    """``NEAR(…, N)``, widened by one for phrases that end one token short (see the module
    docstring)."""
    widen = 1 if ending(node.terms[0].text) == "run" else 0
    phrases = " ".join(term_match(t) for t in node.terms)
    return f"NEAR({phrases}, {node.distance + widen})"


def to_match(node: Node) -> str:
    """FTS5 MATCH string for an AST checked by :func:`culpa.search.query.parse`."""
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
