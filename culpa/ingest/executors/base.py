"""The contract between the ingest runner and whatever reads files for it.

The runner walks, decides what to read and writes every result from one
place; an executor only reads files: it takes :class:`~culpa.ingest.worker.WorkItem`
values, runs :func:`culpa.ingest.worker.process` on them somewhere (worker
processes on this machine today, Dask workers on other machines later, issue
16) and hands back events. Everything that crosses the seam is a plain,
picklable dataclass or enum (the work item, the worker's config, the result,
these events), because that is what a remote executor has to send over the
wire. Extractors know nothing of executors.

An executor holds each file to the limits it was built with
(:class:`FileLimits`): a file that makes no progress for too long, or whose
worker takes too much memory, or whose worker dies, comes back as
:class:`Lost` with the reason, and the executor goes on with the other files.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from culpa.ingest.worker import WorkerConfig, WorkItem, WorkResult

#: Seconds :meth:`Executor.collect` waits for something to happen by default.
COLLECT_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class FileLimits:
    """What one file may cost a worker before it is stopped."""

    #: Seconds a file may go without progress (pages, members) before it is stopped.
    timeout: float = 300.0
    #: Resident memory of a worker (bytes, its converters included) that stops its file.
    memory_bytes: int = 4 * 1024**3


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    """How an executor is built: how many files at once, their limits, what to preload."""

    workers: int
    limits: FileLimits = FileLimits()
    #: Modules a worker imports before its first file (the extractors), so that a
    #: fresh worker starts without importing them again.
    preload: tuple[str, ...] = ()


class Failure(enum.Enum):
    """Why a file has no result."""

    CRASHED = "crashed"
    TIMED_OUT = "timed_out"
    #: No progress within the timeout because the machine was overloaded: the worker
    #: spent most of that time waiting for a CPU, not reading (issue 10).
    STARVED = "starved"
    TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class Finished:
    """A file was read: its result (which may record the file's own error)."""

    item: WorkItem
    result: WorkResult


@dataclass(frozen=True, slots=True)
class Lost:
    """A file has no result because its worker was stopped or died; ``detail`` says why."""

    item: WorkItem
    failure: Failure
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Pages:
    """Pages to OCR that workers announced, and those OCR'd, over the executor's life.

    Totals, not steps: the progress bar shows them as they are. A lost file's
    pages not yet read are taken back out of ``known``.
    """

    known: int
    done: int


#: What :meth:`Executor.collect` hands back.
Event = Finished | Lost | Pages


class Executor(Protocol):
    """Reads files for the runner; see the module docstring."""

    @property
    def in_flight(self) -> int:
        """Files submitted and not yet handed back as :class:`Finished` or :class:`Lost`."""
        ...

    def submit(self, item: WorkItem) -> None:
        """Queue ``item``; its event comes from a later :meth:`collect`."""
        ...

    def collect(self, timeout: float = COLLECT_SECONDS) -> list[Event]:
        """What happened within about ``timeout`` seconds (possibly nothing)."""
        ...

    def close(self) -> None:
        """Stop every worker; files still in flight are dropped (a re-run reads them)."""
        ...


#: Builds an executor for one run: the workers' config and the executor's settings.
ExecutorFactory = Callable[[WorkerConfig, ExecutorSettings], Executor]
