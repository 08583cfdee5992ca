"""How OCR text is scored against a hand transcription: CER and name recall.

One place for the rules, so every real-page figure is computed the same way:

- text is compared after Unicode NFKC (a full-width comma read as "," is no
  error) and with all whitespace removed (line breaks and the spaces Tesseract
  puts between CJK characters are layout, not text);
- ``fold=True`` also converts both sides from traditional to simplified with
  OpenCC ``t2s`` and folds case, so 陶鑄 read as 陶铸 is no error; this is the
  figure that matters for search, which folds the same way;
- CER is the Levenshtein distance over the length of the transcription, so
  it can pass 100 % when the output is long garbage;
- "missed" counts only the transcription's characters that were not read
  (substitutions and deletions), for pages transcribed in part;
- name recall is the share of a page's names found in the output, always
  folded (a reporter searching 毛泽东 finds 毛澤东).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

import opencc
from rapidfuzz.distance import Levenshtein


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str, *, fold: bool = False) -> str:
    """Text as compared: NFKC, no whitespace; with ``fold``, also t2s and case folded."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    if fold:
        text = str(_t2s().convert(text)).casefold()
    return text


def edits(reference: str, hypothesis: str, *, fold: bool = False) -> tuple[int, int]:
    """(edit distance, reference length) after :func:`normalise`: sums give a weighted CER."""
    ref = normalise(reference, fold=fold)
    return Levenshtein.distance(ref, normalise(hypothesis, fold=fold)), len(ref)


def cer(reference: str, hypothesis: str, *, fold: bool = False) -> float:
    """Character error rate of ``hypothesis`` against the transcription ``reference``."""
    distance, length = edits(reference, hypothesis, fold=fold)
    return distance / max(1, length)


def missed(reference: str, hypothesis: str, *, fold: bool = False) -> float:
    """Share of the transcription not read (substituted or deleted); extra text is free.

    For pages whose transcription leaves text out on purpose (the bottle labels
    on ``vertical_shupai``), CER counts every extra character read as an error;
    this says whether what *was* transcribed was read.
    """
    ref = normalise(reference, fold=fold)
    ops = Levenshtein.editops(ref, normalise(hypothesis, fold=fold))
    return sum(1 for op in ops if op.tag in ("replace", "delete")) / max(1, len(ref))


def names_found(names: Sequence[str], hypothesis: str) -> list[str]:
    """The names that occur in ``hypothesis`` (both sides folded, whitespace ignored)."""
    text = normalise(hypothesis, fold=True)
    return [name for name in names if normalise(name, fold=True) in text]


def name_recall(names: Sequence[str], hypothesis: str) -> float:
    """Share of ``names`` found in ``hypothesis``; 1.0 when there are none to find."""
    if not names:
        return 1.0
    return len(names_found(names, hypothesis)) / len(names)
