from __future__ import annotations

from datetime import UTC, datetime

from culpa.analysis.threads import MailItem, build_threads, message_ids, normalise_subject


def test_normalise_subject_strips_english_and_chinese_prefixes() -> None:
    assert normalise_subject("Re: Fwd: Budget") == ("budget", True)
    assert normalise_subject("回复：会议安排") == ("会议安排", True)
    assert normalise_subject("答复: 转发：会议安排") == ("会议安排", True)
    assert normalise_subject("轉寄：會議") == ("會議", True)
    assert normalise_subject("RE[2]: AW: status") == ("status", True)
    assert normalise_subject("Reading list") == ("reading list", False)
    assert normalise_subject("  关于  会议 ") == ("关于 会议", False)
    assert normalise_subject(None) == ("", False)


def test_message_ids_from_headers() -> None:
    assert message_ids("<a@x> <b@x>\r\n <c@x>") == ["<a@x>", "<b@x>", "<c@x>"]
    assert message_ids(["<a@x>", "b@x"]) == ["<a@x>", "<b@x>"]
    assert message_ids("") == []
    assert message_ids(None) == []


def test_reply_chain_by_references_and_in_reply_to() -> None:
    links = build_threads(
        [
            MailItem(3, "<c@x>", "<b@x>", "<a@x> <b@x>", "答复: 回复：会议安排"),
            MailItem(1, "<a@x>", None, None, "会议安排"),
            MailItem(2, "<b@x>", "<a@x>", None, "回复：会议安排"),
            MailItem(4, "<d@x>", None, None, "unrelated"),
        ]
    )
    assert links[1].thread == links[2].thread == links[3].thread == "<a@x>"
    assert (links[1].parent, links[2].parent, links[3].parent) == (None, 1, 2)
    assert links[4].thread == "<d@x>" and links[4].parent is None


def test_missing_parent_keeps_siblings_together() -> None:
    links = build_threads(
        [
            MailItem("e", "<e@x>", "<gone@x>", None, "Re: budget"),
            MailItem("f", "<f@x>", None, "<root@x> <gone@x>", "Re: budget"),
            MailItem("g", "<g@x>", "<e@x>", None, "Re: budget"),
        ]
    )
    assert {link.thread for link in links.values()} == {"<root@x>"}
    assert links["e"].parent is None and links["f"].parent is None
    assert links["g"].parent == "e"


def test_cycles_are_broken() -> None:
    links = build_threads(
        [
            MailItem(1, "<a@x>", "<b@x>", None, "loop"),
            MailItem(2, "<b@x>", "<a@x>", None, "loop"),
            MailItem(3, "<c@x>", "<c@x>", "<c@x>", "self"),  # refers to itself
        ]
    )
    assert links[1].thread == links[2].thread
    parents = {links[1].parent, links[2].parent}
    assert None in parents and parents - {None} <= {1, 2}
    assert links[3].parent is None and links[3].thread == "<c@x>"


def test_subject_fallback_only_when_ids_do_not_link() -> None:
    day = datetime(2017, 1, 2, tzinfo=UTC)
    links = build_threads(
        [
            MailItem(1, "<a@x>", None, None, "会议安排", day.replace(hour=9)),
            MailItem(2, "<z@x>", None, None, "转发：会议安排", day.replace(hour=10)),
            MailItem(3, "<y@x>", None, None, "回复: 会议安排", "2017-01-02T11:00:00+00:00"),
            # Linked by id to another thread: its subject must not move it.
            MailItem(4, "<q@x>", None, None, "Budget", day.replace(hour=8)),
            MailItem(5, "<r@x>", "<q@x>", None, "Re: 会议安排", day.replace(hour=12)),
            MailItem(6, "<s@x>", None, None, "", day),
            MailItem(7, "<t@x>", None, None, "Re:", day),
        ]
    )
    assert links[1].thread == links[2].thread == links[3].thread == "<a@x>"
    assert (links[1].parent, links[2].parent, links[3].parent) == (None, 1, 1)
    assert links[5].thread == "<q@x>" and links[5].parent == 4
    assert links[6].thread == "<s@x>" and links[7].thread == "<t@x>"  # empty subjects stay apart


def test_subject_group_without_a_starter_shares_key_without_parents() -> None:
    links = build_threads(
        [
            MailItem(1, "<b@x>", None, None, "Re: plan", "Tue, 03 Jan 2017 10:00:00 +0000"),
            MailItem(2, "<a@x>", None, None, "RE: Plan", "Mon, 02 Jan 2017 10:00:00 +0000"),
        ]
    )
    assert links[1].thread == links[2].thread == "<a@x>"  # the earlier message's id
    assert links[1].parent is None and links[2].parent is None


def test_duplicates_and_messages_without_ids() -> None:
    links = build_threads(
        [
            MailItem(1, "<a@x>", None, None, "hello"),
            MailItem(2, "<a@x>", None, None, "hello"),  # same Message-ID saved twice
            MailItem(3, None, None, None, "other"),
            MailItem(4, None, "<a@x>", None, "Re: hello"),
        ]
    )
    assert links[1].thread == links[2].thread == links[4].thread == "<a@x>"
    assert links[4].parent == 1
    assert links[3] == links[3].__class__(thread="item:3", parent=None)
    assert len(links) == 4
