"""Imported in the workers (``IngestOptions(extractor_modules=...)``): tables spool early.

A table's pages go to a spool file past a few kilobytes instead of 8 M characters,
so a small CSV takes the path a gigabyte one does.
"""

from __future__ import annotations

from culpa.formats.tables import table_pages

table_pages.SPOOL_THRESHOLD_CHARS = 2_000
