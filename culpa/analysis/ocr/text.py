"""From recognised lines to the stored page text, with each word's exact span.

Engines put spaces between Chinese characters (Tesseract) or none between Latin
words split into boxes; culpa stores Chinese as written, with no space where
either neighbour is CJK, so phrase search and quotations work. Lines are joined
by a newline, and the blocks ``layout`` found (columns, the two pages of a
spread) by a blank line, so a quotation can be seen not to cross from one into
the next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from culpa.analysis.ocr.engine import OcrLine, OcrWord
from culpa.models import Word

#: Between two lines of one block, and between two blocks.
LINE_BREAK, BLOCK_BREAK = "\n", "\n\n"

#: Maps a box in the engine's pixels to the caller's image pixels.
BoxMapper = Callable[[float, float, float, float], tuple[float, ...]]


def assemble(
    blocks: Sequence[Sequence[OcrLine]], to_original: BoxMapper, width: float, height: float
) -> tuple[str, tuple[Word, ...]]:
    """Page text and its words: ``text[w.start:w.end] == w.text`` for every word."""
    parts: list[str] = []
    words: list[Word] = []
    offset = 0
    for block_index, block in enumerate(blocks):
        for line_index, line in enumerate(block):
            previous: OcrWord | None = None
            for ocr_word in line.words:
                ocr_word = _with_cjk_punctuation(ocr_word, previous)
                if previous is not None:
                    separator = "" if is_cjk(previous.text[-1]) or is_cjk(ocr_word.text[0]) else " "
                elif words:
                    separator = BLOCK_BREAK if line_index == 0 and block_index else LINE_BREAK
                else:
                    separator = ""
                parts.append(separator)
                offset += len(separator)
                parts.append(ocr_word.text)
                x0, y0, x1, y1 = to_original(ocr_word.x0, ocr_word.y0, ocr_word.x1, ocr_word.y1)
                words.append(
                    Word(
                        text=ocr_word.text,
                        x0=min(max(x0, 0.0), width),
                        y0=min(max(y0, 0.0), height),
                        x1=min(max(x1, 0.0), width),
                        y1=min(max(y1, 0.0), height),
                        start=offset,
                        end=offset + len(ocr_word.text),
                        confidence=round(ocr_word.confidence, 1),
                    )
                )
                offset += len(ocr_word.text)
                previous = ocr_word
    return "".join(parts), tuple(words)


#: ASCII punctuation Chinese models emit where the page has the full-width form.
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！"})


def _with_cjk_punctuation(word: OcrWord, previous: OcrWord | None) -> OcrWord:
    """``word`` with ASCII , ; : ? ! after a CJK character made full-width, as printed.

    chi_tra reads "，" as ","; same length, so offsets are unaffected.
    """
    before = previous.text[-1] if previous is not None else ""
    chars = list(word.text)
    for index, char in enumerate(chars):
        left = chars[index - 1] if index else before
        if left and is_cjk(left) and char in ",;:?!":
            chars[index] = char.translate(_FULL_WIDTH)
    text = "".join(chars)
    return word if text == word.text else replace(word, text=text)


#: Code point ranges written without spaces between words: CJK ideographs,
#: punctuation, kana, Hangul syllables, full-width forms.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3190, 0x31FF),  # kanbun, strokes, katakana extension
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x20000, 0x3FFFF),  # extensions B and later
)


def is_cjk(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)
