from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.documents.docx import DocxExtractor
from culpa.formats.documents.html import HtmlExtractor
from culpa.formats.documents.pdf import PdfExtractor
from culpa.formats.documents.text import TextExtractor
from culpa.formats.email.eml import EmlExtractor
from culpa.formats.media.image import ImageExtractor
from culpa.models import Extracted


class _Fake:
    type: ClassVar[str] = "fake"
    mime_types: ClassVar[tuple[str, ...]] = ("application/x-fake",)
    extensions: ClassVar[tuple[str, ...]] = (".fake",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        return Extracted()


class _OtherFake(_Fake):
    type: ClassVar[str] = "other"
    extensions: ClassVar[tuple[str, ...]] = (".other",)


class _BetterFake(_Fake):
    type: ClassVar[str] = "better"
    score: ClassVar[int] = 60


@pytest.fixture
def fakes() -> Iterator[None]:
    yield
    for cls in (_Fake, _OtherFake, _BetterFake):
        registry.unregister(cls)


def test_builtins_are_registered() -> None:
    classes = registry.registered()
    for cls in (
        PdfExtractor,
        ImageExtractor,
        DocxExtractor,
        HtmlExtractor,
        TextExtractor,
        EmlExtractor,
    ):
        assert cls in classes
    assert isinstance(registry.extractor_for("application/pdf", "x.pdf"), PdfExtractor)
    assert isinstance(registry.extractor_for("message/rfc822", "mail"), EmlExtractor)
    assert isinstance(registry.extractor_for("text/html; charset=gb2312"), HtmlExtractor)


def test_wildcard_text_claim_loses_to_exact_claims() -> None:
    assert isinstance(registry.extractor_for("text/x-python", "a.py"), TextExtractor)
    assert isinstance(registry.extractor_for("text/html", "a.txt"), HtmlExtractor)


def test_score_wins_and_extension_only_breaks_ties(fakes: None) -> None:
    registry.register(_Fake)
    registry.register(_OtherFake)
    assert isinstance(registry.extractor_for("application/x-fake", "a.other"), _OtherFake)
    assert type(registry.extractor_for("application/x-fake", "a.fake")) is _Fake
    registry.register(_BetterFake)
    assert isinstance(registry.extractor_for("application/x-fake", "a.other"), _BetterFake)


def test_register_is_idempotent(fakes: None) -> None:
    registry.register(_Fake)
    registry.register(_Fake)
    assert registry.registered().count(_Fake) == 1


def test_type_for_unclaimed_files() -> None:
    assert registry.type_for("application/pdf") == "pdf"
    assert registry.type_for("application/x-unheard-of") == "unknown"
    assert registry.type_for("video/mp4") == "video"
    assert registry.extractor_for("application/x-unheard-of", "a.pdf") is None


def test_archive_modules_are_listed() -> None:
    assert "culpa.formats.archives.zip" in registry.EXTRACTOR_MODULES
    assert "culpa.formats.archives.tar" in registry.EXTRACTOR_MODULES


def test_support_holds_helpers_not_extractors() -> None:
    # Every built-in extractor lives in a family folder; formats/support/ is the
    # package-level layer its extractors share (docs/architecture.md).
    modules = [cls.__module__ for cls in registry.registered()]
    families = {name.split(".")[2] for name in modules if name.startswith("culpa.formats.")}
    assert "support" not in families
    assert not [name for name in registry.EXTRACTOR_MODULES if ".support." in name]
    assert families >= {"documents", "email", "archives", "media", "tables"}
