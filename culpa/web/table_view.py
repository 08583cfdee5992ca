"""A table's page shown as an HTML table: its column names, its row numbers, its marks.

The page text holds one row per line with cells joined by tabs
(culpa.store.sqlite.tables); each line becomes a row whose first cell is its row
number, linked to itself (``#row-4031``), so a row cited as ``doc 12 row 4031``
can be opened and pointed at. Search marks and noted passages are the page
view's own segments, cut at the cell edges: a mark spanning two cells becomes
two marks, the first keeping its ``id``. Everything is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from culpa.store.records import PageTable
from culpa.web.marks import Doubt, Segment, with_doubts


def _pieces(
    parts: Sequence[Segment], lo: int, hi: int, current: int | None, doubtful: Sequence[Doubt]
) -> str:
    out: list[str] = []
    for seg in parts:
        a, b = max(lo, seg.start), min(hi, seg.start + len(seg.text))
        if a >= b:
            continue
        text = with_doubts(seg.text[a - seg.start : b - seg.start], a, doubtful)
        if seg.hit is None:
            noted = ' class="noted"' if seg.noted else ""
            out.append(f'<span{noted} data-o="{a}">{text}</span>')
        else:
            cls = "hit current" if seg.hit == current else "hit"
            cls += " noted" if seg.noted else ""
            first = f' id="hit-{seg.hit}"' if a == seg.start else ""
            out.append(
                f'<mark{first} class="{cls}" data-o="{a}" data-hit="{seg.hit}">{text}</mark>'
            )
    return "".join(out)


def render_table(
    table: PageTable,
    text: str,
    parts: Sequence[Segment],
    current: int | None,
    doubtful: Sequence[Doubt] = (),
) -> Markup:
    """The page as ``<table>``: a header row of column names, then one row per line."""
    lines = text.split("\n")
    width = max([len(table.columns), *(line.count("\t") + 1 for line in lines)])
    head = "".join(f'<th scope="col">{escape(table.column_name(i))}</th>' for i in range(width))
    rows: list[str] = []
    offset = 0
    for index, line in enumerate(lines):
        number = table.rows[index] if index < len(table.rows) else None
        anchor = f"row-{number}" if number is not None else f"line-{index + 1}"
        label = str(number) if number is not None else ""
        cells: list[str] = []
        start = offset
        for cell in line.split("\t"):
            end = start + len(cell)
            cells.append(f"<td>{_pieces(parts, start, end, current, doubtful)}</td>")
            start = end + 1
        cells.extend("<td></td>" for _ in range(width - len(cells)))
        rows.append(
            f'<tr id="{anchor}"><th scope="row" class="row-number">'
            f'<a href="#{anchor}">{label}</a></th>{"".join(cells)}</tr>'
        )
        offset += len(line) + 1
    return Markup(
        f'<table class="table-page" data-table="{escape(table.name)}">'
        f'<thead><tr><th scope="col" class="row-number">row</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
