"""Who a pair of quotation marks is attributed to: the answer both languages' rules give.

The English and Chinese rules (:mod:`.english`, :mod:`.chinese`) each look at
a bounded stretch of text before and after a pair of marks and, where a
speech verb attributes the quote, say where the speaker's words are and
where the attributing clause ("he said", "陈全国强调") lies, so that a
quote that follows straight on from an attributed one ("…," he said. "…")
can be given the same speaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from culpa.analysis.entities.quotations.marks import QuotePair


@dataclass(frozen=True, slots=True)
class Attribution:
    """The speaker's words (``speaker_start:speaker_end``) in the clause that attributes a quote.

    An empty speaker span (``speaker_start == speaker_end``) is a verb with no one
    before it (还指出：“…”): the quote is the previous quote's speaker's.
    """

    speaker_start: int
    speaker_end: int
    clause_start: int
    clause_end: int


def words(spaced: str) -> tuple[str, ...]:
    """A list of words written as one string, the way the rules' word lists are kept."""
    return tuple(spaced.split())


class Rules(Protocol):
    """One language's attribution rules (a module: :mod:`.english`, :mod:`.chinese`)."""

    def attribute(self, text: str, pair: QuotePair) -> Attribution | None:
        """The attribution of the quote at ``pair``, or None for a term or an unattributed quote."""
        ...

    def goes_on(self, words: str) -> bool:
        """Whether ``words`` between two quotes only go on with the same speaker (", adding:")."""
        ...

    def is_substantive(self, quoted: str) -> bool:
        """Whether ``quoted`` reads as words said (a sentence) rather than a term or a title."""
        ...
