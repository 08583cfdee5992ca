"""A progress bar on stderr when it is a terminal; silent otherwise.

It counts files, and pages while OCR runs: a 141-page scan takes minutes, and
a bar at "13 of 14 files" all that time tells a reporter nothing. Pages per
second and the time left come from the pages read in the last
:data:`RATE_WINDOW_SECONDS` (OCR speed varies from page to page and file to file).
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType

from tqdm import tqdm

#: Pages per second are measured over this many seconds of recent progress.
RATE_WINDOW_SECONDS = 60.0
#: The bar's layout while pages are counted (the text, in ``desc``, from describe_pages).
PAGE_BAR_FORMAT = "OCR {percentage:3.0f}%|{bar}| {desc}"


class PageRate:
    """Pages per second over a sliding window, and the time the remaining pages need."""

    def __init__(
        self,
        window: float = RATE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, done: int) -> None:
        """Record that ``done`` pages are done by now."""
        now = self.clock()
        if self._samples and self._samples[-1][1] == done:
            return
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
            self._samples.popleft()

    def rate(self) -> float | None:
        """Pages per second, or None before two different counts were seen."""
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        if t1 <= t0 or d1 <= d0:
            return None
        return (d1 - d0) / (t1 - t0)

    def eta(self, remaining: int) -> float | None:
        """Seconds the ``remaining`` pages should take at the current rate."""
        rate = self.rate()
        if rate is None or remaining < 0:
            return None
        return remaining / rate


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe_pages(
    files_done: int,
    files_total: int,
    pages_done: int,
    pages_known: int,
    rate: float | None,
    eta: float | None,
    unit: str = "files",
) -> str:
    """``57/141 pages, 0.82 pages/s, ETA 2:51, 13/14 files``."""
    parts = [f"{pages_done}/{pages_known} pages"]
    if rate is not None:
        parts.append(f"{rate:.2f} pages/s")
    if eta is not None:
        parts.append(f"ETA {_clock(eta)}")
    parts.append(f"{files_done}/{files_total} {unit}")
    return ", ".join(parts)


class ProgressBar:
    """Files done of files known; pages done of pages known once there are pages to OCR."""

    def __init__(self, *, enabled: bool, unit: str = "file") -> None:
        self.enabled = enabled
        self.unit = unit
        self.rate = PageRate()
        self._bar: tqdm[None] | None = None
        self._pages = False

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            self._bar = tqdm(
                total=None, unit=self.unit, file=sys.stderr, dynamic_ncols=True, mininterval=0.2
            )
        return self

    def update(self, done: int, total: int, pages_done: int = 0, pages_known: int = 0) -> None:
        """Files ``done`` of ``total`` (the total grows as containers are opened), and pages."""
        if self._bar is None:
            return
        if not pages_known:
            self._bar.total = total
            self._bar.update(done - self._bar.n)
            return
        if not self._pages:  # from now on the bar shows pages, the files go in the text
            self._pages = True
            self._bar.bar_format = PAGE_BAR_FORMAT
        self.rate.add(pages_done)
        text = describe_pages(
            done,
            total,
            pages_done,
            pages_known,
            self.rate.rate(),
            self.rate.eta(pages_known - pages_done),
            unit=f"{self.unit}s",
        )
        self._bar.total = pages_known
        self._bar.n = pages_done
        self._bar.set_description_str(text, refresh=False)
        self._bar.refresh()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
