"""Password-protected OOXML: finding the password and decrypting the package.

A Word, Excel or PowerPoint 2007+ file saved with a password is not a zip at
all but an OLE file holding an ``EncryptionInfo`` and an ``EncryptedPackage``
stream (ECMA-376 standard or agile encryption). msoffcrypto-tool decrypts it;
what is culpa's own is bounding what a hostile file can cost:

- the ``EncryptionInfo`` stream (agile encryption's XML, which msoffcrypto
  parses with minidom) is refused if it declares a DTD or entities;
- every candidate password (Excel's public default first, then those given)
  costs as many hash rounds as the file's spin count says, which a hostile
  file may set to 10 million: all tries on one file together spend at most
  :data:`MAX_KEY_DERIVATION_ROUNDS`, and culpa says how many were tried;
- msoffcrypto parses hostile binary structures and raises nearly anything on a
  malformed file (:data:`OFFICECRYPTO_ERRORS`): each is an ``encrypted`` or
  ``corrupt`` file, never a crash.

The decrypted package is written to the work folder; the extractor in
:mod:`culpa.formats.documents.encrypted_office` hands it to the extractor of
its type and deletes it. Passwords are never recorded.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

import msoffcrypto
import msoffcrypto.exceptions
import olefile

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext

#: Excel encrypts workbooks that are only write-protected with this public password.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"
#: Hash rounds spent deriving keys from passwords, over all tries on one file. Agile
#: encryption declares its own spin count (Office uses 100,000; up to 10 million is
#: allowed), and each round is a Python-level hash: this bounds the time a hostile
#: spin count or a long password list can cost (about 500 tries at Office's count).
MAX_KEY_DERIVATION_ROUNDS = 50_000_000
#: Spin count of ECMA-376 standard encryption (fixed by the specification).
_STANDARD_SPIN_COUNT = 50_000
#: Name of the decrypted package inside the work folder.
_DECRYPTED_NAME = "decrypted-package"
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<\x00!\x00D\x00O\x00C\x00", b"<\x00!\x00E\x00N\x00")
#: What msoffcrypto raises on a malformed file: it parses hostile binary structures
#: and fails with nearly anything (struct.error included).
OFFICECRYPTO_ERRORS: tuple[type[Exception], ...] = (
    msoffcrypto.exceptions.FileFormatError,
    msoffcrypto.exceptions.ParseError,
    msoffcrypto.exceptions.DecryptionError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    EOFError,
    struct.error,
    ExpatError,
)


def encryption_info(path: Path) -> bytes:
    """The EncryptionInfo stream (its agile XML is parsed by msoffcrypto with minidom)."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("EncryptionInfo") or not ole.exists("EncryptedPackage"):
                raise ExtractionError(
                    ErrorKind.ENCRYPTED,
                    "encrypted Office file in a form culpa cannot open "
                    "(no EncryptionInfo/EncryptedPackage streams)",
                )
            with ole.openstream("EncryptionInfo") as stream:
                data: bytes = stream.read()
    except (OSError, ValueError, IndexError, KeyError, TypeError, RecursionError) as exc:
        raise ExtractionError(
            ErrorKind.CORRUPT, f"unreadable encrypted Office file: {exc}"
        ) from exc
    if any(marker in data for marker in _DTD_MARKERS):
        raise ExtractionError(
            ErrorKind.UNSAFE,
            "encrypted Office file's EncryptionInfo declares a DTD: refused (XML entity attack)",
        )
    return data


def describe_encryption(office_file: Any) -> tuple[str, int]:
    """The encryption's name and the hash rounds one password try costs."""
    kind = str(getattr(office_file, "type", ""))
    info = getattr(office_file, "info", None)
    if kind == "agile" and isinstance(info, dict):
        return "ECMA-376 agile encryption", int(info.get("spinValue", 0)) + 1
    if kind == "standard":
        return "ECMA-376 standard encryption", _STANDARD_SPIN_COUNT + 1
    return f"{kind or 'unknown'} encryption", _STANDARD_SPIN_COUNT + 1


def _candidate_passwords(context: ExtractContext) -> tuple[str, ...]:
    return tuple(dict.fromkeys((EXCEL_DEFAULT_PASSWORD, *context.passwords)))


def decrypt_package(
    office_file: Any, scheme: str, rounds_per_try: int, context: ExtractContext
) -> tuple[Path, bool]:
    """Try the candidate passwords within the key-derivation budget; the decrypted
    package's path and whether Excel's default password opened it."""
    candidates = _candidate_passwords(context)
    budget = MAX_KEY_DERIVATION_ROUNDS
    tried = 0
    for password in candidates:
        if budget < rounds_per_try and tried:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"password-protected Office file ({scheme}); stopped after {tried} "
                f"passwords (its key derivation costs {rounds_per_try} rounds a try)",
            )
        budget -= rounds_per_try
        tried += 1
        try:
            office_file.load_key(password=password, verify_password=True)
        except msoffcrypto.exceptions.InvalidKeyError:
            continue
        except OFFICECRYPTO_ERRORS as exc:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"password-protected Office file ({scheme}) that cannot be opened: {exc}",
            ) from exc
        folder = context.workdir / "decrypted"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _DECRYPTED_NAME
        try:
            with target.open("wb") as out:
                office_file.decrypt(out)
        except msoffcrypto.exceptions.InvalidKeyError:
            target.unlink(missing_ok=True)
            continue
        except OFFICECRYPTO_ERRORS as exc:
            target.unlink(missing_ok=True)
            raise ExtractionError(
                ErrorKind.CORRUPT, f"encrypted Office file could not be decrypted: {exc}"
            ) from exc
        return target, password == EXCEL_DEFAULT_PASSWORD
    given = len(context.passwords)
    hint = (
        f"none of the {given} password(s) given opens it"
        if given
        else "give its password with --password or --password-file"
    )
    raise ExtractionError(ErrorKind.ENCRYPTED, f"password-protected Office file ({scheme}); {hint}")
