"""English attribution: a speech verb and its speaker next to a pair of quotation marks.

Written for news and official English, where the forms are few:

* after the quote: ``"…," he said.``, ``"…," said Zhu Hailun, the deputy
  secretary.``, ``"…," according to the directive.``, and the first half of a
  split quote, ``"…," officials were advised to say, "…"``;
* before it: ``Chen Quanguo said: "…"``, ``The directive warned that "…"``,
  ``He told officials in Kashgar, "…"``, ``According to the document, "…"``,
  and the second half of a split quote (whose clause is the same words).

The clause looked at is bounded (:data:`CLAUSE_CHARS`) and ends at a sentence
end or another quotation mark, so every check is a short regular expression on
a short string. After the quote, only a quote that ends a clause (``,`` ``?``
``!`` or a dash inside its marks, or a comma right after them) is attributed
forwards: ``"… end." The official added: "…"`` gives the second speaker to the
second quote only. Before the quote, a verb with no ``:``, ``,`` or ``that``
between it and the quote only attributes words that read as said
(:func:`is_substantive`): ``the directive called the camps "vocational
training centres"`` is a term, not a quotation.

The speaker is the noun phrase next to the verb, as written: a pronoun ("he"),
a name ("Chen Quanguo", "Mr. Chen"), or a role ("the spokesman", "officials");
auxiliaries and adverbs between it and the verb ("were advised to",
"reportedly") are left out.
"""

from __future__ import annotations

import re
from typing import Final

from culpa.analysis.entities.quotations.attribution import Attribution, words
from culpa.analysis.entities.quotations.marks import QuotePair

#: Characters looked at on each side of a quote for its attribution.
CLAUSE_CHARS: Final = 200
#: Words a speaker may have (a name with its title: "Deputy Party Secretary Zhu Hailun").
MAX_SPEAKER_WORDS: Final = 8
#: Below this many words, a quote with no ``:``/``,``/``that`` after its verb is a term:
#: 'told officials to show "absolutely no mercy"' is said, 'called them "schools"' is not.
MIN_SAID_WORDS: Final = 3

_VERB_WORDS: Final = words(
    "said says say saying told tells tell telling stated states state added adds "
    "warned warns warning called calls wrote writes write writing asked asks ask "
    "declared declares declaring insisted insists explained explains noted notes "
    "argued argues claimed claims replied replies recalled recalls announced "
    "announces instructed instructs ordered orders urged urges continued concluded "
    "stressed stresses emphasized emphasised emphasizes emphasises admitted "
    "acknowledged confirmed demanded vowed pledged promised suggested proclaimed "
    "remarked responded reads commented observed maintained reiterated exhorted "
    "cautioned answered shouted declared testified testifies provides provided taught"
)
# Lower case only: "State Farm", "Says Law" are names, and a verb opens a sentence rarely.
_VERB: Final = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(set(_VERB_WORDS))) + r")\b")
_ACCORDING: Final = re.compile(r"\baccording to\b", re.I)
# A clause that only goes on from the quote before it: ", adding:", ", and added that".
_GOING_ON: Final = re.compile(
    r"[\s,;—–-]*(?:(?:and|then|but|also|later)\s+)*(?:adding|noting|continuing|warning|"
    r"explaining|insisting|stressing|arguing|asking|added|continued|warned|went on)"
    r"(?:\s+(?:that|to\s+say))?\s*[,:]?\s*"
)
# Any verb in the past before a colon introduces a quote: "Sofia Marin disagreed: '…'".
_PAST_BEFORE_COLON: Final = re.compile(r"\b[a-z]{3,}ed\s*:\s*$")
#: Verbs whose passive makes the subject the one spoken to: "Dr. Schubert was asked: '…'".
_ADDRESSED: Final = frozenset(words("asked told instructed ordered urged warned advised"))
_BE: Final = frozenset(words("was were is are be been being"))
#: Words a "called" quote needs to be a quotation rather than a name for something.
MIN_CALLED_WORDS: Final = 5

#: Words between a speaker and its verb that are not the speaker.
_AUX: Final = frozenset(
    words(
        "to was were is are be been being has had have would will could should might may "
        "must did does do not also then later once again further quoted as advised "
        "instructed ordered told asked expected supposed going just still even repeatedly"
    )
)
#: Lower-case words that may be part of a speaker's noun phrase before its head.
_NP_WORDS: Final = frozenset(
    words(
        "the a an one another this that these those his her their its our of senior top "
        "chief deputy local regional party communist former unnamed anonymous government "
        "state provincial county city security police public internal foreign two three "
        "several some many other"
    )
)
#: Capitalised words that open a sentence rather than a name.
_OPENERS: Final = frozenset(
    words(
        "But And Then So Yet Later Now Also However Meanwhile Earlier Today Yesterday "
        "Here There Instead Still Thus Hence Indeed In On At As When While After Before "
        "If Because Speaking Asked Writing"
    )
)
_PRONOUNS: Final = frozenset(words("he she they it we i you"))
#: Lower-case words after "said" that open no speaker ("said in a speech").
_PREPOSITIONS: Final = frozenset(
    words("in on at to that this by for with from during after before of about when while")
)
#: Words that cannot be a speaker's head (a relative clause, a conjunction).
_NOT_HEADS: Final = frozenset(
    words(
        "who which that what and or but if when while because than whom whose there this "
        "these those"
    )
)
_ABBREVIATIONS: Final = frozenset(words("mr mrs ms dr st gen col sen rep gov prof no jr sr lt"))
_TOKEN: Final = re.compile(r"[A-Za-z][\w'’.-]*|\d[\w.]*|[^\s]")
_SENTENCE_END: Final = re.compile(r"[.!?;](?=[\s\"”’)]|$)|\n[ \t]*\n")
_QUOTE_MARKS: Final = re.compile(r'[“”"「」『』]')
_QUOTE_CHARS: Final = '“”"「」『』'
# The last sentence end before a position: greedy, so found in one pass from the left.
_LAST_SENTENCE_END: Final = re.compile(r"(?s:.*)([.!?;](?=[\s\"”’)]|$)|\n[ \t]*\n)")
#: Abbreviations ("Mr.") skipped when looking back for a sentence end, at most.
_ABBREVIATION_RETRIES: Final = 4
_CLAUSE_ENDING: Final = frozenset(",?!—–-…")


def is_substantive(quoted: str) -> bool:
    """Whether ``quoted`` reads as words said: a few words, or a sentence ending in punctuation."""
    stripped = quoted.strip()
    if not stripped:
        return False
    return len(stripped.split()) >= MIN_SAID_WORDS or stripped[-1] in ".?!,…"


def goes_on(words: str) -> bool:
    """Whether ``words`` between two quotes only go on with the same speaker (", adding:")."""
    return _GOING_ON.fullmatch(words) is not None


def attribute(text: str, pair: QuotePair) -> Attribution | None:
    """The speaker of the quote at ``pair``, after the quote first, then before it."""
    quoted = text[pair.start : pair.end].rstrip()
    after = text[pair.close + 1 : pair.close + 2]
    if text[max(0, pair.open - 3) : pair.open].rstrip().endswith(":"):
        return _before(text, pair)  # a colon gives the quote to what comes before it
    if (quoted and quoted[-1] in _CLAUSE_ENDING) or after == ",":
        found = _after(text, pair)
        if found is not None:
            return found
    return _before(text, pair)


def _words_before_end(text: str, start: int, end: int) -> int:
    """Where the clause ending at ``end`` starts: after a sentence end or a quotation mark."""
    window_start = max(start, end - CLAUSE_CHARS)
    begin = window_start
    limit = end
    for _ in range(_ABBREVIATION_RETRIES):
        last = _LAST_SENTENCE_END.search(text, window_start, limit)
        if last is None:
            break
        if last.group(1) == "." and _is_abbreviation(text, last.start(1)):
            limit = last.start(1)
            continue
        begin = last.end(1)
        break
    mark = max(text.rfind(quote, begin, end) for quote in _QUOTE_CHARS)
    return mark + 1 if mark >= 0 else begin


def _clause_end_after(text: str, start: int) -> int:
    limit = min(len(text), start + CLAUSE_CHARS)
    end = limit
    for tries, match in enumerate(_SENTENCE_END.finditer(text, start, limit)):
        if tries >= _ABBREVIATION_RETRIES:
            end = match.start()
            break
        if match.group() == "." and _is_abbreviation(text, match.start()):
            continue
        end = match.start()
        break
    mark = _QUOTE_MARKS.search(text, start, end)
    return mark.start() if mark else end


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z]+)$", text[max(0, dot - 5) : dot])
    return word is not None and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1)


def _after(text: str, pair: QuotePair) -> Attribution | None:
    start = pair.close + 1
    end = _clause_end_after(text, start)
    lead = re.match(r"[\s,:—–-]*", text[start:end])
    begin = start + (lead.end() if lead else 0)
    clause = text[begin:end]
    according = re.match(r"according to\s+", clause, re.I)
    if according:
        return _phrase_after(text, begin, begin + according.end(), end)
    verb = _VERB.search(clause)
    if verb is None or (verb.group().lower() in ("calls", "called") and verb.start() > 0):
        return None
    if verb.start() == 0:  # "…," said Zhu Hailun
        return _phrase_after(text, begin, begin + verb.end(), end)
    found = _phrase_before(text, begin, begin + verb.start())
    if found is None or found.speaker_start != begin + _skip_openers(clause):
        return None  # the words before the verb must all be the speaker's
    return Attribution(found.speaker_start, found.speaker_end, begin, begin + verb.end())


def _skip_openers(clause: str) -> int:
    lead = re.match(r"(?:(?:and|but|as|so)\s+)?", clause, re.I)
    return lead.end() if lead else 0


def _before(text: str, pair: QuotePair) -> Attribution | None:
    begin = _words_before_end(text, 0, pair.open)
    clause = text[begin : pair.open]
    according = list(_ACCORDING.finditer(clause))
    if according:
        last = according[-1]
        phrase = _phrase_after(text, begin, begin + last.end(), pair.open)
        if phrase is not None and not text[phrase.speaker_end : pair.open].strip(" \t\n,:"):
            return Attribution(
                phrase.speaker_start, phrase.speaker_end, begin + last.start(), pair.open
            )
    if _GOING_ON.fullmatch(clause):
        # '"…," he said, adding: "…"' and ', and added: "…"': the quote before's speaker.
        return Attribution(pair.open, pair.open, pair.open, pair.open)
    verbs = list(_VERB.finditer(clause)) or list(_PAST_BEFORE_COLON.finditer(clause))
    for verb in reversed(verbs):
        gap = clause[verb.end() :]
        if len(gap) > 60 or re.search(r"[.;!?]", gap):
            continue
        quoted = text[pair.start : pair.end]
        introduced = re.search(r"(?:[,:]|\bthat)\s*$", gap) is not None
        if verb.group().lower() in ("called", "calls"):
            # "what officials called 'vocational training'" is a name for something.
            if not introduced and len(quoted.split()) < MIN_CALLED_WORDS:
                return None
        elif not introduced and gap.strip() and not is_substantive(quoted):
            return None  # 'said the camps were "effective"': a word, not words said
        if _is_passive(clause, verb.start()):
            return None
        found = _phrase_before(text, begin, begin + verb.start())
        if found is None:  # "Asked about the camps, said the spokesman: '…'"
            found = _phrase_after(text, begin, begin + verb.end(), pair.open)
        if found is not None:
            return Attribution(
                found.speaker_start, found.speaker_end, begin + verb.start(), pair.open
            )
        return None
    return None


def _is_passive(clause: str, verb_start: int) -> bool:
    """Whether the verb at ``verb_start`` is a passive that names the addressee ("was asked")."""
    verb = re.match(r"\w+", clause[verb_start:])
    if verb is None or verb.group().lower() not in _ADDRESSED:
        return False
    before = [
        word.lower()
        for word in re.findall(r"[A-Za-z]+", clause[max(0, verb_start - 40) : verb_start])
    ]
    while before and _is_adverb(before[-1]):
        before.pop()
    return bool(before) and before[-1] in _BE


def _phrase_before(text: str, begin: int, verb_start: int) -> Attribution | None:
    """The noun phrase that ends just before a verb at ``verb_start`` (auxiliaries skipped)."""
    tokens = [
        (m.start() + begin, m.end() + begin, m.group())
        for m in _TOKEN.finditer(text[begin:verb_start])
    ]
    while tokens and (tokens[-1][2].lower() in _AUX or _is_adverb(tokens[-1][2])):
        tokens.pop()
    if tokens and tokens[-1][2] == ",":
        # An apposition: "Zhu Hailun, the deputy secretary, said".
        commas = [index for index, token in enumerate(tokens[:-1]) if token[2] == ","]
        if commas and not any(token[2] in ".;:" for token in tokens[commas[-1] :]):
            tokens = tokens[: commas[-1]]
        else:
            tokens = tokens[:-1]
    if not tokens:
        return None
    number = None
    if len(tokens) > 1 and tokens[-1][2][0].isdigit() and tokens[-2][2][0].isupper():
        number = tokens.pop()  # "Rule 608 provides", "Article 5 states"
    head = tokens[-1]
    word = head[2]
    if (
        not word[0].isalpha()
        or word.lower() in _NOT_HEADS
        or word in _PREPOSITIONS
        or word in _VERB_WORDS
    ):
        return None
    if word.lower() in _PRONOUNS:
        return Attribution(head[0], head[1], head[0], head[1])
    taken = [head]
    for token in reversed(tokens[:-1]):
        if len(taken) >= MAX_SPEAKER_WORDS:
            break
        value = token[2]
        if (value[0].isupper() and value not in _OPENERS) or value.lower() in _NP_WORDS:
            taken.append(token)
            continue
        if value in ("'s", "’s") or (value.endswith(("'s", "’s")) and value[0].isupper()):
            taken.append(token)
            continue
        break
    taken.reverse()
    while taken and (taken[0][2] in _OPENERS or taken[0][2].lower() == "of"):
        taken.pop(0)
    if not taken:
        return None
    if number is not None:
        taken.append(number)
    return Attribution(taken[0][0], taken[-1][1], taken[0][0], taken[-1][1])


def _phrase_after(text: str, begin: int, phrase_start: int, end: int) -> Attribution | None:
    """The noun phrase that starts at ``phrase_start`` (after "said" or "according to")."""
    tokens = [
        (m.start() + phrase_start, m.end() + phrase_start, m.group())
        for m in _TOKEN.finditer(text[phrase_start:end])
    ]
    taken: list[tuple[int, int, str]] = []
    for token in tokens:
        value = token[2]
        if len(taken) >= MAX_SPEAKER_WORDS or not value[0].isalpha():
            break
        lower = value.lower()
        if lower in _PRONOUNS and not taken:
            taken.append(token)
            break
        if value[0].isupper() or lower in _NP_WORDS:
            taken.append(token)
            continue
        if all(item[2].lower() in _NP_WORDS for item in taken) and lower not in _PREPOSITIONS:
            taken.append(token)  # the head: "the spokesman", "a senior official", "reports"
        break
    while taken and taken[-1][2].lower() in _NP_WORDS:
        taken.pop()
    if not taken:
        return None
    return Attribution(taken[0][0], taken[-1][1], begin, taken[-1][1])


def _is_adverb(word: str) -> bool:
    return word.islower() and len(word) > 4 and word.endswith("ly")
