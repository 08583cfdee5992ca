"""Speeches as whole documents: who the title says speaks, and the paragraphs that are theirs."""

from __future__ import annotations

from culpa.analysis.entities.quotations import find_quotations, speech_quotations, speech_speaker

XI_SPEECH = (
    "习近平在中央新疆工作座谈会上的讲话\n（2014年5月29日）\n\n"
    "同志们：这次会议是中央召开的第二次新疆工作座谈会。\n\n"
    "　　要在全社会形成严打暴恐活动的高压态势。\n"
    "一、总体形势\n"
)


def test_chinese_title_names_the_speaker() -> None:
    assert speech_speaker("", XI_SPEECH) == "习近平"
    assert speech_speaker("陈全国同志在自治区党委常委扩大会议上的讲话", "") == "陈全国"
    assert speech_speaker("", "朱海仑在全区政法工作会议上的讲话（摘要）\n同志们：") == "朱海仑"


def test_title_wrapped_across_lines() -> None:
    page = "自治区党委书记陈全国在全区维稳工作会议\n上的讲话\n同志们：……"
    assert speech_speaker("", page) == "自治区党委书记陈全国"


def test_speaker_on_a_byline_or_in_brackets() -> None:
    page = "机密★\n在全区稳定工作会议上的讲话\n陈 全 国\n（2017年2月）\n同志们：……。"
    assert speech_speaker("", page) == "陈全国"
    assert speech_speaker("在自治区党委常委会议上的讲话（朱海仑同志）", "") == "朱海仑"


def test_english_titles() -> None:
    assert speech_speaker("Remarks by President Xi Jinping at the Opening Ceremony", "") == (
        "President Xi Jinping"
    )
    page = "Statement by the Spokesperson of the Foreign Ministry on Xinjiang\n\nToday ..."
    assert speech_speaker("", page) == "the Spokesperson of the Foreign Ministry"
    assert speech_speaker("", "Speech by Chen Quanguo, Party Secretary\n") == "Chen Quanguo"


def test_documents_about_speeches_and_other_papers_are_not_speeches() -> None:
    assert speech_speaker("", "习近平在中央新疆工作座谈会上的讲话精神学习材料\n") is None
    assert speech_speaker("关于加强职业技能教育培训中心管理的意见", "各地州党委：……") is None
    assert (
        speech_speaker("Minutes of the meeting", "Remarks were made by several officials.") is None
    )


def test_each_paragraph_is_the_speakers_words_and_the_title_is_not() -> None:
    found = speech_quotations(XI_SPEECH, "习近平", (0, 3))
    # The date under the title ends no sentence; a heading with no break stays with its paragraph.
    assert [q.text for q in found] == [
        "同志们：这次会议是中央召开的第二次新疆工作座谈会。",
        "要在全社会形成严打暴恐活动的高压态势。\n一、总体形势",
    ]
    assert all(q.speaker == "习近平" and q.speaker_start == 0 for q in found)
    assert all(XI_SPEECH[q.start : q.end] == q.text for q in found)
    assert not any("座谈会上的讲话" in q.text for q in found)


def test_later_pages_carry_the_speaker_without_a_span() -> None:
    page = "二、工作要求\n\n各级党委要切实负起责任。\n\n要做到应收尽收。"
    found = speech_quotations(page, "陈全国")
    assert [q.text for q in found] == ["各级党委要切实负起责任。", "要做到应收尽收。"]
    assert {(q.speaker, q.speaker_start, q.speaker_end) for q in found} == {("陈全国", None, None)}


def test_a_text_that_opens_with_a_speech_title_gives_its_paragraphs() -> None:
    text = "刘云峰在全市安全生产工作会议上的讲话\n（2019年3月5日）\n各位同志：安全生产是底线。"
    [quotation] = find_quotations(text, "zh-Hans")
    assert (quotation.text, quotation.speaker) == ("各位同志：安全生产是底线。", "刘云峰")
    assert (quotation.speaker_start, quotation.speaker_end) == (0, 3)
    text = "陶鑄同志的讲話\n我这个話是湖南話，湖南同学容易听懂些。"
    assert [(q.text, q.speaker) for q in find_quotations(text, "zh-Hant")] == [
        ("我这个話是湖南話，湖南同学容易听懂些。", "陶鑄")
    ]
    text = "Remarks by Governor Alan Pryce at the Harbour Trade Forum\n\nThank you all for coming."
    assert [(q.text, q.speaker) for q in find_quotations(text, "en")] == [
        ("Thank you all for coming.", "Governor Alan Pryce")
    ]
