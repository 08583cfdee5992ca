"""Errors, their stable kinds, and the process exit codes.

A bad file is normal in a leak: extractors raise :class:`ExtractionError` with
a stable :class:`ErrorKind`, the ingest records it against the file's
provenance path and the batch goes on. Errors that stop a command carry the
exit code the CLI returns. ``docs/errors.md`` lists every kind.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """What a culpa command tells a script through its exit status."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    FILE_ERRORS = 3


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


class ExtractionError(CulpaError):
    """One file could not be (fully) read; recorded, and the batch goes on."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[ErrorKind, str]]:
        # Keep kind and message when the error is pickled out of a worker.
        return (type(self), (self.kind, self.message))
