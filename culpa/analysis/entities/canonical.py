"""Canonical names: the one form under which the mentions of one entity are counted.

A leak names one official many ways: 陳全國 in a Hong Kong copy, 陈全国 in the
original, 自治区党委书记陈全国 in a directive's heading, 陈全国同志 in a speech,
"Party Secretary Chen Quanguo" in an English translation. A reporter asking who
is named wants one entity, not five. This module folds a mention, as a
recogniser cut it from the page, into:

* a **name**: Unicode NFKC (full-width letters and digits become ASCII), white
  space collapsed (and dropped between Han characters, where a line break or
  OCR put it), the middle dots of transliterated names (阿不都热依木·阿木提)
  made one ``·``, Traditional characters made Simplified (OpenCC ``t2s``),
  quotes and brackets around it taken off, and for people the titles and
  honorifics split off; an English name keeps its case as written, save that
  one written all in capitals ("CHEN Quanguo", "XI JINPING") is capitalised;
* a **role**: the title split off (自治区党委书记, 总书记, President, Party
  Secretary), or None; honorifics that say nothing of office (同志, 先生,
  女士, Mr, Ms) are dropped.

Titles are composed, not listed: a Chinese role is any text before the last
title word of a person's mention (喀什地委副书记, 自治区公安厅厅长), or a bare
title after the name (书记, 副书记, 总书记); an English role is the words up to
the last title word ("Xinjiang Party Secretary"). A mention that is nothing
but a role (总书记, 国家主席, "the President"), or a surname and a title (毛主席),
is kept whole as the name. Recognisers mostly cut the name alone, so
:func:`context_role` reads the title written beside it in the page.

Two keys compare names. :func:`match_key` groups spellings of one script
(case, accents, dots and hyphens aside). :func:`pinyin_key` is toneless pinyin
in an order-free form, so 陈全国, "Chen Quanguo", "Quanguo Chen" and
"CHEN Quan-guo" share one key; :func:`fold_names` uses it to link an English
spelling to the one Chinese name that sounds like it, and never merges two
Chinese names that only sound alike (陈全国 and 陈泉国 are two people). The
rules are documented in docs/entities.md.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc

from culpa.analysis.language import HAN_CHAR as _HAN_CHAR
from culpa.analysis.language import HAN_RANGES as _HAN
from culpa.analysis.language import simplified_chars

#: Names longer than this (a recogniser's runaway span) are only normalised: no titles split.
MAX_NAME_CHARS = 200

# Dots written between the parts of a transliterated name: middle dot, katakana middle
# dot, hyphenation point, bullet, bullet operator, dot operator, one-dot leader.
_NAME_DOTS = "·・‧•∙⋅․"
# Around a name: quotes, brackets and punctuation a recogniser may leave on its span.
_AROUND = "\"'“”‘’「」『』《》〈〉()（）[]【】〔〕<>,，、;；:：!！?？。 \t\n"
_SPACE = re.compile(r"\s+")
_HAN_SPACE = re.compile(f"(?<=[{_HAN}·])\\s+(?=[{_HAN}·])")
_DOT_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}])\\s*[{_NAME_DOTS}.．]\\s*(?=[{_HAN}])")
_POSSESSIVE = re.compile(r"(?<=[A-Za-z])['’]s?$")

# Honorifics: dropped, they tell nothing of office.
_HONORIFICS_ZH = ("同志", "先生", "女士", "小姐", "夫人", "太太")
_HONORIFICS_EN = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "madam", "madame", "mme", "messrs", "comrade"}
)

# Chinese titles: the last word of a role. Deputies (副), executives (常务) and firsts
# (第一) are composed by _ROLE_ZH, organisations before the title too.
_TITLES_ZH = (
    # Party
    "总书记", "书记", "支书", "委员", "常委", "候补委员", "政委", "政治委员", "教导员", "指导员",
    # State and government
    "主席", "总理", "国务委员", "委员长", "部长", "外长", "厅长", "局长", "处长", "科长",
    "股长", "主任", "省长", "市长", "县长", "州长", "区长", "乡长", "镇长", "村长", "旗长",
    "盟长", "专员", "秘书长", "司长", "署长", "总监", "干事", "总干事", "秘书", "院长",
    "检察长", "庭长", "审判长", "法官", "所长", "站长", "校长", "大使", "总领事", "领事",
    "参赞", "发言人", "组长", "负责人", "主管", "馆长", "会长", "社长", "理事长",
    # Military and police
    "司令员", "司令", "参谋长", "军长", "师长", "旅长", "团长", "营长", "连长", "排长",
    "队长", "警官", "警长", "警司", "警督", "上将", "中将", "少将", "大校", "上校",
    # Foreign offices
    "总统", "首相", "国务卿", "议长", "议员", "国王", "女王", "王子", "总督", "州长",
    # Business, scholarship, religion
    "董事长", "董事", "总裁", "总经理", "经理", "教授", "博士", "院士", "研究员", "律师",
    "记者", "主编", "阿訇", "伊玛目",
)  # fmt: skip
# Organisation words that compose with a title into a role (自治区党委书记). Only words
# of two characters or more: a single 省 or 区 could be the end of a name.
_ORG_WORDS_ZH = (
    "中共中央", "中共", "中央", "党中央", "国家", "国务院", "全国人大", "全国政协", "人大",
    "政协", "常委会", "自治区", "自治州", "自治县", "地区", "地委", "省委", "市委", "县委",
    "州委", "区委", "党委", "党组", "政府", "纪委", "监委", "政法委", "组织部", "宣传部",
    "统战部", "公安厅", "公安局", "公安", "司法厅", "教育厅", "兵团", "军区", "军委",
    "外交部", "派出所", "办公厅", "办公室", "新疆", "维吾尔", "新闻", "委员会", "中央军委",
)  # fmt: skip
# The organs a place has (喀什地委, 和田县政府): a mention of a place's organ and a title
# is a role, whatever the place is called.
_LOCAL_ORGANS_ZH = (
    "地委", "省委", "市委", "县委", "州委", "区委", "党委", "党组", "政府", "纪委", "监委",
    "政法委", "组织部", "宣传部", "统战部", "公安厅", "公安局", "司法厅", "教育厅", "人大",
    "政协", "常委会", "派出所", "办公厅", "办公室", "军区",
)  # fmt: skip
_RANKS_ZH = "(?:常务|第一|执行)?副?"


def _words(text: str) -> frozenset[str]:
    """The words of a list written as text, one space or line between them."""
    return frozenset(text.split())


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted({re.escape(word) for word in words}, key=len, reverse=True))


_TITLE_ZH = f"(?:{_alternation(_TITLES_ZH)})"
_ORGS_ZH = f"(?:{_alternation(_ORG_WORDS_ZH)})"
_ONE_ROLE_ZH = f"{_ORGS_ZH}*{_RANKS_ZH}{_TITLE_ZH}"
#: A role after a name is a bare title (习近平总书记, 王毅外长, 朱海仑副书记), or a few
#: joined by 、: Chinese puts a title with its organisation before the name.
_BARE_ROLE_ZH = f"(?:国家|中央)?{_RANKS_ZH}{_TITLE_ZH}"
_SUFFIX_ROLE_ZH = re.compile(f"{_BARE_ROLE_ZH}(?:[、和及]{_BARE_ROLE_ZH})*")
_TITLE_AT_ZH = re.compile(_TITLE_ZH)
#: A role written just before a name: known organisation words and titles only (the
#: place in front comes from the recogniser's own mention of it, see context_role).
_ROLE_BEFORE_ZH = re.compile(f"(?:{_ONE_ROLE_ZH}[、和及])*{_ONE_ROLE_ZH}[ \u3000]*$")
_ROLE_AFTER_ZH = re.compile(f"[ \u3000]*(?P<role>{_SUFFIX_ROLE_ZH.pattern})")
#: Characters looked at on each side of a name for a title written next to it.
CONTEXT_CHARS = 60
# A mention that is only a role is kept whole: organisation words and a title, with
# any place in front (喀什地委书记, 国家主席, 总书记), or a place's own head (和田县县长).
_PLACE_HEAD_ZH = f"[{_HAN}]{{1,12}}?(?P<unit>[省市县州区乡镇村旗盟])(?P=unit)长"
_WHOLE_ROLE_ZH = re.compile(
    f"(?:(?:[{_HAN}]{{0,12}}?(?:{_alternation(_LOCAL_ORGANS_ZH)}))?{_ONE_ROLE_ZH}"
    f"|{_PLACE_HEAD_ZH})"
    f"(?:[、和及][{_HAN}]{{0,12}}?{_ONE_ROLE_ZH})*"
)

# English title words: a role ends with one of them ("Xinjiang Party Secretary").
_TITLES_EN = _words(
    """
    president vice-president president-elect premier chairman chairwoman chairperson chair
    secretary secretary-general minister governor mayor director commissioner commander
    commissar general gen colonel col lieutenant lt major maj captain capt admiral adm
    sergeant sgt marshal officer ambassador consul envoy spokesman spokeswoman spokesperson
    chief leader head deputy senator sen representative rep congressman congresswoman judge
    justice prosecutor attorney professor prof dr doctor lord king queen prince princess
    emperor chancellor councillor councilor delegate inspector superintendent sheriff
    official ceo imam reverend rev bishop cardinal pope sheikh mullah ayatollah sir dame
    """
)
_ARTICLES_EN = frozenset({"the", "a", "an"})
# Words that qualify a title in front of a name ("Former Vice Premier", "party secretary").
_QUALIFIERS_EN = _words(
    """
    vice deputy acting former executive first prime foreign state party communist chinese
    regional provincial national local county city municipal district senior assistant
    associate under permanent political public security defense defence interior justice
    finance trade commerce education health propaganda united front affairs general chief
    """
)
_WORD_BEFORE_EN = re.compile(r"([A-Za-z][\w.'’\-]*)\s+$")
# Words after a name that are no name of their own: "Martin Luther King Jr." keeps King.
_GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class Canonical:
    """A mention folded: the name it is counted under, and the title split off it."""

    name: str
    role: str | None = None


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """``text`` with Unicode, white space, name dots, script and surrounding marks folded.

    NFKC; white space collapsed to one space, and none between Han characters;
    the dots between the parts of a transliterated name made ``·``; Traditional
    made Simplified; quotes, brackets and stray punctuation around it taken off.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE.sub(" ", text).strip(_AROUND)
    if _HAN_CHAR.search(text):
        text = _DOT_BETWEEN_HAN.sub("·", text)
        text = _HAN_SPACE.sub("", text)
        text = _t2s().convert(text)
    return text.strip(_AROUND)


@lru_cache(maxsize=65536)
def canonical_name(text: str, label: str) -> Canonical:
    """The canonical form of a mention ``text`` labelled ``label`` (PER, ORG, LOC, DATE, TIME).

    Only people have titles split off; organisations and places are normalised
    (:func:`normalize`), as are dates and times.
    """
    name = normalize(text)
    if label == "PER" and len(name) <= MAX_NAME_CHARS:
        if _HAN_CHAR.search(name):
            return _split_chinese(name)
        return _split_english(name)
    if label in ("ORG", "LOC"):
        name = _strip_trailing_latin(name)
    return Canonical(_display_case(name, label))


def _split_chinese(name: str) -> Canonical:
    """陈全国书记 → 陈全国 (书记); 自治区党委书记陈全国同志 → 陈全国 (自治区党委书记).

    A surname alone is no name: where only one character would be left, the
    mention is how the person is addressed and stays whole (毛主席, 陈先生, 王局长).
    """
    if _WHOLE_ROLE_ZH.fullmatch(name):
        return Canonical(name)
    whole = name
    changed = True
    while changed:  # 习近平同志
        changed = False
        for honorific in _HONORIFICS_ZH:
            if name.endswith(honorific) and len(name) > len(honorific):
                name, changed = name[: -len(honorific)].rstrip(" ·、"), True
    if len(name) < 2:
        return Canonical(whole)
    addressed = name
    roles: list[str] = []
    suffix = _suffix_role(name)
    if suffix is not None:
        name, role = suffix
        roles.append(role)
    prefix = _prefix_role(name)
    if prefix is not None:
        role, name = prefix
        roles.insert(0, role)
    if len(name) < 2:
        return Canonical(addressed)
    return Canonical(name, "、".join(roles) or None)


def _suffix_role(name: str) -> tuple[str, str] | None:
    """(name, role) where a role follows the name (王毅外长), the name kept non-empty."""
    for start in range(1, len(name)):
        rest = name[start:]
        if _SUFFIX_ROLE_ZH.fullmatch(rest):
            head = name[:start].rstrip(" 、")
            if head and not _WHOLE_ROLE_ZH.fullmatch(head):
                return head, rest
    return None


def _prefix_role(name: str) -> tuple[str, str] | None:
    """(role, name) split after the last title that leaves a name (国家主席习近平)."""
    best: tuple[str, str] | None = None
    for match in _TITLE_AT_ZH.finditer(name):  # longest title first at each place
        rest = name[match.end() :].lstrip(" :、·")
        if rest and not _WHOLE_ROLE_ZH.fullmatch(rest) and _TITLE_AT_ZH.match(rest) is None:
            best = (name[: match.end()], rest)
    return best


def context_role(
    text: str, start: int, end: int, places: Sequence[tuple[int, int]] = ()
) -> str | None:
    """The title written next to the person named at ``text[start:end]``, or None.

    Recognisers cut the name alone (会议由新疆维吾尔自治区党委书记陈全国主持 gives
    陈全国; "Chinese President Xi Jinping" gives Xi Jinping), so the role is read
    beside it: Chinese organisation words and titles ending where the name
    starts (新疆维吾尔自治区党委书记, 中共中央总书记、国家主席), stretched back over
    the organisation or place the recogniser found just before them (喀什地委 in
    喀什地委副书记), else a bare title right after the name (习近平总书记); English
    words ending with a title word just before the name, stretched back over
    qualifiers and recognised organisations and places ("Xinjiang Party
    Secretary", "Foreign Minister"). ``places``: ``(start, end)`` of the
    organisations and places the recogniser found on the page, sorted by end.
    """
    window_start = max(0, start - CONTEXT_CHARS)
    if _HAN_CHAR.search(text, start, end):
        # Matched on Simplified characters, one for one, so offsets hold in ``text``.
        match = _ROLE_BEFORE_ZH.search(simplified_chars(text[window_start:start]))
        if match is not None:
            role_start = _stretch(window_start + match.start(), start, places)
            return normalize(text[role_start:start])
        after = _ROLE_AFTER_ZH.match(simplified_chars(text[end : end + CONTEXT_CHARS]))
        return normalize(after.group("role")) if after is not None else None
    return _english_role_before(text, window_start, start, places)


def _places_ending_from(places: Sequence[tuple[int, int]], at: int) -> Sequence[tuple[int, int]]:
    """The few places (sorted by end) that end at or after ``at``: one or two contain it."""
    first = bisect.bisect_left(places, at, key=lambda place: place[1])
    return places[first : first + 3]


def _stretch(role_start: int, limit: int, places: Sequence[tuple[int, int]]) -> int:
    """Where a role starts once the organisation or place it begins inside, or after, is added."""
    for place_start, place_end in _places_ending_from(places, role_start):
        if place_start < role_start <= place_end <= limit:
            return place_start
    return role_start


def _english_role_before(
    text: str, window_start: int, start: int, places: Sequence[tuple[int, int]]
) -> str | None:
    cut = start
    words: list[str] = []
    while cut > window_start and len(words) < 6:
        match = _WORD_BEFORE_EN.search(text, window_start, cut)
        if match is None:
            break
        word = _fold_token(match.group(1))
        if not words and word not in _TITLES_EN:
            return None  # the word before the name is no title
        inside = any(
            place_start <= match.start() and match.end(1) <= place_end
            for place_start, place_end in _places_ending_from(places, match.end(1))
        )
        if word not in _TITLES_EN and word not in _QUALIFIERS_EN and not inside:
            break
        words.insert(0, match.group(1))
        cut = match.start()
    while words and _fold_token(words[0]) in _ARTICLES_EN:
        words.pop(0)
    return normalize(" ".join(words)) if words else None


def _fold_token(token: str) -> str:
    return token.casefold().rstrip(".")


def _split_english(name: str) -> Canonical:
    """ "President Xi Jinping" → Xi Jinping (President); "Mr. Chen" → Chen."""
    name = _strip_trailing_latin(name)
    tokens = name.split(" ")
    while len(tokens) > 1 and _fold_token(tokens[0]) in _ARTICLES_EN:
        tokens = tokens[1:]
    while len(tokens) > 1 and _fold_token(tokens[0]) in _HONORIFICS_EN:
        tokens = tokens[1:]
    cut = 0
    for index, token in enumerate(tokens[:-1], start=1):
        if _fold_token(token) in _TITLES_EN and _fold_token(tokens[index]) not in _GENERATIONS:
            cut = index
    role = " ".join(tokens[:cut]) or None
    rest = tokens[cut:]
    while len(rest) > 1 and _fold_token(rest[0]) in _HONORIFICS_EN:  # "Comrade Mr. Chen"
        rest = rest[1:]
    return Canonical(_display_case(" ".join(rest), "PER"), role)


def _strip_trailing_latin(name: str) -> str:
    """Take a possessive ('s) and a sentence's full stop off a Latin name; keep "Co." and "Jr."."""
    name = _POSSESSIVE.sub("", name)
    last = name.rsplit(" ", 1)[-1]
    if name.endswith(".") and len(last) > 4 and "." not in last[:-1]:
        name = name[:-1]
    return name


def _display_case(name: str, label: str) -> str:
    """A name written in capitals capitalised ("XI JINPING", "CHEN Quanguo"); others as written.

    A person's every capitalised word of two letters or more is folded; an
    organisation's or place's only when the whole name is capitals and has
    several words, so acronyms (PLA, XUAR) stay as they are.
    """
    if not any(c.isupper() for c in name):
        return name
    words = name.split(" ")

    def capital(word: str) -> bool:
        letters = [c for c in word if c.isalpha()]
        return len(letters) >= 2 and all(c.isupper() for c in letters) and "." not in word

    if label == "PER":
        return " ".join(word.capitalize() if capital(word) else word for word in words)
    if (
        label in ("ORG", "LOC")
        and len(words) > 1
        and all(capital(w) or not w.isalpha() for w in words)
    ):
        return " ".join(word.capitalize() for word in words)
    return name


def match_key(name: str) -> str:
    """The key under which spellings of one name in one script are the same.

    Case-folded, accents off, dots, apostrophes and hyphens dropped, white space
    collapsed: "Xi Jinping", "XI JINPING" and "Xí Jìn-píng" share a key; Han
    names are their (Simplified) selves.
    """
    text = unicodedata.normalize("NFKD", normalize(name).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[.'’\-‐]", "", text)
    return _SPACE.sub(" ", text).strip()


# Surnames of two characters (the rest take one): 欧阳, 司马, 诸葛 ...
_COMPOUND_SURNAMES = _words(
    """
    欧阳 司马 诸葛 上官 司徒 东方 夏侯 皇甫 尉迟 公孙 慕容 长孙 宇文 令狐 万俟 端木 独孤
    南宫 西门 呼延 澹台 申屠 轩辕 百里 东郭 闻人 赫连 拓跋 公羊 太史 钟离 宗政 濮阳 淳于
    单于 仲孙 鲜于 闾丘 亓官 司空 司寇 巫马 公西 漆雕 乐正 壤驷 谷梁 宰父 夹谷 第五
    """
)
# How surnames are read where pypinyin reads the character otherwise (曾 zeng, not ceng).
_SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao",
    "盖": "ge", "缪": "miao", "乐": "yue", "翟": "zhai", "覃": "qin", "召": "shao", "种": "chong",
    "重": "chong", "员": "yun", "秘": "bi", "折": "she", "繁": "po", "隗": "wei", "薄": "bo",
    "藏": "zang", "粘": "nian", "长": "chang", "阚": "kan", "句": "gou", "尉迟": "yuchi",
    "万俟": "moqi", "长孙": "zhangsun", "单于": "chanyu", "澹台": "tantai", "乐正": "yuezheng",
}  # fmt: skip
# Common surnames in pinyin: which word of a three-word English name is the surname.
_PINYIN_SURNAMES = _words(
    """
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao zheng
    liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye
    cheng wei su lu ding ren shen yao jin fu zhong cui tan fan fang shi kang bai qin qiu hou
    meng xiong qian mao hao gu kong duan lei long shao wan yin chang qiao lai gong wen xue yan
    niu jia xia yi ou ouyang situ sima zhuge ning ji mo geng an bao bi bian bo dai di fei gan
    ge guan gui hong jian jiao jing ju kou kuang lan lang lian liao ling lou mei mi miao min mu
    ni nie pang pei pu qi qu rao rong ruan sang sha shan shu si tao teng tong tu weng xi xiang
    xing you yue yun zang zhan zhai zhen zhuo zou zuo
    """
)


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # 0.3 s to load its dictionaries: only when asked

    syllables = lazy_pinyin(text, v_to_u=True)
    return _latin_fold("".join(syllables))


def _latin_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def _order_free(surname: str, given: str) -> str:
    """The surname-first and given-name-first orders meet: the lesser of the two."""
    if not given:
        return surname
    if not surname:
        return given
    return min(f"{surname} {given}", f"{given} {surname}")


@lru_cache(maxsize=65536)
def pinyin_key(name: str, label: str = "PER") -> str:
    """Toneless pinyin of ``name`` in an order-free form: 陈全国 and "Quanguo Chen" meet.

    A Han name is read as surname (one character, or two for 欧阳, 司马 …, read
    as surnames are: 曾 zeng, 单 shan) and given name; an English one as words
    whose first, or else last, is the surname ("Xi Jin Ping", "Jinping Xi").
    Both become ``surname given`` or ``given surname``, whichever sorts first,
    with case, accents, spaces within the given name and hyphens gone.
    A transliterated name (阿不都热依木·阿木提) is read part by part. Names of
    organisations and places (other ``label``) have no surname: their key is
    all their syllables in order (新疆 and Xinjiang: ``xinjiang``).
    """
    text = normalize(name)
    if label != "PER":
        return _pinyin(text) if _HAN_CHAR.search(text) else _latin_fold(text)
    if _HAN_CHAR.search(text):
        parts = [part for part in text.split("·") if part]
        if len(parts) == 2:
            return _order_free(_pinyin(parts[0]), _pinyin(parts[1]))
        if len(parts) > 2:
            return " ".join(_pinyin(part) for part in parts)
        size = 2 if text[:2] in _COMPOUND_SURNAMES else 1
        surname = _SURNAME_READINGS.get(text[:size]) or _pinyin(text[:size])
        return _order_free(surname, _pinyin(text[size:]))
    words = [folded for word in re.split(r"[\s·]+", text) if (folded := _latin_fold(word))]
    if len(words) < 2:
        return "".join(words)
    if words[0] not in _PINYIN_SURNAMES and words[-1] in _PINYIN_SURNAMES:
        return _order_free(words[-1], "".join(words[:-1]))
    return _order_free(words[0], "".join(words[1:]))


_LATIN_NAME = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f .'’\-]*")


def fold_names(counts: Mapping[str, int], label: str = "PER") -> dict[str, str]:
    """Each canonical name of one label (with its mention count) → the entity name it folds into.

    Spellings with one :func:`match_key` fold into the most mentioned of them;
    then a name without Han characters folds into the Han name with its
    :func:`pinyin_key` when exactly one Han name has it ("Chen Quanguo" →
    陈全国). Two Han names never fold for sounding alike.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        groups[match_key(name)].append(name)
    head_of: dict[str, str] = {}
    totals: dict[str, int] = {}
    for members in groups.values():
        head = min(members, key=lambda member: (-counts[member], member))
        totals[head] = sum(counts[member] for member in members)
        for member in members:
            head_of[member] = head
    han_by_sound: dict[str, list[str]] = defaultdict(list)
    for head in totals:
        if _HAN_CHAR.search(head):
            han_by_sound[pinyin_key(head, label)].append(head)
    linked: dict[str, str] = {}
    for head in totals:
        if not _HAN_CHAR.search(head) and _LATIN_NAME.fullmatch(head):
            sounds = han_by_sound.get(pinyin_key(head, label), [])
            if len(sounds) == 1:
                linked[head] = sounds[0]
    return {name: linked.get(head, head) for name, head in head_of.items()}
