"""The executor seam: an executor registered from outside reads a trove as the local one does.

And the local executor runs any stage's tasks, not only files, each held to its own limits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from culpa.errors import UsageError
from culpa.ingest.executors import registry
from culpa.ingest.executors.base import (
    Event,
    ExecutorSettings,
    Failure,
    FileLimits,
    Finished,
    Lost,
    Output,
    Stage,
    Task,
)
from culpa.ingest.executors.local import LocalExecutor
from culpa.ingest.runner import IngestOptions, ingest
from culpa.ingest.stages import drive
from culpa.store.case import Case, init_case
from tests.ingest.toy_executor import ToyExecutor
from tests.ingest.toy_stage import COUNT, CountStage
from tests.ingest.trove import assert_same_case, make_trove

OPTIONS = IngestOptions(workers=2, ocr=False)


@pytest.fixture
def toys() -> Iterator[list[ToyExecutor]]:
    """Registers ``toy`` and ``toy-remote`` (no case database); yields the executors made."""
    made: list[ToyExecutor] = []

    def toy(stages: Sequence[Stage], settings: ExecutorSettings) -> ToyExecutor:
        made.append(ToyExecutor(stages, settings))
        return made[-1]

    def remote(stages: Sequence[Stage], settings: ExecutorSettings) -> ToyExecutor:
        made.append(ToyExecutor(stages, settings, without_case_db=True))
        return made[-1]

    registry.register("toy", toy)
    registry.register("toy-remote", remote)
    yield made
    registry.unregister("toy")
    registry.unregister("toy-remote")


@pytest.mark.parametrize("name", ["toy", "toy-remote"])
def test_a_registered_executor_gives_the_case_the_local_executor_gives(
    tmp_path: Path, toys: list[ToyExecutor], name: str
) -> None:
    trove = make_trove(tmp_path)
    local, toy = init_case(tmp_path / "local"), init_case(tmp_path / "toy")
    expected = ingest(local, [trove], OPTIONS)
    got = ingest(toy, [trove], replace(OPTIONS, executor=name))
    assert len(toys) == 1 and "trove/leak.zip!/inner.zip!/deep/inner.txt" in toys[0].read
    # Which copy of twin bytes counts as the duplicate depends on timing; these do not.
    counts = ("files_seen", "documents_added", "pages_added", "errors")
    assert {key: got.as_dict()[key] for key in counts} == {
        key: expected.as_dict()[key] for key in counts
    }
    assert_same_case(toy, local)
    # A second run through it finds everything done.
    again = ingest(toy, [trove], replace(OPTIONS, executor=name))
    assert again.files_unchanged == again.files_seen and again.documents_added == 0
    assert_same_case(toy, local)


def test_an_unknown_executor_is_refused_before_any_file_is_read(case: Case, tmp_path: Path) -> None:
    trove = make_trove(tmp_path, text_files=2)
    with pytest.raises(UsageError, match="no executor called 'cluster' \\(known: local"):
        ingest(case, [trove], replace(OPTIONS, executor="cluster"))
    assert registry.names()[0] == "local"


def test_the_local_executor_runs_any_stage_with_limits_per_task() -> None:
    """Parts of a result come in order before it; a task's own timeout stops only that task."""
    settings = ExecutorSettings(2, FileLimits(timeout=60.0))
    todo = [
        Task(COUNT, 3),
        Task(COUNT, -1, FileLimits(timeout=1.0)),
        Task(COUNT, 0),
        Task(COUNT, 2),
    ]
    events: list[Event] = []
    started = time.monotonic()
    drive(
        lambda: LocalExecutor([CountStage(factor=7)], settings),
        lambda: todo.pop(0) if todo else None,
        events.append,
        limit=4,
    )
    assert time.monotonic() - started < 30  # nothing waited for the hour-long sleep
    results = {e.task.payload: e.result for e in events if isinstance(e, Finished)}
    assert results == {3: 21, 0: 0, 2: 14}
    for n in (3, 2):
        parts = [e.value for e in events if isinstance(e, Output) and e.task.payload == n]
        finished = next(
            i for i, e in enumerate(events) if isinstance(e, Finished) and e.task.payload == n
        )
        assert parts == list(range(1, n + 1))
        assert all(
            i < finished
            for i, e in enumerate(events)
            if isinstance(e, Output) and e.task.payload == n
        )
    lost = [(e.task.payload, e.failure) for e in events if isinstance(e, Lost)]
    assert lost == [(-1, Failure.TIMED_OUT)]
    # Said in words that fit any stage's task: no file, no option of culpa ingest.
    assert [e.detail for e in events if isinstance(e, Lost)] == ["no progress for 1 s: stopped"]
