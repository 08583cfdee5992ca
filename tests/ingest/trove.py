"""Small mixed troves made in code, shared by the ingest tests."""

from __future__ import annotations

import io
import random
import sqlite3
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from culpa.store.case import Case

HAN = "新疆中央干部群众工作报告会议安全稳定发展教育培训管理人员公安局村民"


def chinese_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(length))


def make_pdf(lines: list[str]) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    y = 72.0
    for line in lines:
        page.insert_text((72, y), line, fontname="china-s", fontsize=11)
        y += 16
    data: bytes = doc.tobytes()
    doc.close()
    return data


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_trove(root: Path, *, text_files: int = 40, seed: int = 7) -> Path:
    """A folder with text, PDFs, nested zips, a tar, duplicates and bad files."""
    rng = random.Random(seed)
    trove = root / "trove"
    (trove / "2017").mkdir(parents=True)
    for number in range(text_files):
        body = f"report {number} detention\n{chinese_text(rng, 200)}\n"
        (trove / "2017" / f"note-{number:04d}.txt").write_text(body, encoding="utf-8")
    (trove / "copy-of-note-0000.txt").write_bytes((trove / "2017" / "note-0000.txt").read_bytes())
    (trove / "电报.pdf").write_bytes(make_pdf(["新疆 中央 文件", "detention centre", "刻不"]))
    inner = zip_bytes({"deep/inner.txt": "内层 inner secret".encode()})
    members = {f"m/{i}.txt": f"member {i} {chinese_text(rng, 80)}".encode() for i in range(30)}
    members["inner.zip"] = inner
    members["memo.pdf"] = make_pdf(["会议 纪要 meeting minutes"])
    leak = zip_bytes(members)
    (trove / "leak.zip").write_bytes(leak)
    (trove / "again").mkdir()
    (trove / "again" / "leak-copy.zip").write_bytes(leak)
    with tarfile.open(trove / "box.tar.gz", "w:gz") as archive:
        for i in range(5):
            data = f"tar member {i} {chinese_text(rng, 50)}".encode()
            info = tarfile.TarInfo(f"box/{i}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (trove / "empty.txt").write_bytes(b"")
    (trove / "broken.zip").write_bytes(leak[:100])
    (trove / "mystery.bin").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    return trove


def fingerprint(case: Case) -> dict[str, Any]:
    """Everything a case holds, keyed by content rather than row ids or times."""
    conn = sqlite3.connect(case.db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sha_of = dict(conn.execute("SELECT id, sha256 FROM documents"))
        return {
            "documents": sorted(
                conn.execute(
                    "SELECT sha256, size, mime, type, status, error_kind, page_count, metadata, "
                    "complete FROM documents"
                )
            ),
            "provenance": sorted(
                (path, sha_of[doc], parent)
                for path, doc, parent in conn.execute(
                    "SELECT path, document_id, parent_path FROM provenance"
                )
            ),
            "pages": sorted(
                (sha_of[doc], number, text, language, method)
                for doc, number, text, language, method in conn.execute(
                    "SELECT document_id, number, text, language, method FROM pages"
                )
            ),
            "errors": sorted(conn.execute("SELECT path, sha256, kind, message FROM errors")),
            "index": sorted(
                (sha_of[doc], number, token)
                for token in ("新疆", "detention", "inner", "会议")
                for doc, number in conn.execute(
                    "SELECT p.document_id, p.number FROM page_index JOIN pages p "
                    "ON p.id = page_index.rowid WHERE page_index MATCH ?",
                    (f'"{token}"',),
                )
            ),
        }
    finally:
        conn.close()


def assert_same_case(got: Case, expected: Case) -> None:
    """Fail with only what differs between two cases' fingerprints.

    A plain ``==`` on two fingerprints prints thousands of rows, and CI keeps only the
    tail of a failure: this names the part and the rows missing or extra.
    """
    mine, theirs = fingerprint(got), fingerprint(expected)
    problems = []
    for part in theirs:
        missing = [row for row in theirs[part] if row not in mine[part]]
        extra = [row for row in mine[part] if row not in theirs[part]]
        if missing or extra:
            problems.append(
                f"{part}: {len(missing)} missing, e.g. {missing[:3]!r}; "
                f"{len(extra)} extra, e.g. {extra[:3]!r}"
            )
    if problems:
        pytest.fail("the cases differ:\n" + "\n".join(problems), pytrace=False)
