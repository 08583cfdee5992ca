"""Chinese quotations: the colon form, speakers after the quote, nesting, and terms that are not."""

from __future__ import annotations

from culpa.analysis.entities.mentions import Mention
from culpa.analysis.entities.quotations import find_quotations


def quotes(
    text: str, language: str | None = "zh-Hans", people: tuple[Mention, ...] = ()
) -> list[tuple[str, str | None]]:
    found = find_quotations(text, language, people)
    for quotation in found:
        assert text[quotation.start : quotation.end] == quotation.text
        if quotation.speaker_start is not None and quotation.speaker_end is not None:
            assert text[quotation.speaker_start : quotation.speaker_end] == quotation.speaker
    return [(quotation.text, quotation.speaker) for quotation in found]


def test_colon_form() -> None:
    assert quotes("陈全国强调：“要应收尽收。”") == [("要应收尽收。", "陈全国")]
    assert quotes("会上，他说：“稳定压倒一切。”") == [("稳定压倒一切。", "他")]


def test_occasion_and_adverbs_between_speaker_and_verb_are_left_out() -> None:
    text = "习近平在中央新疆工作座谈会上明确指出，“要在全社会形成严打暴恐活动的高压态势。”"
    assert quotes(text) == [("要在全社会形成严打暴恐活动的高压态势。", "习近平")]
    text = "朱海仑对各地州负责人再次要求：“严防逃跑。”"
    assert quotes(text) == [("严防逃跑。", "朱海仑")]


def test_title_kept_in_the_speaker_as_written() -> None:
    text = "自治区党委书记陈全国在会上强调：「对宗教极端分子要严厉打击，绝不手软。」"
    assert quotes(text, "zh-Hant") == [
        ("对宗教极端分子要严厉打击，绝不手软。", "自治区党委书记陈全国")
    ]


def test_speaker_after_the_quote() -> None:
    assert quotes("“稳定压倒一切。”他说。") == [("稳定压倒一切。", "他")]
    assert quotes("“要把反恐怖斗争进行到底”，张春贤表示。") == [
        ("要把反恐怖斗争进行到底", "张春贤")
    ]


def test_split_quote_gives_both_parts_one_speaker() -> None:
    text = "“这是一场持久战，”习近平在会上指出，“必须坚持不懈。”"
    found = find_quotations(text, "zh-Hans")
    assert [q.text for q in found] == ["这是一场持久战，", "必须坚持不懈。"]
    assert {(q.speaker, q.speaker_start) for q in found} == {("习近平", text.index("习近平"))}


def test_a_verb_before_a_colon_belongs_to_the_next_quote() -> None:
    text = "他说：“要严防逃跑。”她补充道：“要严格管理。”"
    assert quotes(text) == [("要严防逃跑。", "他"), ("要严格管理。", "她")]


def test_nested_quotes_give_the_outer_quotation() -> None:
    text = "他说：“要把‘三股势力’和“两面人”消灭干净。”"
    assert quotes(text) == [("要把‘三股势力’和“两面人”消灭干净。", "他")]
    text = "陈全国说：『对「两面人」要坚决查处。』"
    assert quotes(text) == [("对「两面人」要坚决查处。", "陈全国")]


def test_terms_titles_and_scare_quotes_are_not_quotations() -> None:
    text = (
        "要坚决打击“三股势力”，维护稳定。习近平总书记提出“两个维护”的要求。"
        "这些人被称为“两面人”。认真学习《习近平谈治国理政》。“两个维护”作为根本要求，必须落实。"
    )
    assert quotes(text) == []


def test_pronoun_resolved_to_the_nearest_person_named_before() -> None:
    text = "朱海仑签发电报。陈全国到喀什调研。他说：“要应收尽收。”"
    people = (
        Mention(0, 3, "朱海仑", "PER"),
        Mention(text.index("陈全国"), text.index("陈全国") + 3, "陈全国", "PER"),
    )
    [quotation] = find_quotations(text, "zh-Hans", people)
    assert (quotation.speaker, quotation.speaker_start) == ("陈全国", text.index("陈全国"))


def test_a_quote_following_on_keeps_its_speaker() -> None:
    text = "陈全国说：“要应收尽收。”“要做到不漏一户、不漏一人。”"
    assert quotes(text) == [("要应收尽收。", "陈全国"), ("要做到不漏一户、不漏一人。", "陈全国")]


def test_script_picks_the_rules_when_the_language_is_unknown() -> None:
    text = '陈全国强调：“要应收尽收。” Later, "Round them up," he said.'
    assert quotes(text, None) == [("要应收尽收。", "陈全国"), ("Round them up,", "he")]


def test_traditional_verbs_and_corner_brackets() -> None:
    assert quotes("陳志明強調：「所有檔案都已銷毀。」", "zh-Hant") == [
        ("所有檔案都已銷毀。", "陳志明")
    ]


def test_an_object_before_the_colon() -> None:
    text = "吴刚要求各县：“一周内上报全部名单。”毛主席教导我们：“要经常讲，反复讲。”"
    assert quotes(text) == [("一周内上报全部名单。", "吴刚"), ("要经常讲，反复讲。", "毛主席")]


def test_as_someone_said_and_adverbs_before_the_verb() -> None:
    text = "正如恩格斯所指出的那样：“因为个人管理工业的必然后果就是私有制”。"
    assert quotes(text) == [("因为个人管理工业的必然后果就是私有制", "恩格斯")]
    text = "毛主席又一次尖锐指出：“这是最危险的。”列宁早就指出：“阶级关系是根本的。”"
    assert quotes(text) == [("这是最危险的。", "毛主席"), ("阶级关系是根本的。", "列宁")]


def test_a_verb_with_no_one_before_it_goes_on_from_the_quote_before() -> None:
    text = "毛主席指出：“要警惕出修正主义。”还指出：“修正主义上台，也就是资产阶级上台。”"
    found = find_quotations(text, "zh-Hans")
    assert [(q.speaker, q.speaker_start) for q in found] == [("毛主席", 0), ("毛主席", 0)]
    assert quotes("还指出：“修正主义上台，也就是资产阶级上台。”") == []


def test_a_citation_in_brackets_before_the_speaker_is_left_out() -> None:
    text = (
        "（《列宁全集》第九卷，第二六七页）列宁指出：“只有客观地考虑一切阶级相互关系的全部总和。”"
    )
    assert quotes(text) == [("只有客观地考虑一切阶级相互关系的全部总和。", "列宁")]


def test_a_colon_at_a_lines_end_and_a_paragraph_that_ends_at_a_quote() -> None:
    # From the demo trove's minutes: two quoted paragraphs of a report, then the meeting.
    text = (
        "会议传达学习了《政府工作报告》。报告指出：\n“这五年，我们坚定不移把维护社会稳定放在首位。”\n"
        "“加强社会治理，深化平安新疆建设。”\n会议要求，原培训中心已完成转型的，要坚持“一人一档”。"
    )
    assert quotes(text) == [
        ("这五年，我们坚定不移把维护社会稳定放在首位。", "报告"),
        ("加强社会治理，深化平安新疆建设。", "报告"),
    ]


def test_and_went_on_to_say_keeps_the_speaker() -> None:
    text = "“这是一场持久战，”陈全国说，并指出：“必须坚持不懈。”"
    assert quotes(text) == [("这是一场持久战，", "陈全国"), ("必须坚持不懈。", "陈全国")]


def test_a_modal_between_verb_and_quote() -> None:
    assert quotes("他还说，要“应收尽收”。") == [("应收尽收", "他")]
    text = "习近平强调，要“向新疆各族群众讲清楚”。"
    assert quotes(text) == [("向新疆各族群众讲清楚", "习近平")]


def test_a_four_character_adverb_before_the_verb_is_left_out() -> None:
    text = "林彪就是咬牙切齿地叫喊：“克己复礼，复辟资本主义。”"
    assert quotes(text) == [("克己复礼，复辟资本主义。", "林彪")]
