from __future__ import annotations

import io

import pytest

from culpa.cli.progress import ProgressBar


def test_bar_follows_a_growing_total(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with ProgressBar(enabled=True) as bar:
        bar.update(1, 2)
        bar.update(3, 5)  # a container added files on the way
    assert "3/5" in err.getvalue().replace("\r", "\n").splitlines()[-1]


def test_disabled_bar_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with ProgressBar(enabled=False) as bar:
        bar.update(1, 1)
    assert err.getvalue() == ""
