"""A folder of hostile files goes through a real ingest: every file is accounted for.

Each file is either stored with its text or recorded with the precise error kind
expected of it; no internal error; nothing written outside the case and the
hostile folder; the good files beside them are read; the database is intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.zip import ZipExtractor
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.documents.docx import DocxExtractor
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case, init_case
from tests.ingest import hostile

#: Nothing listens here; the HTML file's references point at it.
DEAD_URL = "http://127.0.0.1:9"
#: The XML/SVG extractor is loaded explicitly: it works whether or not the registry's
#: EXTRACTOR_MODULES lists it yet (until it does, `culpa ingest` reads XML as text).
OPTIONS = IngestOptions(workers=2, ocr=False, extractor_modules=("culpa.formats.documents.xml",))


@dataclass(frozen=True)
class Stored:
    """Stored without error, of this type, with these phrases in its text."""

    type: str
    phrases: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()  # (key, a substring of its value)


@dataclass(frozen=True)
class Failed:
    """Recorded in the errors table with this kind."""

    kind: ErrorKind


def _expected(token: str) -> dict[str, Stored | Failed]:
    """What each provenance path must end as, after today's extractors."""
    nested: dict[str, Stored | Failed] = {"hostile/nested-bomb.zip": Stored("zip")}
    for i in range(hostile.NESTED_COPIES):
        outer = f"hostile/nested-bomb.zip!/level1-{i}.zip"
        nested[outer] = Stored("zip")
        for j in range(hostile.NESTED_COPIES):
            nested[f"{outer}!/level0-{j}.zip"] = Failed(ErrorKind.LIMIT_EXCEEDED)
    xml_family: dict[str, Stored | Failed] = {
        "hostile/xxe.svg": Stored("svg", ("svg before after",), (("entities_not_expanded", "x0"),)),
        "hostile/laughs.svg": Failed(ErrorKind.UNSAFE),
        "hostile/xxe.xml": Stored("xml", ("xml before after",), (("entities_not_expanded", "x0"),)),
        "hostile/laughs.xml": Failed(ErrorKind.UNSAFE),
        "hostile/good/drawing.svg": Stored("svg", ("good svg drawing",)),
        # libmagic calls .svgz application/gzip: the tar extractor inflates it into a child.
        "hostile/good/drawing.svgz": Stored("tar"),
        "hostile/good/drawing.svgz!/drawing.svgz.uncompressed": Stored(
            "svg", ("good svgz drawing",)
        ),
        "hostile/good/data.xml": Stored("xml", ("good xml data",)),
    }
    deep = "hostile/deep/" + "/".join(f"{level}" + "层" * 40 for level in range(8))
    return {
        "hostile/flat-bomb.zip": Failed(ErrorKind.LIMIT_EXCEEDED),
        **nested,
        "hostile/zip-slip.zip": Stored("zip"),
        f"hostile/zip-slip.zip!/../../evil-{token}.txt": Stored("text", ("zip slip relative",)),
        f"hostile/zip-slip.zip!/tmp/abs-evil-{token}.txt": Stored("text", ("zip slip absolute",)),
        f"hostile/zip-slip.zip!/C:/../winevil-{token}.txt": Stored("text", ("windows drive",)),
        f"hostile/zip-slip.zip!/../../backslash-evil-{token}.txt": Stored(
            "text", ("backslash climb",)
        ),
        "hostile/links.tar": Stored(
            "tar",
            metadata=(
                (
                    "skipped_links",
                    "rel-symlink\nabs-symlink\nrel-hardlink\nabs-hardlink\ntmp-link",
                ),
            ),
        ),
        f"hostile/links.tar!/tmp-link/through-link-evil-{token}.txt": Stored(
            "text", ("written through a symlink",)
        ),
        "hostile/long-member-name.zip": Stored("zip"),
        "hostile/long-member-name.zip!/" + "长" * hostile.LONG_MEMBER_NAME_CHARS + ".txt": Stored(
            "text", ("a member with a very long name",)
        ),
        # Office never writes a DTD: docx.py refuses any part that declares one.
        "hostile/xxe.docx": Failed(ErrorKind.UNSAFE),
        "hostile/laughs.docx": Failed(ErrorKind.UNSAFE),
        **xml_family,
        "hostile/pdf-loop.pdf": Stored(
            "pdf", ("pdf loop page text",), (("page_errors", "cycle in page tree"),)
        ),
        "hostile/pdf-self-kids.pdf": Failed(ErrorKind.CORRUPT),
        "hostile/pdf-xobject-loop.pdf": Stored("pdf", ("pdf xobject page", "inside the form")),
        "hostile/pdf-huge-xref.pdf": Stored("pdf", ("pdf huge xref page",)),
        "hostile/pdf-count-lie.pdf": Failed(ErrorKind.CORRUPT),
        "hostile/truncated.pdf": Stored("pdf", ("truncated pdf page 1",)),
        "hostile/empty.pdf": Failed(ErrorKind.EMPTY),
        "hostile/really-a-png.pdf": Stored("image", metadata=(("format", "PNG"),)),
        "hostile/bad-name-\\xff\\xfe.txt": Stored("text", ("whose name is not UTF-8",)),
        f"hostile/{hostile.LONG_NAME}": Stored("text", ("the longest name Linux allows",)),
        f"{deep}/deep-file.txt": Stored("text", ("end of a very long path",)),
        "hostile/remote.html": Stored("html", ("html visible text", "styled div text")),
        "hostile/traversal.eml": Stored("email", ("mail body with a hostile attachment",)),
        f"hostile/traversal.eml!/.._.._evil-{token}.sh": Stored(
            "text", ("echo evil shell attachment",)
        ),
        "hostile/good/report.txt": Stored("text", ("good plain report",)),
        "hostile/good/memo.pdf": Stored("pdf", ("good pdf memo page",)),
        "hostile/good/note.docx": Stored("docx", ("good docx note",)),
        "hostile/good/page.html": Stored("html", ("good html page",)),
        "hostile/good/archive.zip": Stored("zip"),
        "hostile/good/archive.zip!/inner.txt": Stored("text", ("good zipped member",)),
    }


#: Text that must never appear anywhere in the case.
NEVER_SHOWN = ("script text must not show", "lollollol")


def _tree(root: Path, skip: Path | None = None) -> dict[str, tuple[int, str]]:
    """Every file and link under ``root``: relative path -> (size, SHA-256 or link target)."""
    found: dict[str, tuple[int, str]] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if skip is not None and here == skip:
            dirs.clear()
            continue
        for name in dirs + files:
            path = here / name
            relative = os.fsencode(path.relative_to(root)).hex()
            if path.is_symlink():
                found[relative] = (0, os.readlink(path))
            elif path.is_file():
                found[relative] = (
                    path.stat().st_size,
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                )
            else:
                found[relative] = (-1, "dir")
    return found


def _slipped_names(token: str) -> list[str]:
    return [
        f"evil-{token}.txt",
        f"abs-evil-{token}.txt",
        f"winevil-{token}.txt",
        f"backslash-evil-{token}.txt",
        f"through-link-evil-{token}.txt",
        f"evil-{token}.sh",
    ]


def _documents(case: Case) -> dict[str, dict[str, object]]:
    conn = sqlite3.connect(case.db_path)
    try:
        rows = conn.execute(
            "SELECT p.path, d.type, d.mime, d.status, d.metadata, "
            "(SELECT group_concat(text, char(10)) FROM pages WHERE document_id = d.id) "
            "FROM provenance p JOIN documents d ON d.id = p.document_id"
        )
        return {
            path: {
                "type": kind,
                "mime": mime,
                "status": status,
                "metadata": json.loads(metadata),
                "text": text or "",
            }
            for path, kind, mime, status, metadata, text in rows
        }
    finally:
        conn.close()


@pytest.mark.slow
def test_hostile_folder_is_ingested_safely(tmp_path: Path) -> None:
    token = secrets.token_hex(4)
    secret = tmp_path / "secret.txt"  # outside the ingested folder
    marker = f"SECRET-{token}"
    secret.write_text(marker, encoding="utf-8")
    folder = tmp_path / "hostile"
    hostile.write_hostile_folder(
        folder, token, DEAD_URL, xxe_targets=("file:///etc/hostname", f"file://{secret}")
    )
    good = hostile.write_good_files(folder)
    case = init_case(tmp_path / "case")
    outside_before = _tree(tmp_path, skip=tmp_path / "case")
    tmp_before = set(os.listdir("/tmp"))
    cwd_before = set(os.listdir(Path.cwd()))

    summary = ingest(case, [folder], OPTIONS)

    # Nothing outside the case changed, the hostile folder included.
    assert _tree(tmp_path, skip=tmp_path / "case") == outside_before
    new_in_tmp = set(os.listdir("/tmp")) - tmp_before
    assert not [name for name in new_in_tmp if token in name]
    assert set(os.listdir(Path.cwd())) == cwd_before
    for place in ("/", "/tmp", "/etc", Path.cwd(), Path.cwd().parent, Path.home(), tmp_path.parent):
        for name in _slipped_names(token):
            assert not (Path(place) / name).exists(), f"{name} written in {place}"
    # Inside the case: the database, the store of originals, an empty tmp/, nothing else.
    assert {p.name for p in case.root.iterdir()} <= {
        "case.db",
        "case.db-wal",
        "case.db-shm",
        "blobs",
        "tmp",
        "ingest.lock",
    }
    assert list(case.tmp_dir.iterdir()) == []
    for blob in (case.root / "blobs").rglob("*"):
        assert blob.is_dir() or len(blob.name) == 64, blob
        assert not blob.is_symlink()

    # Every path ends as expected: stored with its text, or failed with its kind.
    expected = _expected(token)
    documents = _documents(case)
    conn = sqlite3.connect(case.db_path)
    errors = {
        path: (kind, message)
        for path, kind, message in conn.execute("SELECT path, kind, message FROM errors")
    }
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM documents WHERE complete = 0").fetchone()[0] == 0
    conn.close()
    assert ErrorKind.INTERNAL not in summary.errors, [
        (path, message) for path, (kind, message) in errors.items() if kind == ErrorKind.INTERNAL
    ]
    assert sorted(documents) == sorted(expected)
    for path, want in expected.items():
        document = documents[path]
        if isinstance(want, Failed):
            assert errors.get(path, ("none", ""))[0] == want.kind, (path, errors.get(path))
            continue
        assert path not in errors, (path, errors[path])
        assert document["status"] == "ok", path
        assert document["type"] == want.type, (path, document["type"], document["mime"])
        text = str(document["text"])
        for phrase in want.phrases:
            assert phrase in text, (path, phrase, text[:300])
        metadata = document["metadata"]
        assert isinstance(metadata, dict)
        for key, value in want.metadata:
            assert value in metadata.get(key, ""), (path, key, metadata)
    assert set(errors) == {p for p, want in expected.items() if isinstance(want, Failed)}
    # Good files beside them were read.
    for relative, phrase in good.items():
        assert phrase in str(documents[f"hostile/{relative}"]["text"])
    # No entity was expanded and no file was read through one.
    everything = json.dumps(documents, ensure_ascii=False)
    assert marker not in everything
    for phrase in NEVER_SHOWN:
        assert phrase not in everything


def test_too_many_members_stop_at_the_limit(tmp_path: Path) -> None:
    # The ingest cannot be given ArchiveLimits (IngestOptions has none), and tripping
    # the default 1,000,000 members would write a million files; the extractor is
    # called directly with a test-sized limit instead.
    archive = hostile.write_many_members_zip(tmp_path, members=101)
    context = ExtractContext(workdir=tmp_path / "work", limits=ArchiveLimits(max_members=100))
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(archive, context)
    assert caught.value.kind == ErrorKind.LIMIT_EXCEEDED
    assert "more than 100 members" in caught.value.message


def test_docx_entity_attacks_are_unsafe(tmp_path: Path) -> None:
    for path in (hostile.write_docx_billion_laughs(tmp_path), hostile.write_docx_xxe(tmp_path)):
        with pytest.raises(ExtractionError) as caught:
            DocxExtractor().extract(path, ExtractContext(workdir=tmp_path / "work"))
        assert caught.value.kind == ErrorKind.UNSAFE, caught.value.message
