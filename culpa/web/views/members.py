"""What a container holds, as the viewer lists it: an archive's or mailbox's members, an
e-mail's attachments, a page of :data:`MAX_MEMBERS` at a time.

An e-mail ingested with a view record (:mod:`culpa.formats.email.mail_record`)
lists its attachments from that record, names and Content-IDs as the sender
gave them, and only the stored children's ids and statuses are asked of the
store; any other container lists the files found inside it (issue 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from culpa.formats.email.mail_record import MAIL_VIEW_KEY, MailRecord, parse_record
from culpa.store.api import CaseStore
from culpa.store.records import DocumentInfo

#: Members listed for an archive or mailbox (the rest are counted).
MAX_MEMBERS = 2000


@dataclass(frozen=True, slots=True)
class Member:
    path: str
    name: str
    document_id: int | None  # None: an attachment the ingest recorded but stored no document for
    type: str
    size: int
    status: str
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True, slots=True)
class MemberList:
    """One page of a container's members and the links to the pages beside it."""

    members: list[Member]
    total: int
    start: int
    page_size: int
    prev_url: str | None
    next_url: str | None
    #: The e-mail's view record (its attachments from ``start``), if it has one.
    record: MailRecord | None


def member_list(request: Request, store: CaseStore, info: DocumentInfo, start: int) -> MemberList:
    """The members of ``info`` from ``start`` (a start past the end gives the last page)."""
    record = _mail_record(info, start)
    if record is not None:
        total = record.attachment_count
        if start > _last_start(total):  # past the end: the last page
            start = _last_start(total)
            record = _mail_record(info, start)
    if record is not None:
        members = _attachments(store, info, record)
    else:
        members, total = _members(store, info, start)
        start = min(start, _last_start(total))
    return MemberList(
        members=members,
        total=total,
        start=start,
        page_size=MAX_MEMBERS,
        prev_url=_members_url(request, start - MAX_MEMBERS) if start > 0 else None,
        next_url=_members_url(request, start + MAX_MEMBERS)
        if start + MAX_MEMBERS < total
        else None,
        record=record,
    )


def _members(store: CaseStore, info: DocumentInfo, start: int = 0) -> tuple[list[Member], int]:
    total = store.provenance.member_count(info.paths)
    if not total:
        return [], 0
    stored = store.provenance.members(info.paths, MAX_MEMBERS, min(start, _last_start(total)))
    members = [
        Member(
            path=m.path,
            name=m.path[len(m.parent_path) + 2 :]
            if m.path.startswith(m.parent_path + "!/")
            else m.path,
            document_id=m.document_id,
            type=m.type,
            size=m.size,
            status=m.status,
        )
        for m in stored
    ]
    return members, total


def _mail_record(info: DocumentInfo, start: int) -> MailRecord | None:
    """What the ingest recorded for the viewer of an e-mail, with attachments from ``start``."""
    if info.type != "email":
        return None
    return parse_record(info.metadata.get(MAIL_VIEW_KEY), start, MAX_MEMBERS)


def _attachments(store: CaseStore, info: DocumentInfo, record: MailRecord) -> list[Member]:
    """A page of an e-mail's attachments from the list stored at ingest (issue 10).

    The record gives names, content types, sizes and Content-IDs; only the child
    documents' ids and statuses are looked up, by their provenance paths.
    """
    shown = record.attachments
    candidates = [f"{parent}!/{item.child}" for item in shown for parent in info.paths]
    found = store.provenance.stored_at(candidates)
    members: list[Member] = []
    for item in shown:
        path = next(
            (f"{p}!/{item.child}" for p in info.paths if f"{p}!/{item.child}" in found), None
        )
        document_id, status = found[path] if path is not None else (None, "not stored")
        members.append(
            Member(
                path=path or item.child,
                name=item.name,
                document_id=document_id,
                type=item.content_type,
                size=item.size,
                status=status,
                content_id=item.content_id,
                inline=item.inline,
            )
        )
    return members


def _last_start(total: int) -> int:
    """Where the last page of a member list of ``total`` starts."""
    return max(0, total - 1) // MAX_MEMBERS * MAX_MEMBERS


def _members_url(request: Request, start: int) -> str:
    """This page of the viewer with the member list starting at ``start``."""
    params = dict(request.query_params)
    params["members"] = str(max(0, start))
    return f"{request.url.path}?{urlencode(params)}#members"
