"""A toy executor for the executor seam's tests: tasks run one at a time, in this process.

It keeps the contract of culpa.ingest.executors.base and nothing more (no time
or memory limit: a file that hangs would hang the test), which is what a new
executor must at least do. ``without_case_db`` gives the ingest's stage no
lookup of the case, as a worker on another machine would have none.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from culpa.ingest.executors.base import (
    COLLECT_SECONDS,
    Event,
    ExecutorSettings,
    Finished,
    Output,
    Pages,
    Stage,
    Task,
)
from culpa.ingest.stages import ExtractStage


class _Report:
    """What the running task tells: events for the current :meth:`ToyExecutor.collect`."""

    def __init__(self, executor: ToyExecutor, task: Task, events: list[Event]) -> None:
        self.executor, self.task, self.events = executor, task, events

    def heartbeat(self) -> None:
        pass

    def pages(self, known: int, done: int) -> None:
        before = self.executor.pages
        self.executor.pages = (before[0] + known, before[1] + done)
        self.events.append(Pages(*self.executor.pages))

    def emit(self, value: Any) -> None:
        self.events.append(Output(self.task, value))


class ToyExecutor:
    """Runs the oldest task submitted at each :meth:`collect`."""

    def __init__(
        self, stages: Sequence[Stage], settings: ExecutorSettings, *, without_case_db: bool = False
    ) -> None:
        if without_case_db:
            stages = [
                replace(s, config=replace(s.config, known=None))
                if isinstance(s, ExtractStage)
                else s
                for s in stages
            ]
        self.stages = {stage.name: stage for stage in stages}
        for stage in stages:
            stage.start(None)
        self.settings = settings
        self.queue: deque[Task] = deque()
        self.pages = (0, 0)
        #: Every file read, in order (the tests check the runner used this executor).
        self.read: list[str] = []

    @property
    def in_flight(self) -> int:
        return len(self.queue)

    def submit(self, task: Task) -> None:
        self.queue.append(task)

    def collect(self, timeout: float = COLLECT_SECONDS) -> list[Event]:
        if not self.queue:
            return []
        task = self.queue.popleft()
        events: list[Event] = []
        result = self.stages[task.stage].run(task.payload, _Report(self, task, events))
        self.read.append(task.payload.provenance)
        return [*events, Finished(task, result)]

    def close(self) -> None:
        self.queue.clear()
