"""The boolean expression a search asks the full-text index, in no index's syntax.

:func:`culpa.search.query.parse` turns what a reporter typed into these nodes
(:class:`Term`, :class:`Near`, :class:`And`, :class:`Or`, :class:`Not`), and the
index of the case's store (:class:`culpa.store.api.TextIndex`) takes them as they
are: each backend renders them into its own query language (FTS5 MATCH in
:mod:`culpa.store.sqlite.fts`), so no query syntax crosses the store's
interface and a second backend need not parse one back. They live here, below
both search and the store, so that neither imports the other for them.

What a term means to the index is backend-neutral and said here too: a term is
the phrase of its index tokens (:func:`term_tokens`, built with
:func:`culpa.index.tokens.query_tokens`: CJK as bigrams), and :func:`ending`
tells how it ends there, which the parser needs to refuse what cannot be
honoured (see the module docstring of :mod:`culpa.search.query`).
"""

from __future__ import annotations

from dataclasses import dataclass

from culpa.index.tokens import cjk_runs, has_token_chars, normalize, query_tokens


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase as typed; ``quoted`` when it came in quotes."""

    text: str
    quoted: bool = False
    #: True for ``surveil*``: the last word may go on (see :func:`term_tokens`).
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
    """``NOT x`` / ``-x``: only under an :class:`And` with a positive child (``parse`` checks)."""

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


def term_tokens(term: Term) -> tuple[str, bool]:
    """The index tokens ``term`` is matched with (a phrase), and whether the last may go on.

    The last token is a prefix when the term asks for one (``surveil*``) and ends in a
    word, or when it ends in a lone CJK character (it may begin a bigram); a CJK ending
    of two characters or more needs none, its last bigram being found inside longer runs
    already.
    """
    tokens, prefix = query_tokens(normalize(term.text))
    return tokens, prefix or (term.prefix and ending(term.text) == "word")
