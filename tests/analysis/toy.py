"""Toy analyzers registered from the test folder, as a newsroom would add its own.

Module-level classes, so worker processes can unpickle them. ``main`` runs the
``culpa`` command with them registered (the crash test starts it as a process).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from culpa.analysis import registry
from culpa.analysis.base import Speed
from culpa.models import Finding, Span, StoredDocument

WORD = "detention"
#: Seconds the crash test's word finder takes per document, so a run can be killed midway.
PAUSE = 0.1


class WordFinder:
    """Every ``detention`` on every page: a finding with its span."""

    speed: Speed = "fast"

    def __init__(self, name: str = "toy_words", version: int = 1, pause: float = 0.0) -> None:
        self.name = name
        self.version = version
        self.pause = pause

    def applies_to(self, document: StoredDocument) -> bool:
        return document.type == "text"

    def analyze(self, document: StoredDocument) -> Iterator[Finding]:
        time.sleep(self.pause)
        for page in document.pages:
            start = page.text.find(WORD)
            while start >= 0:
                span = Span(document.sha256, page.number, start, start + len(WORD))
                yield Finding(self.name, "word", {"version": self.version}, span)
                start = page.text.find(WORD, start + 1)


class Failing:
    """Raises on pages holding ``boom``, hangs on ``hang``; finds ``ok`` elsewhere."""

    name = "toy_failing"
    version = 1
    speed: Speed = "slow"

    def applies_to(self, document: StoredDocument) -> bool:
        return document.type == "text"

    def analyze(self, document: StoredDocument) -> list[Finding]:
        text = "".join(page.text for page in document.pages)
        if "boom" in text:
            raise ValueError("toy analyzer refuses boom")
        if "hang" in text:
            time.sleep(3600)
        return [Finding(self.name, "ok", len(text))]


#: Bytes Balloon takes (touched, so they are resident), and the chunks it takes them in.
BALLOON_BYTES = 512 * 1024**2
CHUNK_BYTES = 32 * 1024**2


class Balloon:
    """Takes BALLOON_BYTES of memory, and keeps them, on pages holding ``hang``."""

    name = "toy_balloon"
    version = 1
    speed: Speed = "slow"

    def applies_to(self, document: StoredDocument) -> bool:
        return document.type == "text"

    def analyze(self, document: StoredDocument) -> list[Finding]:
        if any("hang" in page.text for page in document.pages):
            hog = [bytearray(CHUNK_BYTES) for _ in range(BALLOON_BYTES // CHUNK_BYTES)]
            time.sleep(3600)
            del hog
        return []


class NetworkProbe:
    """Tries to reach a server on the Internet from inside an analyzer."""

    name = "toy_network"
    version = 1
    speed: Speed = "fast"

    def applies_to(self, document: StoredDocument) -> bool:
        return document.type == "text"

    def analyze(self, document: StoredDocument) -> list[Finding]:
        import socket

        with socket.create_connection(("192.0.2.1", 80), timeout=5):  # TEST-NET-1
            return [Finding(self.name, "reached", True)]


def main() -> None:
    """``culpa`` with a slow word finder registered (for the crash test)."""
    from culpa.cli.main import main as culpa
    from tests.analysis import toy  # by its own name, not __main__, so workers unpickle it

    registry.register(toy.WordFinder(pause=PAUSE))

    sys.argv[0] = "culpa"
    culpa()


if __name__ == "__main__":
    main()
