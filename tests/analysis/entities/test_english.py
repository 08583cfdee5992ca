"""spaCy's small English model: OntoNotes labels mapped to culpa's, names trimmed."""

from __future__ import annotations

import pytest

from culpa.analysis.entities.english import UNUSED_PIPES, _is_date, pipeline, recognize_english


def test_only_the_entity_recogniser_is_loaded() -> None:
    assert pipeline().pipe_names == ["ner"]
    assert not set(UNUSED_PIPES) & set(pipeline().pipe_names)


def test_labels_are_mapped_and_the_article_left_out() -> None:
    text = (
        "Chen Quanguo, the party secretary of Xinjiang, told officials of the Xinjiang Public "
        "Security Bureau in Urumqi on June 30, 2017 at 10 a.m. that 200 people were held."
    )
    (mentions,) = recognize_english([text])
    labelled = {(m.text, m.label) for m in mentions}
    assert {
        ("Chen Quanguo", "PER"),
        ("Xinjiang", "LOC"),
        ("Urumqi", "LOC"),
        ("June 30, 2017", "DATE"),
        ("10 a.m.", "TIME"),
        ("Xinjiang Public Security Bureau", "ORG"),
    } <= labelled
    assert not any(m.text == "200" for m in mentions)  # CARDINAL dropped
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_many_texts_at_once_keep_their_own_offsets() -> None:
    texts = ["Xi Jinping visited Kashgar.", "", "Nothing here.", "Zhu Hailun spoke in Beijing."]
    found = recognize_english(texts)
    assert len(found) == len(texts)
    assert ("Kashgar", "LOC") in {(m.text, m.label) for m in found[0]}
    assert found[1] == []
    assert ("Beijing", "LOC") in {(m.text, m.label) for m in found[3]}
    assert all(t[m.start : m.end] == m.text for t, ms in zip(texts, found, strict=True) for m in ms)


def test_titles_possessives_footnotes_and_frequencies_are_left_out() -> None:
    text = (
        "Dr. Anna Schubert met officials in Urumqi. Schubert's report reached LinkedIn "
        "Learning[21] on March 3, 2019, and the board met weekly."
    )
    (mentions,) = recognize_english([text])
    labelled = {(m.text, m.label) for m in mentions}
    assert ("Anna Schubert", "PER") in labelled and ("March 3, 2019", "DATE") in labelled
    assert not any(m.text.startswith("Dr") or m.text.endswith(("'s", "[21")) for m in mentions)
    assert ("weekly", "DATE") not in labelled


@pytest.mark.parametrize(
    ("words", "is_date"),
    [
        ("June 30, 2017", True),
        ("the 1990s", True),
        ("30/6/2017", True),
        ("two weeks", True),
        ("this year", True),
        ("Sept. 3", True),
        ("The 1st", False),
        ("1741205", False),
        ("weekly", False),
        ("Marlon", False),
    ],
)
def test_what_counts_as_a_date(words: str, is_date: bool) -> None:
    assert _is_date(words) is is_date
