"""Errors, their stable kinds, and the process exit codes.

A bad file is normal in a leak: extractors raise :class:`ExtractionError` with
a stable :class:`ErrorKind`, the ingest records it against the file's
provenance path and the batch goes on. Errors that stop a command carry the
exit code the CLI returns. ``docs/errors.md`` lists every kind.
"""

from __future__ import annotations

import errno
from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """What a culpa command tells a script through its exit status."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    FILE_ERRORS = 3
    #: The disk holding the case is full, over quota, read-only or failing (issue 10).
    STORAGE = 4
    #: `culpa verify` found the case not intact: a blob missing or damaged, an orphan,
    #: or damage in case.db or its search index (issue 10).
    NOT_INTACT = 5


class ErrorKind(StrEnum):
    """Stable code stored in the case for every file that failed."""

    ENCRYPTED = "encrypted"  # password-protected; nothing readable without it
    CORRUPT = "corrupt"  # truncated or structurally invalid
    UNSUPPORTED = "unsupported"  # no extractor claims this content type
    EMPTY = "empty"  # 0-byte file
    LIMIT_EXCEEDED = "limit_exceeded"  # archive size/ratio/depth/member limits
    TIMEOUT = "timeout"  # extraction ran past its time limit
    TOO_LARGE = "too_large"  # file or worker memory over its limit
    OCR_FAILED = "ocr_failed"  # the OCR engine failed on a page
    UNREADABLE = "unreadable"  # the file could not be read from disk
    UNSAFE = "unsafe"  # hostile structure refused (e.g. XML entity expansion)
    #: The machine failed, not the file (disk full, out of memory, worker killed from
    #: outside): read again by a plain re-run, unlike every kind above (issue 10).
    ENVIRONMENT = "environment"
    OCR_BUDGET = "ocr_budget"  # OCR stopped at the document's budget; the rest is unread
    INTERNAL = "internal"  # a bug in culpa: please report it


class CulpaError(Exception):
    """Base of culpa's errors; ``exit_code`` is what the CLI exits with."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(CulpaError):
    """The command was called wrongly (bad case folder, bad query, ...)."""

    exit_code = ExitCode.USAGE


class CaseError(UsageError):
    """The case folder is missing, not a case, or from a newer culpa."""


class CaseDamagedError(CaseError):
    """``case.db`` is truncated, overwritten or otherwise not a readable database."""


class QueryError(UsageError):
    """The search query could not be parsed."""


class StorageError(CulpaError):
    """The disk holding the case refused a write: full, over quota, read-only or failing.

    Nothing half-written is committed; the same command run again once the disk
    is fixed finishes the job (files that failed for it are recorded as
    ``environment`` and read again).
    """

    exit_code = ExitCode.STORAGE


#: errno values that mean the disk under the case, not the file being read, failed.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
#: SQLite's primary result codes for the same faults: SQLITE_READONLY, SQLITE_IOERR,
#: SQLITE_FULL ("database or disk is full").
_SQLITE_STORAGE_CODES = {8: errno.EROFS, 10: errno.EIO, 13: errno.ENOSPC}


def storage_errno(exc: BaseException | None) -> int | None:
    """The storage errno (ENOSPC, EDQUOT, EROFS, EIO) behind ``exc`` or what it was raised from."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            return exc.errno
        # sqlite3 errors carry SQLite's code instead (primary code in the low byte).
        code = _SQLITE_STORAGE_CODES.get((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF)
        if code is not None:
            return code
        exc = exc.__cause__ or exc.__context__
    return None


def storage_message(code: int) -> str:
    """What to tell the user when the disk holding the case failed with ``code``."""
    if code == errno.EROFS:
        return (
            "the disk holding the case is read-only: make it writable "
            "and run the same command again"
        )
    if code == errno.EIO:
        return (
            "the disk holding the case gave an I/O error: check the disk (dmesg), "
            "then run the same command again"
        )
    if code == errno.EDQUOT:
        return (
            "the disk quota of the case folder is used up: free space "
            "and run the same command again"
        )
    return "the disk holding the case is full: free space and run the same command again"


def is_storage_message(message: str) -> bool:
    """Whether a recorded error message says the disk holding the case failed."""
    return message.startswith(_STORAGE_MESSAGES)


_STORAGE_MESSAGES = tuple(storage_message(code) for code in sorted(STORAGE_ERRNOS))


class ExtractionError(CulpaError):
    """One file could not be (fully) read; recorded, and the batch goes on."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[ErrorKind, str]]:
        # Keep kind and message when the error is pickled out of a worker.
        return (type(self), (self.kind, self.message))
