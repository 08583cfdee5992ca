"""Pairing quotation marks: nesting, stray marks, and hostile pages in linear time."""

from __future__ import annotations

import re

import pytest

from culpa.analysis.entities.quotations import find_quotations, marks
from culpa.analysis.entities.quotations.marks import MAX_QUOTE_CHARS, QuotePair, quote_pairs


def quoted(text: str) -> list[str]:
    return [text[pair.start : pair.end] for pair in quote_pairs(text)]


def test_outer_pairs_only_nested_of_every_kind() -> None:
    assert quoted("他说：“要把“两面人”和『三股势力』查清。”又说「好」。") == [
        "要把“两面人”和『三股势力』查清。",
        "好",
    ]
    assert quoted('He said: "call it “training”, not detention."') == [
        "call it “training”, not detention."
    ]


def test_stray_marks_lose_no_quotation() -> None:
    # An opener never closed: the quote inside it still counts.
    assert quoted("标题“未闭合 他说：“要应收尽收。”") == ["要应收尽收。"]
    # A closer nothing opened is ignored.
    assert quoted("” 他说：“稳定。”」") == ["稳定。"]


def test_quotes_end_at_a_blank_line_and_a_length_bound() -> None:
    assert quoted('"one paragraph\n\nanother" and "a third"') == ["a third"]
    long = "“" + "字" * (MAX_QUOTE_CHARS + 10) + "” “短句。”"
    assert quoted(long) == ["短句。"]


def test_curly_single_quotes_but_not_apostrophes() -> None:
    assert quoted("‘We don’t know Xinjiang’s plans,’ he said. ‘Ask them.’") == [
        "We don’t know Xinjiang’s plans,",
        "Ask them.",
    ]
    assert quoted("It’s the officials’ view, not the ’90s view.") == []
    assert quoted("他说：“要把‘三股势力’消灭。”") == ["要把‘三股势力’消灭。"]


def test_pairs_are_offsets_of_the_marks() -> None:
    assert quote_pairs("ab“cd”") == [QuotePair(2, 5)]


@pytest.mark.parametrize(
    "page",
    [
        "“" * 200_000,
        '"' * 200_000,
        "“说：" * 20_000,
        ("“他说：" + "字" * 10) * 5_000,
        ('he said, "' + "x" * 30 + " ") * 5_000,
        "「『“" * 20_000 + "”』」" * 20_000,
        "说：“" + "字。" * 100_000,
        " ‘x" * 60_000 + "’ " * 60_000,
    ],
    ids=[
        "openers",
        "straight",
        "verb-openers",
        "unclosed-zh",
        "unclosed-en",
        "deep",
        "long",
        "singles",
    ],
)
def test_hostile_pages_take_a_bounded_number_of_steps(
    page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Count the scanner's steps: each mark or blank line is looked at once.
    steps = 0
    stops = marks._STOPS

    class Counting:
        def finditer(self, text: str) -> object:
            nonlocal steps
            for match in stops.finditer(text):
                steps += 1
                yield match

    monkeypatch.setattr(marks, "_STOPS", Counting())
    found = find_quotations(page, None)
    assert steps == len(stops.findall(page))
    assert steps <= len(page)
    assert all(page[q.start : q.end] == q.text for q in found)


def test_attribution_looks_at_a_bounded_stretch_per_quote() -> None:
    # 20,000 attributed quotes on one page: every one found, and none reads past its clause.
    page = "".join(f"“第{n}句话。”他说。" for n in range(10_000))
    found = find_quotations(page, "zh-Hans")
    assert len(found) == 10_000
    assert all(q.speaker == "他" for q in found)
    assert not re.search(r"\d", "".join(q.speaker or "" for q in found))
