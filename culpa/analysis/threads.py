"""Conversation threads rebuilt from message headers (Jamie Zawinski's algorithm).

A pure function: messages in, a thread key and a parent for each message out;
nothing is read from or written to the case. Messages are linked by their
``References`` and ``In-Reply-To`` ids first (https://www.jwz.org/doc/threading.html):
each reference chain becomes a path of containers, a missing message stays an
empty container (its replies still share a thread), and a link that would
close a cycle is not made. Only threads that no id joins are then merged by
normalised subject, with ``Re:``/``Fwd:``/``回复：``/``转发：``/``答复：``-style prefixes
removed, and a reply hung under the earliest message of that subject that is not
a reply. Empty subjects never merge.

Typical use::

    links = build_threads([MailItem(id=doc_id, message_id=..., in_reply_to=...,
                                    references=..., subject=..., date=...)])
    links[doc_id].thread   # same string for every message of one conversation
    links[doc_id].parent   # id of the message it answers, or None

:class:`ThreadAnalyzer` runs it over a case's mail once (``culpa analyze``) and
stores each message's thread, so a view reads a thread instead of rebuilding it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from culpa.analysis.base import Speed
from culpa.analysis.registry import register
from culpa.models import Finding, StoredDocument

#: Reply and forward markers removed from subjects, in English, Chinese and common European
#: mailers, each with an optional count ("Re[2]:", "RE(3):") and an ASCII or full-width colon.
_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|r|回复|回覆|答复|答覆|转发|轉發|转寄|轉寄|回信)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class MailItem:
    """The headers threading needs. ``id`` is the caller's own key (a document id)."""

    id: Hashable
    message_id: str | None = None
    in_reply_to: str | None = None
    #: The References header as text, or its ids already split.
    references: str | Sequence[str] | None = None
    subject: str | None = None
    #: A datetime, an ISO 8601 string or an RFC 2822 date; only used for ordering.
    date: datetime | str | None = None


@dataclass(frozen=True, slots=True)
class ThreadLink:
    """Where one message sits: its conversation and the message it answers."""

    #: Same for every message of a conversation: the root's Message-ID (possibly of a
    #: message that is not in the list), else ``"item:<id>"`` for a root without one.
    thread: str
    #: ``id`` of the message this one answers, or None for a thread's first message(s).
    parent: Hashable | None


@dataclass(eq=False, slots=True)
class _Container:
    key: str
    item: MailItem | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)


def normalise_subject(subject: str | None) -> tuple[str, bool]:
    """(subject without reply/forward prefixes, case-folded; whether any were removed)."""
    text = _SPACES.sub(" ", subject or "").strip()
    stripped = False
    while True:
        shorter = _PREFIX.sub("", text, count=1)
        if shorter == text:
            break
        text, stripped = shorter.strip(), True
    return text.casefold(), stripped


def message_ids(text: str | Sequence[str] | None) -> list[str]:
    """The ``<id>`` tokens in a header value (or in each of several values), in order."""
    if text is None:
        return []
    values = [text] if isinstance(text, str) else list(text)
    found: list[str] = []
    for value in values:
        ids = _MESSAGE_ID.findall(value)
        if not ids and value.strip() and " " not in value.strip():
            ids = [f"<{value.strip().strip('<>')}>"]  # an id saved without its brackets
        found.extend(ids)
    return found


def _timestamp(value: datetime | str | None) -> float:
    date: datetime | None = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            date = datetime.fromisoformat(value)
        except ValueError:
            try:
                date = parsedate_to_datetime(value)
            except (ValueError, TypeError, IndexError, OverflowError):
                return math.inf
    if date is None:
        return math.inf
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    try:
        return date.timestamp()
    except (OverflowError, OSError, ValueError):
        return math.inf


def _is_ancestor(candidate: _Container, of: _Container) -> bool:
    node: _Container | None = of
    while node is not None:
        if node is candidate:
            return True
        node = node.parent
    return False


def _link(parent: _Container, child: _Container) -> None:
    """Make ``child`` a child of ``parent`` unless that would close a cycle."""
    if parent is child or _is_ancestor(child, parent):
        return
    if child.parent is not None:
        child.parent.children.remove(child)
    child.parent = parent
    parent.children.append(child)


class _Threader:
    def __init__(self) -> None:
        self.by_id: dict[str, _Container] = {}
        self.order: list[_Container] = []

    def container(self, key: str) -> _Container:
        found = self.by_id.get(key)
        if found is None:
            found = self.by_id[key] = _Container(key)
        return found

    def add(self, item: MailItem, position: int) -> None:
        own = message_ids(item.message_id)
        key = own[0] if own else ""
        this = self.by_id.get(key) if key else None
        if this is None or this.item is not None:
            # No Message-ID, or one already taken by another message (a duplicate).
            key = key if key and key not in self.by_id else f"item:{item.id}#{position}"
            this = self.container(key)
        this.item = item
        self.order.append(this)
        chain = message_ids(item.references)
        for reply_to in message_ids(item.in_reply_to)[:1]:
            if not chain or chain[-1] != reply_to:
                chain.append(reply_to)
        chain = [ref for ref in chain if ref != key]
        previous: _Container | None = None
        for ref in chain:
            node = self.container(ref)
            if previous is not None and node.parent is None:
                _link(previous, node)
            previous = node
        if previous is not None:
            _link(previous, this)

    def roots(self) -> list[_Container]:
        seen: set[int] = set()
        roots: list[_Container] = []
        for node in self.order:
            while node.parent is not None:
                node = node.parent
            if id(node) not in seen:
                seen.add(id(node))
                roots.append(node)
        return roots


def _first_message(root: _Container) -> MailItem | None:
    """The earliest message in a thread (breadth-first, then by date)."""
    level = [root]
    while level:
        items = [node.item for node in level if node.item is not None]
        if items:
            return min(items, key=lambda item: _timestamp(item.date))
        level = [child for node in level for child in node.children]
    return None


def _thread_key(root: _Container) -> str:
    if root.key.startswith("item:"):
        return f"item:{root.item.id}" if root.item is not None else root.key
    return root.key


def build_threads(messages: Iterable[MailItem]) -> dict[Hashable, ThreadLink]:
    """Thread key and parent for every message, keyed by ``MailItem.id``.

    Ids win over subjects; subjects only join threads that share no id. Input
    order breaks ties, so the result is deterministic.
    """
    threader = _Threader()
    items = list(messages)
    for position, item in enumerate(items):
        threader.add(item, position)
    roots = threader.roots()
    thread_of: dict[int, str] = {id(root): _thread_key(root) for root in roots}
    subject_parent: dict[int, MailItem] = {}

    groups: dict[str, list[_Container]] = {}
    for root in roots:
        first = _first_message(root)
        subject, _is_reply = normalise_subject(first.subject if first else None)
        if subject:
            groups.setdefault(subject, []).append(root)
    for group in groups.values():
        if len(group) < 2:
            continue
        ordered = sorted(
            group, key=lambda root: _timestamp(m.date) if (m := _first_message(root)) else math.inf
        )
        key = thread_of[id(ordered[0])]
        starters = [
            root
            for root in ordered
            if root.item is not None and not normalise_subject(root.item.subject)[1]
        ]
        starter = starters[0].item if starters else None
        for root in ordered:
            thread_of[id(root)] = key
            is_reply = root.item is not None and normalise_subject(root.item.subject)[1]
            if starter is not None and root is not starters[0] and is_reply:
                subject_parent[id(root)] = starter

    links: dict[Hashable, ThreadLink] = {}
    for node in threader.order:
        message = node.item
        if message is None:
            continue
        root = node
        parent: MailItem | None = None
        ancestor = node.parent
        while ancestor is not None and ancestor.item is None:
            ancestor = ancestor.parent
        if ancestor is not None:
            parent = ancestor.item
        while root.parent is not None:
            root = root.parent
        if parent is None and root is node:
            parent = subject_parent.get(id(node))
        links[message.id] = ThreadLink(
            thread=thread_of[id(root)], parent=parent.id if parent else None
        )
    return links


#: Metadata keys of an e-mail (culpa.formats.email.eml and the other mail extractors write them).
_MAIL_KEYS = ("message-id", "in-reply-to")


def mail_item(document_id: int, fields: Mapping[str, str]) -> MailItem:
    """The headers threading needs, from a stored e-mail's metadata."""
    return MailItem(
        id=document_id,
        message_id=fields.get("message-id"),
        in_reply_to=fields.get("in-reply-to"),
        references=fields.get("references"),
        subject=fields.get("subject"),
        date=fields.get("date_iso") or fields.get("date"),
    )


class ThreadAnalyzer:
    """Every message's conversation, computed once and stored (``culpa analyze``).

    Findings about the whole message: ``thread`` (the thread key, the same for
    every message of a conversation) and ``parent`` (the document id of the
    message it answers, when there is one). A thread can gain members from any
    new message, so this is a case-wide analyzer: it runs again on all mail
    whenever one message has not been threaded.
    """

    name = "threads"
    version = 1
    speed: Speed = "fast"

    def applies_to(self, document: StoredDocument) -> bool:
        return any(key in document.metadata for key in _MAIL_KEYS)

    def analyze_case(self, documents: Sequence[StoredDocument]) -> dict[int, list[Finding]]:
        links = build_threads(mail_item(doc.id, doc.metadata) for doc in documents)
        found: dict[int, list[Finding]] = {}
        for doc in documents:
            link = links[doc.id]
            found[doc.id] = [Finding(self.name, "thread", link.thread)]
            if isinstance(link.parent, int):
                found[doc.id].append(Finding(self.name, "parent", link.parent))
        return found


register(ThreadAnalyzer())
