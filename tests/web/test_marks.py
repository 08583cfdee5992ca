"""Matches as spans, boxes and marked HTML; facet tokens and folders."""

from __future__ import annotations

import pytest

from culpa.search.engine import match_pattern
from culpa.search.facets import filter_token, folder_prefixes
from culpa.search.query import parse
from culpa.web.mail import sanitize
from culpa.web.marks import (
    Box,
    boxes_for_span,
    char_refiner,
    find_spans,
    flat_quote,
    marked_snippet,
    segments,
    with_notes,
)
from culpa.web.views.original import content_disposition
from culpa.web.views.search import _with_token


def spans_of(text: str, query: str) -> list[tuple[int, int]]:
    return find_spans(text, match_pattern(parse(query).terms))


def test_spans_follow_the_search_engine_across_scripts_and_line_breaks() -> None:
    text = "關於新疆的通知：新\n疆工作。Detention, detentions."
    assert [text[s:e] for s, e in spans_of(text, "新疆")] == ["新疆", "新\n疆"]
    assert [text[s:e] for s, e in spans_of(text, "关于")] == ["關於"]
    assert [text[s:e] for s, e in spans_of(text, "detention")] == ["Detention"]
    assert spans_of(text, "author:李") == []


def test_a_line_long_cjk_word_is_split_by_character() -> None:
    text = "\u3000\u3000为深入贯彻落实党中央关于新疆工作"
    # One "word" for the whole line, every character (ideographic spaces too) 10 points wide.
    words = [[80.0, 10.0, 80.0 + 10 * len(text), 22.0, 0, len(text), 100]]
    start = text.index("新疆")
    (box,) = boxes_for_span(words, text, start, start + 2)
    assert box == Box(80.0 + 10 * start, 10.0, 80.0 + 10 * (start + 2), 22.0)
    # Narrow Latin characters take a little over half a full-width one.
    mixed = "2026年新疆"
    (part,) = boxes_for_span([[0.0, 0.0, 100.0, 10.0, 0, 7, 100]], mixed, 5, 7)
    assert 100 * 2 / 7 < part.width < 100 * 2 / 4.5


def test_a_vertical_line_is_split_downwards() -> None:
    text = "新疆维吾尔"
    (box,) = boxes_for_span([[0.0, 0.0, 12.0, 60.0, 0, 5, 100]], text, 0, 2)
    assert box == Box(0.0, 0.0, 12.0, 24.0)


def test_exact_character_boxes_win_over_proportions() -> None:
    text = "2026年新疆"
    chars = [
        (10.0 * i, 0.0, 10.0 * i + 10.0, 12.0, c) for i, c in enumerate(text)
    ]  # digits drawn full width, as some CJK fonts do
    refine = char_refiner(chars)
    (box,) = boxes_for_span([[0.0, 0.0, 70.0, 12.0, 0, 7, 100]], text, 5, 7, refine)
    assert box == Box(50.0, 0.0, 70.0, 12.0)
    # Characters that do not spell the word: back to proportions.
    assert char_refiner(chars[:3])(Box(0, 0, 70, 12), text, 5, 7) is None


def test_a_match_over_two_words_on_a_line_is_one_box() -> None:
    text = "Integrated Joint"
    words = [[0.0, 0.0, 50.0, 10.0, 0, 10, 100], [53.0, 0.0, 80.0, 10.0, 11, 16, 100]]
    assert boxes_for_span(words, text, 0, 16) == [Box(0.0, 0.0, 80.0, 10.0)]


def test_segments_and_snippets_escape_then_mark() -> None:
    text = "<b>新疆</b> & 新疆"
    spans = spans_of(text, "新疆")
    parts = segments(text, spans)
    assert "".join(p.text for p in parts) == text
    assert [p.hit for p in parts] == [None, 0, None, 1]
    html = str(marked_snippet(text, spans, spans[0]))
    assert html == "&lt;b&gt;<mark>新疆</mark>&lt;/b&gt; &amp; <mark>新疆</mark>"


def test_quotes_are_flattened_like_citations() -> None:
    assert flat_quote("新\n疆") == "新疆"
    assert flat_quote("vocational\n  training") == "vocational training"


@pytest.mark.parametrize(
    ("field", "value", "token"),
    [
        ("type", "pdf", "type:pdf"),
        ("path", "trove/leak.zip!/", "path:trove/leak.zip!/"),
        ("tag", "forced labour", 'tag:"forced labour"'),
        ("tag", 'say "no"', 'tag:「say "no"」'),
        ("lang", "zh-Hans", "lang:zh-Hans"),
    ],
)
def test_facet_tokens_parse_back_to_the_value(field: str, value: str, token: str) -> None:
    assert filter_token(field, value) == token
    query = parse(token)
    assert value in (*query.types, *query.paths, *query.tags, *query.languages)


def test_folders_are_path_prefixes() -> None:
    path = "trove/leak.zip!/2017/电报.pdf"
    assert folder_prefixes(path, 1) == "trove/"
    assert folder_prefixes(path, 2) == "trove/leak.zip!/"
    assert folder_prefixes(path, 3) == "trove/leak.zip!/2017/"
    assert folder_prefixes(path, 4) is None


def test_facet_links_add_and_remove_their_filter() -> None:
    assert _with_token("新疆", "type:pdf") == ("新疆 type:pdf", False)
    assert _with_token("新疆 type:pdf", "type:pdf") == ("新疆", True)


def test_download_names_are_safe_in_the_header() -> None:
    header = content_disposition('a"b\r\n<x>电报.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a_b___x___.pdf"')
    assert "filename*=UTF-8''a%22b%0D%0A%3Cx%3E%E7%94%B5%E6%8A%A5.pdf" in header


def test_the_sanitiser_keeps_formatting_and_drops_everything_active() -> None:
    body = sanitize(
        '<p style="color:red" onclick="x()">hi <b>there</b></p><script>x()</script>'
        '<img src="http://example.org/t.png"><a href="https://example.org">link</a>'
        "<style>p{background:url(http://example.org/b.png)}</style>"
        '<form action="http://example.org"><input></form><table><tr><td colspan="2">c</td>'
    )
    assert body.html == (
        "<p>hi <b>there</b></p><a>link</a>"
        '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>'
    )
    assert (body.images_dropped, body.links_disabled) == (1, 1)


def test_noted_passages_cut_segments_and_keep_offsets() -> None:
    text = "新疆会议纪要 detention"
    parts = with_notes(segments(text, [(0, 2)]), [(1, 4)])
    assert [(p.start, p.text, p.hit, p.noted) for p in parts] == [
        (0, "新", 0, False),
        (1, "疆", 0, True),
        (2, "会议", None, True),
        (4, "纪要 detention", None, False),
    ]
    assert "".join(p.text for p in parts) == text
    assert with_notes(parts, []) == parts
