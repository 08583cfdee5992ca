from __future__ import annotations

import io

import pytest

from culpa.cli.progress import PageRate, ProgressBar, describe_pages


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


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_page_rate_and_eta_follow_recent_pages() -> None:
    clock = _Clock()
    rate = PageRate(window=60.0, clock=clock)
    assert rate.rate() is None and rate.eta(10) is None
    for second, done in ((0, 0), (10, 5), (20, 10)):
        clock.now = second
        rate.add(done)
    assert rate.rate() == pytest.approx(0.5)
    assert rate.eta(131) == pytest.approx(262.0)
    # Much later the pace drops: only the last minute counts.
    for second, done in ((200, 20), (230, 23), (260, 26)):
        clock.now = second
        rate.add(done)
    assert rate.rate() == pytest.approx(0.1)


def test_describe_pages_says_pages_rate_eta_and_files() -> None:
    text = describe_pages(13, 14, 57, 141, 0.5, 168.0)
    assert text == "57/141 pages, 0.50 pages/s, ETA 2:48, 13/14 files"
    assert describe_pages(0, 1, 0, 3, None, None) == "0/3 pages, 0/1 files"


def test_bar_counts_pages_once_ocr_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with ProgressBar(enabled=True) as bar:
        bar.update(13, 14)
        bar.update(13, 14, 0, 141)  # a 141-page scan: the bar now counts its pages
        bar.update(13, 14, 57, 141)
    last = err.getvalue().replace("\r", "\n").splitlines()[-1]
    assert "| 57/141 pages" in last and "13/14 files" in last
    assert "40%" in last  # 57 of 141 pages, not 13 of 14 files
