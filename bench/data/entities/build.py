"""Turn the hand-labelled sources into the JSONL sets the benchmark reads, with offsets.

Labels are written by hand as (label, surface string, occurrence), never as
offsets, so a miscounted character cannot shift a span. This script finds each
surface string in its sentence and fails, naming the item, when it is not there,
when two labelled spans overlap, or when a label is unknown. The committed
``*.jsonl`` files are its output; ``--check`` regenerates them in memory and
fails if they differ (tests/bench/test_entity_sets.py runs it).

Sources (tab-separated, one item a line; ``#`` starts a comment line):

- ``sources.tsv``: ``key``, ``path`` (as in the corpus's MANIFEST.tsv), ``licence``.
- ``zh.tsv``, ``en.tsv``: ``id``, ``source`` (a key of sources.tsv), ``text``,
  ``labels``. ``labels`` is ``-`` for a sentence with no entity, else items
  joined by `` | ``, each ``LABEL surface`` or ``LABEL surface@N`` for the
  N-th occurrence (0-based) of ``surface`` in the text.
- ``quotes.src.jsonl``: one passage a line, ``{"id", "language", "origin":
  "real"|"written", "source", "text", "quotes": [{"quote", "n", "speaker",
  "speaker_text", "speaker_n"}]}``; ``quote`` and ``speaker_text`` are surface
  strings (``speaker_text`` null where the text does not name the speaker),
  ``n``/``speaker_n`` their occurrence (default 0), ``speaker`` the canonical
  name the quotation should be attributed to; ``note`` (optional) says what
  the passage tests. A passage with no quotation to find has ``"quotes": []``.

Run: ``.venv/bin/python bench/data/entities/build.py [--check]``
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABELS = ("PER", "ORG", "LOC", "DATE", "TIME")
SETS = ("zh", "en")


class LabelError(ValueError):
    """A hand label that does not fit its text."""


def find(text: str, surface: str, occurrence: int, where: str) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th (0-based) ``surface`` in ``text``."""
    if not surface:
        raise LabelError(f"{where}: empty surface string")
    start = -1
    for _ in range(occurrence + 1):
        start = text.find(surface, start + 1)
        if start < 0:
            raise LabelError(f"{where}: {surface!r} occurrence {occurrence} not in the text")
    return start, start + len(surface)


def parse_labels(field: str, text: str, where: str) -> list[dict[str, Any]]:
    """The spans of one ``labels`` field, sorted, checked for overlaps."""
    field = field.strip()
    if field == "-":
        return []
    if not field:
        raise LabelError(f"{where}: no labels; write '-' for a sentence without entities")
    spans: list[dict[str, Any]] = []
    for item in field.split(" | "):
        label, _, rest = item.strip().partition(" ")
        if label not in LABELS:
            raise LabelError(f"{where}: unknown label {label!r} in {item!r}")
        surface, occurrence = rest, 0
        if "@" in rest:
            surface, _, number = rest.rpartition("@")
            occurrence = int(number)
        start, end = find(text, surface, occurrence, where)
        spans.append({"start": start, "end": end, "text": surface, "label": label})
    spans.sort(key=lambda span: (span["start"], span["end"]))
    for before, after in itertools.pairwise(spans):
        if after["start"] < before["end"]:
            raise LabelError(f"{where}: {before['text']!r} and {after['text']!r} overlap")
    return spans


def load_sources() -> dict[str, dict[str, str]]:
    with (HERE / "sources.tsv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {row["key"]: row for row in rows}


def build_sentences(language: str, sources: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    items = []
    seen: set[str] = set()
    path = HERE / f"{language}.tsv"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        where = f"{path.name}:{number}"
        if len(fields) != 4:
            raise LabelError(f"{where}: {len(fields)} fields, expected id, source, text, labels")
        ident, key, text, labels = fields
        if ident in seen:
            raise LabelError(f"{where}: duplicate id {ident}")
        seen.add(ident)
        if key not in sources:
            raise LabelError(f"{where}: unknown source {key!r}")
        items.append(
            {
                "id": ident,
                "language": language,
                "source": sources[key]["path"],
                "licence": sources[key]["licence"],
                "text": text,
                "entities": parse_labels(labels, text, f"{where} ({ident})"),
            }
        )
    return items


def build_quotes(sources: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    items = []
    path = HERE / "quotes.src.jsonl"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        where = f"{path.name}:{number} ({item['id']})"
        if item["origin"] not in ("real", "written"):
            raise LabelError(f"{where}: origin must be 'real' or 'written'")
        text = item["text"]
        quotes = []
        for quote in item["quotes"]:
            start, end = find(text, quote["quote"], quote.get("n", 0), where)
            speaker_start = speaker_end = None
            if quote.get("speaker_text"):
                speaker_start, speaker_end = find(
                    text, quote["speaker_text"], quote.get("speaker_n", 0), where
                )
            quotes.append(
                {
                    "start": start,
                    "end": end,
                    "text": quote["quote"],
                    "speaker": quote["speaker"],
                    "speaker_text": quote.get("speaker_text"),
                    "speaker_start": speaker_start,
                    "speaker_end": speaker_end,
                }
            )
        source = sources.get(item["source"])
        items.append(
            {
                "id": item["id"],
                "language": item["language"],
                "origin": item["origin"],
                "source": source["path"] if source else item["source"],
                "licence": source["licence"] if source else "written for culpa (AGPL-3.0-or-later)",
                "text": text,
                "note": item.get("note"),
                "quotes": quotes,
            }
        )
    return items


def render(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def outputs() -> dict[Path, str]:
    """Every JSONL file this script writes, with its content."""
    sources = load_sources()
    files = {
        HERE / f"{lang}.jsonl": render(build_sentences(lang, sources))
        for lang in SETS
        if (HERE / f"{lang}.tsv").is_file()
    }
    if (HERE / "quotes.src.jsonl").is_file():
        files[HERE / "quotes.jsonl"] = render(build_quotes(sources))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the JSONL files are stale")
    args = parser.parse_args()
    try:
        files = outputs()
    except LabelError as error:
        sys.exit(f"label error: {error}")
    stale = [p.name for p, text in files.items() if not p.is_file() or p.read_text("utf-8") != text]
    if args.check:
        if stale:
            sys.exit(f"stale: {', '.join(stale)}; run bench/data/entities/build.py")
        return
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    for path, text in files.items():
        print(f"{path.name}: {text.count(chr(10))} items")


if __name__ == "__main__":
    main()
