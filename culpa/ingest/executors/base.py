"""The contract between a stage's runner and whatever runs its tasks.

culpa's runners (the ingest, ``culpa ocr``, ``culpa analyze``: see
:mod:`culpa.ingest.stages`) decide what to do and write every result from one
place; an executor only runs :class:`Task` values: a stage named by the task
(a :class:`Stage` the executor was built with: read a file, OCR a document's
pages, run an analyzer on a document) applied to the task's payload,
somewhere (worker processes on this machine today, Dask workers on other
machines later, issue 16), and hands back events. Everything that crosses
the seam is a plain, picklable dataclass or enum (the stages, the tasks and
their payloads, the results, these events), because that is what a remote
executor has to send over the wire. Extractors and analyzers know nothing of
executors.

An executor holds each task to its limits (:class:`FileLimits`, the task's
own or the executor's): a task that makes no progress for too long, or whose
worker takes too much memory, or whose worker dies, comes back as
:class:`Lost` with the reason, and the executor goes on with the others. No
worker ever reaches the network (:mod:`culpa.ingest.network_guard`).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from culpa.ingest.network_guard import AUDIT_ENV

#: Seconds :meth:`Executor.collect` waits for something to happen by default.
COLLECT_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class FileLimits:
    """What one task (a file to read, a document to analyse) may cost a worker."""

    #: Seconds a task may go without progress (pages, members) before it is stopped.
    timeout: float = 300.0
    #: Resident memory of a worker (bytes, its converters included) that stops its task.
    memory_bytes: int = 4 * 1024**3


def audit_log() -> Path | None:
    """The file refused network attempts are written to (``CULPA_AUDIT_NETWORK``), if any."""
    log = os.environ.get(AUDIT_ENV)
    return Path(log) if log else None


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    """How an executor is built: how many tasks at once, their limits, what to preload."""

    workers: int
    #: The limits of a task that carries none of its own.
    limits: FileLimits = FileLimits()
    #: Modules a worker imports before its first task (the extractors), so that a
    #: fresh worker starts without importing them again.
    preload: tuple[str, ...] = ()
    #: Where workers write the network attempts they refuse (see network_guard).
    network_log: Path | None = field(default_factory=audit_log)


@dataclass(frozen=True, slots=True)
class Task:
    """One thing to do: the stage that does it, by name, and what it is done to."""

    stage: str
    #: What the stage's :meth:`Stage.run` is given (picklable).
    payload: Any
    #: This task's limits; None: the executor's (``ExecutorSettings.limits``).
    limits: FileLimits | None = None


class Report(Protocol):
    """What a stage tells its executor while a task runs (from any thread)."""

    def heartbeat(self) -> None:
        """The task made progress (a page read, a member unpacked): it is not hung."""
        ...

    def pages(self, known: int, done: int) -> None:
        """Pages to OCR newly found, and newly OCR'd (the progress bar counts them)."""
        ...

    def emit(self, value: Any) -> None:
        """A part of the task's result, handed back at once as :class:`Output`."""
        ...


class Stage(Protocol):
    """What workers do with one kind of task; see :mod:`culpa.ingest.stages`.

    A stage is built in the runner's process with what its workers need (a
    worker reads no module-global state of the runner's) and sent to each
    worker once, when the worker starts.
    """

    @property
    def name(self) -> str:
        """The name tasks give in :attr:`Task.stage`."""
        ...

    def start(self, ocr_slots: Any) -> None:
        """Prepare a worker, once, before its first task.

        ``ocr_slots`` is a semaphore shared by the executor's workers on one
        machine, one slot per worker, that bounds the OCR engines run at once.
        """
        ...

    def run(self, payload: Any, report: Report) -> Any:
        """The result of one task; a bad input is a result, not an exception."""
        ...


class Failure(enum.Enum):
    """Why a task has no result."""

    CRASHED = "crashed"
    TIMED_OUT = "timed_out"
    #: No progress within the timeout because the machine was overloaded: the worker
    #: spent most of that time waiting for a CPU, not reading (issue 10).
    STARVED = "starved"
    TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class Finished:
    """A task is done: its stage's result (which may record the input's own error)."""

    task: Task
    result: Any


@dataclass(frozen=True, slots=True)
class Output:
    """A part of a running task's result (:meth:`Report.emit`), in the order emitted."""

    task: Task
    value: Any


@dataclass(frozen=True, slots=True)
class Lost:
    """A task has no result because its worker was stopped or died.

    ``detail`` says what the executor saw (how the worker died, the memory it
    took, how long it made no progress) in words that fit any stage's task;
    each stage words its message from ``failure`` and ``detail`` (an ingest
    adds "while reading this file" or the option that allows more).
    """

    task: Task
    failure: Failure
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Pages:
    """Pages to OCR that workers announced, and those OCR'd, over the executor's life.

    Totals, not steps: the progress bar shows them as they are. A lost task's
    pages not yet read are taken back out of ``known``.
    """

    known: int
    done: int


#: What :meth:`Executor.collect` hands back.
Event = Finished | Output | Lost | Pages


class Executor(Protocol):
    """Runs tasks for a runner; see the module docstring."""

    @property
    def in_flight(self) -> int:
        """Tasks submitted and not yet handed back as :class:`Finished` or :class:`Lost`."""
        ...

    def submit(self, task: Task) -> None:
        """Queue ``task``; its events come from later calls of :meth:`collect`."""
        ...

    def collect(self, timeout: float = COLLECT_SECONDS) -> list[Event]:
        """What happened within about ``timeout`` seconds (possibly nothing)."""
        ...

    def close(self) -> None:
        """Stop every worker; tasks still in flight are dropped (a re-run does them)."""
        ...


#: Builds an executor for one run: the stages its tasks name, and its settings.
ExecutorFactory = Callable[[Sequence[Stage], ExecutorSettings], Executor]
