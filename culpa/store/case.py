"""A case on disk: a folder holding ``case.db`` beside ``blobs/`` and ``tmp/``.

This module knows the folder (its paths, the originals in ``blobs/`` by
SHA-256, the temporary files an ingest unpacks) and which store reads the
database: :meth:`Case.store` builds it, and :func:`init_case` and
:func:`open_case` have it make or check and upgrade the database. The
database itself is the store's: SQLite's connection settings and its
numbered schema steps are in :mod:`culpa.store.sqlite` (docs/case-layout.md
describes the file). An ingest worker imports this module for the paths and
never loads the store.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from culpa.errors import CaseError
from culpa.store.blobs import BlobStore

if TYPE_CHECKING:
    from culpa.store.sqlite import SqliteCaseStore

CASE_DB_NAME = "case.db"
BLOBS_DIR_NAME = "blobs"
TMP_DIR_NAME = "tmp"
#: Environment variable naming the case when ``--case`` is not given.
CASE_ENV = "CULPA_CASE"


def _say(message: str) -> None:
    print(f"culpa: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class Case:
    """Paths of one case folder."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / CASE_DB_NAME

    @property
    def blobs(self) -> BlobStore:
        return BlobStore(self.root / BLOBS_DIR_NAME)

    @property
    def tmp_dir(self) -> Path:
        return self.root / TMP_DIR_NAME

    def store(self) -> SqliteCaseStore:
        """The case's database behind the :class:`~culpa.store.api.CaseStore` interface."""
        # Imported here: every area's module loads with it, and an ingest worker,
        # which imports this module for the case's paths, never needs them.
        from culpa.store.sqlite import SqliteCaseStore

        return SqliteCaseStore.open(self.db_path)


def init_case(root: Path) -> Case:
    """Create a case folder (or leave an existing case as it is)."""
    root = root.resolve()
    if root.exists() and not root.is_dir():
        raise CaseError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / CASE_DB_NAME).is_file():
        raise CaseError(f"{root} is not empty and is not a culpa case; choose an empty folder")
    root.mkdir(parents=True, exist_ok=True)
    (root / BLOBS_DIR_NAME).mkdir(exist_ok=True)
    (root / TMP_DIR_NAME).mkdir(exist_ok=True)
    from culpa.store.sqlite.migrations import create

    create(root / CASE_DB_NAME, _say, _version())
    return Case(root)


def open_case(root: Path | str | None, notify: Callable[[str], None] | None = None) -> Case:
    """Find an existing case from ``--case`` or ``$CULPA_CASE``, upgraded to this culpa.

    A case made by an older culpa is upgraded in place (a backup copy first), one
    made by a newer culpa is refused; a read-only older case is opened as it is.
    ``notify`` gets the messages (default: stderr).
    """
    if root is None or root == "":
        root = os.environ.get(CASE_ENV)
    if not root:
        raise CaseError(f"no case given: pass --case DIR or set {CASE_ENV}")
    path = Path(root).resolve()
    if not (path / CASE_DB_NAME).is_file():
        raise CaseError(f"{path} is not a culpa case (no {CASE_DB_NAME}); run `culpa init {root}`")
    from culpa.store.sqlite.migrations import open_existing

    open_existing(path / CASE_DB_NAME, notify or _say)
    return Case(path)


def _version() -> str:
    from culpa import __version__

    return __version__
