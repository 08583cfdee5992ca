"""What a worker may skip: content already wholly in the case.

A worker hashes a file before it reads it, and bytes the case already holds
complete need no extraction. The worker does not open the case database to
find out: the runner hands it a :class:`ContentLookup` in its config
(``WorkerConfig.known``). On this machine that is :class:`CaseContents`, a
read-only view of the case database; a worker on another machine, which has no
case database, gets none and reads every file it is given, and the single
writer drops what turns out to be known (as it does for two copies of one file
read at once).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from culpa.errors import ErrorKind

if TYPE_CHECKING:
    from culpa.store.api import CaseStore


class ContentLookup(Protocol):
    """Answers, in a worker, whether bytes are already complete in the case."""

    def is_complete(self, sha256: str) -> bool: ...


class CaseContents:
    """The case database, read-only, opened on first use in the process that asks.

    Pickled as its path and passwords only, so each worker process opens its
    own connection and none is shared across a fork.
    """

    def __init__(self, db_path: Path, passwords: tuple[str, ...] = ()) -> None:
        self.db_path = db_path
        self.passwords = passwords
        self._store: CaseStore | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (CaseContents, (self.db_path, self.passwords))

    def is_complete(self, sha256: str) -> bool:
        """Whether these bytes are already wholly in the case (nothing to read again).

        Bytes recorded as ``encrypted`` are read again whenever passwords are given,
        whatever path they come under now (issue 10: a password given later is tried
        at once, not only on the paths that failed), and bytes that failed because of
        the machine (``environment``) are read again whenever they are met.
        """
        if self._store is None:
            # Imported on the first lookup: a worker that never asks (no archive, no
            # duplicate) does not load the store's areas.
            from culpa.store.sqlite import SqliteCaseStore

            self._store = SqliteCaseStore(
                sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30.0)
            )
        found = self._store.documents.find(sha256)
        if found is None or not found.complete:
            return False
        if found.status != "error":
            return True
        # A disk that was full is read again wherever the bytes turn up (issue 10).
        kind = found.error_kind
        return not (
            kind == ErrorKind.ENVIRONMENT or (self.passwords and kind == ErrorKind.ENCRYPTED)
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
