"""Quotations and their speakers, in English and Chinese text: pure functions.

:func:`find_quotations` pairs the quotation marks of a text in one pass
(:mod:`.marks`), asks the rules of the quote's language who each pair is
attributed to (:mod:`.english`, :mod:`.chinese`), gives a quote that follows
straight on from an attributed one the same speaker, and resolves pronoun and
role speakers to the nearest person named before them (:mod:`.speakers`).
Speeches, whose every paragraph is the speaker's, are :mod:`.speeches`.

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
from culpa.analysis.entities.quotations.speeches import speech_quotations, speech_speaker

__all__ = [
    "find_quotations",
    "needs_person",
    "resolve_speakers",
    "speech_quotations",
    "speech_speaker",
]

#: Characters on each side of a quote whose script picks the rules when the language does not.
SCRIPT_WINDOW: Final = 12

_HAN: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What may lie between an attributed quote and one that continues it: punctuation, spaces.
_CONTINUING_GAP: Final = re.compile(r"[\s,.;:!?，。；：！？、—–-]*")


def find_quotations(
    text: str, language: str | None, people: Sequence[Mention] = ()
) -> list[Quotation]:
    """The attributed quotations in ``text``, in order, speakers resolved against ``people``.

    ``language`` is the page's (BCP 47: ``en``, ``zh-Hans``, ``zh-Hant``);
    for any other, or None, each quote is read by the rules of the script
    around it. ``people`` are mentions found in the same text (only PER ones
    are used). Linear in the length of ``text``: each quote looks at a
    bounded stretch of text on each side.
    """
    pairs = quote_pairs(text)
    found: list[Quotation] = []
    previous: tuple[QuotePair, Attribution, Quotation] | None = None
    for pair in pairs:
        rules = _rules(text, pair, language)
        attribution = rules.attribute(text, pair)
        if attribution is None and previous is not None:
            attribution = _continued(text, pair, rules, *previous[:2])
        if attribution is None:
            previous = None
            continue
        speaker = text[attribution.speaker_start : attribution.speaker_end]
        quotation = Quotation(
            pair.start,
            pair.end,
            text[pair.start : pair.end],
            speaker,
            attribution.speaker_start,
            attribution.speaker_end,
        )
        found.append(quotation)
        previous = (pair, attribution, quotation)
    return resolve_speakers(found, people)


def _rules(text: str, pair: QuotePair, language: str | None) -> Rules:
    if language is not None:
        if language.startswith("zh"):
            return chinese
        if language.startswith("en"):
            return english
    around = (
        text[max(0, pair.open - SCRIPT_WINDOW) : pair.open]
        + text[pair.close + 1 : pair.close + 1 + SCRIPT_WINDOW]
    )
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
        if _CONTINUING_GAP.fullmatch(gap) is None or re.search(r"\n[ \t\u3000]*\n", gap):
            return None
    return attribution
