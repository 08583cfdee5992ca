"""Check that a case is intact: every original still hashes to its name, the database
and its search index are sound, and every blob belongs to a document (issue 10).

Evidence is only evidence if it can be shown unchanged. :func:`verify_case` reads
every blob under ``blobs/`` whole (streamed, several at once: hashlib and file reads
release the GIL, so threads use every core), runs SQLite's ``PRAGMA integrity_check``
and FTS5's ``integrity-check`` on ``page_index``, and names each problem with the
documents (id and provenance paths) it affects. It changes nothing in the case.

It lives with the SQLite store because its database checks are SQLite's own: a
second backend brings its own ``culpa verify`` checks beside the blob hashing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from culpa.store.blobs import sha256_file
from culpa.store.case import Case
from culpa.store.sqlite.connection import connect_read_only

#: Problems listed per check of the database (SQLite stops at 100 by default too).
MAX_DATABASE_MESSAGES = 100
#: Provenance paths listed per affected document (the count says how many there are).
MAX_PATHS_PER_DOCUMENT = 20

_BLOB_NAME = re.compile(r"[0-9a-f]{64}")

#: Told (blobs hashed, blobs to hash, bytes hashed) as the check goes.
ProgressCallback = Callable[[int, int, int], None]


class ProblemKind(StrEnum):
    """What is wrong; stable names for ``--json``."""

    BLOB_MISSING = "blob_missing"  # a document's original is not in blobs/
    BLOB_DAMAGED = "blob_damaged"  # its bytes no longer hash to its SHA-256
    ORPHAN_BLOB = "orphan_blob"  # a file in blobs/ that no document refers to
    DATABASE = "database"  # PRAGMA integrity_check found damage in case.db
    INDEX = "index"  # the search index (page_index) is damaged or misses pages


@dataclass(frozen=True, slots=True)
class AffectedDocument:
    id: int
    paths: tuple[str, ...]
    #: How many provenance paths the document has (``paths`` lists the first ones).
    path_count: int

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "paths": list(self.paths), "path_count": self.path_count}


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    message: str
    sha256: str | None = None
    #: The file concerned, relative to the case folder (blobs only).
    path: str | None = None
    documents: tuple[AffectedDocument, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "message": self.message,
            "sha256": self.sha256,
            "path": self.path,
            "documents": [doc.as_dict() for doc in self.documents],
        }


@dataclass(slots=True)
class VerifyReport:
    documents: int = 0
    blobs_checked: int = 0
    bytes_hashed: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    #: Checks that could not run here (and why).
    not_checked: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "intact": self.intact,
            "documents": self.documents,
            "blobs_checked": self.blobs_checked,
            "bytes_hashed": self.bytes_hashed,
            "seconds": round(self.seconds, 2),
            "problems": [problem.as_dict() for problem in self.problems],
            "not_checked": self.not_checked,
        }


def verify_case(
    case: Case, *, workers: int | None = None, progress: ProgressCallback | None = None
) -> VerifyReport:
    """Check the whole case; never modifies it. Problems are in the report, not raised."""
    started = time.perf_counter()
    report = VerifyReport()
    try:
        conn = connect_read_only(case.db_path)
    except sqlite3.Error as exc:
        report.problems.append(Problem(ProblemKind.DATABASE, f"case.db cannot be opened: {exc}"))
        report.seconds = time.perf_counter() - started
        return report
    try:
        if _check_database(conn, report):
            _check_index(case, report)
            _check_blobs(case, conn, report, workers or os.cpu_count() or 1, progress)
    finally:
        conn.close()
    report.seconds = time.perf_counter() - started
    return report


def _check_database(conn: sqlite3.Connection, report: VerifyReport) -> bool:
    """``PRAGMA integrity_check``; False when the database cannot be read at all."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({MAX_DATABASE_MESSAGES})").fetchall()
        report.documents = int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error as exc:
        report.problems.append(Problem(ProblemKind.DATABASE, f"case.db cannot be read: {exc}"))
        return False
    for (message,) in rows:
        if message != "ok":
            report.problems.append(Problem(ProblemKind.DATABASE, f"case.db: {message}"))
    return True


def _check_index(case: Case, report: VerifyReport) -> None:
    """FTS5 ``integrity-check`` on page_index, and pages missing from it.

    The command is an INSERT for SQLite, so it runs on its own connection inside a
    transaction that is rolled back: nothing is written. A case this process cannot
    write (a read-only disk) cannot run it; that is said in ``report.not_checked``.
    """
    if not os.access(case.db_path, os.W_OK) or not os.access(case.root, os.W_OK):
        report.not_checked.append("FTS5 integrity-check (the case is read-only here)")
        conn = connect_read_only(case.db_path)
    else:
        conn = sqlite3.connect(case.db_path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("BEGIN")
            try:
                conn.execute("INSERT INTO page_index(page_index) VALUES ('integrity-check')")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "readonly" in str(exc):
                    report.not_checked.append(f"FTS5 integrity-check ({exc})")
                else:
                    report.problems.append(_index_damaged(exc))
            except sqlite3.Error as exc:
                report.problems.append(_index_damaged(exc))
            finally:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            conn.close()
            raise
    try:
        # A contentless FTS5 table keeps one row per indexed page in page_index_docsize.
        unindexed = conn.execute(
            "SELECT count(*), min(p.id) FROM pages p "
            "WHERE NOT EXISTS (SELECT 1 FROM page_index_docsize d WHERE d.id = p.id)"
        ).fetchone()
        if unindexed[0]:
            report.problems.append(
                Problem(
                    ProblemKind.INDEX,
                    f"{unindexed[0]} pages are not in the search index (first: page id "
                    f"{unindexed[1]}); search cannot find them",
                )
            )
    except sqlite3.Error as exc:
        report.problems.append(
            Problem(ProblemKind.INDEX, f"the search index cannot be read: {exc}")
        )
    finally:
        conn.close()


def _index_damaged(exc: sqlite3.Error) -> Problem:
    return Problem(ProblemKind.INDEX, f"the search index (page_index) is damaged: {exc}")


def _blob_files(root: Path) -> Iterator[Path]:
    """Every file under blobs/ (at any depth: a stray file is reported too)."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def _affected(conn: sqlite3.Connection, doc_id: int) -> AffectedDocument:
    paths = [
        str(row[0])
        for row in conn.execute(
            "SELECT path FROM provenance WHERE document_id = ? ORDER BY path LIMIT ?",
            (doc_id, MAX_PATHS_PER_DOCUMENT),
        )
    ]
    count = conn.execute(
        "SELECT count(*) FROM provenance WHERE document_id = ?", (doc_id,)
    ).fetchone()[0]
    return AffectedDocument(doc_id, tuple(paths), int(count))


def _check_blobs(
    case: Case,
    conn: sqlite3.Connection,
    report: VerifyReport,
    workers: int,
    progress: ProgressCallback | None,
) -> None:
    store = case.blobs
    expected = {
        str(sha): int(doc_id) for doc_id, sha in conn.execute("SELECT id, sha256 FROM documents")
    }
    on_disk: dict[str, Path] = {}
    for path in _blob_files(store.root) if store.root.is_dir() else iter(()):
        name = path.name
        relative = path.relative_to(case.root).as_posix()
        if _BLOB_NAME.fullmatch(name) and name in expected and path == store.path_for(name):
            on_disk[name] = path
        else:
            report.problems.append(
                Problem(
                    ProblemKind.ORPHAN_BLOB,
                    f"{relative} belongs to no document (left by an interrupted write, "
                    "or put there by hand); it is not evidence of this case",
                    sha256=name if _BLOB_NAME.fullmatch(name) else None,
                    path=relative,
                )
            )
    for sha, doc_id in sorted(expected.items(), key=lambda item: item[1]):
        if sha not in on_disk:
            report.problems.append(
                Problem(
                    ProblemKind.BLOB_MISSING,
                    f"the original of document {doc_id} is missing from blobs/; "
                    "ingest the same file again to restore it",
                    sha256=sha,
                    path=store.path_for(sha).relative_to(case.root).as_posix(),
                    documents=(_affected(conn, doc_id),),
                )
            )

    # Largest first, so the last file hashed is a small one and both cores finish together.
    todo = sorted(on_disk.items(), key=lambda item: -_size(item[1]))
    total = len(todo)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for sha, path, digest, size, error in pool.map(_hash_one, todo):
            done += 1
            report.blobs_checked += 1
            report.bytes_hashed += size
            if progress is not None:
                progress(done, total, report.bytes_hashed)
            if digest == sha:
                continue
            doc_id = expected[sha]
            found = f"cannot be read ({error})" if error else f"now hashes to {digest}"
            report.problems.append(
                Problem(
                    ProblemKind.BLOB_DAMAGED,
                    f"the original of document {doc_id} {found}, not to its SHA-256: it was "
                    "changed on disk; ingest the same file again to restore it",
                    sha256=sha,
                    path=path.relative_to(case.root).as_posix(),
                    documents=(_affected(conn, doc_id),),
                )
            )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _hash_one(item: tuple[str, Path]) -> tuple[str, Path, str | None, int, str | None]:
    sha, path = item
    try:
        digest, size = sha256_file(path)
    except OSError as exc:
        return sha, path, None, 0, exc.strerror or str(exc)
    return sha, path, digest, size, None
