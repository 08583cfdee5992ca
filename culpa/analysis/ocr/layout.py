"""Reading order: the recognised lines of a page in the order a person reads them.

Engines find lines but not the order they are read in: a single-block Tesseract
run reads straight across a two-page spread, splicing a line of the left page to
a line of the right one, and PP-OCR returns boxes in no useful order. Quoting
such text would put words in a speaker's mouth, so lines are ordered here, the
same way for every engine, by a recursive cut of the page:

- a vertical gap that no line crosses splits the region into columns (or the two
  pages of a spread), read left to right, or right to left when the region's
  lines are vertical columns of Chinese;
- where only a few lines cross an otherwise clear gap (a heading over two
  columns, a title over a vertical poem), the region is cut into bands above,
  at and below those lines, and each band is cut again;
- what is left is one block, read top to bottom (right to left for vertical
  columns), lines on the same row left to right.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from culpa.analysis.ocr.engine import OcrLine, OcrWord
from culpa.analysis.ocr.text import is_cjk

#: A gap narrower than this share of the region's width is spacing, not a gutter.
MIN_GUTTER_SHARE = 0.01
#: A gap this many line heights wide is a gutter (the margins of a two-page spread).
WIDE_GUTTER_LINES = 2.5
#: A narrower gap (but at least MIN_GUTTER_LINES line heights) is a gutter only when
#: the lines on both sides hold this many characters (median): newspaper columns do;
#: phrases set apart by wide spaces on one line (a sutra, a form) do not.
MIN_GUTTER_LINES, MIN_COLUMN_CHARS = 0.8, 8
#: At most this share of the lines may cross a gutter for it to count (headings).
MAX_SPANNING_SHARE = 0.25
#: Each side of a gutter needs at least this many lines of its own, and this share.
MIN_SIDE_LINES, MIN_SIDE_SHARE = 3, 0.2
#: Two lines whose vertical extents overlap by this share of the shorter are on one row.
SAME_ROW_OVERLAP = 0.5
#: Two Latin boxes on one row closer than this share of the line height are one word.
SPACE_SHARE = 0.15
#: Recursion bound (a hostile page of many tiny boxes).
MAX_DEPTH = 12

Block = list[OcrLine]


def reading_order(lines: Sequence[OcrLine]) -> list[Block]:
    """``lines`` grouped into blocks (columns, pages of a spread), each in reading order."""
    return [block for block in _region(list(lines), 0) if block]


def _region(lines: list[OcrLine], depth: int) -> list[Block]:
    if len(lines) <= 1 or depth >= MAX_DEPTH:
        return [_single_block(lines)]
    vertical = mostly_vertical(lines)
    gutter = _gutter(lines)
    if gutter is not None:
        left = [line for line in lines if _centre_x(line) < gutter]
        right = [line for line in lines if _centre_x(line) >= gutter]
        if left and right:
            first, second = (right, left) if vertical else (left, right)
            return _region(first, depth + 1) + _region(second, depth + 1)
    bands = _bands_around_spanning_lines(lines)
    if bands is not None:
        blocks: list[Block] = []
        for band in bands:
            blocks.extend(_region(band, depth + 1))
        return blocks
    return [_single_block(lines)]


def _gutter(lines: Sequence[OcrLine]) -> float | None:
    """The x of the widest vertical gap no line crosses, if it is wide enough."""
    coverage, origin = _coverage(lines)
    region_width = len(coverage)
    clear = coverage == 0
    if not clear.any():
        return None
    best: tuple[int, int] | None = None
    start: int | None = None
    for x, is_clear in enumerate(np.append(clear, False)):
        if is_clear and start is None:
            start = x
        elif not is_clear and start is not None:
            if best is None or x - start > best[1] - best[0]:
                best = (start, x)
            start = None
    if best is None or best[1] - best[0] < MIN_GUTTER_SHARE * region_width:
        return None
    gap = best[1] - best[0]
    middle = origin + (best[0] + best[1]) / 2
    boxes = [line.box for line in lines]
    line_height = float(np.median([min(b[2] - b[0], b[3] - b[1]) for b in boxes]))
    if gap >= WIDE_GUTTER_LINES * line_height:
        return middle
    if gap < MIN_GUTTER_LINES * line_height:
        return None
    sides = (
        [ln for ln in lines if _centre_x(ln) < middle],
        [ln for ln in lines if _centre_x(ln) >= middle],
    )
    if all(side and np.median([_chars(ln) for ln in side]) >= MIN_COLUMN_CHARS for side in sides):
        return middle
    return None


def _bands_around_spanning_lines(lines: Sequence[OcrLine]) -> list[Block] | None:
    """Cut at the few lines crossing an otherwise clear gutter, or None if there is none."""
    coverage, origin = _coverage(lines)
    width = len(coverage)
    if width < 3:
        return None
    # Only the middle of the region can hold a gutter between real columns.
    low, high = int(width * 0.15), int(width * 0.85)
    if high <= low:
        return None
    x = low + int(np.argmin(coverage[low:high]))
    if coverage[x] > MAX_SPANNING_SHARE * len(lines):
        return None
    cut = origin + x
    spanning = [line for line in lines if line.box[0] < cut < line.box[2]]
    left = [line for line in lines if line.box[2] <= cut]
    right = [line for line in lines if line.box[0] >= cut]
    needed = max(MIN_SIDE_LINES, MIN_SIDE_SHARE * len(lines))
    if not spanning or len(left) < needed or len(right) < needed:
        return None
    if any(np.median([_chars(line) for line in side]) < MIN_COLUMN_CHARS for side in (left, right)):
        return None  # phrases spaced apart on their lines, not columns under a heading
    bands: list[Block] = []
    current: Block = []
    spanning_ids = {id(line) for line in spanning}
    for line in sorted(lines, key=lambda item: (item.box[1] + item.box[3]) / 2):
        if id(line) in spanning_ids:
            if current:
                bands.append(current)
                current = []
            bands.append([line])
        else:
            current.append(line)
    if current:
        bands.append(current)
    return bands if len(bands) > 1 else None


def _coverage(lines: Sequence[OcrLine]) -> tuple[np.ndarray[tuple[int], np.dtype[np.int32]], int]:
    """How many lines cross each pixel column of the region, and the region's left x."""
    boxes = [line.box for line in lines]
    origin = int(min(box[0] for box in boxes))
    end = int(max(box[2] for box in boxes)) + 1
    coverage = np.zeros(max(1, end - origin), dtype=np.int32)
    for x0, _y0, x1, _y1 in boxes:
        coverage[int(x0) - origin : int(x1) - origin + 1] += 1
    return coverage, origin


def _single_block(lines: list[OcrLine]) -> Block:
    """One block's lines: top to bottom (right to left for columns), rows left to right."""
    if mostly_vertical(lines):
        return sorted(lines, key=lambda line: (-_centre_x(line), line.box[1]))
    ordered: Block = []
    row: Block = []
    for line in sorted(lines, key=lambda item: (item.box[1] + item.box[3]) / 2):
        if row and not _same_row(row[-1], line):
            ordered.append(_joined(row))
            row = []
        row.append(line)
    if row:
        ordered.append(_joined(row))
    return ordered


def _joined(row: Block) -> OcrLine:
    """Boxes an engine found on one row (a line split at a wide space) as one line."""
    if len(row) == 1:
        return row[0]
    parts = sorted(row, key=lambda item: item.box[0])
    words: list[OcrWord] = []
    for part in parts:
        first = part.words[0]
        if words and _touching(words[-1], first):
            # One word the engine cut in two boxes ("Sec" + "ret"): one word again.
            last = words.pop()
            first = OcrWord(
                last.text + first.text,
                last.x0,
                min(last.y0, first.y0),
                first.x1,
                max(last.y1, first.y1),
                min(last.confidence, first.confidence),
            )
        words.append(first)
        words.extend(part.words[1:])
    return OcrLine(words=tuple(words))


def _touching(left: OcrWord, right: OcrWord) -> bool:
    """Whether two Latin words on one row stand closer than a space apart."""
    if is_cjk(left.text[-1]) or is_cjk(right.text[0]):
        return False
    height = max(left.y1 - left.y0, right.y1 - right.y0, 1.0)
    gap = right.x0 - left.x1
    return -SPACE_SHARE * height <= gap < SPACE_SHARE * height


def _same_row(a: OcrLine, b: OcrLine) -> bool:
    """Whether ``b`` continues ``a``'s row, judged where they are closest.

    Whole-line boxes of a curled or tilted photo are tall and overlap the next
    line's, so the words nearest each other are compared instead: a short last
    line of a paragraph is not on the row of the slanted line above it.
    """
    if a.vertical or b.vertical:
        return False  # a column beside horizontal lines is read on its own
    b_centre = _centre_x(b)
    near = min(a.words, key=lambda w: abs((w.x0 + w.x1) / 2 - b_centre))
    near_centre = (near.x0 + near.x1) / 2
    other = min(b.words, key=lambda w: abs((w.x0 + w.x1) / 2 - near_centre))
    overlap = min(near.y1, other.y1) - max(near.y0, other.y0)
    shorter = max(1.0, min(near.y1 - near.y0, other.y1 - other.y0))
    return overlap / shorter >= SAME_ROW_OVERLAP


def mostly_vertical(lines: Sequence[OcrLine]) -> bool:
    """Whether most of the characters stand in vertical columns."""
    vertical = sum(len(line.words) for line in lines if line.vertical)
    return vertical * 2 > sum(len(line.words) for line in lines)


def _chars(line: OcrLine) -> int:
    return sum(len(word.text) for word in line.words)


def _centre_x(line: OcrLine) -> float:
    x0, _, x1, _ = line.box
    return (x0 + x1) / 2
