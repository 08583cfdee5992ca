"""Shared fixtures: real case folders in temporary directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from culpa.store.case import Case, init_case

#: The shared real-world corpus beside the repository, when present.
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return init_case(tmp_path / "case")


@pytest.fixture(autouse=True)
def _quiet_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests from writing into the real home folder (caches, telemetry ids)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CULPA_CASE", raising=False)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
