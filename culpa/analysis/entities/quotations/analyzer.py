"""The ``quotes`` analyzer: every quotation on every page, with its speaker, as findings.

Each page's quotations in marks come from :func:`attributed_quotations`. A
speech (:func:`speech_speaker`: the document's title, or a title heading a
page) adds each of its paragraphs as a quotation by the speaker; a title on a
later page (a compilation of speeches) changes the speaker from there on.

Names are only needed where a speaker is a pronoun or a role ("he said",
他说): the recogniser runs on the text just before each such speaker
(:data:`LOOKBACK_CHARS`: the nearest 200 characters first, then up to 600 for
the speakers still unresolved), not on the page, so a page whose quotations
all have named speakers costs no model time at all; its mentions are mapped back to page
offsets and the speaker resolved to the nearest person named before it
(:func:`resolve_speakers`). The recogniser is a constructor argument (the
entity recogniser by default, whose models load on first use), so tests and
benchmarks can give their own; it travels to the workers pickled, so it must
be a module-level function.

A finding's span is the quoted words on the page; its value is the JSON
:mod:`culpa.analysis.entities.mentions` describes, ``name`` being the
speaker's canonical name (:func:`canonical_name`: titles split off,
Simplified), or null for a speaker that names nobody ("they", "officials",
"the directive", an unresolved "he").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final

from culpa.analysis.base import Speed
from culpa.analysis.entities.canonical import canonical_name
from culpa.analysis.entities.mentions import QUOTE_LABEL, QUOTES_ANALYZER, Mention, Quotation
from culpa.analysis.entities.quotations import (
    attributed_quotations,
    resolve_speakers,
    speaker_span,
    speech_quotations,
    speech_speaker,
)
from culpa.analysis.entities.quotations.speakers import names_someone, needs_person
from culpa.analysis.entities.recognize import recognize
from culpa.analysis.registry import register
from culpa.models import Finding, JsonValue, Span, StoredDocument

#: Characters before a pronoun or role speaker in which the person it stands for is
#: looked for, nearest first: the sentence or two before it, then a paragraph or two.
#: The recogniser is the cost (English ~46,000 characters/s): on pages dense with "he
#: said" (bench/data/entities/quotes.jsonl), a single 600-character look-back read 60%
#: of the English text and gave 23 pages/s; looking 600 characters back only for the
#: speakers 200 did not resolve gives the same speakers for less.
LOOKBACK_CHARS: Final = (200, 600)
#: How far a look-back's start moves back to the start of its sentence or line.
SNAP_CHARS: Final = 60

#: Names in a text, as :func:`culpa.analysis.entities.recognize.recognize` finds them.
Recognizer = Callable[[str, str | None], Sequence[Mention]]


class QuotesAnalyzer:
    """Quotations and their speakers on every page; speeches' paragraphs as their speaker's."""

    name = QUOTES_ANALYZER
    #: Raise it when the rules change what is found.
    version = 1
    #: Pronoun speakers need the recogniser, whose models take seconds to load.
    speed: Speed = "slow"

    def __init__(self, recognizer: Recognizer = recognize) -> None:
        self.recognizer = recognizer

    def applies_to(self, document: StoredDocument) -> bool:
        return True  # any document with text: a page without any gives nothing

    def analyze(self, document: StoredDocument) -> Iterator[Finding]:
        title = document.metadata.get("title", "")
        speaker = speech_speaker(title, "") if title else None
        for page in document.pages:
            heading = speech_speaker("", page.text)
            quotations = self.page_quotations(page.text, page.language)
            if heading is not None:
                speaker = heading
                named = speaker_span(page.text, speaker)
                quotations.extend(speech_quotations(page.text, speaker, named))
            elif speaker is not None:
                quotations.extend(speech_quotations(page.text, speaker))
            for quotation in sorted(quotations, key=lambda q: (q.start, -q.end)):
                span = Span(document.sha256, page.number, quotation.start, quotation.end)
                yield Finding(self.name, QUOTE_LABEL, _value(quotation), span)

    def page_quotations(self, text: str, language: str | None) -> list[Quotation]:
        """The quotations in marks on one page, pronoun and role speakers resolved."""
        quotations = attributed_quotations(text, language)
        people: list[Mention] = []
        read = 0  # characters before each speaker already read
        for reach in LOOKBACK_CHARS:
            windows = _merged(
                (_sentence_start(text, q.speaker_start - reach), q.speaker_start - read)
                for q in quotations
                if q.speaker is not None and q.speaker_start is not None and needs_person(q.speaker)
            )
            for start, end in windows:
                for mention in self.recognizer(text[start:end], language):
                    if mention.label == "PER":
                        people.append(
                            Mention(start + mention.start, start + mention.end, mention.text, "PER")
                        )
            quotations = resolve_speakers(quotations, people)
            read = reach
        return quotations


def _sentence_start(text: str, at: int) -> int:
    """``at``, or the start of the line or sentence it falls in, so no name is cut in two."""
    if at <= 0:
        return 0
    floor = max(0, at - SNAP_CHARS)
    best = max(text.rfind(mark, floor, at) for mark in "\n。！？.!?")
    return best + 1 if best >= 0 else at


def _merged(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _value(quotation: Quotation) -> JsonValue:
    speaker = quotation.speaker
    named = speaker is not None and names_someone(speaker)
    return {
        "text": quotation.text,
        "speaker": speaker,
        "speaker_start": quotation.speaker_start,
        "speaker_end": quotation.speaker_end,
        "name": canonical_name(speaker, "PER").name if speaker is not None and named else None,
    }


QUOTES = QuotesAnalyzer()
register(QUOTES)
