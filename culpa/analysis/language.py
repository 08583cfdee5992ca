"""Which language a page is written in.

pycld2 is offline, fast and knows Uyghur (``ug``); it also tells Simplified
from Traditional Chinese, which matters here because the same name is spelt
differently in each. Its answer for Chinese is checked against OpenCC on the
characters themselves, because cld2 is fooled by short or mixed-script text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import opencc
import pycld2

from culpa.analysis.base import Speed
from culpa.analysis.registry import register
from culpa.models import PAGE_LANGUAGE, Finding, Page, Span, StoredDocument

#: Below this many bytes of letters (a CJK character counts three) the answer is 'und'.
MIN_LETTERS = 12
#: Only this many characters are looked at: a page's language shows early.
MAX_SAMPLE_CHARS = 300
#: Simplified vs Traditional is decided on this many characters.
SCRIPT_SAMPLE_CHARS = 200

UNDETERMINED = "und"

# cld2 codes mapped to what culpa stores (BCP 47).
_CLD2_CODES = {"zh": "zh-Hans", "zh-Hant": "zh-Hant", "iw": "he", "jw": "jv"}
# cld2 chokes on C0 controls (other than whitespace) and on surrogates.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LETTERS = re.compile(
    rb"[^\x00-\x40\x5b-\x60\x7b-\x7f]"
)  # bytes of letters: not ASCII digits or punctuation
#: The Han characters (CJK unified ideographs, extensions, compatibility), as a regex class body.
HAN_RANGES = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CHAR = re.compile(f"[{HAN_RANGES}]")


class _CharTable(dict[int, str]):
    """A ``str.translate`` table converting one character at a time, filled on demand.

    Converting every page's characters through OpenCC costs more than the rest of
    language detection; one character's conversion never changes, so cache it.
    """

    def __init__(self, config: str) -> None:
        super().__init__()
        self.converter = opencc.OpenCC(config)

    def __missing__(self, code: int) -> str:
        char = chr(code)
        converted = self.converter.convert(char)
        self[code] = value = converted if len(converted) == 1 else char
        return value


@lru_cache(maxsize=1)
def _converters() -> tuple[_CharTable, _CharTable]:
    return _CharTable("t2s"), _CharTable("s2t")


def simplified_chars(text: str) -> str:
    """``text`` with each Traditional character replaced by its Simplified one.

    Character for character (OpenCC ``t2s`` on one character at a time), so the
    result has the same length and every offset into it is an offset into ``text``.
    """
    return text.translate(_converters()[0])


def chinese_script(text: str) -> str | None:
    """'zh-Hans' or 'zh-Hant' by counting script-specific characters; None if undecided."""
    han = "".join(HAN_CHAR.findall(text[:SCRIPT_SAMPLE_CHARS]))
    if not han:
        return None
    t2s, s2t = _converters()
    simplified, traditional = han.translate(t2s), han.translate(s2t)
    trad_only = sum(map(str.__ne__, han, simplified))
    simp_only = sum(map(str.__ne__, han, traditional))
    if trad_only > simp_only:
        return "zh-Hant"
    if simp_only > trad_only:
        return "zh-Hans"
    return None


#: What an OCR'd page may be tagged: the languages culpa's OCR models read.
#: Anything else cld2 guesses on OCR text ('sco', 'cy', 'war' on degraded
#: Chinese read as Latin letters) is noise, so the page is 'und'.
OCR_LANGUAGES = frozenset({"zh-Hans", "zh-Hant", "en", "ug"})
#: OCR'd text with fewer letter bytes than this is 'und' (a page number, a stamp);
#: eight Han characters are enough.
MIN_OCR_LETTERS = 24


def detect_language(text: str, *, ocr: bool = False) -> str:
    """BCP 47 code of ``text``'s main language ('zh-Hans', 'zh-Hant', 'en', 'ug', ...), or 'und'.

    ``ocr``: the text was recognised, not read from a file, so only a language
    the OCR models read is believed, and only on a reasonable amount of text.
    """
    language = _detect(text)
    if ocr and language not in OCR_LANGUAGES:
        return UNDETERMINED
    if ocr and len(_LETTERS.findall(text[:MAX_SAMPLE_CHARS].encode())) < MIN_OCR_LETTERS:
        return UNDETERMINED
    return language


def _detect(text: str) -> str:
    sample = text[:MAX_SAMPLE_CHARS]
    if _BAD_CHARS.search(sample) is not None:
        sample = _BAD_CHARS.sub(" ", sample)
    if len("".join(sample.split())) < MIN_LETTERS // 3:
        return UNDETERMINED
    try:
        _reliable, letter_bytes, details = pycld2.detect(sample, bestEffort=True)
    except (pycld2.error, UnicodeError):
        return UNDETERMINED
    if letter_bytes < MIN_LETTERS:  # cld2 counts letters' UTF-8 bytes: a Han character is 3
        return UNDETERMINED
    code: str = details[0][1]
    if code in ("zh", "zh-Hant") or (
        code in ("ja", "un") and 6 * len(HAN_CHAR.findall(sample)) >= letter_bytes
    ):
        # Han-dominated text without kana is Chinese, whatever cld2 guessed.
        if code == "ja" and _has_kana(sample):
            return "ja"
        return chinese_script(sample) or _CLD2_CODES.get(code, "zh-Hans")
    if code == "un":
        return UNDETERMINED
    return _CLD2_CODES.get(code, code)


def _has_kana(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" for c in text)


def page_language(page: Page) -> str:
    """The language ``page`` is tagged with: the one function ingest and the analyzer call."""
    return detect_language(page.text, ocr=page.method == "ocr")


def tag_languages(pages: Iterable[Page]) -> tuple[Page, ...]:
    """``pages``, each without a language given its :func:`page_language`.

    Extractors leave :attr:`Page.language` unset; the ingest worker calls this on
    a file's pages after extraction and OCR (an OCR'd page already carries the
    language of its recognised text). A page without a text layer (an image not
    OCR'd, a page that would not parse) keeps none.
    """
    return tuple(
        dataclasses.replace(page, language=page_language(page))
        if page.language is None and page.text_layer
        else page
        for page in pages
    )


class LanguageAnalyzer:
    """Each stored page's language, tagged again (``culpa analyze --redo language``).

    Ingest tags every page with :func:`page_language` as it stores it, so the
    analyzer's work on a new document is already done: a document without a
    run of it counts as done at :attr:`ingested_version` (ingest records none
    while :attr:`version` is that one, so an ingested case's ``analysis_runs``
    are the other analyzers' only). A higher :attr:`version` (a better
    detector, a new rule such as :data:`OCR_LANGUAGES`) re-tags once the
    documents stored before the change; ingest then records a run at the new
    version for each document it stores, so those are not re-tagged. Its
    findings are the pages whose tag changes, labelled
    :data:`culpa.models.PAGE_LANGUAGE`: the analysis store writes each into
    its page's ``language`` in the document's transaction rather than keeping
    it as a finding.
    """

    name = "language"
    version = 1
    speed: Speed = "fast"
    #: The version ingest's own tagging had when documents were stored without a run
    #: (kept as it is when :attr:`version` is raised; see ingested_version in base.py).
    ingested_version = 1

    def applies_to(self, document: StoredDocument) -> bool:
        return True

    def analyze(self, document: StoredDocument) -> Iterator[Finding]:
        for page in document.pages:
            if page.language is None and not page.text.strip():
                continue  # nothing to read: ingest leaves such a page (an image) untagged
            language = page_language(page)
            if language != page.language:
                span = Span(document.sha256, page.number, 0, len(page.text))
                yield Finding(self.name, PAGE_LANGUAGE, language, span)


LANGUAGE = LanguageAnalyzer()
register(LANGUAGE)
