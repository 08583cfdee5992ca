"""Findings of the entities and quotes analyzers on two pages, stored as the analyzers store
them (``store.analysis.record_document``), for the tests of what is read from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from culpa.analysis.entities.mentions import ENTITIES_ANALYZER, QUOTE_LABEL, QUOTES_ANALYZER
from culpa.models import Finding, Span
from culpa.store.api import CaseStore
from culpa.store.records import finding_rows

#: A stored document: (id, SHA-256).
Stored = tuple[int, str]


@dataclass(frozen=True)
class Said:
    """A mention to store: ``text`` as written at its first place on ``page_text``."""

    label: str
    text: str
    name: str
    role: str | None = None


PAGE_ONE = "自治区党委书记陳全國在喀什说。陈全国同志强调：“要严打。” Zhu Hailun visited Kashgar."
PAGE_TWO = "陈全国会见了兵团干部。Zhu Hailun said: “Round them up.”"


def mentions(sha256: str, page_text: str, said: Sequence[Said]) -> list[Finding]:
    found = []
    for item in said:
        start = page_text.index(item.text)
        value = {"text": item.text, "name": item.name, "role": item.role}
        span = Span(sha256, 1, start, start + len(item.text))
        found.append(Finding(ENTITIES_ANALYZER, item.label, value, span))
    return found


def quote(sha256: str, page_text: str, words: str, speaker: str, name: str | None) -> Finding:
    start = page_text.index(words)
    at = page_text.find(speaker)
    value = {
        "text": words,
        "speaker": speaker,
        "speaker_start": at if at >= 0 else None,
        "speaker_end": at + len(speaker) if at >= 0 else None,
        "name": name,
    }
    return Finding(QUOTES_ANALYZER, QUOTE_LABEL, value, Span(sha256, 1, start, start + len(words)))


def analyze(store: CaseStore, one: Stored, two: Stored) -> None:
    """Store both documents' findings as the analyzers would, replacing what was there.

    ``one`` holds :data:`PAGE_ONE` as its page 1, ``two`` :data:`PAGE_TWO`.
    """
    (first, ONE), (second, TWO) = one, two
    entities = {
        first: mentions(
            ONE,
            PAGE_ONE,
            [
                Said("PER", "自治区党委书记陳全國", "陈全国", "自治区党委书记"),
                Said("LOC", "喀什", "喀什"),
                Said("PER", "陈全国同志", "陈全国"),
                Said("PER", "Zhu Hailun", "Zhu Hailun"),
                Said("LOC", "Kashgar", "Kashgar"),
            ],
        ),
        second: mentions(
            TWO,
            PAGE_TWO,
            [Said("PER", "陈全国", "陈全国"), Said("PER", "Zhu Hailun", "Zhu Hailun")],
        ),
    }
    quotes = {
        first: [quote(ONE, PAGE_ONE, "要严打。", "陈全国同志", "陈全国")],
        second: [quote(TWO, PAGE_TWO, "Round them up.", "Zhu Hailun", "Zhu Hailun")],
    }
    for document_id, sha256 in ((first, ONE), (second, TWO)):
        store.analysis.record_document(
            document_id, ENTITIES_ANALYZER, 1, finding_rows(entities[document_id], sha256)
        )
        store.analysis.record_document(
            document_id, QUOTES_ANALYZER, 1, finding_rows(quotes[document_id], sha256)
        )


def rerun(store: CaseStore, one: Stored, two: Stored) -> None:
    """The analyzers run again from nothing: findings deleted, then saved anew."""
    assert store.analysis.forget_analyzer(ENTITIES_ANALYZER) == 2
    assert store.analysis.forget_analyzer(QUOTES_ANALYZER) == 2
    assert list(store.entities.mentions()) == []
    analyze(store, one, two)
