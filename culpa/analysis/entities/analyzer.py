"""The ``entities`` analyzer: every person, organisation, place, date and time a page names.

Each page's stored text goes to a recogniser
(:func:`culpa.analysis.entities.recognize.recognize`, which cuts long pages
into chunks and picks the Chinese or English engine per run of script); each
mention it returns becomes a finding whose span is the mention's place on the
page, whose label is the mention's (PER, ORG, LOC, DATE, TIME), and whose value
is the JSON fixed in :mod:`culpa.analysis.entities.mentions`: the mention as
written, its canonical name and the title split off it
(:mod:`culpa.analysis.entities.canonical`). The recognisers cut a person's name
without its title (新疆维吾尔自治区党委书记 | 陈全国), so a person's role is also read
beside the mention (:func:`~culpa.analysis.entities.canonical.context_role`):
the span stays the name's, the role is the title written next to it.

The analyzer is ``slow``: recognising names costs far more than an ingest's
other steps, so it runs on ``culpa analyze``, not after every ingest. The
recogniser is a constructor argument so a test (or a newsroom with a model of
its own) can give another; it travels to the workers pickled, so it must be a
module-level function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from culpa.analysis.base import Speed
from culpa.analysis.entities.canonical import canonical_name, context_role
from culpa.analysis.entities.mentions import ENTITIES_ANALYZER, LABELS, Mention
from culpa.analysis.entities.recognize import recognize
from culpa.analysis.registry import register
from culpa.models import Finding, Page, Span, StoredDocument

#: What a recogniser is: a page's text and stored language in, mentions with offsets out.
Recogniser = Callable[[str, str | None], Sequence[Mention]]


class EntityAnalyzer:
    """Mentions of people, organisations, places, dates and times, page by page."""

    name = ENTITIES_ANALYZER
    #: Raise it when the recognisers or the canonical names change what is found.
    version = 1
    speed: Speed = "slow"

    def __init__(self, recognise: Recogniser = recognize) -> None:
        self.recognise = recognise

    def applies_to(self, document: StoredDocument) -> bool:
        return True  # any document with text: a page without any gives nothing

    def analyze(self, document: StoredDocument) -> Iterator[Finding]:
        for page in document.pages:
            yield from self.page_findings(document.sha256, page)

    def page_findings(self, sha256: str, page: Page) -> list[Finding]:
        """The findings of one page, in text order; a mention found twice is kept once."""
        if not page.text.strip():
            return []
        places: set[tuple[int, int, str]] = set()
        for mention in self.recognise(page.text, page.language):
            if not 0 <= mention.start < mention.end <= len(page.text):
                raise ValueError(
                    f"recogniser gave {mention.start}-{mention.end} on page {page.number} "
                    f"of {len(page.text)} characters"
                )
            if mention.label not in LABELS:
                raise ValueError(f"recogniser gave an unknown label {mention.label!r}")
            places.add((mention.start, mention.end, mention.label))
        organisations = sorted(
            ((start, end) for start, end, label in places if label in ("ORG", "LOC")),
            key=lambda place: place[1],
        )
        findings = []
        for start, end, label in sorted(places):
            text = page.text[start:end]
            canonical = canonical_name(text, label)
            if not canonical.name:
                continue  # only quotes or punctuation: nothing to count
            role = canonical.role
            if label == "PER" and role is None:
                role = context_role(page.text, start, end, organisations)
            value = {"text": text, "name": canonical.name, "role": role}
            span = Span(sha256, page.number, start, end)
            findings.append(Finding(ENTITIES_ANALYZER, label, value, span))
        return findings


ENTITIES = EntityAnalyzer()
register(ENTITIES)
