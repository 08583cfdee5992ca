"""The search page (``/``), and the case overview it shows before a query.

The whole search lives in the URL (``/?q=...&offset=...``), so a search can
be bookmarked and shared. The query language is the CLI's; facets add their
filters to the query text (``type:pdf``), so what a click did stays readable
and editable in the search box.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from culpa.analysis.ocr.quality import is_low_page
from culpa.errors import QueryError
from culpa.models import Hit
from culpa.search.doubt import doubtful_words, ocr_label
from culpa.search.engine import match_pattern, search
from culpa.search.explain import explain_empty
from culpa.search.facets import Facets
from culpa.search.query import Query, parse
from culpa.web.marks import find_spans, marked_snippet, snippet_window
from culpa.web.state import state_of

#: Result pages (hits) per screen.
PAGE_SIZE = 30
#: Deepest offset offered (paging that far is a sign to refine the query).
MAX_OFFSET = 10_000
#: Characters shown for a hit without a located match (a query of filters alone).
LEAD_CHARS = 160
#: Starred documents listed on the overview.
MAX_STARRED_LISTED = 50


@dataclass(frozen=True, slots=True)
class PageHit:
    page: int
    snippet: Markup
    matches: int
    href: str
    #: "OCR 71%" (and " low") on an OCR'd page, "" on a text layer; its tooltip.
    ocr: str = ""
    ocr_low: bool = False
    ocr_title: str = ""
    #: On a table's page: the row the match is in (cited as doc N row R).
    row: int | None = None


@dataclass(slots=True)
class DocGroup:
    document_id: int
    file_name: str
    path: str
    type: str
    title: str
    page_count: int
    starred: bool
    tags: list[str]
    href: str
    hits: list[PageHit] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FacetLink:
    label: str
    count: str
    href: str | None
    active: bool


def search_url(q: str, offset: int = 0) -> str:
    params: dict[str, str | int] = {"q": q}
    if offset:
        params["offset"] = offset
    return "/?" + urlencode(params)


def viewer_url(doc_id: int, q: str, page: int) -> str:
    params: dict[str, str | int] = {"page": page}
    if q:
        params["q"] = q
    return f"/doc/{doc_id}?" + urlencode(params)


def _with_token(q: str, token: str) -> tuple[str, bool]:
    """The query narrowed by ``token``, or widened again when it is already there.

    A token may hold spaces (``person:"Zhu Hailun"``): it is found whole, between spaces.
    """
    standing = re.compile(rf"(?:^|(?<=\s)){re.escape(token)}(?=\s|$)")
    if standing.search(q):
        return " ".join(standing.sub(" ", q).split()), True
    return f"{q} {token}".strip(), False


def facet_links(q: str, facets: Facets) -> list[tuple[str, str, list[FacetLink], int]]:
    """(name, title, links, more) per facet, each link narrowing (or widening) the query."""
    out = []
    for facet in facets.facets:
        links = []
        for value in facet.values:
            shown = f"≈{value.count:,}" if facets.approximate else f"{value.count:,}"
            if value.token is None:
                links.append(FacetLink(value.label, shown, None, False))
                continue
            new_q, active = _with_token(q, value.token)
            links.append(FacetLink(value.label, shown, search_url(new_q), active))
        out.append((facet.name, facet.title, links, facet.more))
    return out


def _escape_lead(text: str) -> Markup:
    lead = " ".join(text[:LEAD_CHARS].split())
    return escape(lead + ("…" if len(text) > LEAD_CHARS else ""))


def group_hits(request: Request, q: str, query: Query, hits: list[Hit]) -> list[DocGroup]:
    """Hits grouped by document, in the order each document first ranks."""
    if not hits:
        return []
    store = state_of(request).store()
    doc_ids = list(dict.fromkeys(h.document_id for h in hits))
    docs = store.catalog.summaries(doc_ids)
    marks = store.annotations.marks_of(doc_ids)
    tags: dict[int, list[str]] = {}
    for doc_id, tag in sorted(marks.tags, key=lambda pair: pair[1]):
        tags.setdefault(doc_id, []).append(tag)
    starred = marks.starred
    texts = store.catalog.pages_at([(h.document_id, h.page) for h in hits])
    # Word confidences only for OCR'd hits: text-layer results cost nothing more.
    words = store.catalog.words(
        [
            texts[(h.document_id, h.page)][1]
            for h in hits
            if h.method == "ocr" and (h.document_id, h.page) in texts
        ],
    )
    pattern = match_pattern(query.terms)
    groups: dict[int, DocGroup] = {}
    for hit in hits:
        group = groups.get(hit.document_id)
        if group is None:
            summary = docs.get(hit.document_id)
            metadata = summary.metadata if summary else {}
            file_name = hit.path.rsplit("!/", 1)[-1].rsplit("/", 1)[-1] if hit.path else hit.sha256
            group = DocGroup(
                document_id=hit.document_id,
                file_name=file_name,
                path=hit.path,
                type=hit.type,
                title=str(metadata.get("title") or metadata.get("subject") or ""),
                page_count=summary.page_count if summary else 0,
                starred=hit.document_id in starred,
                tags=tags.get(hit.document_id, []),
                href=viewer_url(hit.document_id, q, hit.page),
            )
            groups[hit.document_id] = group
        text, page_id = texts.get((hit.document_id, hit.page), ("", 0))
        spans = find_spans(text, pattern)
        around = (hit.start, hit.end) if hit.end > hit.start else spans[0] if spans else None
        if around is not None:
            lo, hi = snippet_window(text, around)
            doubtful = doubtful_words(words[page_id], lo, hi, text) if page_id in words else []
            snippet = marked_snippet(text, spans, around, doubtful=doubtful)
        else:
            snippet = _escape_lead(text)
        label = ocr_label(hit.method, hit.ocr_engine, hit.ocr_confidence)
        group.hits.append(
            PageHit(
                hit.page,
                snippet,
                len(spans),
                viewer_url(hit.document_id, q, hit.page),
                ocr=label,
                ocr_low=is_low_page(hit.method, hit.ocr_confidence),
                ocr_title=f"Read by OCR ({hit.ocr_engine}): check quotations against the page image"
                if label
                else "",
                row=hit.row,
            )
        )
    return list(groups.values())


def search_view(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "").strip()
    try:
        offset = min(MAX_OFFSET, max(0, int(request.query_params.get("offset", "0"))))
    except ValueError:
        offset = 0
    if not q:
        return overview(request)
    store = state.store()
    marks: list[tuple[str, float]] = []
    started = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        marks.append((name, (now - last) * 1000))
        last = now

    try:
        query = parse(q)
        # Counting and facets run beside the ranked search and the snippets (their own
        # thread and connection; SQLite lets go of the GIL while it reads).
        generation = state.generation
        counting = state.pool.submit(lambda: state.facets.get(state.store(), q, query, generation))
        hits = search(store, query, limit=PAGE_SIZE, offset=offset)
        lap("search")
        groups = group_hits(request, q, query, hits)
        lap("snippets")
        facets = counting.result()
        lap("count-facets (rest)")
    except QueryError as exc:
        return state.page(
            request, "search.html", {"q": q, "error": str(exc), "total": 0}, status=400
        )
    total = facets.total_pages
    took_ms = (time.perf_counter() - started) * 1000
    context = {
        "q": q,
        "error": None,
        "total": total,
        "total_exact": facets.total_exact,
        "documents": facets.documents,
        "facets_exact": not facets.approximate,
        "sampled_pages": facets.sampled_pages,
        "took_ms": took_ms,
        # Nothing found: name the filter values that match nothing, and what exists.
        "why_empty": explain_empty(store, query) if not total else [],
        "groups": groups,
        "facets": facet_links(q, facets),
        "first": offset + 1,
        "last": offset + len(hits),
        "prev_href": search_url(q, max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        "next_href": (
            search_url(q, offset + PAGE_SIZE)
            if offset + PAGE_SIZE < min(total, MAX_OFFSET + PAGE_SIZE)
            else None
        ),
    }
    response = state.page(request, "search.html", context)
    lap("render")
    # Where the time went, for the browser's developer tools (and bench/web_latency.py).
    response.headers["Server-Timing"] = ", ".join(f"{n};dur={ms:.1f}" for n, ms in marks)
    return response


def overview(request: Request) -> Response:
    """The case at a glance: counts, tags, starred documents, latest notes."""
    state = state_of(request)
    store = state.store()
    counts = store.documents.counts()
    starred = store.annotations.starred_documents(MAX_STARRED_LISTED)
    notes = store.annotations.all_notes()
    notes.sort(key=lambda n: n.created_at, reverse=True)
    return state.page(
        request,
        "overview.html",
        {
            "autofocus": True,
            "counts": counts,
            "tags": [
                (tag, n, search_url(f"tag:{_token_value(tag)}"))
                for tag, n in store.annotations.tag_counts()
            ],
            "starred": starred,
            "notes": notes[:20],
            "note_total": len(notes),
            "type_links": [
                (t, n, search_url(f"type:{t}")) for t, n in counts["documents_by_type"].items()
            ],
        },
    )


def _token_value(value: str) -> str:
    from culpa.search.facets import filter_token

    token = filter_token("x", value)
    return token[2:] if token else value


def notes_view(request: Request) -> Response:
    """Every note in the case, by document."""
    state = state_of(request)
    notes = state.store().annotations.all_notes()
    return state.page(request, "notes.html", {"notes": notes})


def routes() -> list[BaseRoute]:
    return [
        Route("/", search_view, methods=["GET", "HEAD"]),
        Route("/notes", notes_view, methods=["GET", "HEAD"]),
    ]
