"""The one interface every reader and writer of a case goes through.

Ingest, analysis, search, the web views, the CLI and export ask a
:class:`CaseStore` for what they need and never write SQL of their own, so a
second backend (PostgreSQL for a newsroom server) is a second implementation
of this protocol, not a change to every caller. :mod:`culpa.store.sqlite` is
the laptop's implementation and holds all of culpa's SQL.

Each area of the case has its own small protocol, reached as an attribute of
the store (``store.index`` is the full-text index the search engine asks),
so a backend can be written and tested one area at a time.
"""

from __future__ import annotations

from typing import Protocol


class CaseStore(Protocol):
    """A case's database, by area. Close it when done."""

    def close(self) -> None:
        """Release the connection; the store is not used afterwards."""
        ...
