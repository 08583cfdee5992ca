"""A toy executor for the executor seam's tests: files read one at a time, in this process.

It keeps the contract of culpa.ingest.executors.base and nothing more (no time
or memory limit: a file that hangs would hang the test), which is what a new
executor must at least do. ``without_case_db`` gives its worker no lookup of
the case, as a worker on another machine would have none.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from culpa.ingest.executors.base import (
    COLLECT_SECONDS,
    Event,
    ExecutorSettings,
    Finished,
    Pages,
)
from culpa.ingest.worker import WorkerConfig, WorkItem, process


class ToyExecutor:
    """Reads the oldest file submitted at each :meth:`collect`."""

    def __init__(
        self, config: WorkerConfig, settings: ExecutorSettings, *, without_case_db: bool = False
    ) -> None:
        self.config = replace(config, known=None) if without_case_db else config
        self.settings = settings
        self.queue: deque[WorkItem] = deque()
        self.pages = (0, 0)
        #: Every file read, in order (the tests check the runner used this executor).
        self.read: list[str] = []

    @property
    def in_flight(self) -> int:
        return len(self.queue)

    def submit(self, item: WorkItem) -> None:
        self.queue.append(item)

    def collect(self, timeout: float = COLLECT_SECONDS) -> list[Event]:
        if not self.queue:
            return []
        item = self.queue.popleft()
        events: list[Event] = []

        def pages(known: int, done: int) -> None:
            self.pages = (self.pages[0] + known, self.pages[1] + done)
            events.append(Pages(*self.pages))

        result = process(item, self.config, pages=pages)
        self.read.append(item.provenance)
        return [*events, Finished(item, result)]

    def close(self) -> None:
        self.queue.clear()
