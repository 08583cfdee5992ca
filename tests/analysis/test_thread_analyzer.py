"""Mail threads as an analyzer: computed once by culpa analyze, stored, read by the views."""

from __future__ import annotations

import email.message
import json
import sqlite3
from pathlib import Path

from culpa.analysis.threads import ThreadAnalyzer
from culpa.ingest.analyze import analyze
from culpa.ingest.runner import IngestOptions, ingest
from culpa.models import Finding, StoredDocument
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect

INGEST = IngestOptions(workers=2, ocr=False)


def write_mail(
    folder: Path, name: str, subject: str, message_id: str, replies_to: str = ""
) -> None:
    message = email.message.EmailMessage()
    message["From"] = f"{name}@example.org"
    message["To"] = "desk@example.org"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = f"Mon, 3 Jul 2017 1{len(replies_to.split())}:00:00 +0800"
    if replies_to:
        message["In-Reply-To"] = replies_to.split()[-1]
        message["References"] = replies_to
    message.set_content(f"正文 {subject}")
    (folder / f"{name}.eml").write_bytes(bytes(message))


def test_the_analyzer_gives_each_message_its_thread_and_parent() -> None:
    def mail(doc_id: int, **fields: str) -> StoredDocument:
        return StoredDocument(doc_id, f"{doc_id:064x}", "email", "message/rfc822", fields)

    documents = [
        mail(1, **{"message-id": "<a@x>", "subject": "plan"}),
        mail(2, **{"message-id": "<b@x>", "in-reply-to": "<a@x>", "subject": "Re: plan"}),
        mail(3, **{"message-id": "<c@x>", "subject": "weather"}),
    ]
    analyzer = ThreadAnalyzer()
    assert analyzer.applies_to(documents[0])
    assert not analyzer.applies_to(StoredDocument(4, "0" * 64, "text", "text/plain", {}))
    found = analyzer.analyze_case(documents)
    assert found == {
        1: [Finding("threads", "thread", "<a@x>")],
        2: [Finding("threads", "thread", "<a@x>"), Finding("threads", "parent", 1)],
        3: [Finding("threads", "thread", "<c@x>")],
    }


def _mail_case(case: Case, tmp_path: Path) -> dict[str, int]:
    mails = tmp_path / "mails"
    mails.mkdir()
    write_mail(mails, "first", "会议安排", "<a@x>")
    write_mail(mails, "reply", "回复：会议安排", "<b@x>", "<a@x>")
    write_mail(mails, "again", "回复：回复：会议安排", "<c@x>", "<a@x> <b@x>")
    write_mail(mails, "other", "天气", "<d@x>")
    ingest(case, [mails], INGEST)
    conn = sqlite3.connect(case.db_path)
    ids = {
        path.rsplit("/", 1)[-1]: doc_id
        for path, doc_id in conn.execute("SELECT path, document_id FROM provenance")
    }
    conn.close()
    return ids


def test_threads_are_stored_and_read_back_as_they_were_rebuilt(case: Case, tmp_path: Path) -> None:
    ids = _mail_case(case, tmp_path)
    store = case.store()
    rebuilt = {name: store.catalog.email_thread(doc_id) for name, doc_id in ids.items()}
    store.close()
    summary = analyze(case)
    assert summary.analyzers["threads"].documents == 4
    assert summary.analyzers["threads"].findings == 4 + 2  # a thread each, two parents
    conn = connect(case.db_path)
    catalog = SqliteCaseStore(conn).catalog
    try:
        stored = dict(
            conn.execute(
                "SELECT document_id, value FROM findings WHERE analyzer = 'threads' "
                "AND label = 'thread'"
            )
        )
        assert {
            json.loads(stored[ids[name]]) for name in ("first.eml", "reply.eml", "again.eml")
        } == {"<a@x>"}
        assert json.loads(stored[ids["other.eml"]]) == "<d@x>"
        assert {name: catalog.email_thread(doc_id) for name, doc_id in ids.items()} == rebuilt
        # What is shown now comes from the stored threads, not from the headers: a reply
        # whose headers are blanked in the case still shows in its conversation.
        conn.execute(
            "UPDATE documents SET metadata = json_remove(metadata, '$.in-reply-to', "
            "'$.references') WHERE id = ?",
            (ids["again.eml"],),
        )
        assert [m.id for m in catalog.email_thread(ids["first.eml"])] == [
            ids["first.eml"],
            ids["reply.eml"],
            ids["again.eml"],
        ]
    finally:
        conn.close()
    assert analyze(case).documents == 0
