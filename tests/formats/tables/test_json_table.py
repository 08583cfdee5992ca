"""JSON records and JSON Lines read as tables; other JSON stays text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culpa.formats.base import ExtractContext
from culpa.formats.sniff import detect_mime
from culpa.formats.tables import json_table
from culpa.formats.tables.json_table import OTHER_COLUMN, RAW_COLUMN, JsonExtractor
from culpa.models import Extracted


def _read(tmp_path: Path, data: bytes, name: str = "t.json") -> Extracted:
    path = tmp_path / name
    path.write_bytes(data)
    return JsonExtractor().extract(path, ExtractContext(workdir=tmp_path / "work"))


def test_array_of_objects_is_a_table_with_the_union_of_keys(tmp_path: Path) -> None:
    records = [{"name": "王伟", "n": 1}, {"n": 2, "tags": ["a", "b"], "ok": True}, {"x": None}]
    result = _read(tmp_path, json.dumps(records, ensure_ascii=False).encode())
    (table,) = result.tables
    assert table.columns == ("name", "n", "tags", "ok", "x")
    assert result.pages[0].text.split("\n") == ["王伟\t1", '\t2\t["a","b"]\ttrue', ""]
    assert table.pages[0].rows == (1, 2, 3)


def test_object_holding_records_keeps_the_rest_as_a_page(tmp_path: Path) -> None:
    data = {"source": "ministry", "data": [{"id": 1}, {"id": 2}]}
    result = _read(tmp_path, json.dumps(data).encode())
    (table,) = result.tables
    assert table.name == "data" and table.pages[0].page == 2
    assert '"source": "ministry"' in result.pages[0].text
    assert result.pages[1].text == "1\n2"


def test_other_json_stays_text(tmp_path: Path) -> None:
    result = _read(tmp_path, b'{"a": {"b": [1, 2]}}')
    assert result.tables == () and result.pages[0].text == '{"a": {"b": [1, 2]}}'
    assert _read(tmp_path, b"[1, 2, 3]").tables == ()
    assert _read(tmp_path, b"{not json").metadata["json"].startswith("not valid JSON")


def test_deep_nesting_is_read_as_text_not_a_crash(tmp_path: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    result = _read(tmp_path, deep)
    assert result.tables == () and "too deep" in result.metadata["json"]
    lines = b'{"a": 1}\n' * 5 + b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    assert _read(tmp_path, lines, "d.jsonl").metadata["bad_lines"] == "1"


def test_json_lines_keep_bad_lines_as_raw_rows(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbf{"id": 1, "t": "a"}\n\n{"id": 2, "u": {"k": 1}}\nnot json\n{"id": 4}\n'
    result = _read(tmp_path, data, "t.ndjson")
    (table,) = result.tables
    assert table.columns == ("id", "t", "u", RAW_COLUMN)
    assert table.pages[0].rows == (1, 3, 4, 5)  # line numbers
    assert result.pages[0].text.split("\n") == ["1\ta", '2\t\t{"k":1}', "\t\t\tnot json", "4"]
    assert result.metadata["bad_lines"] == "1" and "warning" in result.metadata


def test_json_lines_are_sniffed_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": 3}\n')
    assert detect_mime(path) == "application/x-ndjson"


def test_a_json_document_too_large_to_parse_is_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_table, "MAX_JSON_BYTES", 100)
    result = _read(tmp_path, json.dumps([{"a": i} for i in range(50)]).encode())
    assert result.tables == () and result.metadata["json"].startswith("over 100 bytes")


def test_json_lines_with_too_many_keys_keep_the_rest_in_one_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_table, "MAX_COLUMNS", 4)
    lines = [json.dumps({f"k{i}": i for i in range(6)}), json.dumps({"k0": 9})]
    result = _read(tmp_path, "\n".join(lines).encode(), "wide.jsonl")
    (table,) = result.tables
    assert table.columns == ("k0", "k1", OTHER_COLUMN)
    assert result.pages[0].text.split("\n")[0] == '0\t1\t{"k2":2,"k3":3,"k4":4,"k5":5}'
