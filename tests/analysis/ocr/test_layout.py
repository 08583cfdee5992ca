"""Reading order of recognised lines, on line boxes laid out as real pages are."""

from __future__ import annotations

from culpa.analysis.ocr.engine import OcrLine, OcrWord
from culpa.analysis.ocr.layout import reading_order


def line(text: str, x0: float, y0: float, *, char: float = 50, vertical: bool = False) -> OcrLine:
    """A line of CJK characters, one box each, starting at (x0, y0)."""
    words = []
    for index, c in enumerate(text):
        if vertical:
            box = (x0, y0 + index * char, x0 + char, y0 + (index + 1) * char)
        else:
            box = (x0 + index * char, y0, x0 + (index + 1) * char, y0 + char)
        words.append(OcrWord(c, *box, confidence=99.0))
    return OcrLine(tuple(words), vertical=vertical)


def texts(blocks: list[list[OcrLine]]) -> list[list[str]]:
    return [["".join(w.text for w in ln.words) for ln in block] for block in blocks]


def test_two_page_spread_reads_the_left_page_first_then_the_right() -> None:
    left = [line(f"左页第{i}行文字内容很长很长", 100, 100 + i * 80) for i in range(6)]
    right = [line(f"右页第{i}行文字内容很长很长", 1500, 110 + i * 80) for i in range(6)]
    shuffled = [ln for pair in zip(right, left, strict=True) for ln in pair]
    blocks = texts(reading_order(shuffled))
    assert blocks == [
        [f"左页第{i}行文字内容很长很长" for i in range(6)],
        [f"右页第{i}行文字内容很长很长" for i in range(6)],
    ]


def test_a_heading_over_two_columns_comes_first_then_each_column() -> None:
    heading = line("标题横跨两栏的一行文字很长很长很长很长很长很长很长", 100, 0)
    left = [line(f"左栏第{i}行文字内容", 100, 100 + i * 70) for i in range(5)]
    right = [line(f"右栏第{i}行文字内容", 800, 100 + i * 70) for i in range(5)]
    blocks = texts(reading_order([*right, heading, *left]))
    flat = [text for block in blocks for text in block]
    assert flat[0].startswith("标题")
    assert flat[1:6] == [f"左栏第{i}行文字内容" for i in range(5)]
    assert flat[6:] == [f"右栏第{i}行文字内容" for i in range(5)]


def test_vertical_columns_read_right_to_left() -> None:
    columns = [line(f"竖排第{i}列", 1000 - i * 80, 100, vertical=True) for i in range(4)]
    blocks = texts(reading_order(list(reversed(columns))))
    assert [text for block in blocks for text in block] == [f"竖排第{i}列" for i in range(4)]


def test_phrases_spaced_apart_on_one_line_are_not_columns() -> None:
    # A sutra set in a grid of phrases: the gaps line up but each row is one line.
    rows = [["觀自在菩薩", "行深般若", "照見五蘊"], ["皆空", "度一切苦厄", "舍利子"]]
    lines = [
        line(phrase, 30 + col * 320, 100 + row * 100)
        for row, phrases in enumerate(rows)
        for col, phrase in enumerate(phrases)
    ]
    flat = [text for block in texts(reading_order(lines)) for text in block]
    assert flat == ["".join(phrases) for phrases in rows]  # each row is one line


def test_single_column_reads_top_to_bottom_and_joins_boxes_of_one_row() -> None:
    lines = [line("第二行", 100, 200), line("第一行", 100, 100), line("（续）", 310, 205)]
    assert texts(reading_order(lines)) == [["第一行", "第二行（续）"]]


def test_a_latin_word_cut_in_two_boxes_is_one_word_again() -> None:
    def box(text: str, x0: float) -> OcrLine:
        return OcrLine((OcrWord(text, x0, 100, x0 + 20 * len(text), 140, 95.0),))

    lines = [box("Sec", 100), box("ret", 162), box("memo", 260)]
    (block,) = reading_order(lines)
    assert [w.text for w in block[0].words] == ["Secret", "memo"]
