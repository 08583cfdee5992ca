"""Text from a leak made safe to print on a terminal.

A member name, a subject or a page of a hostile file can hold ESC, CSI and other
control characters: printed raw, they drive the reader's terminal (move the cursor,
rewrite what was printed above, retitle the window, and on some terminals worse).
Bidirectional overrides make a name read differently from what it is. Every piece
of stored text the CLI prints goes through :func:`printable`, which shows each
such character as a visible escape (``\\x1b``, ``\\u202e``) instead (issue 10).
JSON output goes through :func:`json_safe`, since JSON escapes only C0 controls.
"""

from __future__ import annotations

#: C0 controls, DEL and C1 controls (U+009B is CSI on a UTF-8 xterm).
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
#: Bidirectional embeddings, overrides and isolates (a name shown reversed).
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {code: _escape(code) for code in (*_CONTROLS, *_BIDI)}
#: Page text keeps its lines and tabs.
_TABLE_LINES = {code: e for code, e in _TABLE.items() if chr(code) not in "\n\t"}
#: Inside JSON strings C0 is already escaped by :mod:`json`; the rest as ``\\u`` escapes.
_TABLE_JSON = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), *_BIDI)}


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with control and bidi-override characters shown as escapes.

    ``lines`` keeps newlines and tabs (a page's text); otherwise they are escaped
    too, so a name can never start a line of its own.
    """
    return text.translate(_TABLE_LINES if lines else _TABLE)


def json_safe(encoded: str) -> str:
    """JSON text (from :func:`json.dumps`) with DEL, C1 and bidi controls escaped.

    They can only stand inside JSON strings, where ``\\uXXXX`` means the same
    character, so the data a program reads is unchanged.
    """
    return encoded.translate(_TABLE_JSON)
