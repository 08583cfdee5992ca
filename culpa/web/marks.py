"""Where a query matches a page: spans in the text, boxes on the page image, marked HTML.

Spans come from the same matcher the search engine cites with
(:func:`culpa.search.engine.match_pattern` over the folded text), so what is
marked is exactly what a citation would quote. Boxes come from the stored word
boxes; a match covering part of a "word" (a CJK text layer often stores a whole
line as one word) gets the part of the box its characters take, splitting the
box in proportion to character widths: Han and kana are full width, so this is
exact for Chinese; Latin letters count as a little over half.

Everything that reaches HTML here is escaped first and only then wrapped in
``<mark>``: page text is hostile input.

Doubtful OCR words (see :mod:`culpa.search.doubt`) are wrapped in
``<span class="doubt">`` inside whatever mark holds them, with their
confidence in the title, so the underline never breaks a hit's mark in two.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from culpa.index.tokens import fold_with_offsets

#: At most this many matches are marked on one page (a page of "the" stays readable).
MAX_MARKS_PER_PAGE = 1000
#: Characters of context each side of a match in a result snippet.
SNIPPET_CONTEXT = 70
#: Relative widths of characters when a word box is split (full width = 1).
WIDE_WEIGHT = 1.0
NARROW_WEIGHT = 0.55
SPACE_WEIGHT = 0.3
#: A box this much taller than wide, holding several characters, is a vertical line of text.
VERTICAL_RATIO = 1.5

_SPACES = re.compile(r"\s+")
#: A doubtful word: (start, end, confidence) in the page text.
Doubt = tuple[int, int, float]
#: Given a word's box, its text and a character range in it, the range's exact box, if known.
Refine = Callable[["Box", str, int, int], "Box | None"]


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in page units (PDF points or image pixels), origin top-left."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of page text: plain (``hit`` None) or the ``hit``-th match on the page.

    ``noted`` when it lies in a passage someone wrote a note on.
    """

    start: int
    text: str
    hit: int | None
    noted: bool = False


def find_spans(text: str, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Every match of ``pattern`` in ``text`` as spans of the stored text, in order."""
    if pattern is None or not text:
        return []
    folded, starts, ends = fold_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(folded):
        if m.end() == m.start():
            continue
        spans.append((starts[m.start()], ends[m.end() - 1]))
        if len(spans) >= MAX_MARKS_PER_PAGE:
            break
    return spans


def _weight(c: str) -> float:
    # Wide first: the ideographic space (U+3000) is full width, like the Han around it.
    if unicodedata.east_asian_width(c) in ("W", "F"):
        return WIDE_WEIGHT
    return SPACE_WEIGHT if c.isspace() else NARROW_WEIGHT


def _part(box: Box, chars: str, lo: int, hi: int) -> Box:
    """The part of ``box`` taken by ``chars[lo:hi]``."""
    weights = [_weight(c) for c in chars]
    total = sum(weights) or 1.0
    a = sum(weights[:lo]) / total
    b = sum(weights[:hi]) / total
    if len(chars) > 1 and box.height > VERTICAL_RATIO * box.width:
        return Box(box.x0, box.y0 + a * box.height, box.x1, box.y0 + b * box.height)
    return Box(box.x0 + a * box.width, box.y0, box.x0 + b * box.width, box.y1)


def _merge(boxes: list[Box]) -> list[Box]:
    """Join boxes that sit side by side on one line (a match over several words)."""
    merged: list[Box] = []
    for box in sorted(boxes, key=lambda b: (round(b.y0, 1), b.x0)):
        if merged:
            last = merged[-1]
            overlap = min(last.y1, box.y1) - max(last.y0, box.y0)
            height = min(last.height, box.height)
            gap = box.x0 - last.x1
            if height > 0 and overlap > 0.5 * height and -height < gap < 0.8 * height:
                merged[-1] = Box(
                    min(last.x0, box.x0),
                    min(last.y0, box.y0),
                    max(last.x1, box.x1),
                    max(last.y1, box.y1),
                )
                continue
        merged.append(box)
    return merged


def char_refiner(chars: Sequence[tuple[float, float, float, float, str]]) -> Refine:
    """A :data:`Refine` from a text layer's character boxes (see ``render.pdf_chars``).

    The characters whose centres lie in the word's box, left to right, must
    spell the word exactly; otherwise it answers None and the split is
    proportional.
    """

    def refine(box: Box, word: str, lo: int, hi: int) -> Box | None:
        inside = sorted(
            (
                c
                for c in chars
                if box.y0 <= (c[1] + c[3]) / 2 <= box.y1
                and box.x0 - 0.5 <= (c[0] + c[2]) / 2 <= box.x1 + 0.5
            ),
            key=lambda c: c[0],
        )
        if len(inside) != len(word) or any(c[4] != w for c, w in zip(inside, word, strict=True)):
            return None
        part = inside[lo:hi]
        return Box(min(c[0] for c in part), box.y0, max(c[2] for c in part), box.y1)

    return refine


def boxes_for_span(
    words: Sequence[Sequence[float]],
    text: str,
    start: int,
    end: int,
    refine: Refine | None = None,
) -> list[Box]:
    """Boxes covering characters ``start``..``end`` of the page text.

    ``words`` are the stored ``[x0, y0, x1, y1, start, end, confidence]`` lists;
    ``refine`` gives exact boxes for part of a word where it can.
    """
    boxes: list[Box] = []
    for word in words:
        if len(word) < 6:
            continue
        word_start, word_end = int(word[4]), int(word[5])
        lo, hi = max(start, word_start), min(end, word_end)
        if lo >= hi:
            continue
        box = Box(float(word[0]), float(word[1]), float(word[2]), float(word[3]))
        if box.width <= 0 or box.height <= 0:
            continue
        if lo == word_start and hi == word_end:
            boxes.append(box)
        else:
            chars = text[word_start:word_end]
            exact = refine(box, chars, lo - word_start, hi - word_start) if refine else None
            boxes.append(exact or _part(box, chars, lo - word_start, hi - word_start))
    return _merge(boxes)


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[Segment]:
    """The page text cut at every match, in order (the marks hold the matches)."""
    out: list[Segment] = []
    pos = 0
    for index, (start, end) in enumerate(spans):
        if start < pos:  # overlapping matches: keep the first
            continue
        if start > pos:
            out.append(Segment(pos, text[pos:start], None))
        out.append(Segment(start, text[start:end], index))
        pos = end
    if pos < len(text):
        out.append(Segment(pos, text[pos:], None))
    return out


def with_notes(parts: list[Segment], noted: Sequence[tuple[int, int]]) -> list[Segment]:
    """``parts`` cut again at the edges of noted passages, the pieces inside them flagged."""
    if not noted:
        return parts
    edges = sorted({e for span in noted for e in span})
    out: list[Segment] = []
    for seg in parts:
        cuts = [seg.start, *(e for e in edges if seg.start < e < seg.start + len(seg.text))]
        cuts.append(seg.start + len(seg.text))
        for lo, hi in itertools.pairwise(cuts):
            if hi <= lo:
                continue
            inside = any(a <= lo and hi <= b for a, b in noted)
            out.append(Segment(lo, seg.text[lo - seg.start : hi - seg.start], seg.hit, inside))
    return out


def _flat(text: str) -> str:
    return _SPACES.sub(" ", text)


def doubt_title(confidence: float) -> str:
    """The tooltip of a doubtful word."""
    return f"OCR confidence {confidence:.0f}%: check this word against the page image"


def with_doubts(
    text: str,
    offset: int,
    doubtful: Sequence[Doubt],
    show: Callable[[str], str] = lambda s: s,
) -> str:
    """``text`` (which starts at ``offset`` in the page) escaped, its doubtful words wrapped.

    ``show`` turns each piece into what is displayed (e.g. whitespace flattened)
    before it is escaped.
    """
    out: list[str] = []
    pos, end = offset, offset + len(text)
    for w_start, w_end, confidence in doubtful:
        lo, hi = max(w_start, pos), min(w_end, end)
        if lo >= hi:
            continue
        out.append(str(escape(show(text[pos - offset : lo - offset]))))
        out.append(
            f'<span class="doubt" title="{escape(doubt_title(confidence))}" '
            f'data-confidence="{confidence:.0f}">'
            f"{escape(show(text[lo - offset : hi - offset]))}</span>"
        )
        pos = hi
    out.append(str(escape(show(text[pos - offset :]))))
    return "".join(out)


def marked_snippet(
    text: str,
    spans: Sequence[tuple[int, int]],
    around: tuple[int, int],
    context: int = SNIPPET_CONTEXT,
    doubtful: Sequence[Doubt] = (),
) -> Markup:
    """``context`` characters each side of ``around``, every match in it marked, escaped.

    ``doubtful`` OCR words in it are underlined (see :func:`with_doubts`).
    """
    lo, hi = snippet_window(text, around, context)
    parts: list[str] = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in spans:
        if end <= pos or start < pos:
            continue
        if start >= hi:
            break
        stop = min(end, hi)
        parts.append(with_doubts(text[pos:start], pos, doubtful, _flat))
        parts.append(f"<mark>{with_doubts(text[start:stop], start, doubtful, _flat)}</mark>")
        pos = stop
    parts.append(with_doubts(text[pos:hi], pos, doubtful, _flat))
    parts.append("…" if hi < len(text) else "")
    return Markup("".join(parts).strip())


def snippet_window(
    text: str, around: tuple[int, int], context: int = SNIPPET_CONTEXT
) -> tuple[int, int]:
    """The characters of ``text`` a snippet around ``around`` shows."""
    return max(0, around[0] - context), min(len(text), around[1] + context)


def flat_quote(text: str) -> str:
    """A quote on one line, as citations print it: CJK-heavy text loses its line breaks."""
    cjk = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    if cjk * 2 > len(text.strip() or " "):
        return "".join(text.split())
    return " ".join(text.split())
