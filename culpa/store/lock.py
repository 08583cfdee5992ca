"""One writer per case at a time: an ingest, a ``culpa ocr`` or a ``culpa analyze``.

Two writers would only fight for the database (and the case's temp folder is
emptied by whoever starts), so each takes an exclusive ``flock`` on the case's
``ingest.lock`` and a second one is refused at once with a message, not left
waiting. The kernel drops the lock when its process dies, kill -9 included.
"""

from __future__ import annotations

import fcntl

from culpa.errors import CaseError
from culpa.store.case import Case

LOCK_NAME = "ingest.lock"


class CaseLock:
    """Hold the case's writer lock for a ``with`` block; ``command`` is named in the refusal."""

    def __init__(self, case: Case, command: str = "ingest") -> None:
        self.path = case.root / LOCK_NAME
        self.command = command
        self.handle = self.path.open("a")

    def __enter__(self) -> CaseLock:
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self.handle.close()
            raise CaseError(
                f"an ingest or analysis is running on {self.path.parent} (culpa ingest, "
                f"ocr or analyze): run culpa {self.command} again when it has finished"
            ) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
