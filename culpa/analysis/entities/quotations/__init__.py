"""Quotations and their speakers, in English and Chinese text: pure functions.

:func:`find_quotations` pairs the quotation marks of a text in one pass
(:mod:`.marks`), asks the rules of the quote's language who each pair is
attributed to (:mod:`.english`, :mod:`.chinese`), gives a quote that follows
straight on from an attributed one the same speaker, and resolves pronoun and
role speakers to the nearest person named before them (:mod:`.speakers`).
Speeches, whose every paragraph is the speaker's, are :mod:`.speeches`; a
text that opens with a speech's title gives its paragraphs too.

A quote that no speech verb attributes (a term such as “三股势力”, a scare
quote, a title) is not a quotation and is not returned. A split quote
(``"…," officials were advised to say, "…"``) gives two quotations, one per
part, with the same speaker and speaker span: each part is exactly the words
between its marks, so each can be cited, and the attribution between them is
nobody's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from culpa.analysis.entities.mentions import Mention, Quotation
from culpa.analysis.entities.quotations import chinese, english
from culpa.analysis.entities.quotations.attribution import Attribution, Rules
from culpa.analysis.entities.quotations.marks import QuotePair, quote_pairs
from culpa.analysis.entities.quotations.speakers import needs_person, resolve_speakers
from culpa.analysis.entities.quotations.speeches import (
    speaker_span,
    speech_quotations,
    speech_speaker,
)

__all__ = [
    "attributed_quotations",
    "find_quotations",
    "needs_person",
    "resolve_speakers",
    "speaker_span",
    "speech_quotations",
    "speech_speaker",
]

#: Characters of a quote (or, if they have no letters, before it) whose script picks the
#: rules when the page's language does not.
SCRIPT_WINDOW: Final = 12

_HAN: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN: Final = re.compile(r"[A-Za-z]")
# What may lie between an attributed quote and one that continues it: punctuation, spaces.
_CONTINUING_GAP: Final = re.compile(r"[\s,.;:!?，。；：！？、—–-]*")


def find_quotations(
    text: str, language: str | None, people: Sequence[Mention] = ()
) -> list[Quotation]:
    """The quotations in ``text``, in order of their start, speakers resolved against ``people``.

    ``language`` is the page's (BCP 47: ``en``, ``zh-Hans``, ``zh-Hant``);
    for any other, or None, each quote is read by the rules of the script
    around it. ``people`` are mentions found in the same text (only PER ones
    are used). A text that opens with a speech's title (:func:`speech_speaker`)
    adds its paragraphs as the speaker's quotations. Linear in the length of
    ``text``: each quote looks at a bounded stretch of text on each side.
    """
    found = resolve_speakers(attributed_quotations(text, language), people)
    speaker = speech_speaker("", text)
    if speaker is not None:
        found.extend(speech_quotations(text, speaker, speaker_span(text, speaker)))
        found.sort(key=lambda quotation: (quotation.start, -quotation.end))
    return found


def attributed_quotations(text: str, language: str | None) -> list[Quotation]:
    """The quotes in marks that a speech verb attributes, speakers as written, in order."""
    found: list[Quotation] = []
    previous: tuple[QuotePair, Attribution] | None = None
    for pair in quote_pairs(text):
        rules = _rules(text, pair, language)
        attribution = rules.attribute(text, pair)
        if attribution is not None and attribution.speaker_start == attribution.speaker_end:
            # A verb with no one before it (还指出：“…”): the speaker of the quote before.
            attribution = previous[1] if previous is not None else None
        elif attribution is None and previous is not None:
            attribution = _continued(text, pair, rules, *previous)
        if attribution is None:
            previous = None
            continue
        found.append(
            Quotation(
                pair.start,
                pair.end,
                text[pair.start : pair.end],
                text[attribution.speaker_start : attribution.speaker_end],
                attribution.speaker_start,
                attribution.speaker_end,
            )
        )
        previous = (pair, attribution)
    return found


def _rules(text: str, pair: QuotePair, language: str | None) -> Rules:
    if language is not None:
        if language.startswith("zh"):
            return chinese
        if language.startswith("en"):
            return english
    quoted = text[pair.start : min(pair.end, pair.start + SCRIPT_WINDOW)]
    if _HAN.search(quoted):
        return chinese
    if _LATIN.search(quoted):
        return english
    around = text[max(0, pair.open - SCRIPT_WINDOW) : pair.open]
    return chinese if _HAN.search(around) else english


def _continued(
    text: str, pair: QuotePair, rules: Rules, before: QuotePair, attribution: Attribution
) -> Attribution | None:
    """The attribution of the quote before, if this one follows straight on from it."""
    if not rules.is_substantive(text[pair.start : pair.end]):
        return None
    gap_start = before.close + 1
    if gap_start <= attribution.clause_start < pair.open:
        gaps = [(gap_start, attribution.clause_start), (attribution.clause_end, pair.open)]
    else:
        gaps = [(gap_start, pair.open)]
    for start, end in gaps:
        if start > end:
            return None
        gap = text[start:end]
        if re.search(r"\n[ \t\u3000]*\n", gap):
            return None
        if _CONTINUING_GAP.fullmatch(gap) is None and not rules.goes_on(gap):
            return None
    return attribution
