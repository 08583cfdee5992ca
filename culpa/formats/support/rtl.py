"""Arabic-script text layers in visual order, put back into logical order.

Many PDF producers store right-to-left text reversed: the characters in the
order they sit on the page from left to right (visual order), not the order
they are read and typed (logical order). PyMuPDF reorders glyph runs by their
positions, but a layer whose glyphs advance left to right in reading order
(invisible OCR layers, some converters) still comes out reversed: ``رۇغيۇئ``
for ``ئۇيغۇر``, and a query typed normally finds nothing.

Order is decided per line by plausibility, from cues that hold in logical
order and are mirrored in visual order:

* presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF) name their position in
  the word: logically a word begins with an initial or isolated form and ends
  with a final or isolated one;
* letters that never begin a word: Uyghur vowels are written after a hamza
  carrier (ئ) at the start of a word, so ە ې ۇ ۈ ۆ ى begin no word; Arabic ة
  and ى end words only;
* letters and pairs that begin words: the hamza carrier ئ (which never ends a
  Uyghur word) and the Arabic article ال.

A line whose cues clearly say visual (by :data:`MIN_MARGIN`) is reversed; a
line with too few cues of its own follows its page when the page's cues are
clear. In such a line PyMuPDF has reversed every run of right-to-left words
as a whole (letters and word order) and left Latin words and numbers in
place, so each right-to-left run is reversed back in place. Word boxes stay
with their words; offsets are rebuilt.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from culpa.models import Word

#: Arabic-script letters, including presentation forms.
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
#: A line's or page's cues must favour one order by at least this much to decide it.
MIN_MARGIN = 2
#: Letters that end words but never begin one in logical order (base letters).
_NEVER_INITIAL = frozenset("\u06d5\u06d0\u06c7\u06c8\u06c6\u0649\u0629")  # ە ې ۇ ۈ ۆ ى ة
_HAMZA_CARRIER = "\u0626"  # ئ
_ARTICLE = "\u0627\u0644"  # ال
_LTR_LETTER = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")
_LTR_RUN = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff.,:%/+\-]+")


def has_arabic(text: str) -> bool:
    """True if ``text`` holds any Arabic-script letter (the cheap test before anything else)."""
    return _ARABIC.search(text) is not None


def _base(char: str) -> str:
    """A presentation form's base letter (NFKC), else the character itself."""
    folded = unicodedata.normalize("NFKC", char)
    return folded[:1] or char


def _form(char: str) -> str:
    """'initial', 'medial', 'final', 'isolated' for a presentation form, else ''."""
    decomposition = unicodedata.decomposition(char)
    if decomposition.startswith("<"):
        return decomposition[1 : decomposition.index(">")]
    return ""


def _letters(word: str) -> str:
    return "".join(ch for ch in word if _ARABIC.match(ch) and unicodedata.category(ch)[0] == "L")


def word_cues(word: str) -> tuple[int, int]:
    """(logical, visual) evidence from one word."""
    letters = _letters(word)
    if len(letters) < 2:
        return 0, 0
    logical = visual = 0
    first, last = letters[0], letters[-1]
    first_form, last_form = _form(first), _form(last)
    if first_form == "initial" or last_form == "final":
        logical += 2 * ((first_form == "initial") + (last_form == "final"))
    if first_form == "final" or last_form == "initial":
        visual += 2 * ((first_form == "final") + (last_form == "initial"))
    base = "".join(_base(ch) for ch in letters)
    if base[0] == _HAMZA_CARRIER or base.startswith(_ARTICLE):
        logical += 1
    if base[-1] == _HAMZA_CARRIER or base.endswith(_ARTICLE[::-1]):
        visual += 1
    if base[-1] in _NEVER_INITIAL:
        logical += 1
    if base[0] in _NEVER_INITIAL:
        visual += 1
    return logical, visual


def line_cues(words: list[str]) -> tuple[int, int]:
    """(logical, visual) evidence summed over a line's words."""
    logical = visual = 0
    for word in words:
        one, other = word_cues(word)
        logical += one
        visual += other
    return logical, visual


def _is_ltr(word: str) -> bool:
    """A word that keeps its own order: no Arabic-script letter, some Latin letter or digit."""
    return not has_arabic(word) and _LTR_LETTER.search(word) is not None


def reverse_word(word: str) -> str:
    """A right-to-left word stored reversed, in logical order (digit/Latin runs kept)."""
    flipped = word[::-1]
    return _LTR_RUN.sub(lambda match: match.group(0)[::-1], flipped)


def logical_line(words: list[str]) -> list[int]:
    """The order (indices into ``words``) in which a reversed line's words are read.

    Each run of right-to-left words (with the punctuation between them) was
    reversed as a whole, so it is reversed back in place; left-to-right words
    (Latin, digits) keep their places, as PyMuPDF leaves them.
    """
    result: list[int] = []
    run: list[int] = []
    for index, word in enumerate(words):
        if _is_ltr(word):
            result.extend(reversed(run))
            run = []
            result.append(index)
        else:
            run.append(index)
    result.extend(reversed(run))
    return result


def _lines(text: str, words: tuple[Word, ...]) -> list[list[int]]:
    """Word indices grouped by line (layer text joins a line's words with spaces)."""
    lines: list[list[int]] = []
    for index, word in enumerate(words):
        if lines and text[word.start - 1 : word.start] != "\n":
            lines[-1].append(index)
        else:
            lines.append([index])
    return lines


def logical_order(text: str, words: tuple[Word, ...]) -> tuple[str, tuple[Word, ...]]:
    """Page text and words with visual-order Arabic-script lines put into logical order.

    ``text`` and ``words`` are as :func:`culpa.formats.documents.pdf.layer_text` builds them
    (words joined by a space within a line, lines by a newline). Unchanged, the
    same objects are returned.
    """
    if not words or not has_arabic(text):
        return text, words
    lines = _lines(text, words)
    cues = [line_cues([words[i].text for i in line]) for line in lines]
    page_logical = sum(one for one, _ in cues)
    page_visual = sum(other for _, other in cues)
    page_visual_order = page_visual - page_logical >= MIN_MARGIN
    flip: list[bool] = []
    for line, (logical, visual) in zip(lines, cues, strict=True):
        if abs(visual - logical) >= MIN_MARGIN:
            flip.append(visual > logical)
        else:  # too few cues of its own: as the page, if the line is Arabic script at all
            arabic = any(has_arabic(words[i].text) for i in line)
            flip.append(page_visual_order and arabic and visual >= logical)
    if not any(flip):
        return text, words
    parts: list[str] = []
    rebuilt: list[Word] = []
    offset = 0
    for number, (line, flipped) in enumerate(zip(lines, flip, strict=True)):
        if number:
            parts.append("\n")
            offset += 1
        order = logical_line([words[i].text for i in line]) if flipped else range(len(line))
        for position, index in enumerate(order):
            word = words[line[index]]
            content = word.text
            if flipped and has_arabic(content):
                content = reverse_word(content)
            if position:
                parts.append(" ")
                offset += 1
            parts.append(content)
            rebuilt.append(replace(word, text=content, start=offset, end=offset + len(content)))
            offset += len(content)
    return "".join(parts), tuple(rebuilt)
