"""Password-protected OpenDocument packages (ODF 1.2 AES, and the older Blowfish).

Each encrypted part has its own salt and IV in ``META-INF/manifest.xml``. The
key is PBKDF2-HMAC-SHA1 over a digest of the password (SHA-256, or SHA-1 in
ODF 1.0/1.1); the part is AES-256-CBC (or Blowfish-CFB) ciphertext of raw
deflate data. The manifest also holds a digest of the first kilobyte of each
decrypted part, which tells a right password from a wrong one without
inflating anything.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from culpa.errors import ErrorKind, ExtractionError

_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_AES_CBC = ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes256-cbc")
_BLOWFISH = ("Blowfish CFB", "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#blowfish")
#: Iteration counts above this are refused (a hostile manifest could ask for billions).
MAX_ITERATIONS = 1_000_000


def _m(name: str) -> str:
    return f"{{{_MANIFEST_NS}}}{name}"


@dataclass(frozen=True, slots=True)
class PartEncryption:
    """How one part of the package was encrypted."""

    algorithm: str
    iv: bytes
    salt: bytes
    iterations: int
    key_size: int
    start_key_sha256: bool
    checksum: bytes
    checksum_sha256: bool
    size: int


def encrypted_parts(manifest: Any) -> dict[str, PartEncryption]:
    """The encrypted parts listed in a parsed manifest, by part name."""
    found: dict[str, PartEncryption] = {}
    for entry in manifest.iter(_m("file-entry")):
        data = entry.find(_m("encryption-data"))
        if data is None:
            continue
        algorithm = data.find(_m("algorithm"))
        derivation = data.find(_m("key-derivation"))
        start = data.find(_m("start-key-generation"))
        name = entry.get(_m("full-path"), "")
        if algorithm is None or derivation is None:  # encrypted, by a scheme not described
            found[name] = PartEncryption("", b"", b"", 0, 0, False, b"", False, 0)
            continue
        try:
            found[name] = PartEncryption(
                algorithm=algorithm.get(_m("algorithm-name"), ""),
                iv=base64.b64decode(algorithm.get(_m("initialisation-vector"), "")),
                salt=base64.b64decode(derivation.get(_m("salt"), "")),
                iterations=int(derivation.get(_m("iteration-count"), "1024")),
                key_size=int(derivation.get(_m("key-size"), "16")),
                start_key_sha256=start is not None
                and "sha256" in start.get(_m("start-key-generation-name"), ""),
                checksum=base64.b64decode(data.get(_m("checksum"), "")),
                checksum_sha256="sha256" in data.get(_m("checksum-type"), "").lower(),
                size=int(entry.get(_m("size"), "0")),
            )
        except (ValueError, TypeError) as exc:
            raise ExtractionError(
                ErrorKind.CORRUPT, f"ODF manifest has broken encryption data: {exc}"
            ) from exc
    return found


def _key(password: str, part: PartEncryption) -> bytes:
    if not 0 < part.iterations <= MAX_ITERATIONS:
        raise ExtractionError(
            ErrorKind.UNSAFE, f"ODF key derivation asks for {part.iterations} iterations"
        )
    digest = hashlib.sha256 if part.start_key_sha256 else hashlib.sha1
    start_key = digest(password.encode("utf-8")).digest()
    return hashlib.pbkdf2_hmac("sha1", start_key, part.salt, part.iterations, part.key_size)


def _decrypt(raw: bytes, part: PartEncryption, key: bytes) -> bytes:
    if part.algorithm in _AES_CBC:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(part.iv)).decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1] if plain else 0
        return plain[:-pad] if 0 < pad <= 16 else plain  # xmlenc: the last byte is the count
    if part.algorithm in _BLOWFISH:
        try:
            from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
        except ImportError as exc:  # older cryptography keeps it in the main module
            raise ExtractionError(
                ErrorKind.UNSUPPORTED, "Blowfish-encrypted ODF needs a newer cryptography"
            ) from exc
        decryptor = Cipher(Blowfish(key), modes.CFB(part.iv)).decryptor()
        return decryptor.update(raw) + decryptor.finalize()
    raise ExtractionError(ErrorKind.UNSUPPORTED, f"ODF encryption {part.algorithm!r} not known")


def _checks(decrypted: bytes, part: PartEncryption) -> bool:
    digest = hashlib.sha256 if part.checksum_sha256 else hashlib.sha1
    return digest(decrypted[:1024]).digest() == part.checksum


def find_password(passwords: Sequence[str], part: PartEncryption, raw: bytes) -> str | None:
    """The first of ``passwords`` whose key decrypts ``raw`` to the manifest's checksum."""
    if part.algorithm not in (*_AES_CBC, *_BLOWFISH):
        return None  # a scheme culpa does not know: stays encrypted
    for password in passwords:
        key = _key(password, part)
        try:
            decrypted = _decrypt(raw[:2048] if part.algorithm in _BLOWFISH else raw, part, key)
        except ValueError:
            continue
        if _checks(decrypted, part):
            return password
    return None


def decrypt_part(raw: bytes, part: PartEncryption, password: str, max_bytes: int) -> bytes:
    """A part's plain bytes: decrypted, then inflated, never past ``max_bytes``."""
    try:
        compressed = _decrypt(raw, part, _key(password, part))
    except ValueError as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"ODF part could not be decrypted: {exc}") from exc
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"ODF part does not inflate: {exc}") from exc
    if len(data) > max_bytes:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED, f"an encrypted ODF part inflates past {max_bytes} bytes"
        )
    return data
