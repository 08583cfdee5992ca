"""Stored text made safe for a terminal (culpa.cli.terminal)."""

from __future__ import annotations

import json

from culpa.cli.terminal import json_safe, printable


def test_printable_escapes_controls_and_bidi_overrides() -> None:
    assert printable("a\x1b[2Jb\x9bc\u202ed\x7f") == "a\\x1b[2Jb\\x9bc\\u202ed\\x7f"
    assert printable("line\nnext\ttab") == "line\\x0anext\\x09tab"
    assert printable("line\nnext\ttab", lines=True) == "line\nnext\ttab"
    assert printable("新疆 ئۇيغۇر café") == "新疆 ئۇيغۇر café"


def test_json_safe_keeps_the_data() -> None:
    data = {"k": "a\x1b\x9b\u202e\x7f新疆"}
    text = json_safe(json.dumps(data, ensure_ascii=False))
    assert not any(c in text for c in "\x1b\x9b\u202e\x7f")
    assert json.loads(text) == data
