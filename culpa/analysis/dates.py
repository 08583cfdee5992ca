"""The date a document gives itself in its text, for the year facet and ``year:``.

A file's metadata says when the file was made, not when the document was: a 1992
notice scanned in 2023 has ``created`` 2023. An official Chinese document states
its own date in full, as 一九七一年二月二十八日 or 2017年6月30日, in its header or
at the end of its text (the 成文日期 above the seal). So:

* the first page's end (its last :data:`TAIL_CHARS` characters), the last date
  there; else the first page's header (:data:`HEAD_CHARS`), the first date there;
  else the last page's end, the last date there;
* a date counts only when its year, month and day make a real day between
  :data:`EARLIEST_YEAR` and :data:`LATEST_YEAR`.

A pure function: text in, an ISO date (``1971-02-28``) or None out. The ingest
stores what it finds as the metadata key :data:`DATE_KEY`; the year then comes
from it, else from the metadata's own dates (``culpa.store.sqlite.catalog.YEAR_SQL``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

#: Metadata key holding the date found in the text (ISO ``YYYY-MM-DD``).
DATE_KEY = "date_in_text"
#: Characters at the start of the first page searched as its header.
HEAD_CHARS = 400
#: Characters at the end of a page searched as its closing lines.
TAIL_CHARS = 400
#: Years accepted (older or later "dates" are serial numbers or misreadings).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇零○Ｏ一二三四五六七八九"
_DATE = re.compile(
    rf"([{_CN}O]{{4}}|\d{{4}})\s*年\s*([{_CN}十]{{1,3}}|\d{{1,2}})\s*月"
    rf"\s*([{_CN}十]{{1,3}}|\d{{1,2}})\s*日"
)


def _number(text: str) -> int | None:
    """``2017``, ``２０１７``, ``一九七一``, ``二十八``, ``十``, ``三十一`` as an integer."""
    if text.isdigit():
        return int(text)  # int() reads full-width digits too
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones or len(tens) > 1 or len(ones) > 1:
            return None
        high = _CN_DIGITS.get(tens) if tens else 1
        low = _CN_DIGITS.get(ones) if ones else 0
        if high is None or low is None:
            return None
        return high * 10 + low
    digits = [_CN_DIGITS.get(c) for c in text]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _dates(text: str) -> list[str]:
    """Every valid date written in ``text``, in order, as ISO strings."""
    found = []
    for m in _DATE.finditer(text):
        year, month, day = (_number(g) for g in m.groups())
        if year is None or month is None or day is None:
            continue
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            continue
        try:
            found.append(date(year, month, day).isoformat())
        except ValueError:
            continue
    return found


def text_date(pages: Sequence[str]) -> str | None:
    """The document's own date from its pages' text (see the module docstring), or None."""
    if not pages:
        return None
    first = pages[0]
    if tail := _dates(first[-TAIL_CHARS:]):
        return tail[-1]
    if head := _dates(first[:HEAD_CHARS]):
        return head[0]
    if len(pages) > 1 and (tail := _dates(pages[-1][-TAIL_CHARS:])):
        return tail[-1]
    return None


def with_text_date(metadata: Mapping[str, str], pages: Sequence[str]) -> dict[str, str]:
    """``metadata`` with :data:`DATE_KEY` added when the text states a date."""
    out = dict(metadata)
    found = text_date(pages)
    if found is not None:
        out[DATE_KEY] = found
    return out
