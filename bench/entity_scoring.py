"""How recognised entities and quotations are scored against the hand-labelled sets.

One place for the rules, so every figure in the closing notes is computed the
same way (CoNLL's exact-match scoring, plus a looser figure):

- a span is (start, end, label) in one text; ``exact`` counts a prediction
  right only when start, end and label all equal a gold span's;
- ``partial`` counts it right when it overlaps a gold span of the same label
  that no other prediction has taken (one-to-one, in text order), so a name
  found with its title (自治区党委书记陈全国 for 陈全国) still counts;
- precision, recall and F1 are micro-averaged: "overall" sums the counts of
  every label; with nothing to find and nothing found a figure is 1.0;
- a quotation is right when its span overlaps a gold quotation's and its
  speaker is the gold speaker, both sides compared by ``same_speaker``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple


class Span(NamedTuple):
    """A labelled stretch of one text."""

    start: int
    end: int
    label: str


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives, and what follows from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass(slots=True)
class Scores:
    """Counts per label and over all labels."""

    labels: dict[str, Counts] = field(default_factory=dict)

    def of(self, label: str) -> Counts:
        return self.labels.setdefault(label, Counts())

    def overall(self, labels: Iterable[str] | None = None) -> Counts:
        total = Counts()
        for label, counts in self.labels.items():
            if labels is None or label in labels:
                total.add(counts)
        return total


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two half-open spans share at least one character."""
    return a_start < b_end and b_start < a_end


def match_spans(gold: Sequence[Span], predicted: Sequence[Span], *, partial: bool) -> Scores:
    """Scores of one text's predicted spans against its gold spans."""
    scores = Scores()
    for span in gold:
        scores.of(span.label)
    taken: set[int] = set()
    for guess in sorted(predicted):
        hit = None
        for index, truth in enumerate(gold):
            if index in taken or truth.label != guess.label:
                continue
            same = (truth.start, truth.end) == (guess.start, guess.end)
            if same or (partial and overlaps(truth.start, truth.end, guess.start, guess.end)):
                hit = index
                break
        if hit is None:
            scores.of(guess.label).fp += 1
        else:
            taken.add(hit)
            scores.of(guess.label).tp += 1
    for index, truth in enumerate(gold):
        if index not in taken:
            scores.of(truth.label).fn += 1
    return scores


def score_spans(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Span]]], *, partial: bool = False
) -> Scores:
    """Scores summed over many texts, each given as (gold spans, predicted spans)."""
    total = Scores()
    for gold, predicted in pairs:
        for label, counts in match_spans(gold, predicted, partial=partial).labels.items():
            total.of(label).add(counts)
    return total


def plain_name(name: str) -> str:
    """A speaker's name as compared when no canonical folding is at hand."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


class GoldQuote(NamedTuple):
    """A hand-labelled quotation: the quoted words' span and who said them."""

    start: int
    end: int
    speaker: str
    speaker_text: str | None = None


class FoundQuote(NamedTuple):
    """A quotation as a finder returned it: its span and the speaker it names."""

    start: int
    end: int
    speaker: str | None


def score_quotes(
    pairs: Iterable[tuple[Sequence[GoldQuote], Sequence[FoundQuote]]],
    same_speaker: Callable[[str, str], bool],
) -> tuple[Counts, Counts]:
    """(attribution, spans) over many texts, each given as (gold quotes, found quotes).

    ``attribution`` counts a found quote right when it overlaps a gold quote not
    yet taken and ``same_speaker(found, gold)`` holds for the gold speaker or
    the gold speaker's words; ``spans`` counts overlap alone, whoever the speaker.
    """
    attribution, spans = Counts(), Counts()
    for gold, found in pairs:
        for counts, check in ((attribution, True), (spans, False)):
            taken: set[int] = set()
            for guess in sorted(found, key=lambda quote: quote.start):
                hit = None
                for index, truth in enumerate(gold):
                    if index in taken or not overlaps(
                        truth.start, truth.end, guess.start, guess.end
                    ):
                        continue
                    if check and not _speaker_fits(guess.speaker, truth, same_speaker):
                        continue
                    hit = index
                    break
                if hit is None:
                    counts.fp += 1
                else:
                    taken.add(hit)
                    counts.tp += 1
            counts.fn += len(gold) - len(taken)
    return attribution, spans


def _speaker_fits(
    speaker: str | None, truth: GoldQuote, same_speaker: Callable[[str, str], bool]
) -> bool:
    if not speaker:
        return False
    names = [truth.speaker] + ([truth.speaker_text] if truth.speaker_text else [])
    return any(same_speaker(speaker, name) for name in names)
