from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.tables import sqlite_db, sqlite_header
from culpa.formats.tables.sqlite_db import SqliteExtractor


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work")


def _database(path: Path, script: str, *, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(script)
    conn.commit()
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


CHAT = """
CREATE TABLE message (msgId INTEGER PRIMARY KEY, talker TEXT, content TEXT, createTime INTEGER,
  lvbuffer BLOB, amount REAL);
INSERT INTO message VALUES (1, 'wxid_abc', '你好', 1500000000, x'0801120568656c6c6f', 1.5);
INSERT INTO message VALUES (2, 'wxid_abc', 'line one
line	two', 1500000001, NULL, 3.0);
INSERT INTO message VALUES (7, 'filehelper', NULL, NULL, CAST('文件.txt' AS BLOB), NULL);
CREATE TABLE empty_one (a TEXT, b TEXT);
CREATE TABLE keyed (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
INSERT INTO keyed VALUES ('b', 'second'), ('a', 'first');
CREATE TABLE odd ("rowid" TEXT, _rowid_ TEXT, oid TEXT);
INSERT INTO odd VALUES ('x', 'y', 'z');
CREATE TABLE aliased ("rowid" TEXT, v TEXT);
INSERT INTO aliased (_rowid_, "rowid", v) VALUES (40, 'r', 'v');
CREATE VIEW forever AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
  SELECT x FROM c;
CREATE TRIGGER wipe AFTER INSERT ON message BEGIN DELETE FROM message; END;
"""


def test_every_table_is_a_table_of_rows_numbered_by_rowid(tmp_path: Path) -> None:
    path = _database(tmp_path / "MicroMsg.db", CHAT)
    before = path.read_bytes()
    result = SqliteExtractor().extract(path, _context(tmp_path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MicroMsg.db"]  # no -wal, -shm
    tables = {table.name: table for table in result.tables}
    assert list(tables) == ["message", "keyed", "odd", "aliased"]  # empty and views left out
    message = tables["message"]
    assert message.columns == ("msgId", "talker", "content", "createTime", "lvbuffer", "amount")
    assert [(p.page, p.rows) for p in message.pages] == [(2, (1, 2, 7))]
    assert result.pages[1].text.split("\n") == [
        "1\twxid_abc\t你好\t1500000000\t<blob 9 bytes>\t1.5",  # protobuf: binary
        "2\twxid_abc\tline one line two\t1500000001\t\t3.0",
        "7\tfilehelper\t\t\t文件.txt",  # a BLOB holding UTF-8 text shows as text
    ]
    assert tables["keyed"].pages[0].rows == (1, 2)  # WITHOUT ROWID: position, key order
    assert result.pages[2].text == "a\tfirst\nb\tsecond"
    assert tables["odd"].pages[0].rows == (1,)  # every rowid name is a column: position
    assert tables["aliased"].pages[0].rows == (40,)  # the rowid read as _rowid_
    overview = result.pages[0].text
    assert overview.startswith("SQLite database (written by SQLite ")
    assert (
        "table message (3 rows): msgId, talker, content, createTime, lvbuffer, amount" in overview
    )
    assert "table empty_one (0 rows): a, b" in overview
    assert "view forever (not run)" in overview
    assert "trigger wipe (not run)" in overview
    assert "CREATE TRIGGER wipe AFTER INSERT ON message BEGIN DELETE FROM message; END" in overview
    assert [page.number for page in result.pages] == list(range(1, 6))
    metadata = result.metadata
    assert metadata["tables"] == "5"
    assert metadata["views"] == "1"
    assert metadata["triggers"] == "1"
    assert metadata["journal_mode"] == "rollback"
    assert metadata["encoding"] == "UTF-8"


def test_big_tables_are_paged_and_cut_at_their_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _database(
        tmp_path / "big.sqlite",
        "CREATE TABLE t (v TEXT);"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2500)"
        "INSERT INTO t SELECT 'row ' || x FROM c;",
    )
    result = SqliteExtractor().extract(path, _context(tmp_path))
    (table,) = result.tables
    assert [len(p.rows) for p in table.pages] == [1000, 1000, 500]
    assert table.pages[2].rows[-1] == 2500
    assert result.pages[3].text.endswith("row 2499\nrow 2500")

    monkeypatch.setattr(sqlite_db, "MAX_TABLE_ROWS", 10)
    cut = SqliteExtractor().extract(path, _context(tmp_path))
    assert cut.tables[0].pages[0].rows == tuple(range(1, 11))
    assert cut.metadata["truncated_tables"] == "t"
    assert "table t (10 rows; cut after 10 rows): v" in cut.pages[0].text


def test_a_runaway_read_is_stopped_by_the_step_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _database(
        tmp_path / "loop.db",
        "CREATE TABLE t (v TEXT); CREATE TABLE after (w TEXT); INSERT INTO after VALUES ('read');"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)"
        "INSERT INTO t SELECT hex(randomblob(20)) FROM c;",
    )
    calls: list[int] = []
    context = ExtractContext(workdir=tmp_path / "work", progress=lambda: calls.append(1))
    monkeypatch.setattr(sqlite_db, "PROGRESS_INSTRUCTIONS", 1_000)
    monkeypatch.setattr(sqlite_db, "MAX_INSTRUCTIONS", 100_000)
    result = SqliteExtractor().extract(path, context)
    assert result.metadata["truncated_tables"] == "t"
    assert "SQLite steps" in result.pages[0].text
    assert 0 < sum(len(p.rows) for p in result.tables[0].pages) < 20_000
    assert result.tables[1].name == "after"  # the next table has a budget of its own
    assert len(calls) > 10


def test_a_value_over_the_length_limit_is_refused_by_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _database(
        tmp_path / "huge.db",
        "CREATE TABLE t (v); INSERT INTO t VALUES ('before'), (zeroblob(5000)),"
        "(printf('%.5000c', 'x')), ('after'), (randomblob(200000));",
    )
    monkeypatch.setattr(sqlite_db, "MAX_VALUE_BYTES", 1000)
    result = SqliteExtractor().extract(path, _context(tmp_path))
    assert result.pages[1].text.split("\n") == [
        "before",
        "<blob 5000 bytes>",  # a BLOB's length is read without loading it
        "[row not read: a value is over 1000 bytes]",
        "after",
        "<blob 200000 bytes>",
    ]
    assert result.tables[0].pages[0].rows == (1, 2, 3, 4, 5)


def test_virtual_tables_are_never_queried(tmp_path: Path) -> None:
    path = _database(
        tmp_path / "fts.db",
        "CREATE VIRTUAL TABLE search USING fts5(body);"
        "INSERT INTO search VALUES ('secret words');"
        "CREATE TABLE plain (a); INSERT INTO plain VALUES (1);"
        "PRAGMA writable_schema=ON;"
        "INSERT INTO sqlite_schema VALUES ('table', 'wx', 'wx', 0,"
        " 'CREATE VIRTUAL TABLE wx USING mmFtsModule(a)');",
    )
    result = SqliteExtractor().extract(path, _context(tmp_path))
    names = [table.name for table in result.tables]
    assert "search" not in names and "wx" not in names
    assert "search_content" in names  # what the FTS table holds, from its shadow table
    assert any("secret words" in page.text for page in result.pages[1:])
    assert result.metadata["virtual_tables"] == (
        "search (fts5: not queried; its stored content is in its shadow tables); "
        "wx (mmFtsModule: module missing, not read)"
    )


def test_wal_mode_is_said(tmp_path: Path) -> None:
    path = _database(tmp_path / "wal.db", "CREATE TABLE t (a); INSERT INTO t VALUES (1);", wal=True)
    assert path.read_bytes()[18] == 2
    result = SqliteExtractor().extract(path, _context(tmp_path))
    assert result.metadata["journal_mode"].startswith("wal: ")
    assert "WAL mode" in result.pages[0].text
    assert result.pages[1].text == "1"


def test_encrypted_damaged_and_empty_files_are_clear_errors(tmp_path: Path) -> None:
    cases: list[tuple[bytes, ErrorKind]] = [
        (os.urandom(8192), ErrorKind.ENCRYPTED),  # SQLCipher: no header, random bytes
        (b"", ErrorKind.EMPTY),
        (b"just some text\n" * 100, ErrorKind.CORRUPT),
        (sqlite_header.HEADER + b"\x10\x00\x01\x01" + bytes(4000), ErrorKind.CORRUPT),
    ]
    good = _database(tmp_path / "good.db", CHAT).read_bytes()
    cases.append((good[:100] + bytes(len(good) - 100), ErrorKind.CORRUPT))  # pages zeroed
    cases.append((good[:150], ErrorKind.CORRUPT))  # truncated
    for number, (data, kind) in enumerate(cases):
        path = tmp_path / f"bad{number}.db"
        path.write_bytes(data)
        with pytest.raises(ExtractionError) as info:
            SqliteExtractor().extract(path, _context(tmp_path))
        assert info.value.kind == kind, (number, info.value.message)


def test_registry_claims_sqlite_files(tmp_path: Path) -> None:
    for mime in ("application/vnd.sqlite3", "application/x-sqlite3"):
        assert registry.extractor_class_for(mime, "EnMicroMsg.db") is SqliteExtractor
    assert registry.type_for("application/vnd.sqlite3") == "sqlite"


def test_the_lowest_rowid_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _database(
        tmp_path / "low.db",
        "CREATE TABLE t (v); INSERT INTO t (rowid, v) VALUES (-9223372036854775808, 'lowest'),"
        "(5, printf('%.5000c', 'x')), (9223372036854775807, 'highest');",
    )
    monkeypatch.setattr(sqlite_db, "MAX_VALUE_BYTES", 1000)
    result = SqliteExtractor().extract(path, _context(tmp_path))
    assert result.tables[0].pages[0].rows == (-9223372036854775808, 5, 9223372036854775807)
    assert result.pages[1].text.split("\n")[::2] == ["lowest", "highest"]


def test_virtual_generated_columns_are_not_computed(tmp_path: Path) -> None:
    path = _database(
        tmp_path / "generated.db",
        "CREATE TABLE g (a INTEGER, doubled AS (a * 2) VIRTUAL, tripled AS (a * 3) STORED);"
        "INSERT INTO g (a) VALUES (7);",
    )
    result = SqliteExtractor().extract(path, _context(tmp_path))
    assert result.tables[0].columns == ("a", "tripled")  # stored values are data
    assert result.pages[1].text == "7\t21"


def test_odd_table_and_column_names_are_quoted(tmp_path: Path) -> None:
    path = _database(
        tmp_path / "odd.db",
        'CREATE TABLE "we""ird ; DROP TABLE x" ("col ""1""" TEXT, [联系人] TEXT);'
        "INSERT INTO \"we\"\"ird ; DROP TABLE x\" VALUES ('a', '张三');",
    )
    result = SqliteExtractor().extract(path, _context(tmp_path))
    (table,) = result.tables
    assert table.name == 'we"ird ; DROP TABLE x'
    assert table.columns == ('col "1"', "联系人")
    assert result.pages[1].text == "a\t张三"


def test_the_schema_has_a_step_budget_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = "".join(
        f"CREATE TABLE t{n} (a, b, c); INSERT INTO t{n} VALUES (1, 2, 3);" for n in range(50)
    )
    path = _database(tmp_path / "many.db", tables)
    monkeypatch.setattr(sqlite_db, "PROGRESS_INSTRUCTIONS", 1)
    monkeypatch.setattr(sqlite_db, "MAX_INSTRUCTIONS", 2_000)
    result = SqliteExtractor().extract(path, _context(tmp_path))
    assert len(result.tables) == 50
    assert "truncated_tables" not in result.metadata


def test_the_whole_database_has_a_step_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = "".join(
        f"CREATE TABLE t{n} (v TEXT);"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)"
        f"INSERT INTO t{n} SELECT 'row ' || x FROM c;"
        for n in range(6)
    )
    path = _database(tmp_path / "steps.db", script)
    monkeypatch.setattr(sqlite_db, "PROGRESS_INSTRUCTIONS", 1_000)
    monkeypatch.setattr(sqlite_db, "MAX_DATABASE_INSTRUCTIONS", 60_000)  # about two tables
    result = SqliteExtractor().extract(path, _context(tmp_path))
    read = [table.name for table in result.tables]
    assert read[0] == "t0" and len(read) < 6
    assert "t5 (0 rows; cut: not read, the database took over 60000 steps)" in result.pages[0].text
    assert result.metadata["truncated_tables"].endswith("t5")
