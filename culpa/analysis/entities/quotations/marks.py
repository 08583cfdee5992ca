"""Where quotation marks pair up in a text, in one left-to-right pass.

Leaked pages are hostile to quotation marks: OCR drops a closing mark, a
heading opens one and never closes it, a page break cuts a quote in two, and
one 200,000-character page may hold thousands. Regular expressions that look
for "a mark, anything, the matching mark" backtrack badly over such text, so
the marks are paired with a stack instead, each character looked at once:

* Openers are “ 「 『, closers ” 」 』. A straight ``"`` opens after a space
  and closes after a word (:func:`_closes`), so that one stray mark does not
  turn every later quote inside out. A closer pairs with the nearest open mark
  of its kind; marks opened inside it and left open are dropped.
* A closer with no opener of its kind is ignored.
* A blank line, or :data:`MAX_QUOTE_CHARS` characters, ends every open mark:
  quotations do not run across paragraphs, and an unclosed mark must not
  swallow the rest of the page.
* Only the outermost pairs are returned (nested quotes are part of the outer
  quotation); the pairs inside a dropped opener are promoted, so one stray
  mark loses no quotation.

Curly single quotes (British style: ‘We must act,’ he said) are marks too,
with care, since ’ is also the apostrophe: ‘ opens only after a space or an
opening mark, and ’ closes only an open ‘ and only where no letter follows it
(don’t, Xinjiang’s are words). The straight ' is never a mark: it is far more
often an apostrophe. In Chinese, ‘…’ only nests inside “…”, where it is part
of the outer quotation either way.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Final

#: A quotation longer than this (characters between its marks) is taken for a stray
#: mark: the longest quoted passages in the Xinjiang papers are a few hundred characters.
MAX_QUOTE_CHARS: Final = 3000

#: What may stand before a straight mark that opens a quote.
_OPENING_CONTEXT: Final = "([{“‘「『—–-:：，,"
_CLOSERS: Final = {"”": "“", "」": "「", "』": "『", "’": "‘"}
# Marks and blank lines: the only places the scanner stops.
_STOPS: Final = re.compile(r'[“”「」『』"‘’]|\n[ \t\u3000\r]*\n')


@dataclass(frozen=True, slots=True)
class QuotePair:
    """A quotation mark at ``open`` and its closing mark at ``close`` (``text[open + 1:close]``)."""

    open: int
    close: int

    @property
    def start(self) -> int:
        """Offset of the first quoted character."""
        return self.open + 1

    @property
    def end(self) -> int:
        """Offset just past the last quoted character."""
        return self.close


@dataclass(slots=True)
class _Open:
    mark: str
    at: int
    inside: list[QuotePair]


def quote_pairs(text: str) -> list[QuotePair]:
    """The outermost pairs of quotation marks in ``text``, in order; linear in its length."""
    found: list[QuotePair] = []
    stack: deque[_Open] = deque()
    straight_open = 0  # how many '"' the stack holds

    def pop(left: bool = False) -> _Open:
        nonlocal straight_open
        item = stack.popleft() if left else stack.pop()
        straight_open -= item.mark == '"'
        return item

    def drop_to(depth: int) -> None:
        # Unclosed marks above ``depth`` go; what they held moves one level out.
        while len(stack) > depth:
            dropped = pop()
            (stack[-1].inside if stack else found).extend(dropped.inside)

    for match in _STOPS.finditer(text):
        at = match.start()
        if stack and at - stack[0].at > MAX_QUOTE_CHARS:
            # The outermost open mark is too old to be a quotation: drop it and keep its
            # inner marks open (they are younger); pairs it held become outermost.
            found.extend(pop(left=True).inside)
            while stack and at - stack[0].at > MAX_QUOTE_CHARS:
                found.extend(pop(left=True).inside)
        mark = match.group()
        if len(mark) > 1:  # a blank line
            drop_to(0)
            continue
        if mark in "‘’" and not _single_mark(text, at):
            continue  # an apostrophe, or a ‘ that opens no quote
        opener = _CLOSERS.get(mark)
        if mark == '"' and _closes(text, at, straight_open > 0):
            opener = '"'
        if opener is None:
            stack.append(_Open(mark, at, []))
            straight_open += mark == '"'
            continue
        depth = _last_open(stack, opener)
        if depth is None:
            continue  # a closing mark nothing opened
        drop_to(depth + 1)
        closed = pop()
        pair = QuotePair(closed.at, at)
        (stack[-1].inside if stack else found).append(pair)
    drop_to(0)
    found.sort(key=lambda pair: pair.open)
    return found


def _closes(text: str, at: int, one_is_open: bool) -> bool:
    """Whether the straight mark at ``at`` closes: it follows a word, or ends one left open.

    A ``"`` after a letter or punctuation closes (and closes nothing if none is
    open); one after a space or at the start opens, unless one is open and the
    mark stands before a space or the end (``"word "``).
    """
    before = text[at - 1] if at > 0 else " "
    if not (before.isspace() or before in _OPENING_CONTEXT):
        return True
    after = text[at + 1] if at + 1 < len(text) else " "
    return one_is_open and (after.isspace() or after in ",.;:!?")


def _single_mark(text: str, at: int) -> bool:
    """Whether the curly single quote at ``at`` is a quotation mark, not an apostrophe."""
    after = text[at + 1] if at + 1 < len(text) else " "
    if text[at] == "’":
        return not after.isalnum()
    before = text[at - 1] if at > 0 else " "
    return (before.isspace() or before in _OPENING_CONTEXT) and not after.isspace()


def _last_open(stack: deque[_Open], mark: str) -> int | None:
    # Stacks are shallow (real nesting is two or three deep), but a page of stray
    # openers is not: look back a bounded number of levels.
    for depth in range(len(stack) - 1, max(-1, len(stack) - 9), -1):
        if stack[depth].mark == mark:
            return depth
    return None
