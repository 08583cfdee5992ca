"""culpa/store/entity_edits.py: the reporter's edits applied in order, loops, names folded."""

from __future__ import annotations

from culpa.store.entity_edits import Canon, MentionGroup, folded
from culpa.store.records import EntityEdit


def merge(edit_id: int, source: str, target: str, label: str = "PER") -> EntityEdit:
    return EntityEdit(edit_id, "merge", label, source, label, target)


def test_names_fold_across_scripts_case_and_spaces() -> None:
    assert folded("陳全國") == folded("陈全国")
    assert folded("  Chen   QUANGUO ") == folded("chen quanguo")
    assert folded("Chén") == folded("chen")


def test_merges_chain_and_the_latest_of_a_loop_wins() -> None:
    canon = Canon([merge(1, "A", "B"), merge(2, "B", "C")])
    assert canon.resolve("PER", "A") == ("PER", "C")
    assert canon.resolve("LOC", "A") == ("LOC", "A")  # another label, another entity
    looped = Canon([merge(1, "A", "B"), merge(2, "B", "C"), merge(3, "C", "A")])
    assert {looped.resolve("PER", n) for n in "ABC"} == {("PER", "A")}
    undone = Canon([merge(2, "B", "A"), merge(1, "A", "B")])  # applied by id, not list order
    assert undone.resolve("PER", "A") == ("PER", "A") == undone.resolve("PER", "B")
    assert Canon([merge(1, "A", "a")]).resolve("PER", "A") == ("PER", "A")  # folds to itself


def test_an_alias_matches_a_mention_s_name_or_text_and_a_speaker() -> None:
    alias = EntityEdit(1, "alias", "PER", "华春莹", alias="the spokeswoman")
    canon = Canon([alias])
    assert canon.entity("PER", "The Spokeswoman", "The Spokeswoman") == ("PER", "华春莹")
    assert canon.entity("PER", "Hua", "the spokeswoman") == ("PER", "华春莹")
    assert canon.entity("PER", "Hua", "Hua") == ("PER", "Hua")
    assert canon.speaker(None, "the spokeswoman") == "华春莹"
    assert canon.speaker(None, "he") is None
    assert canon.speaker("王毅", "he") == "王毅"


def test_a_split_wins_over_merges_of_the_mention_s_name() -> None:
    split = EntityEdit(
        2, "split", "PER", "李伟", "PER", "李伟 (公安厅)", mentions=(("a", 1, 0, 2),)
    )
    canon = Canon([merge(1, "李伟", "李伟 (总部)"), split])
    assert canon.entity("PER", "李伟", "李伟", split=2) == ("PER", "李伟 (公安厅)")
    assert canon.entity("PER", "李伟", "李伟") == ("PER", "李伟 (总部)")
    assert canon.speaker("李伟", "李伟", split=2) == "李伟 (公安厅)"


def test_entities_count_documents_once_and_list_aliases() -> None:
    canon = Canon(
        [
            merge(1, "Chen Quanguo", "陈全国"),
            EntityEdit(2, "alias", "PER", "陈全国", alias="Secretary Chen"),
        ]
    )
    groups = [
        MentionGroup("PER", "陈全国", "陳全國", None, 1, 2),
        MentionGroup("PER", "陈全国", "陈全国同志", None, 2, 1),
        MentionGroup("PER", "Chen Quanguo", "Chen Quanguo", None, 1, 3),
        MentionGroup("LOC", "喀什", "喀什", None, 1, 1),
    ]
    chen, kashgar = canon.entities(groups)
    assert (chen.label, chen.name, chen.mentions, chen.documents) == ("PER", "陈全国", 6, 2)
    assert chen.aliases == ("Chen Quanguo", "陳全國", "陈全国同志", "Secretary Chen")
    assert (kashgar.name, kashgar.aliases) == ("喀什", ())


def test_the_case_s_folding_comes_after_edits_of_the_name_itself() -> None:
    folds = {("PER", "Chen Quanguo"): "陈全国"}
    canon = Canon([], folds)
    assert canon.entity("PER", "Chen Quanguo", "Chen Quanguo") == ("PER", "陈全国")
    assert canon.entity("LOC", "Chen Quanguo", "Chen Quanguo") == ("LOC", "Chen Quanguo")
    assert canon.speaker("Chen Quanguo", "he") == "陈全国"
    moved = Canon([merge(1, "陈全国", "陈全国 (XUAR)")], folds)
    assert moved.entity("PER", "Chen Quanguo", "Chen Quanguo") == ("PER", "陈全国 (XUAR)")
    assert moved.speaker("Chen Quanguo", "he") == "陈全国 (XUAR)"
    out = Canon([merge(1, "Chen Quanguo", "Chen Quanguo (2)")], folds)
    assert out.entity("PER", "Chen Quanguo", "Chen Quanguo") == ("PER", "Chen Quanguo (2)")
    assert out.speaker("Chen Quanguo", "he") == "Chen Quanguo (2)"


def test_a_line_break_inside_a_name_makes_no_alias() -> None:
    groups = [
        MentionGroup("PER", "刘少奇", "刘\n少奇", None, 1, 2),
        MentionGroup("PER", "刘少奇", "劉\n少奇", None, 1, 1),
        MentionGroup("PER", "Liu Shaoqi", "Liu\n  Shaoqi", None, 2, 1),
    ]
    (liu, pinyin) = Canon([]).entities(groups)
    assert (liu.name, liu.aliases, liu.mentions) == ("刘少奇", ("劉少奇",), 3)
    assert (pinyin.name, pinyin.aliases) == ("Liu Shaoqi", ())
