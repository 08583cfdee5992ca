"""The document viewer: a page image with the query's matches boxed, the page text with
the same matches marked, hit and page navigation, provenance and metadata, stars,
tags and notes, and citations. The original itself (its page images and its
download) is :mod:`culpa.web.views.original`; a container's member list is
:mod:`culpa.web.views.members`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from culpa.analysis.ocr.quality import LOW_WORD_CONFIDENCE, is_low_page
from culpa.errors import QueryError, UsageError
from culpa.formats.email.mail_record import MAIL_VIEW_KEY
from culpa.publish.citation import cite
from culpa.search.doubt import doubtful_words
from culpa.search.engine import match_pattern, search
from culpa.search.query import Query, parse
from culpa.store.api import CaseStore
from culpa.store.blobs import BlobState
from culpa.store.case import Case
from culpa.store.records import PageInfo
from culpa.web.mail import OUTLOOK_MIME, MailBody, email_body, recorded_body
from culpa.web.marks import (
    Box,
    Doubt,
    Refine,
    Segment,
    boxes_for_span,
    char_refiner,
    find_spans,
    segments,
    with_doubts,
    with_notes,
)
from culpa.web.render import can_render, pdf_chars, pdf_rotation
from culpa.web.state import fits_sqlite, state_of
from culpa.web.table_view import render_table
from culpa.web.views.members import member_list
from culpa.web.views.original import BLOB_WARNINGS, document_or_404, original_state

#: Ranked hits looked through for the documents before and after this one in the results.
NEIGHBOUR_HITS = 200
#: Above this many matching pages, hits are not counted across the whole document.
MAX_PAGES_COUNTED = 200
#: Metadata values longer than this are cut in the panel (the full value is in `culpa show`).
MAX_META_VALUE_CHARS = 2000
#: Metadata keys shown as e-mail headers, in this order.
EMAIL_HEADERS = ("from", "to", "cc", "bcc", "date", "subject")


@dataclass(frozen=True, slots=True)
class HitBoxes:
    hit: int
    boxes: tuple[Box, ...]


def _int_param(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


def viewer_url(doc_id: int, q: str, page: int | None = None, hit: int | None = None) -> str:
    params: dict[str, str | int] = {}
    if q:
        params["q"] = q
    if page is not None:
        params["page"] = page
    if hit is not None:
        params["hit"] = hit
    return f"/doc/{doc_id}" + (f"?{urlencode(params)}" if params else "")


def matching_page_numbers(store: CaseStore, doc_id: int, query: Query | None) -> list[int]:
    """Numbers of this document's pages that match the query's full-text part."""
    if query is None or query.expr is None:
        return []
    return store.index.page_numbers(doc_id, query.expr)


def render_text(
    parts: list[Segment], current: int | None, doubtful: Sequence[Doubt] = ()
) -> Markup:
    """The page text as escaped spans and marks, each carrying its character offset.

    The text is exactly the stored page text (a CR shows as a line feed, one
    character for one), so the script can turn a selection back into a span.
    Doubtful OCR words are underlined inside their span or mark.
    """
    out: list[str] = []
    for seg in parts:
        text = with_doubts(seg.text, seg.start, doubtful, _as_shown)
        if seg.hit is None:
            noted = ' class="noted"' if seg.noted else ""
            out.append(f'<span{noted} data-o="{seg.start}">{text}</span>')
        else:
            cls = "hit current" if seg.hit == current else "hit"
            cls += " noted" if seg.noted else ""
            out.append(
                f'<mark id="hit-{seg.hit}" class="{cls}" data-o="{seg.start}" '
                f'data-hit="{seg.hit}">{text}</mark>'
            )
    return Markup("".join(out))


def _as_shown(text: str) -> str:
    return text.replace("\r", "\n")


@dataclass(frozen=True, slots=True)
class OcrQuality:
    """What the viewer says about an OCR'd page: engine, confidence, doubtful words."""

    engine: str
    confidence: float | None
    low: bool
    doubtful: int

    @property
    def title(self) -> str:
        confidence = "unknown" if self.confidence is None else f"{self.confidence:.0f}%"
        return (
            f"This page's text was read by OCR ({self.engine}); mean word confidence "
            f"{confidence}. Underlined words were read with less than "
            f"{LOW_WORD_CONFIDENCE:.0f}% confidence. Check quotations against the page image."
        )


def ocr_quality(page: PageInfo) -> tuple[OcrQuality | None, list[Doubt]]:
    """The quality indicator and doubtful words of ``page`` (None and none for a text layer)."""
    if page.method != "ocr":
        return None, []
    doubtful = doubtful_words(page.words, 0, len(page.text), page.text)
    quality = OcrQuality(
        engine=page.ocr_engine or "unknown engine",
        confidence=page.ocr_confidence,
        low=is_low_page(page.method, page.ocr_confidence),
        doubtful=len(doubtful),
    )
    return quality, doubtful


def neighbour_documents(
    store: CaseStore, query: Query, doc_id: int
) -> tuple[int | None, int | None]:
    """The documents just before and after ``doc_id`` in the search results, as ranked.

    The results page groups hits by document in rank order; stepping from one
    document to the next follows the same order (within the first NEIGHBOUR_HITS hits).
    """
    try:
        hits = search(store, query, limit=NEIGHBOUR_HITS)
    except QueryError:
        return None, None
    order = list(dict.fromkeys(hit.document_id for hit in hits))
    if doc_id not in order:
        return None, None
    index = order.index(doc_id)
    before = order[index - 1] if index > 0 else None
    after = order[index + 1] if index + 1 < len(order) else None
    return before, after


def _rotate(box: Box, m: tuple[float, ...]) -> Box:
    a, b, c, d, e, f = m
    xs, ys = [], []
    for x, y in ((box.x0, box.y0), (box.x1, box.y1)):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return Box(min(xs), min(ys), max(xs), max(ys))


def document_view(request: Request) -> Response:
    state = state_of(request)
    store = state.store()
    doc_id = int(request.path_params["doc_id"])
    info = document_or_404(state, doc_id)
    q = request.query_params.get("q", "").strip()
    query: Query | None = None
    query_error = None
    if q:
        try:
            query = parse(q)
        except QueryError as exc:
            query_error = str(exc)
    try:
        match_pages = matching_page_numbers(store, doc_id, query)
    except QueryError as exc:
        query_error, match_pages = str(exc), []
    page_count = info.page_count
    default_page = match_pages[0] if match_pages else 1
    number = min(max(1, _int_param(request, "page", default_page)), max(1, page_count))
    page: PageInfo | None = None
    if page_count:
        try:
            page = store.catalog.page_info(doc_id, number)
        except UsageError:
            page = None
    pattern = match_pattern(query.terms) if query is not None else None
    spans = find_spans(page.text, pattern) if page is not None else []
    hit = _int_param(request, "hit", 0)
    if hit < 0:
        hit = len(spans) + hit
    current = min(max(0, hit), len(spans) - 1) if spans else None

    # Boxes on the page image.
    image_url = None
    page_width = page_height = 0.0
    hit_boxes: list[HitBoxes] = []
    blob_state = original_state(state.case, info.sha256)
    blob_present = blob_state is BlobState.INTACT
    if (
        page is not None
        and can_render(info.type, info.mime)
        and blob_present
        and page.width
        and page.height
    ):
        image_url = f"/doc/{doc_id}/page/{number}/image?v={info.sha256[:16]}"
        page_width, page_height = float(page.width), float(page.height)
        rotation = None
        refine: Refine | None = None
        if info.mime == "application/pdf" and page.method != "ocr" and spans:
            rotation = pdf_rotation(state.case, info.sha256, number)
            refine = _lazy_refiner(state.case, info.sha256, number)
        for index, (start, end) in enumerate(spans):
            boxes = boxes_for_span(page.words, page.text, start, end, refine)
            if rotation is not None:
                boxes = [_rotate(b, rotation) for b in boxes]
            if boxes:
                hit_boxes.append(HitBoxes(index, tuple(boxes)))

    # Navigation between hits (across pages) and pages.
    before = [n for n in match_pages if n < number]
    after = [n for n in match_pages if n > number]
    prev_hit_url = next_hit_url = None
    if current is not None and current > 0:
        prev_hit_url = viewer_url(doc_id, q, number, current - 1)
    elif before:
        prev_hit_url = viewer_url(doc_id, q, before[-1], -1)
    if current is not None and current + 1 < len(spans):
        next_hit_url = viewer_url(doc_id, q, number, current + 1)
    elif after:
        next_hit_url = viewer_url(doc_id, q, after[0], 0)
    prev_doc_url = next_doc_url = None
    if query is not None:
        before_doc, after_doc = neighbour_documents(store, query, doc_id)
        prev_doc_url = viewer_url(before_doc, q) if before_doc is not None else None
        next_doc_url = viewer_url(after_doc, q) if after_doc is not None else None
    hit_position = None
    if current is not None and len(match_pages) <= MAX_PAGES_COUNTED:
        hit_position = _hit_position(store, doc_id, match_pages, number, current, pattern)

    members = member_list(request, store, info, max(0, _int_param(request, "members", 0)))
    record = members.record
    mail: MailBody | None = None
    thread: list[Any] = []
    if info.type == "email":
        blob = state.case.blobs.path_for(info.sha256)
        if record is not None and blob_present:
            mail = recorded_body(blob, record.body)  # the message is not parsed
        elif info.mime in ("message/rfc822", OUTLOOK_MIME) and blob_present:
            mail = email_body(blob, info.mime)
        try:
            thread = store.catalog.email_thread(doc_id)
        except UsageError:
            thread = []
    metadata = sorted(
        (k, v if len(v) <= MAX_META_VALUE_CHARS else v[:MAX_META_VALUE_CHARS] + "…")
        for k, v in info.metadata.items()
        if k != MAIL_VIEW_KEY  # shown as the attachment list and the formatted message
    )
    cite_span = spans[current] if current is not None else None
    quality, doubtful = ocr_quality(page) if page is not None else (None, [])
    notes = store.annotations.document_notes(doc_id)
    noted = [
        (note.span.start, note.span.end)
        for note in notes
        if note.span is not None and note.span.page == number
    ]
    table = store.tables.page_table(doc_id, number) if page is not None else None
    context = {
        "table": table,
        "table_html": render_table(
            table, page.text, with_notes(segments(page.text, spans), noted), current, doubtful
        )
        if table is not None and page is not None
        else None,
        "q": q,
        "query_error": query_error,
        "doc": info,
        "page": page,
        "number": number,
        "page_count": page_count,
        "text_html": render_text(with_notes(segments(page.text, spans), noted), current, doubtful)
        if page
        else Markup(""),
        "ocr": quality,
        "spans": spans,
        "current": current,
        "cite_span": cite_span,
        "image_url": image_url,
        "page_width": page_width,
        "page_height": page_height,
        "hit_boxes": hit_boxes,
        "match_pages": match_pages,
        "hit_position": hit_position,
        "prev_hit_url": prev_hit_url,
        "next_hit_url": next_hit_url,
        "prev_page_url": viewer_url(doc_id, q, number - 1) if number > 1 else None,
        "next_page_url": viewer_url(doc_id, q, number + 1) if number < page_count else None,
        "back_url": "/?" + urlencode({"q": q}) if q else "/",
        "members": members.members,
        "member_total": members.total,
        "members_from": members.start,
        "max_members": members.page_size,
        "members_prev_url": members.prev_url,
        "members_next_url": members.next_url,
        "containers": store.provenance.containers(doc_id),
        "mail": mail,
        "email_headers": [(h, info.metadata[h]) for h in EMAIL_HEADERS if h in info.metadata],
        "thread": thread,
        "metadata": metadata,
        "starred": store.annotations.is_starred(doc_id),
        "tags": store.annotations.document_tags(doc_id),
        "notes": notes,
        "prev_doc_url": prev_doc_url,
        "next_doc_url": next_doc_url,
        "blob_present": blob_present,
        "blob_warning": None if blob_present else BLOB_WARNINGS[blob_state],
        "download_url": f"/doc/{doc_id}/download",
        "tag_search_url": lambda tag: "/?" + urlencode({"q": _tag_token(tag)}),
    }
    return state.page(request, "document.html", context)


def _lazy_refiner(case: Case, sha256: str, number: int) -> Refine:
    """Exact character boxes from the PDF, read only if some match covers part of a word."""
    loaded: list[Refine] = []

    def refine(box: Box, word: str, lo: int, hi: int) -> Box | None:
        if not loaded:
            loaded.append(char_refiner(pdf_chars(case, sha256, number)))
        return loaded[0](box, word, lo, hi)

    return refine


def _tag_token(tag: str) -> str:
    from culpa.search.facets import filter_token

    return filter_token("tag", tag) or tag


def _hit_position(
    store: CaseStore,
    doc_id: int,
    match_pages: list[int],
    number: int,
    current: int,
    pattern: re.Pattern[str] | None,
) -> tuple[int, int]:
    """(this hit's 1-based rank in the document, hits in the document)."""
    texts = store.pages.texts(doc_id, match_pages)
    counts = {n: len(find_spans(text, pattern)) for n, text in texts.items()}
    before = sum(c for n, c in counts.items() if n < number)
    return before + current + 1, sum(counts.values())


def cite_view(request: Request) -> Response:
    """The citation `culpa cite` prints for a span, as JSON ({"text": ..., "citation": ...})."""
    state = state_of(request)
    doc_id = int(request.path_params["doc_id"])
    try:
        page = int(request.query_params["page"])
        start = int(request.query_params["start"])
        end = int(request.query_params["end"])
    except (KeyError, ValueError):
        return JSONResponse({"error": "give page, start and end as integers"}, status_code=400)
    if not all(fits_sqlite(n) for n in (page, start, end)):
        return JSONResponse({"error": "page, start or end is out of range"}, status_code=400)
    if start < 0 or end <= start:
        return JSONResponse({"error": "need 0 <= start < end"}, status_code=400)
    try:
        citation = cite(state.store(), doc_id, page, start, end)
    except UsageError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"text": citation.as_text(), "citation": citation.as_dict()})


def routes() -> list[BaseRoute]:
    return [
        Route("/doc/{doc_id:rowid}", document_view, methods=["GET", "HEAD"]),
        Route("/doc/{doc_id:rowid}/cite", cite_view, methods=["GET"]),
    ]
