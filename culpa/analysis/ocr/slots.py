"""A bound on OCR engines running at once across all ingest workers.

The ingest gives every worker one semaphore with a slot per core, so a worker
may OCR several pages of one scanned PDF in parallel when the other workers are
idle, without ever running more engines than there are cores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol


class Slots(Protocol):
    """What a multiprocessing or threading semaphore offers."""

    def acquire(self, block: bool = ..., timeout: float | None = ...) -> bool: ...
    def release(self) -> None: ...


_slots: Slots | None = None


def share_ocr_slots(slots: Slots | None) -> None:
    """Use ``slots`` to bound the engines this process runs (None: no bound)."""
    global _slots
    _slots = slots


@contextlib.contextmanager
def ocr_slot() -> Iterator[None]:
    """Hold one slot while an engine runs."""
    if _slots is None:
        yield
        return
    _slots.acquire()
    try:
        yield
    finally:
        _slots.release()
