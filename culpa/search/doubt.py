"""Which OCR'd words are doubtful, and how OCR is named wherever text is shown.

Search snippets, the viewer and citations all mark the same words: those an
OCR engine read with a confidence under
:data:`culpa.analysis.ocr.quality.LOW_WORD_CONFIDENCE`. A reporter quoting
OCR'd text must see where the machine guessed; text-layer words (confidence
100) are never doubtful.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Marks around a doubtful word in a plain-text snippet (the match is ``[[…]]``).
DOUBT_OPEN = "[?"
DOUBT_CLOSE = "?]"

#: A stored word: ``[x0, y0, x1, y1, start, end, confidence]`` (see docs/case-layout.md;
#: the store reads them, :meth:`culpa.store.api.Catalog.words`).
StoredWord = Sequence[float]


def words_in(words: Iterable[StoredWord], start: int, end: int) -> list[tuple[int, int, float]]:
    """``(start, end, confidence)`` of every word overlapping ``start``..``end``, in order."""
    out = []
    for word in words:
        if len(word) < 7:
            continue
        w_start, w_end = int(word[4]), int(word[5])
        if w_start < end and start < w_end and w_end > w_start:
            out.append((w_start, w_end, float(word[6])))
    out.sort()
    return out


def doubtful_words(
    words: Iterable[StoredWord], start: int, end: int, text: str
) -> list[tuple[int, int, float]]:
    """Doubtful words of page ``text`` overlapping ``start``..``end``: (start, end, confidence)."""
    # Imported here: the OCR package loads OpenCV and the engines (~0.4 s), which a
    # search that finds no OCR'd page must not pay.
    from culpa.analysis.ocr.quality import is_low_word

    return [w for w in words_in(words, start, end) if is_low_word(w[2], text[w[0] : w[1]])]


def ocr_label(method: str, engine: str | None, confidence: float | None) -> str:
    """How a page's reading is named to a reader: "" for a text layer, else "OCR 71%" / "… low".

    ``engine`` is not in the short label (it is long: "tesseract 5.3.0 chi_sim psm6");
    the viewer and citations give it in full.
    """
    if method != "ocr":
        return ""
    from culpa.analysis.ocr.quality import is_low_page  # see doubtful_words

    label = "OCR" if confidence is None else f"OCR {confidence:.0f}%"
    return label + (" low" if is_low_page(method, confidence) else "")
