"""Password-protected Word, Excel and PowerPoint 2007+ files.

Such a file is not a zip but an OLE file holding an ``EncryptedPackage``
stream, sniffed as ``application/encrypted``. :class:`EncryptedOfficeExtractor`
decrypts it with msoffcrypto-tool when one of ``context.passwords`` (or
Excel's well-known default password) opens it, and hands the decrypted
package to the extractor for its type, which the registry chose for it
(``context.extractor_for``: an extractor never calls back into the registry).
It is an extractor, so it lives with the documents it reads; finding the
password and decrypting, which bound what a hostile file can cost, are
package-level helpers in :mod:`culpa.formats.support.ooxml_crypto`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import ClassVar

import msoffcrypto

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.ooxml_crypto import (
    OFFICECRYPTO_ERRORS,
    decrypt_package,
    describe_encryption,
    encryption_info,
)
from culpa.models import Extracted


@register
class EncryptedOfficeExtractor:
    """Password-protected Word, Excel and PowerPoint 2007+ files.

    Every candidate password (Excel's default first, then ``--password``) is
    tried; the first that opens the file decrypts it into the work folder, and
    the extractor for the decrypted package's type reads it. The decrypted
    copy is deleted afterwards; passwords are never recorded.
    """

    type: ClassVar[str] = "office"
    mime_types: ClassVar[tuple[str, ...]] = ("application/encrypted",)
    extensions: ClassVar[tuple[str, ...]] = (".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Decrypt with a known password and extract, else raise ``encrypted``."""
        encryption_info(path)
        with path.open("rb") as stream:
            try:
                office_file = msoffcrypto.OfficeFile(stream)
            except OFFICECRYPTO_ERRORS as exc:
                raise ExtractionError(
                    ErrorKind.ENCRYPTED,
                    f"password-protected Office file in a form that cannot be opened: {exc}",
                ) from exc
            scheme, rounds_per_try = describe_encryption(office_file)
            decrypted, default_password = decrypt_package(
                office_file, scheme, rounds_per_try, context
            )
        try:
            return self._extract_decrypted(decrypted, scheme, default_password, context)
        finally:
            decrypted.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                decrypted.parent.rmdir()

    def _extract_decrypted(
        self, decrypted: Path, scheme: str, default_password: bool, context: ExtractContext
    ) -> Extracted:
        # Imported here: importing sniff first would register the text extractors
        # ahead of the OOXML ones, and registration order breaks ties in the auction.
        from culpa.formats.sniff import detect_mime

        mime = detect_mime(decrypted)
        choose = context.extractor_for
        extractor = choose(mime, context.name) if choose is not None else None
        if extractor is None or isinstance(extractor, EncryptedOfficeExtractor):
            raise ExtractionError(
                ErrorKind.UNSUPPORTED,
                f"password-protected Office file decrypts to {mime}, which nothing reads",
            )
        inner = extractor.extract(decrypted, context)
        how = "Excel's default password" if default_password else "a password given"
        metadata = {
            **inner.metadata,
            "encryption": f"{scheme}; opened with {how}",
            "decrypted_type": extractor.type,
        }
        return Extracted(
            pages=inner.pages, metadata=metadata, children=inner.children, tables=inner.tables
        )
