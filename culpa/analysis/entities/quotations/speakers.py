"""Pronoun and role speakers ("he", "the spokesman", 他, 该负责人) resolved to a named person.

A speaker that is a singular personal pronoun or a definite role that names a
person takes the nearest person (a PER mention) named before it in the same
text, outside any quotation (a name inside someone else's quote is not the
one speaking). Everything else stays as written: "they" and 他们 (no single
person fits), "a senior official" (said to be someone unnamed), and roles
that are not people ("the directive", 通知), which are speakers in their own
right. A resolved quotation's speaker is the name, and its speaker span the
name's mention, so that ``text[speaker_start:speaker_end] == speaker`` holds
for every quotation that has a span.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from culpa.analysis.entities.mentions import Mention, Quotation
from culpa.analysis.entities.quotations.attribution import words

_PRONOUNS: Final = frozenset({"he", "she", "him", "her", "他", "她"})
#: Heads of English roles that name one person ("the spokesman", "the party secretary").
_ROLES_EN: Final = frozenset(
    words(
        "spokesman spokeswoman spokesperson official officer secretary leader chief "
        "president chairman chairwoman minister governor director head commander cadre "
        "boss premier mayor general ambassador speaker envoy deputy"
    )
)
_DEFINITE_EN: Final = ("the ", "this ", "that ")
#: Speakers that describe rather than name: "The directive", "A senior official".
_DESCRIPTIONS_EN: Final = ("the ", "this ", "that ", "a ", "an ", "one ", "some ", "many ")
_ANY_PRONOUN: Final = frozenset(
    {"he", "she", "they", "it", "we", "i", "you", "他", "她", "他们", "她们", "我", "我们", "它"}
)
#: Chinese roles that name one person, alone (总书记强调) or after 该/这位/那位/此/这名.
_ROLES_ZH: Final = frozenset(
    words(
        "总书记 书记 副书记 发言人 负责人 主任 部长 局长 厅长 主席 省长 市长 "
        "县长 区长 州长 官员 领导 干部 同志 处长 科长 队长 所长 校长 政委 "
        "司令员 委员"
    )
)
#: Papers that "say" things in Party documents: speakers, but no one's name.
_PAPERS_ZH: Final = words(
    "报告 報告 通知 文件 决定 決定 意见 意見 纪要 紀要 电报 電報 "
    "条例 條例 规定 規定 会议 會議 讲话 講話 社论 社論 》"
)
_DEFINITE_ZH: Final = ("该", "这位", "那位", "此", "这名", "那名", "这个", "上述")


def needs_person(speaker: str) -> bool:
    """Whether ``speaker`` is a pronoun or a definite role that stands for a named person."""
    lowered = speaker.strip().lower()
    if lowered in _PRONOUNS:
        return True
    if lowered.startswith(_DEFINITE_EN):
        return lowered.split()[-1] in _ROLES_EN
    if lowered in _ROLES_ZH:
        return True
    for prefix in _DEFINITE_ZH:
        if lowered.startswith(prefix) and lowered[len(prefix) :] in _ROLES_ZH:
            return True
    return False


def names_someone(speaker: str) -> bool:
    """Whether ``speaker`` is a name, not a pronoun, a role or a description ("officials")."""
    stripped = speaker.strip()
    lowered = stripped.lower()
    if not stripped or needs_person(stripped) or lowered in _ANY_PRONOUN:
        return False
    if stripped[0].isascii():
        return stripped[0].isupper() and not lowered.startswith(_DESCRIPTIONS_EN)
    if stripped.endswith(_PAPERS_ZH):
        return False  # 报告指出, 《通知》要求: a paper speaks, not a person
    return not any(stripped.startswith(prefix) for prefix in _DEFINITE_ZH)


def resolve_speakers(quotations: Sequence[Quotation], people: Sequence[Mention]) -> list[Quotation]:
    """``quotations`` with pronoun and role speakers replaced by the nearest person named before."""
    spans = sorted((q.start, q.end) for q in quotations)
    starts = [start for start, _ in spans]
    persons = sorted(
        (m for m in people if m.label == "PER" and not _inside(m, spans, starts)),
        key=lambda mention: mention.end,
    )
    ends = [mention.end for mention in persons]
    resolved: list[Quotation] = []
    for quotation in quotations:
        if (
            quotation.speaker is None
            or quotation.speaker_start is None
            or not needs_person(quotation.speaker)
        ):
            resolved.append(quotation)
            continue
        index = bisect.bisect_right(ends, quotation.speaker_start)
        if index == 0:
            resolved.append(quotation)
            continue
        person = persons[index - 1]
        resolved.append(
            replace(
                quotation, speaker=person.text, speaker_start=person.start, speaker_end=person.end
            )
        )
    return resolved


def _inside(mention: Mention, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    # Quoted spans do not overlap: only the last one starting before the mention can hold it.
    index = bisect.bisect_right(starts, mention.start)
    return index > 0 and mention.end <= spans[index - 1][1]
