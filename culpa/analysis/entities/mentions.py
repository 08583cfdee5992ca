"""What the entity and quotation analyzers hand each other and store as findings.

A recogniser (Chinese or English) returns :class:`Mention` objects with
character offsets into the text it was given; the analyzers turn them into
:class:`culpa.models.Finding` objects whose ``span`` points at the stored page.
The JSON each finding stores as its ``value`` is fixed here, so the CLI, search,
the web pages and the export read the same keys the analyzers write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

#: The analyzer names, as stored in ``findings.analyzer`` and typed after ``--only``.
ENTITIES_ANALYZER: Final = "entities"
QUOTES_ANALYZER: Final = "quotes"

Label = Literal["PER", "ORG", "LOC", "DATE", "TIME"]
#: Every entity label, in the order lists show them.
LABELS: Final[tuple[Label, ...]] = ("PER", "ORG", "LOC", "DATE", "TIME")
#: Labels whose mentions fold into canonical entities (dates and times do not).
NAMED_LABELS: Final[tuple[Label, ...]] = ("PER", "ORG", "LOC")

#: ``findings.label`` of a quotation.
QUOTE_LABEL: Final = "quote"


@dataclass(frozen=True, slots=True)
class Mention:
    """A name (or date, or time) in a text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    label: Label


@dataclass(frozen=True, slots=True)
class Quotation:
    """Words someone is said to have said or written, and who, as the text gives it.

    ``start``/``end`` cover the words inside the quotation marks (or a speech's
    paragraph); ``speaker`` is the speaker as written (a name, a pronoun, a role
    such as "the spokesman"), or the name it was resolved to when a pronoun or
    role was resolved; ``speaker_start``/``speaker_end`` are the offsets of the
    speaker's words in the same text, None where the text does not name the
    speaker there (a speech whose speaker is in its title on another page).
    """

    start: int
    end: int
    text: str
    speaker: str | None
    speaker_start: int | None = None
    speaker_end: int | None = None


# The JSON value of a finding of the entities analyzer (label: one of LABELS):
#   {"text": <the mention as written>,
#    "name": <canonical name: simplified, titles and honorifics split off>,
#    "role": <the title split off, or null>}
# The JSON value of a finding of the quotes analyzer (label: QUOTE_LABEL), span = the quote:
#   {"text": <the quoted words>, "speaker": <as written or resolved, or null>,
#    "speaker_start": int|null, "speaker_end": int|null  (offsets in the same page),
#    "name": <the speaker's canonical name, or null>}
