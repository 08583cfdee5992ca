"""The reporter's entity edits applied to stored mentions and quotations, for any backend.

The entities analyzer gives each mention a canonical name (``findings.value.name``:
simplified script, titles split off), and an entity is (label, canonical name). The
analyzer's findings are replaced whenever it runs again, so the reporter's edits
(``culpa entities merge|split|alias``, table ``entity_edits``) are kept apart and
applied when the case is read, here: they are keyed by names and by mentions'
places (document SHA-256, page, span), which a re-run finds again, never by rows.

Beneath the edits lies the folding of the case's names
(:func:`culpa.analysis.entities.canonical.fold_names`, given by the store): an English
spelling counts as the one Chinese name it is the pinyin of. An edit of a name itself
comes first, so a merge can take a wrongly folded spelling back out.

Edits apply in the order they were made. A merge sends every mention of an entity
to another one; an alias is a name of an entity that mentions whose canonical
name or written text is that name (a recogniser's other spelling, "Chen Quanguo"
for 陈全国) join; a split sends chosen mentions to an entity of their own. A merge
or alias that would close a loop (A into B, later B into A) undoes the earlier
one, so the latest edit wins. Names are compared folded as search folds them
(:func:`culpa.index.tokens.normalize`: traditional to simplified script, case,
accents), so 陳全國 finds 陈全国.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from culpa.index.tokens import join_cjk_lines, normalize
from culpa.store.records import EntityEdit, StoredEntity

#: An entity: (label, canonical name).
EntityKey = tuple[str, str]
#: An entity as edits are matched: (label, folded name).
_Folded = tuple[str, str]

#: Labels a quotation's speaker may be an entity of, in the order they are tried.
SPEAKER_LABELS = ("PER", "ORG", "LOC")


@lru_cache(maxsize=1 << 16)  # a case names a few thousand entities, each many times
def folded(name: str) -> str:
    """``name`` as edits and ``--speaker`` compare it: folded, spaces collapsed."""
    return " ".join(normalize(name).split())


def as_read(text: str) -> str:
    """A mention's text as a reader sees it, for its entity's aliases.

    A PDF's text often breaks a line inside a name (共产\\n党, 刘\\n少奇): that
    is not another spelling, so white space between Han characters goes and
    other runs of it become one space. The mention itself keeps its text as
    written, which its span cites.
    """
    return " ".join(join_cjk_lines(text).split())


def _key(label: str, name: str) -> _Folded:
    return (label, folded(name))


@dataclass(frozen=True, slots=True)
class MentionGroup:
    """Mentions alike for the edits (same label, name, text and split), in one document."""

    label: str
    name: str
    text: str
    #: The latest split edit that moved these mentions, or None.
    split: int | None
    document_id: int
    count: int


@dataclass
class _Tally:
    mentions: int = 0
    documents: set[int] = field(default_factory=set)
    texts: dict[str, int] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


class Canon:
    """The edits, ready to say which entity a mention or a speaker belongs to."""

    def __init__(
        self, edits: Iterable[EntityEdit], folds: Mapping[EntityKey, str] | None = None
    ) -> None:
        #: (label, canonical name) → the name it folds into across the case (another
        #: script's spelling of one name: "Chen Quanguo" → 陈全国), before any edit.
        self._folds = dict(folds or {})
        self._to: dict[_Folded, EntityKey] = {}
        self._splits: dict[int, EntityKey] = {}
        self._aliases: list[tuple[EntityKey, str]] = []
        for edit in sorted(edits, key=lambda e: e.id):
            entity = (edit.label, edit.name)
            if edit.kind == "alias" and edit.alias is not None:
                self._aliases.append((entity, edit.alias))
                self._redirect(_key(edit.label, edit.alias), entity)
            elif edit.target_label is not None and edit.target_name is not None:
                target = (edit.target_label, edit.target_name)
                if edit.kind == "merge":
                    self._redirect(_key(*entity), target)
                elif edit.kind == "split":
                    self._splits[edit.id] = target

    def _redirect(self, source: _Folded, target: EntityKey) -> None:
        """Send ``source`` to ``target``; drop the earlier edit of a loop this closes."""
        first = _key(*target)
        if first == source:
            return
        self._to[source] = target
        seen: set[_Folded] = set()
        at = first
        while at in self._to and at not in seen:
            seen.add(at)
            if at == source:
                del self._to[first]
                return
            at = _key(*self._to[at])

    def resolve(self, label: str, name: str) -> EntityKey:
        """The entity (label, name) belongs to after merges and aliases."""
        entity = (label, name)
        at = _key(label, name)
        seen: set[_Folded] = set()
        while at in self._to and at not in seen:
            seen.add(at)
            entity = self._to[at]
            at = _key(*entity)
        return entity

    def redirected(self, label: str, name: str) -> bool:
        """Whether an edit sends the name (label, name) elsewhere."""
        return _key(label, name) in self._to

    def entity(self, label: str, name: str, text: str, split: int | None = None) -> EntityKey:
        """The entity of a mention: its split; else an edit of its canonical name or of its
        text; else the entity its canonical name folds into across the case, after edits.

        An edit of the name itself comes before the case's folding, so a reporter can
        take a spelling folded into the wrong person back out with a merge.
        """
        if split is not None and split in self._splits:
            return self.resolve(*self._splits[split])
        for written in (name, text):
            if self.redirected(label, written):
                return self.resolve(label, written)
        return self.resolve(label, self._folds.get((label, name), name))

    def speaker(
        self, name: str | None, speaker: str | None, split: int | None = None
    ) -> str | None:
        """The entity a quotation's speaker is, by its canonical name or written form.

        ``split``: the split that moved the mention at the speaker's span, if any.
        """
        if split is not None and split in self._splits:
            return self.resolve(*self._splits[split])[1]
        for written in (name, speaker):
            if not written:
                continue
            for label in SPEAKER_LABELS:
                if self.redirected(label, written):
                    return self.resolve(label, written)[1]
            if written == name:
                for label in SPEAKER_LABELS:
                    if (label, name) in self._folds:
                        return self.resolve(label, self._folds[(label, name)])[1]
                return self.resolve(SPEAKER_LABELS[0], name)[1]
        return None

    def added_aliases(self) -> dict[EntityKey, list[str]]:
        """The aliases the reporter added, by the entity they now belong to."""
        out: dict[EntityKey, list[str]] = {}
        for entity, alias in self._aliases:
            out.setdefault(self.resolve(*entity), []).append(alias)
        return out

    def entities(self, groups: Iterable[MentionGroup]) -> list[StoredEntity]:
        """Every entity the mention groups make, with aliases and counts, most mentioned first.

        Aliases: the texts its mentions are written as, as read (:func:`as_read`;
        most frequent first), the canonical names of entities merged into it, then
        the names added to it; never its own canonical name.
        """
        tallies: dict[EntityKey, _Tally] = {}
        seen: dict[tuple[str, str, str, int | None], EntityKey] = {}
        for group in groups:
            alike = (group.label, group.name, group.text, group.split)
            entity = seen.get(alike) or seen.setdefault(alike, self.entity(*alike))
            tally = tallies.setdefault(entity, _Tally())
            tally.mentions += group.count
            tally.documents.add(group.document_id)
            text = as_read(group.text)
            tally.texts[text] = tally.texts.get(text, 0) + group.count
            tally.names.add(group.name)
        added = self.added_aliases()
        out: list[StoredEntity] = []
        for (label, name), tally in tallies.items():
            written = sorted(tally.texts, key=lambda t: (-tally.texts[t], t))
            merged = sorted(tally.names - set(written))
            aliases = dict.fromkeys([*written, *merged, *added.get((label, name), [])])
            out.append(
                StoredEntity(
                    label=label,
                    name=name,
                    aliases=tuple(a for a in aliases if a != name),
                    mentions=tally.mentions,
                    documents=len(tally.documents),
                )
            )
        out.sort(key=lambda e: (-e.mentions, e.label, e.name))
        return out


def matching_names(entities: Iterable[StoredEntity], query: str) -> set[str]:
    """Canonical names of the entities whose name or an alias is ``query`` (folded)."""
    wanted = folded(query)
    return {
        entity.name
        for entity in entities
        if folded(entity.name) == wanted or any(folded(a) == wanted for a in entity.aliases)
    }
