"""The extractor of password-protected OOXML (culpa/formats/documents/encrypted_office.py)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.documents.encrypted_office import EncryptedOfficeExtractor
from culpa.formats.sniff import detect_mime
from culpa.formats.support import ooxml_crypto
from tests.conftest import CORPUS

OFFICE = CORPUS / "office"


def _context(tmp_path: Path, **kwargs: object) -> ExtractContext:
    return ExtractContext(
        workdir=tmp_path / "work",
        extractor_for=registry.extractor_for,
        **kwargs,  # type: ignore[arg-type]
    )


def _encrypted_docx(path: Path, password: str) -> Path:
    document = docx.Document()
    document.add_paragraph("加密的会议纪要 encrypted minutes")
    plain = io.BytesIO()
    document.save(plain)
    plain.seek(0)
    with path.open("wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return path


def test_encrypted_docx_needs_its_password(tmp_path: Path) -> None:
    path = _encrypted_docx(tmp_path / "locked.docx", "密码123")
    assert detect_mime(path) == "application/encrypted"
    extractor = registry.extractor_for("application/encrypted", "locked.docx")
    assert isinstance(extractor, EncryptedOfficeExtractor)
    with pytest.raises(ExtractionError) as info:
        extractor.extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.ENCRYPTED
    assert "--password" in info.value.message
    with pytest.raises(ExtractionError) as info:
        extractor.extract(path, _context(tmp_path, passwords=("wrong",)))
    assert info.value.kind == ErrorKind.ENCRYPTED
    assert "none of the 1 password(s) given" in info.value.message

    context = _context(tmp_path, passwords=("密码123",))
    result = extractor.extract(path, context)
    assert result.pages[0].text == "加密的会议纪要 encrypted minutes"
    assert result.metadata["decrypted_type"] == "docx"
    assert result.metadata["encryption"].startswith("ECMA-376 agile encryption")
    assert "密码123" not in str(result.metadata)
    assert not any(context.workdir.rglob("*decrypted*"))  # the plaintext copy is gone


def test_password_tries_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _encrypted_docx(tmp_path / "locked.docx", "right")
    # Agile encryption at python's default spin count costs 100,001 rounds a try.
    monkeypatch.setattr(ooxml_crypto, "MAX_KEY_DERIVATION_ROUNDS", 250_000)
    passwords = ("a", "b", "c", "right")
    with pytest.raises(ExtractionError) as info:
        EncryptedOfficeExtractor().extract(path, _context(tmp_path, passwords=passwords))
    assert info.value.kind == ErrorKind.ENCRYPTED
    assert "stopped after 2 passwords" in info.value.message


@pytest.mark.skipif(not OFFICE.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize(
    ("name", "passwords", "expected", "how"),
    [
        ("ingestfile_password_protected.xlsx", ("password",), "The answer\t42", "a password"),
        ("tika_testEXCEL_protected_passtika.xlsx", ("tika",), "Encrypted Excel", "a password"),
        ("tika_testPPT_protected_passtika.pptx", ("tika",), "encrypted PowerPoint", "a password"),
        ("tika_protectedFile.xlsx", (), "Office 2007", "Excel's default password"),
    ],
)
def test_corpus_encrypted_files(
    tmp_path: Path, name: str, passwords: tuple[str, ...], expected: str, how: str
) -> None:
    path = OFFICE / name
    assert detect_mime(path) == "application/encrypted"
    result = EncryptedOfficeExtractor().extract(
        path, _context(tmp_path, passwords=passwords, name=name)
    )
    assert expected in "\n".join(page.text for page in result.pages)
    assert f"opened with {how}" in result.metadata["encryption"]
    if passwords:
        with pytest.raises(ExtractionError) as info:
            EncryptedOfficeExtractor().extract(path, _context(tmp_path, name=name))
        assert info.value.kind == ErrorKind.ENCRYPTED
