"""A progress bar on stderr when it is a terminal; silent otherwise."""

from __future__ import annotations

import sys
from types import TracebackType

from tqdm import tqdm


class ProgressBar:
    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: tqdm[None] | None = None

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            self._bar = tqdm(
                total=None, unit="file", file=sys.stderr, dynamic_ncols=True, mininterval=0.2
            )
        return self

    def update(self, done: int, total: int) -> None:
        if self._bar is not None:
            # Containers add files as they are opened, so the total grows as we go.
            self._bar.total = total
            self._bar.update(done - self._bar.n)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
