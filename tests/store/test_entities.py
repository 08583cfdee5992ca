"""Issue 12: entities with the reporter's edits, on a real case, kept across analyzer re-runs.

The findings are put in the case as the entities and quotes analyzers store them
(through ``store.analysis.record_document``), so these tests need no recogniser.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest

from culpa.analysis.entities.mentions import ENTITIES_ANALYZER, QUOTE_LABEL, QUOTES_ANALYZER
from culpa.models import Finding, Span
from culpa.store.api import CaseStore
from culpa.store.case import Case
from culpa.store.records import NewDocument, finding_rows


@dataclass(frozen=True)
class Said:
    """A mention to store: ``text`` as written at its first place on ``page_text``."""

    label: str
    text: str
    name: str
    role: str | None = None


PAGE_ONE = "自治区党委书记陳全國在喀什说。陈全国同志强调：“要严打。” Chen Quanguo visited Kashgar."
PAGE_TWO = "陈全国会见了兵团干部。Chen Quanguo said: “Round them up.”"


def add_document(store: CaseStore, sha256: str) -> int:
    return store.documents.add(
        NewDocument(
            sha256=sha256,
            size=1,
            mime="text/plain",
            type="text",
            status="ok",
            error_kind=None,
            error_message=None,
            extractor="text",
            metadata={},
            page_count=1,
            complete=True,
            ingested_at="2026-12-03T00:00:00+00:00",
        )
    )


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


ONE, TWO = "a" * 64, "b" * 64


def analyze(store: CaseStore, first: int, second: int) -> None:
    """Store both documents' findings as the analyzers would, replacing what was there."""
    entities = {
        first: mentions(
            ONE,
            PAGE_ONE,
            [
                Said("PER", "自治区党委书记陳全國", "陈全国", "自治区党委书记"),
                Said("LOC", "喀什", "喀什"),
                Said("PER", "陈全国同志", "陈全国"),
                Said("PER", "Chen Quanguo", "Chen Quanguo"),
                Said("LOC", "Kashgar", "Kashgar"),
            ],
        ),
        second: mentions(
            TWO,
            PAGE_TWO,
            [Said("PER", "陈全国", "陈全国"), Said("PER", "Chen Quanguo", "Chen Quanguo")],
        ),
    }
    quotes = {
        first: [quote(ONE, PAGE_ONE, "要严打。", "陈全国同志", "陈全国")],
        second: [quote(TWO, PAGE_TWO, "Round them up.", "Chen Quanguo", "Chen Quanguo")],
    }
    for document_id, sha256 in ((first, ONE), (second, TWO)):
        store.analysis.record_document(
            document_id, ENTITIES_ANALYZER, 1, finding_rows(entities[document_id], sha256)
        )
        store.analysis.record_document(
            document_id, QUOTES_ANALYZER, 1, finding_rows(quotes[document_id], sha256)
        )


def rerun(store: CaseStore, first: int, second: int) -> None:
    """The analyzers run again from nothing: findings deleted, then saved anew."""
    assert store.analysis.forget_analyzer(ENTITIES_ANALYZER) == 2
    assert store.analysis.forget_analyzer(QUOTES_ANALYZER) == 2
    assert list(store.entities.mentions()) == []
    analyze(store, first, second)


@pytest.fixture
def analysed(case: Case) -> Iterator[tuple[CaseStore, int, int]]:
    store = case.store()
    first, second = add_document(store, ONE), add_document(store, TWO)
    analyze(store, first, second)
    yield store, first, second
    store.close()


def table(store: CaseStore, label: str | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    return {(e.label, e.name): (e.mentions, e.documents) for e in store.entities.entities(label)}


def test_entities_fold_mentions_by_canonical_name(analysed: tuple[CaseStore, int, int]) -> None:
    store, _first, _second = analysed
    assert table(store) == {
        ("PER", "陈全国"): (3, 2),
        ("PER", "Chen Quanguo"): (2, 2),
        ("LOC", "喀什"): (1, 1),
        ("LOC", "Kashgar"): (1, 1),
    }
    chen = store.entities.entities("PER")[0]
    assert chen.name == "陈全国"
    assert set(chen.aliases) == {"自治区党委书记陳全國", "陈全国同志"}
    assert table(store, "LOC") == {("LOC", "喀什"): (1, 1), ("LOC", "Kashgar"): (1, 1)}


def test_mentions_carry_their_span_and_entity(analysed: tuple[CaseStore, int, int]) -> None:
    store, first, _second = analysed
    found = list(store.entities.mentions(document_id=first))
    assert [m.text for m in found] == [
        "自治区党委书记陳全國",
        "喀什",
        "陈全国同志",
        "Chen Quanguo",
        "Kashgar",
    ]
    for mention in found:
        assert PAGE_ONE[mention.span.start : mention.span.end] == mention.text
        assert mention.span.sha256 == ONE and mention.span.page == 1
    assert found[0].as_dict()["role"] == "自治区党委书记" and found[0].entity == "陈全国"


def test_a_merge_survives_a_rerun_and_can_be_undone(analysed: tuple[CaseStore, int, int]) -> None:
    store, first, second = analysed
    edit = store.entities.add_edit("merge", "PER", "Chen Quanguo", target=("PER", "陈全国"))
    merged = {("PER", "陈全国"): (5, 2), ("LOC", "喀什"): (1, 1), ("LOC", "Kashgar"): (1, 1)}
    assert table(store) == merged
    assert "Chen Quanguo" in store.entities.entities("PER")[0].aliases
    rerun(store, first, second)
    assert table(store) == merged
    assert {q.entity for q in store.entities.quotations()} == {"陈全国"}
    assert store.entities.remove_edit(edit.id) and not store.entities.remove_edit(edit.id)
    assert table(store)[("PER", "Chen Quanguo")] == (2, 2)


def test_a_merge_across_labels_and_the_latest_of_a_loop_wins(
    analysed: tuple[CaseStore, int, int],
) -> None:
    store, _first, _second = analysed
    store.entities.add_edit("merge", "LOC", "Kashgar", target=("LOC", "喀什"))
    store.entities.add_edit("merge", "LOC", "喀什", target=("LOC", "Kashgar"))
    assert table(store, "LOC") == {("LOC", "Kashgar"): (2, 1)}
    store.entities.add_edit("merge", "LOC", "Kashgar", target=("ORG", "喀什地委"))
    assert table(store, "LOC") == {} and table(store, "ORG") == {("ORG", "喀什地委"): (2, 1)}


def test_a_split_moves_chosen_mentions_and_survives_a_rerun(
    analysed: tuple[CaseStore, int, int],
) -> None:
    store, first, second = analysed
    moved = [m for m in store.entities.mentions(document_id=second) if m.entity == "陈全国"]
    places = [(m.span.sha256, m.span.page, m.span.start, m.span.end) for m in moved]
    edit = store.entities.add_edit(
        "split", "PER", "陈全国", target=("PER", "陈全国（兵团）"), mentions=places
    )
    assert edit.mentions == tuple(places) and len(places) == 1
    assert store.entities.edits() == [edit]
    split = {("PER", "陈全国"): (2, 1), ("PER", "陈全国（兵团）"): (1, 1)}
    assert {k: v for k, v in table(store).items() if k[1].startswith("陈")} == split
    rerun(store, first, second)
    assert {k: v for k, v in table(store).items() if k[1].startswith("陈")} == split
    again = [m for m in store.entities.mentions(document_id=second) if m.text == "陈全国"]
    assert [m.entity for m in again] == ["陈全国（兵团）"]


def test_an_alias_joins_mentions_of_that_name_and_finds_quotes(
    analysed: tuple[CaseStore, int, int],
) -> None:
    store, first, second = analysed
    store.entities.add_edit("alias", "PER", "陈全国", alias="chen quanguo")
    store.entities.add_edit("alias", "PER", "陈全国", alias="Secretary Chen")
    rerun(store, first, second)
    chen = store.entities.entities("PER")
    assert [(e.name, e.mentions, e.documents) for e in chen] == [("陈全国", 5, 2)]
    assert {"Chen Quanguo", "Secretary Chen", "chen quanguo"} <= set(chen[0].aliases)
    by_secretary = list(store.entities.quotations(speaker="SECRETARY CHEN"))
    assert [q.text for q in by_secretary] == ["要严打。", "Round them up."]
    assert all(q.entity == "陈全国" for q in by_secretary)


def test_quotations_by_a_speaker_in_traditional_script(
    analysed: tuple[CaseStore, int, int],
) -> None:
    store, _first, _second = analysed
    every = list(store.entities.quotations())
    assert [(q.text, q.speaker, q.entity) for q in every] == [
        ("要严打。", "陈全国同志", "陈全国"),
        ("Round them up.", "Chen Quanguo", "Chen Quanguo"),
    ]
    first = every[0]
    assert PAGE_ONE[first.span.start : first.span.end] == first.text
    assert first.speaker_start is not None and first.speaker_end is not None
    assert PAGE_ONE[first.speaker_start : first.speaker_end] == "陈全国同志"
    assert [q.text for q in store.entities.quotations(speaker="陳全國")] == ["要严打。"]
    assert [q.text for q in store.entities.quotations(speaker="chen quanguo")] == ["Round them up."]
    assert list(store.entities.quotations(speaker="Wang Lequan")) == []


def test_a_split_of_the_speaker_s_mention_moves_the_quote(
    analysed: tuple[CaseStore, int, int],
) -> None:
    store, _first, _second = analysed
    speaker = next(q for q in store.entities.quotations() if q.text == "要严打。")
    assert speaker.speaker_start is not None and speaker.speaker_end is not None
    place = (ONE, 1, speaker.speaker_start, speaker.speaker_end)
    store.entities.add_edit("split", "PER", "陈全国", target=("PER", "另一陈"), mentions=[place])
    assert [q.entity for q in store.entities.quotations(speaker="另一陈")] == ["另一陈"]
