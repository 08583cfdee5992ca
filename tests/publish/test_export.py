"""culpa/publish/export.py: the CSV cells and lines of entities, mentions and quotations."""

from __future__ import annotations

import csv
import io

import pytest

from culpa.publish.export import MENTION_COLUMNS, csv_cell, csv_lines, json_line


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (3, 3),
        (True, "true"),
        ("陈全国", "陈全国"),
        (["陳全國", "陈全国同志"], "陳全國; 陈全国同志"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        (["=1", "b"], "'=1; b"),
        ("a=b", "a=b"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_text(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


def test_lines_read_back_as_the_records() -> None:
    record = {
        "document_id": 1,
        "sha256": "ab" * 32,
        "page": 2,
        "start": 3,
        "end": 6,
        "text": 'say "hi",\nthen',
        "label": "PER",
        "entity": "陈全国",
        "role": None,
    }
    lines = list(csv_lines([record, record], MENTION_COLUMNS))
    assert len(lines) == 3 and all(line.endswith("\n") for line in lines)
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert rows[1] == {k: "" if v is None else str(v) for k, v in record.items()}
    assert json_line(record).count("\n") == 0 and "陈全国" in json_line(record)
