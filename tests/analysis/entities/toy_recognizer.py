"""A recogniser made of a list of names, given to the entities analyzer in tests.

Module-level functions, so an analyzer built with one pickles into the
workers of ``culpa analyze`` as the real recogniser does.
"""

from __future__ import annotations

import re

from culpa.analysis.entities.mentions import Label, Mention

#: Every name the toy knows, longest first so a title and its name are one mention.
NAMES: dict[str, Label] = {
    "新疆维吾尔自治区党委书记陈全国": "PER",
    "自治区党委书记陈全国": "PER",
    "習近平同志": "PER",
    "陳全國": "PER",
    "陈全国": "PER",
    "President Xi Jinping": "PER",
    "Chen Quanguo": "PER",
    "新疆维吾尔自治区公安厅": "ORG",
    "喀什": "LOC",
    "Xinjiang": "LOC",
    "2017年": "DATE",
}
_PATTERN = re.compile("|".join(sorted(map(re.escape, NAMES), key=len, reverse=True)))


def toy_recognize(text: str, language: str | None) -> list[Mention]:
    """Each known name in ``text``; raises on a page holding ``boom``, as a buggy engine would."""
    if "boom" in text:
        raise RuntimeError("toy recogniser refuses boom")
    return [
        Mention(m.start(), m.end(), m.group(), NAMES[m.group()]) for m in _PATTERN.finditer(text)
    ]


def twice_recognize(text: str, language: str | None) -> list[Mention]:
    """The toy's mentions twice, last first: the analyzer keeps each once, in text order."""
    found = toy_recognize(text, language)
    return [*reversed(found), *found]


def out_of_page_recognize(text: str, language: str | None) -> list[Mention]:
    """A mention past the end of the page: a recogniser's bug."""
    return [Mention(len(text), len(text) + 3, "陈全国", "PER")]
