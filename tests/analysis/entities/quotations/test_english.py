"""English quotations: the forms of news and official English, and what is not a quotation."""

from __future__ import annotations

from culpa.analysis.entities.mentions import Mention, Quotation
from culpa.analysis.entities.quotations import find_quotations


def quotes(text: str, people: tuple[Mention, ...] = ()) -> list[tuple[str, str | None]]:
    found = find_quotations(text, "en", people)
    for quotation in found:
        assert text[quotation.start : quotation.end] == quotation.text
        if quotation.speaker_start is not None and quotation.speaker_end is not None:
            assert text[quotation.speaker_start : quotation.speaker_end] == quotation.speaker
    return [(quotation.text, quotation.speaker) for quotation in found]


def person(text: str, name: str) -> Mention:
    start = text.index(name)
    return Mention(start, start + len(name), name, "PER")


def test_speaker_after_the_quote() -> None:
    text = '"We must show absolutely no mercy," Xi Jinping said in a 2014 speech.'
    assert quotes(text) == [("We must show absolutely no mercy,", "Xi Jinping")]


def test_speaker_span_points_at_the_speakers_words() -> None:
    text = 'In Urumqi, Chen Quanguo told officials: "Round up everyone who should be rounded up."'
    [quotation] = find_quotations(text, "en")
    assert quotation == Quotation(
        text.index("Round"),
        len(text) - 1,
        "Round up everyone who should be rounded up.",
        "Chen Quanguo",
        text.index("Chen"),
        text.index(" told"),
    )


def test_inverted_verb_and_apposition() -> None:
    text = '"There is no time to lose," said Zhu Hailun, the deputy party secretary.'
    assert quotes(text) == [("There is no time to lose,", "Zhu Hailun")]
    text = 'Zhu Hailun, the region\'s deputy party secretary, said: "Prevent escapes."'
    assert quotes(text) == [("Prevent escapes.", "Zhu Hailun")]


def test_split_quote_gives_both_parts_one_speaker() -> None:
    text = (
        '"Your family members have been taken," officials were advised to say, '
        '"to a training school set up by the government."'
    )
    found = find_quotations(text, "en")
    assert [q.text for q in found] == [
        "Your family members have been taken,",
        "to a training school set up by the government.",
    ]
    assert {(q.speaker, q.speaker_start) for q in found} == {("officials", text.index("officials"))}


def test_role_speakers_and_that_clauses() -> None:
    text = 'The directive warned that "students must not be allowed to leave."'
    assert quotes(text) == [("students must not be allowed to leave.", "The directive")]
    text = 'A senior official added, "The measures are preventive."'
    assert quotes(text) == [("The measures are preventive.", "A senior official")]


def test_according_to_before_and_after() -> None:
    text = 'According to the telegram, "the facilities must prevent escapes."'
    assert quotes(text) == [("the facilities must prevent escapes.", "the telegram")]
    text = '"Never let them out," according to Zhu Hailun.'
    assert quotes(text) == [("Never let them out,", "Zhu Hailun")]


def test_pronoun_resolved_to_the_nearest_person_named_before() -> None:
    text = (
        "Zhu Hailun signed the telegram. Chen Quanguo spoke next. "
        '"Show absolutely no mercy," he said.'
    )
    people = (person(text, "Zhu Hailun"), person(text, "Chen Quanguo"))
    [quotation] = find_quotations(text, "en", people)
    assert quotation.speaker == "Chen Quanguo"
    assert (quotation.speaker_start, quotation.speaker_end) == (people[1].start, people[1].end)


def test_pronoun_kept_as_written_without_a_person_before_it() -> None:
    text = '"Show absolutely no mercy," he said. Chen Quanguo was in the room.'
    people = (person(text, "Chen Quanguo"),)
    assert quotes(text, people) == [("Show absolutely no mercy,", "he")]


def test_a_name_inside_a_quote_is_not_the_speaker() -> None:
    text = 'Chen told officials: "Xi Jinping has ordered this." "Do it now," she said.'
    people = (person(text, "Chen"), person(text, "Xi Jinping"))
    found = find_quotations(text, "en", people)
    assert [q.speaker for q in found] == ["Chen", "Chen"]


def test_role_resolved_but_plural_and_indefinite_kept() -> None:
    text = 'Hua Chunying spoke on Monday. "These are lies," the spokeswoman said.'
    assert quotes(text, (person(text, "Hua Chunying"),)) == [("These are lies,", "Hua Chunying")]
    text = 'Hua Chunying spoke. "These are lies," they said.'
    assert quotes(text, (person(text, "Hua Chunying"),)) == [("These are lies,", "they")]


def test_a_quote_following_on_keeps_its_speaker() -> None:
    text = '"The struggle must be waged," he said. "Show no mercy to them."'
    assert quotes(text) == [
        ("The struggle must be waged,", "he"),
        ("Show no mercy to them.", "he"),
    ]


def test_a_sentence_ending_quote_is_not_attributed_to_the_next_clause() -> None:
    text = 'Xi said: "We must act now." The official added: "Nothing will change."'
    assert quotes(text) == [("We must act now.", "Xi"), ("Nothing will change.", "The official")]


def test_scare_quotes_and_terms_are_not_quotations() -> None:
    text = (
        'Officials call them "vocational training centres" and the so-called "students" '
        'cannot leave. The directive called the camps "schools" and described "transformation".'
    )
    assert quotes(text) == []


def test_partial_quote_after_a_verb_counts_when_it_reads_as_said() -> None:
    text = 'He said the camps were "a necessary measure to fight extremism".'
    assert quotes(text) == [("a necessary measure to fight extremism", "He")]
    assert quotes('He said the camps were "effective".') == []


def test_curly_marks_and_unattributed_quotes() -> None:
    text = "“We will never back down,” the spokesman said. “Stability” is the word of the year."
    assert quotes(text) == [("We will never back down,", "the spokesman")]


def test_the_one_asked_is_not_the_speaker() -> None:
    text = 'Dr. Schubert was asked: "Have you been treated for diabetes?" She answered "No".'
    assert quotes(text) == [("No", "She")]


def test_a_rule_or_article_as_speaker() -> None:
    text = 'Rule 608 provides that, "extrinsic evidence is not admissible to prove conduct."'
    assert quotes(text) == [("extrinsic evidence is not admissible to prove conduct.", "Rule 608")]


def test_called_with_a_sentence_and_any_verb_before_a_colon() -> None:
    text = "Senator James Whitaker called the report “a whitewash from start to finish.”"
    assert quotes(text) == [("a whitewash from start to finish.", "Senator James Whitaker")]
    text = "His colleague Sofia Marin disagreed: “Everyone received the draft.”"
    assert quotes(text) == [("Everyone received the draft.", "Sofia Marin")]


def test_names_that_look_like_verbs_and_prepositions_are_no_speakers() -> None:
    text = (
        "losses resulting from State Farm’s addition of loads and “provide[s] the most "
        "reasonable basis for measuring harm” in a case of this nature."
    )
    assert quotes(text) == []


def test_a_participle_or_and_added_goes_on_with_the_same_speaker() -> None:
    text = '"The camps are schools," Zhu Hailun said, adding: "Nobody may leave them."'
    assert quotes(text) == [
        ("The camps are schools,", "Zhu Hailun"),
        ("Nobody may leave them.", "Zhu Hailun"),
    ]
    text = '"The camps are schools," he said, and added that "nobody may leave them."'
    assert quotes(text) == [("The camps are schools,", "he"), ("nobody may leave them.", "he")]
    assert quotes('Adding: "Nobody may leave them."') == []


def test_a_short_partial_quote_after_told_to() -> None:
    text = 'In speeches, Mr. Xi told officials to show "absolutely no mercy" to terrorists.'
    assert quotes(text) == [("absolutely no mercy", "Mr. Xi")]


def test_british_single_quotes() -> None:
    text = "‘We don’t know what happens in the camps,’ said Nury Turkel. ‘Nobody does.’"
    assert quotes(text) == [
        ("We don’t know what happens in the camps,", "Nury Turkel"),
        ("Nobody does.", "Nury Turkel"),
    ]
