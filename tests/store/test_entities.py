"""Issue 12: entities with the reporter's edits, on a real case, kept across analyzer re-runs.

The findings are put in the case as the entities and quotes analyzers store them
(through ``store.analysis.record_document``), so these tests need no recogniser.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from culpa.analysis.entities.mentions import ENTITIES_ANALYZER, QUOTES_ANALYZER
from culpa.store.api import CaseStore
from culpa.store.case import Case
from culpa.store.records import NewDocument, finding_rows
from tests.store.entity_findings import PAGE_ONE, Said, Stored, analyze, mentions, quote, rerun

ONE, TWO = "a" * 64, "b" * 64
Analysed = tuple[CaseStore, Stored, Stored]


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


@pytest.fixture
def analysed(case: Case) -> Iterator[Analysed]:
    store = case.store()
    one, two = (add_document(store, ONE), ONE), (add_document(store, TWO), TWO)
    analyze(store, one, two)
    yield store, one, two
    store.close()


def table(store: CaseStore, label: str | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    return {(e.label, e.name): (e.mentions, e.documents) for e in store.entities.entities(label)}


def test_entities_fold_mentions_by_canonical_name(analysed: Analysed) -> None:
    store, _one, _two = analysed
    assert table(store) == {
        ("PER", "陈全国"): (3, 2),
        ("PER", "Zhu Hailun"): (2, 2),
        ("LOC", "喀什"): (1, 1),
        ("LOC", "Kashgar"): (1, 1),
    }
    chen = store.entities.entities("PER")[0]
    assert chen.name == "陈全国"
    assert set(chen.aliases) == {"自治区党委书记陳全國", "陈全国同志"}
    assert table(store, "LOC") == {("LOC", "喀什"): (1, 1), ("LOC", "Kashgar"): (1, 1)}


def test_mentions_carry_their_span_and_entity(analysed: Analysed) -> None:
    store, one, _two = analysed
    found = list(store.entities.mentions(document_id=one[0]))
    assert [m.text for m in found] == [
        "自治区党委书记陳全國",
        "喀什",
        "陈全国同志",
        "Zhu Hailun",
        "Kashgar",
    ]
    for mention in found:
        assert PAGE_ONE[mention.span.start : mention.span.end] == mention.text
        assert mention.span.sha256 == ONE and mention.span.page == 1
    assert found[0].as_dict()["role"] == "自治区党委书记" and found[0].entity == "陈全国"


def test_a_merge_survives_a_rerun_and_can_be_undone(analysed: Analysed) -> None:
    store, one, two = analysed
    edit = store.entities.add_edit("merge", "PER", "Zhu Hailun", target=("PER", "陈全国"))
    merged = {("PER", "陈全国"): (5, 2), ("LOC", "喀什"): (1, 1), ("LOC", "Kashgar"): (1, 1)}
    assert table(store) == merged
    assert "Zhu Hailun" in store.entities.entities("PER")[0].aliases
    rerun(store, one, two)
    assert table(store) == merged
    assert {q.entity for q in store.entities.quotations()} == {"陈全国"}
    assert store.entities.remove_edit(edit.id) and not store.entities.remove_edit(edit.id)
    assert table(store)[("PER", "Zhu Hailun")] == (2, 2)


def test_a_merge_across_labels_and_the_latest_of_a_loop_wins(
    analysed: Analysed,
) -> None:
    store, _one, _two = analysed
    store.entities.add_edit("merge", "LOC", "Kashgar", target=("LOC", "喀什"))
    store.entities.add_edit("merge", "LOC", "喀什", target=("LOC", "Kashgar"))
    assert table(store, "LOC") == {("LOC", "Kashgar"): (2, 1)}
    store.entities.add_edit("merge", "LOC", "Kashgar", target=("ORG", "喀什地委"))
    assert table(store, "LOC") == {} and table(store, "ORG") == {("ORG", "喀什地委"): (2, 1)}


def test_a_split_moves_chosen_mentions_and_survives_a_rerun(
    analysed: Analysed,
) -> None:
    store, one, two = analysed
    moved = [m for m in store.entities.mentions(document_id=two[0]) if m.entity == "陈全国"]
    places = [(m.span.sha256, m.span.page, m.span.start, m.span.end) for m in moved]
    edit = store.entities.add_edit(
        "split", "PER", "陈全国", target=("PER", "陈全国（兵团）"), mentions=places
    )
    assert edit.mentions == tuple(places) and len(places) == 1
    assert store.entities.edits() == [edit]
    split = {("PER", "陈全国"): (2, 1), ("PER", "陈全国（兵团）"): (1, 1)}
    assert {k: v for k, v in table(store).items() if k[1].startswith("陈")} == split
    rerun(store, one, two)
    assert {k: v for k, v in table(store).items() if k[1].startswith("陈")} == split
    again = [m for m in store.entities.mentions(document_id=two[0]) if m.text == "陈全国"]
    assert [m.entity for m in again] == ["陈全国（兵团）"]


def test_an_alias_joins_mentions_of_that_name_and_finds_quotes(
    analysed: Analysed,
) -> None:
    store, one, two = analysed
    store.entities.add_edit("alias", "PER", "陈全国", alias="zhu hailun")
    store.entities.add_edit("alias", "PER", "陈全国", alias="Secretary Chen")
    rerun(store, one, two)
    chen = store.entities.entities("PER")
    assert [(e.name, e.mentions, e.documents) for e in chen] == [("陈全国", 5, 2)]
    assert {"Zhu Hailun", "Secretary Chen", "zhu hailun"} <= set(chen[0].aliases)
    by_secretary = list(store.entities.quotations(speaker="SECRETARY CHEN"))
    assert [q.text for q in by_secretary] == ["要严打。", "Round them up."]
    assert all(q.entity == "陈全国" for q in by_secretary)


def test_quotations_by_a_speaker_in_traditional_script(
    analysed: Analysed,
) -> None:
    store, _one, _two = analysed
    every = list(store.entities.quotations())
    assert [(q.text, q.speaker, q.entity) for q in every] == [
        ("要严打。", "陈全国同志", "陈全国"),
        ("Round them up.", "Zhu Hailun", "Zhu Hailun"),
    ]
    first = every[0]
    assert PAGE_ONE[first.span.start : first.span.end] == first.text
    assert first.speaker_start is not None and first.speaker_end is not None
    assert PAGE_ONE[first.speaker_start : first.speaker_end] == "陈全国同志"
    assert [q.text for q in store.entities.quotations(speaker="陳全國")] == ["要严打。"]
    assert [q.text for q in store.entities.quotations(speaker="zhu hailun")] == ["Round them up."]
    assert list(store.entities.quotations(speaker="Wang Lequan")) == []


def test_a_split_of_the_speaker_s_mention_moves_the_quote(
    analysed: Analysed,
) -> None:
    store, _one, _two = analysed
    speaker = next(q for q in store.entities.quotations() if q.text == "要严打。")
    assert speaker.speaker_start is not None and speaker.speaker_end is not None
    place = (ONE, 1, speaker.speaker_start, speaker.speaker_end)
    store.entities.add_edit("split", "PER", "陈全国", target=("PER", "另一陈"), mentions=[place])
    assert [q.entity for q in store.entities.quotations(speaker="另一陈")] == ["另一陈"]


def test_a_case_without_the_tables_reads_as_empty(analysed: Analysed) -> None:
    """A case from before steps 2 and 7, opened read-only, is read, not written to."""
    store, _one, _two = analysed
    store.conn.executescript("DROP TABLE entity_split_mentions; DROP TABLE entity_edits;")
    assert store.entities.edits() == [] and not store.entities.remove_edit(1)
    assert len(store.entities.entities()) == 4  # the findings, no edits
    store.conn.executescript("DROP TABLE findings;")
    assert store.entities.entities() == [] and list(store.entities.quotations()) == []


def test_an_english_spelling_folds_into_its_chinese_name_until_taken_out(
    analysed: Analysed,
) -> None:
    """fold_names across the case: "Chen Quanguo" is the pinyin of the one 陈全国."""
    store, _one, _two = analysed
    sha256 = "c" * 64
    third = add_document(store, sha256)
    text = "Chen Quanguo said: “No mercy.” CHEN QUANGUO left."
    said = [
        Said("PER", "Chen Quanguo", "Chen Quanguo"),
        Said("PER", "CHEN QUANGUO", "CHEN Quanguo"),
    ]
    found = mentions(sha256, text, said)
    quoted = [quote(sha256, text, "No mercy.", "Chen Quanguo", "Chen Quanguo")]
    store.analysis.record_document(third, ENTITIES_ANALYZER, 1, finding_rows(found, sha256))
    store.analysis.record_document(third, QUOTES_ANALYZER, 1, finding_rows(quoted, sha256))
    assert table(store, "PER") == {("PER", "陈全国"): (5, 3), ("PER", "Zhu Hailun"): (2, 2)}
    chen = store.entities.entities("PER")[0]
    assert {"Chen Quanguo", "CHEN QUANGUO", "CHEN Quanguo"} <= set(chen.aliases)
    by_chen = list(store.entities.quotations(speaker="陳全國"))
    assert [(q.text, q.entity) for q in by_chen] == [
        ("要严打。", "陈全国"),
        ("No mercy.", "陈全国"),
    ]
    # The reporter knows this Chen Quanguo is someone else: a merge of the spelling.
    store.entities.add_edit("merge", "PER", "chen quanguo", target=("PER", "Chen Quanguo (2)"))
    assert table(store, "PER") == {
        ("PER", "陈全国"): (3, 2),
        ("PER", "Zhu Hailun"): (2, 2),
        ("PER", "Chen Quanguo (2)"): (2, 1),
    }
    assert [q.entity for q in store.entities.quotations(speaker="陈全国")] == ["陈全国"]
