"""The local executor: worker processes on this machine that can be stopped one at a time.

A leak holds files that make a parser hang or balloon (and an analyzer can
hang on a document as well). ``concurrent.futures`` can only stop its whole
pool, and cannot say which task a worker is on, so culpa runs its own: each
worker has a pipe, takes tasks in order and sends a result per task, plus a
heartbeat while a long task makes progress (a page extracted, an archive
member written, a page OCR'd). The parent knows which task each worker is
on, so it can

* stop a worker whose task made no progress for ``FileLimits.timeout``
  seconds (a file is recorded as ``timeout``),
* stop a worker whose memory passes ``FileLimits.memory_bytes`` (``too_large``),
* notice a worker that died (a crash in a C library) and tell the caller,

and start a fresh worker for the tasks that were queued behind it. Workers
also tell how many pages they have to OCR and have OCR'd (a ``(known, done)``
message), so the progress bar can count pages while a long scan is read, and
hand back parts of a result as they come (``culpa ocr`` commits each page as
it is read). Workers come from a fork server that has already imported the
stages and the extractors, so a new one starts in milliseconds. Each pool
starts a fork server of its own and stops it when it closes, so that the
server, its workers and their tools use the temp folder of the run's case
(see :mod:`culpa.ingest.temp_root`).

This is the executor every stage runs on by default (``local`` in
:mod:`culpa.ingest.executors.registry`); :mod:`culpa.ingest.executors.base`
gives the contract it keeps.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing import forkserver, util
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from culpa.ingest.executors.base import (
    COLLECT_SECONDS,
    Event,
    ExecutorSettings,
    Failure,
    FileLimits,
    Finished,
    Lost,
    Output,
    Pages,
    Stage,
    Task,
)
from culpa.ingest.network_guard import forbid_network

#: Seconds between two heartbeats a busy worker sends (less for short timeouts).
HEARTBEAT_SECONDS = 1.0
#: Share of a stall spent waiting for a CPU past which a timeout is blamed on the load of
#: the machine (``environment``, read again by the next run), not on the file: a parser
#: loop burns CPU, a hang sleeps, and neither waits in the run queue.
STARVED_SHARE = 0.5
#: How often (seconds) the parent checks memory and progress when nothing arrives.
CHECK_SECONDS = COLLECT_SECONDS
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
#: What a worker sends besides heartbeats (None): (_PAGES, known, done), (_OUTPUT,
#: value) and, once per task, (_RESULT, value).
_PAGES, _OUTPUT, _RESULT = 0, 1, 2


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    #: Tasks sent to this worker, oldest first; the first is the one running.
    queue: deque[Task] = field(default_factory=deque)
    #: When the first task in the queue last showed progress (monotonic seconds).
    progress_at: float = 0.0
    #: The worker's time spent waiting for a CPU (ns, /proc schedstat) at that moment.
    waited_at: int = 0
    #: Pages to OCR announced, and OCR'd, for the task running (see Pages).
    task_pages_known: int = 0
    task_pages_done: int = 0


def heartbeat_seconds(limits: FileLimits) -> float:
    """How often a busy worker tells it is alive: several times per timeout, so that a busy
    machine cannot fake a hang."""
    return min(HEARTBEAT_SECONDS, limits.timeout / 5)


class _Channel:
    """A worker's end of its pipe: what a running task tells the parent (from any thread)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()  # OCR threads may send heartbeats too
        self.every = HEARTBEAT_SECONDS
        self.last_beat = 0.0

    def heartbeat(self) -> None:
        now = time.monotonic()
        if now - self.last_beat >= self.every:
            self.last_beat = now
            self._send(None)

    def pages(self, known: int, done: int) -> None:
        self._send((_PAGES, known, done))

    def emit(self, value: Any) -> None:
        self._send((_OUTPUT, value))

    def _send(self, message: Any) -> None:
        with self.lock, contextlib.suppress(OSError):
            self.conn.send(message)

    def result(self, value: Any) -> bool:
        """Send a task's result; False once the parent is gone."""
        with self.lock:
            try:
                self.conn.send((_RESULT, value))
            except (OSError, ValueError):
                return False
        return True


def serve(
    conn: Connection,
    stages: Sequence[Stage],
    ocr_slots: Any,
    limits: FileLimits,
    network_log: Path | None,
) -> None:
    """A worker's main loop: run tasks from the pipe until it closes."""
    forbid_network(network_log)
    by_name = {stage.name: stage for stage in stages}
    for stage in stages:
        stage.start(ocr_slots)
    channel = _Channel(conn)
    while True:
        try:
            task: Task | None = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        channel.every = heartbeat_seconds(task.limits or limits)
        if not channel.result(by_name[task.stage].run(task.payload, channel)):
            return  # the parent is gone


class LocalExecutor:
    """``settings.workers`` processes fed through pipes; see the module docstring."""

    def __init__(self, stages: Sequence[Stage], settings: ExecutorSettings) -> None:
        self.stages = tuple(stages)
        self.settings = settings
        self.limits: FileLimits = settings.limits
        workers = max(1, settings.workers)
        # A fork server left from an earlier pool of this process keeps the temp
        # folder it started with, that of another case or run.
        stop_fork_server()
        self.context = multiprocessing.get_context("forkserver")
        # The fork server imports the stages and the extractors (PyMuPDF, OpenCC, ...)
        # once, not in every worker nor again for a worker started after one was stopped.
        modules = dict.fromkeys(type(stage).__module__ for stage in self.stages)
        self.context.set_forkserver_preload([*modules, *settings.preload])
        self.slots = self.context.BoundedSemaphore(workers)
        self.checked_at = 0.0
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
            args=(child_end, self.stages, self.slots, self.limits, self.settings.network_log),
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

    def submit(self, task: Task) -> None:
        """Queue ``task`` on the worker with the shortest queue."""
        worker = min(self.workers, key=lambda w: len(w.queue))
        if not worker.queue:
            worker.progress_at = time.monotonic()
            worker.waited_at = run_delay(worker.process.pid)
        worker.conn.send(task)
        worker.queue.append(task)

    def collect(self, timeout: float = CHECK_SECONDS) -> list[Event]:
        """Results within ``timeout`` seconds, tasks whose worker was lost, new page counts."""
        waitables: list[Any] = []
        for worker in self.workers:
            waitables += [worker.conn, worker.process.sentinel]
        wait(waitables, timeout)
        outcomes: list[Event] = []
        orphans: list[Task] = []
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
                # The lost task's unread pages will never be read (or are announced anew).
                self.pages_known -= worker.task_pages_known - worker.task_pages_done
                if worker.queue:
                    outcomes.append(Lost(worker.queue.popleft(), failure, detail))
                orphans.extend(worker.queue)
                self._stop(worker)
                self.workers[index] = self._start()
        for task in orphans:  # tasks queued behind a lost one start again elsewhere
            self.submit(task)
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
                if message[0] == _PAGES:  # pages to OCR found, or OCR'd
                    _tag, known, done = message
                    worker.task_pages_known += known
                    worker.task_pages_done += done
                    self.pages_known += known
                    self.pages_done += done
                elif message[0] == _OUTPUT:
                    outcomes.append(Output(worker.queue[0], message[1]))
                else:
                    task = worker.queue.popleft()
                    worker.task_pages_known = worker.task_pages_done = 0
                    outcomes.append(Finished(task, message[1]))
        except (EOFError, OSError):
            pass  # died mid-message; handled below
        if worker.process.is_alive():
            return None
        code = worker.process.exitcode
        reason = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        return Failure.CRASHED, f"the worker process died ({reason})"

    def _check_limits(
        self, worker: _Worker, now: float, processes: dict[int, list[int]]
    ) -> tuple[Failure, str] | None:
        if not worker.queue or worker.process.pid is None:
            return None
        limits = worker.queue[0].limits or self.limits
        rss = tree_rss(worker.process.pid, processes)
        if rss > limits.memory_bytes:
            return (
                Failure.TOO_LARGE,
                f"its worker took {rss / 2**20:.0f} MiB of memory, over the "
                f"{limits.memory_bytes / 2**20:.0f} MiB limit: stopped",
            )
        stalled = now - worker.progress_at
        if stalled > limits.timeout:
            waited = (run_delay(worker.process.pid) - worker.waited_at) / 1e9
            if waited > STARVED_SHARE * stalled:
                return (
                    Failure.STARVED,
                    f"no progress for {stalled:.0f} s while the machine was overloaded (the "
                    f"worker waited {waited:.0f} s of them for a CPU): stopped",
                )
            return Failure.TIMED_OUT, f"no progress for {limits.timeout:.0f} s: stopped"
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
