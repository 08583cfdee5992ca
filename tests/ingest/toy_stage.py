"""A toy stage for the executor seam's tests: any work, not only files, runs on an executor.

A module of its own, so that the local executor's workers import it by name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from culpa.ingest.executors.base import Report

#: The stage's name, as its tasks give it.
COUNT = "count"


@dataclass(frozen=True, slots=True)
class CountStage:
    """For ``n``: emits 1 .. n, then returns ``n * factor``; hangs on a negative ``n``."""

    factor: int = 10
    name: str = COUNT

    def start(self, ocr_slots: Any) -> None:
        """Nothing to prepare."""

    def run(self, payload: int, report: Report) -> int:
        if payload < 0:
            time.sleep(3600)
        for number in range(1, payload + 1):
            report.emit(number)
        return payload * self.factor
