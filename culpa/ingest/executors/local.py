"""The local executor: worker processes on this machine that can be stopped one at a time.

A leak holds files that make a parser hang or balloon. ``concurrent.futures``
can only stop its whole pool, and cannot say which file a worker is on, so
culpa runs its own: each worker has a pipe, takes files in order and sends a
result per file, plus a heartbeat while a long file makes progress (a page
extracted, an archive member written). The parent knows which file each
worker is on, so it can

* stop a worker whose file made no progress for ``FileLimits.timeout``
  seconds (the file is recorded as ``timeout``),
* stop a worker whose memory passes ``FileLimits.memory_bytes`` (``too_large``),
* notice a worker that died (a crash in a C library) and tell the caller,

and start a fresh worker for the files that were queued behind it. Workers
also tell how many pages they have to OCR and have OCR'd (a ``(known, done)``
message), so the progress bar can count pages while a long scan is read.
Workers
come from a fork server that has already imported the extractors, so a new
one starts in milliseconds. Each pool starts a fork server of its own and stops
it when it closes, so that the server, its workers and their tools use the temp
folder of the run's case (see :mod:`culpa.ingest.temp_root`).

This is the executor an ingest runs on by default (``local`` in
:mod:`culpa.ingest.executors.registry`); :mod:`culpa.ingest.executors.base`
gives the contract it keeps.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing import forkserver, util
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from culpa.ingest.executors.base import (
    COLLECT_SECONDS,
    Event,
    ExecutorSettings,
    Failure,
    FileLimits,
    Finished,
    Lost,
    Pages,
)
from culpa.ingest.network_guard import forbid_network
from culpa.ingest.worker import WorkerConfig, WorkItem, init_worker, process

#: Seconds between two heartbeats a busy worker sends (less for short timeouts).
HEARTBEAT_SECONDS = 1.0
#: Share of a stall spent waiting for a CPU past which a timeout is blamed on the load of
#: the machine (``environment``, read again by the next run), not on the file: a parser
#: loop burns CPU, a hang sleeps, and neither waits in the run queue.
STARVED_SHARE = 0.5
#: How often (seconds) the parent checks memory and progress when nothing arrives.
CHECK_SECONDS = COLLECT_SECONDS
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    #: Files sent to this worker, oldest first; the first is the one being read.
    queue: deque[WorkItem] = field(default_factory=deque)
    #: When the first file in the queue last showed progress (monotonic seconds).
    progress_at: float = 0.0
    #: The worker's time spent waiting for a CPU (ns, /proc schedstat) at that moment.
    waited_at: int = 0
    #: Pages to OCR announced, and OCR'd, for the file being read (see Pages).
    file_pages_known: int = 0
    file_pages_done: int = 0


def serve(conn: Connection, config: WorkerConfig, ocr_slots: Any, heartbeat_seconds: float) -> None:
    """A worker's main loop: read files from the pipe until it closes."""
    forbid_network(config.network_log)
    init_worker(ocr_slots)
    for module in config.extractor_modules:
        importlib.import_module(module)
    lock = threading.Lock()  # OCR threads may send heartbeats too
    last_beat = 0.0

    def heartbeat() -> None:
        nonlocal last_beat
        now = time.monotonic()
        if now - last_beat >= heartbeat_seconds:
            last_beat = now
            with lock, contextlib.suppress(OSError):
                conn.send(None)

    def pages(known: int, done: int) -> None:
        with lock, contextlib.suppress(OSError):
            conn.send((known, done))

    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        result = process(item, config, heartbeat, pages)
        with lock:
            try:
                conn.send(result)
            except (OSError, ValueError):
                return  # the parent is gone


class LocalExecutor:
    """``settings.workers`` processes fed through pipes; see the module docstring."""

    def __init__(self, config: WorkerConfig, settings: ExecutorSettings) -> None:
        self.config = config
        self.limits: FileLimits = settings.limits
        workers = max(1, settings.workers)
        # A fork server left from an earlier pool of this process keeps the temp
        # folder it started with, that of another case or run.
        stop_fork_server()
        self.context = multiprocessing.get_context("forkserver")
        # The fork server imports the extractors (PyMuPDF, OpenCC, ...) once, not in
        # every worker nor again for a worker started after one was stopped.
        self.context.set_forkserver_preload(["culpa.ingest.worker", *settings.preload])
        self.slots = self.context.BoundedSemaphore(workers)
        self.checked_at = 0.0
        # Several heartbeats fit in a timeout, so a busy machine cannot fake a hang.
        self.heartbeat_seconds = min(HEARTBEAT_SECONDS, self.limits.timeout / 5)
        self.workers = [self._start() for _ in range(workers)]
        #: Pages to OCR that workers announced, and those OCR'd, over the whole run.
        self.pages_known = 0
        self.pages_done = 0
        #: The totals last handed out as a Pages event.
        self.pages_told = (0, 0)

    def _start(self) -> _Worker:
        parent_end, child_end = self.context.Pipe()
        worker = self.context.Process(
            target=serve,
            args=(child_end, self.config, self.slots, self.heartbeat_seconds),
            daemon=True,
        )
        worker.start()
        child_end.close()
        return _Worker(
            worker, parent_end, progress_at=time.monotonic(), waited_at=run_delay(worker.pid)
        )

    @property
    def in_flight(self) -> int:
        return sum(len(worker.queue) for worker in self.workers)

    def submit(self, item: WorkItem) -> None:
        """Queue ``item`` on the worker with the shortest queue."""
        worker = min(self.workers, key=lambda w: len(w.queue))
        if not worker.queue:
            worker.progress_at = time.monotonic()
            worker.waited_at = run_delay(worker.process.pid)
        worker.conn.send(item)
        worker.queue.append(item)

    def collect(self, timeout: float = CHECK_SECONDS) -> list[Event]:
        """Results within ``timeout`` seconds, files whose worker was lost, new page counts."""
        waitables: list[Any] = []
        for worker in self.workers:
            waitables += [worker.conn, worker.process.sentinel]
        wait(waitables, timeout)
        outcomes: list[Event] = []
        orphans: list[WorkItem] = []
        now = time.monotonic()
        # Progress and memory are checked a few times a second, not per result.
        processes = None
        if now - self.checked_at >= CHECK_SECONDS:
            self.checked_at = now
            processes = _children_map()
        for index, worker in enumerate(self.workers):
            lost = self._drain(worker, outcomes, now)
            if lost is None and processes is not None:
                lost = self._check_limits(worker, now, processes)
            if lost is not None:
                failure, detail = lost
                # The lost file's unread pages will never be read (or are announced anew).
                self.pages_known -= worker.file_pages_known - worker.file_pages_done
                if worker.queue:
                    outcomes.append(Lost(worker.queue.popleft(), failure, detail))
                orphans.extend(worker.queue)
                self._stop(worker)
                self.workers[index] = self._start()
        for item in orphans:  # files queued behind a lost one start again elsewhere
            self.submit(item)
        if (self.pages_known, self.pages_done) != self.pages_told:
            self.pages_told = (self.pages_known, self.pages_done)
            outcomes.append(Pages(self.pages_known, self.pages_done))
        return outcomes

    def _drain(
        self, worker: _Worker, outcomes: list[Event], now: float
    ) -> tuple[Failure, str] | None:
        """Read what the worker sent; a failure if it has died."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                worker.progress_at = now
                worker.waited_at = run_delay(worker.process.pid)
                if message is None:
                    continue  # a heartbeat
                if isinstance(message, tuple):  # pages to OCR found, or OCR'd
                    known, done = message
                    worker.file_pages_known += known
                    worker.file_pages_done += done
                    self.pages_known += known
                    self.pages_done += done
                    continue
                item = worker.queue.popleft()
                worker.file_pages_known = worker.file_pages_done = 0
                outcomes.append(Finished(item, message))
        except (EOFError, OSError):
            pass  # died mid-message; handled below
        if worker.process.is_alive():
            return None
        code = worker.process.exitcode
        reason = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        return Failure.CRASHED, f"the extraction process died ({reason}) while reading this file"

    def _check_limits(
        self, worker: _Worker, now: float, processes: dict[int, list[int]]
    ) -> tuple[Failure, str] | None:
        if not worker.queue or worker.process.pid is None:
            return None
        rss = tree_rss(worker.process.pid, processes)
        if rss > self.limits.memory_bytes:
            return (
                Failure.TOO_LARGE,
                f"reading it took {rss / 2**20:.0f} MiB of memory, over the "
                f"{self.limits.memory_bytes / 2**20:.0f} MiB limit (--memory-limit): stopped",
            )
        stalled = now - worker.progress_at
        if stalled > self.limits.timeout:
            waited = (run_delay(worker.process.pid) - worker.waited_at) / 1e9
            if waited > STARVED_SHARE * stalled:
                return (
                    Failure.STARVED,
                    f"no progress for {stalled:.0f} s while the machine was overloaded (the "
                    f"worker waited {waited:.0f} s of them for a CPU): stopped, and read "
                    "again by the next run",
                )
            return (
                Failure.TIMED_OUT,
                f"no progress for {self.limits.timeout:.0f} s: stopped "
                "(a parser hang or a very slow file; raise --file-timeout to allow more)",
            )
        return None

    def _stop(self, worker: _Worker) -> None:
        if worker.process.pid is not None:
            kill_tree(worker.process.pid)
        worker.process.join(timeout=10)
        worker.conn.close()

    def close(self) -> None:
        """Stop every worker: politely if idle, by force if busy."""
        for worker in self.workers:
            if worker.queue:
                self._stop(worker)
                continue
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive() and worker.process.pid is not None:
                kill_tree(worker.process.pid)
                worker.process.join(timeout=10)
            worker.conn.close()
        stop_fork_server()


def stop_fork_server() -> None:
    """Stop this process's fork server, if any, and remove its ``pymp-*`` folder (issue 10).

    ``multiprocessing`` keeps one fork server per process for the life of the
    process, with its socket in a ``pymp-*`` folder made in the temp folder of
    the moment, and the server and every worker it forks keep the ``TMPDIR`` it
    started with. A pool must use the temp root of its run's case, which the
    next run of that case empties, so each pool has a fork server of its own.
    This reaches into multiprocessing's private state (as of Python 3.11);
    where that is missing, the server lives on for the life of the process,
    which is still right for one run per process (the CLI).
    """
    server: Any = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if isinstance(pid, int):
        # Its workers are stopped; it would stop by itself only once every process
        # holding its "alive" pipe had (a worker stuck in the kernel must not hang us).
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            server._stop()  # reaps it and unlinks its socket
    config: Any = getattr(multiprocessing.current_process(), "_config", {})
    folder = config.get("tempdir")
    if folder is None:
        return
    # Run the finalizer multiprocessing registered for the folder (it removes it and
    # forgets it), so that it does not fail at exit on a folder already gone.
    remove = getattr(util, "_remove_temp_dir", None)
    for finalizer in list(getattr(util, "_finalizer_registry", {}).values()):
        if getattr(finalizer, "_callback", None) is remove and folder in finalizer._args:
            with contextlib.suppress(OSError):
                finalizer()
    config["tempdir"] = None


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(pid: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """``pid`` and every process below it (converters run in their own sessions)."""
    if children is None:
        children = _children_map()
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, ()))
    return found


def run_delay(pid: int | None) -> int:
    """Nanoseconds process ``pid`` has spent runnable but waiting for a CPU (0 if unknown)."""
    if pid is None:
        return 0
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as schedstat:
            return int(schedstat.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int, children: dict[int, list[int]] | None = None) -> int:
    """Resident bytes of ``pid`` and every process below it."""
    return sum(_rss(p) for p in descendants(pid, children))


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its descendants (children first listed, then killed together)."""
    for target in reversed(descendants(pid)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(target, signal.SIGKILL)
