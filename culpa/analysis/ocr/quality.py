"""When OCR'd text is doubtful: the thresholds the citation, search and viewer share.

Every engine reports confidence on one 0-100 scale (PP-OCR's 0-1 line scores are
multiplied by 100). A reporter must be told when a quotation rests on text a
machine was unsure of, so these thresholds decide what is marked as doubtful.
"""

from __future__ import annotations

#: A word below this confidence is doubtful: underlined in the viewer, marked in snippets.
LOW_WORD_CONFIDENCE = 60.0
#: A page whose mean word confidence is below this is ``ocr:low`` in search.
LOW_PAGE_CONFIDENCE = 75.0


def is_low_word(confidence: float | None, text: str | None = None) -> bool:
    """Whether a word's confidence marks it as doubtful (None: not OCR, never doubtful).

    Punctuation alone (，。、 and the like) is never doubtful: engines score it low
    on every page, and underlining every comma hides the words worth checking.
    """
    if confidence is None or confidence >= LOW_WORD_CONFIDENCE:
        return False
    return text is None or any(char.isalnum() for char in text)


def is_low_page(method: str, confidence: float | None) -> bool:
    """Whether a stored page is low-quality OCR (``method`` is 'ocr' or 'text')."""
    return method == "ocr" and (confidence is None or confidence < LOW_PAGE_CONFIDENCE)
