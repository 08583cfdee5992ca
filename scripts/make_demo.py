"""Build culpa's demo trove: a small, fictional leak, made by code.

Usage::

    .venv/bin/python scripts/make_demo.py demo/

writes ``demo/trove/`` (the documents to ingest: born-digital Chinese and
English PDFs, a scanned PDF, two phone photos (one stored sideways with its
EXIF orientation), a 1-bit two-page spread scan (G4 TIFF), a DOCX, an email with an
attachment, a GB18030 text, a traditional-Chinese page and a zip) and
``demo/expected.json`` (which files contain which demo queries, worked out
from the text each file was made from). ``demo/README.md`` is hand-written
and left alone.

The trove sits in its own sub-folder so that ingesting it does not also index
the README and the answer key, which mention every query.

The memos, the telegram, the lists, the email, the notes and the briefing are
fictional (the county 坎儿井县 does not exist) and say so in a footer. Three
paragraphs of the 2026 Xinjiang government work report are quoted verbatim
(the traditional-Chinese copies converted with OpenCC s2hk); it is an official
document of a state organ, not protected by copyright (Art. 5, PRC Copyright Law).
The second phone photo and the two-page spread typeset paragraphs of a real
Party Central Committee document, 中发〔1971〕22号, also an official document.

Output is deterministic: fixed seeds, fixed dates in metadata and zip
entries, fixed MIME boundaries and no fresh PDF /ID, so re-running with the
same library versions gives the same bytes. The build fails rather than write
a demo that no longer shows what it is meant to (e.g. 刻不容缓 not split
across a line).
"""

# PyMuPDF and python-docx ship no type hints.
# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import itertools
import json
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import numpy as np
import opencc
import pymupdf
from docx import Document
from docx.shared import Pt
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

#: Sub-folder of the output folder that holds the documents.
TROVE_DIR = "trove"
#: Noto CJK collections (Debian/Ubuntu fonts-noto-cjk); index 2 is the SC face.
NOTO_SANS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
NOTO_SERIF_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc")
NOTO_SC_INDEX = 2
#: Resolution of the simulated scan, in dots per inch.
SCAN_DPI = 300
#: Seed for every random choice (noise, skew); the date of the fictional scan.
SEED = 20170714
FICTION_ZH = "（虚构演示文件 / FICTIONAL DEMO DOCUMENT / culpa）"
FICTION_HK = "（虛構演示頁面 / FICTIONAL DEMO PAGE / culpa）"
FICTION_EN = "FICTIONAL DEMO DOCUMENT (culpa). Not a real leak."
ARCHIVE_PHOTO = "IMG_20170716_101244.jpg"
ARCHIVE_SPREAD = "扫描件_干校报告_第8-9页.tif"
#: Found only if the photo is read (upright, after its EXIF turn).
ARCHIVE_PHOTO_QUERY = "广大干部下放劳动"
#: Broken across a line end of the spread's left page and of its right page: found only
#: if the OCR reads each page's lines in order, not straight across the spread. (A
#: phrase across the page turn would not do: the printed page number comes between.)
SPREAD_QUERIES = ("插队干部", "建设社会主义")
#: Queries listed in expected.json. Matching is described in that file.
QUERIES = (
    "新疆",
    "中央",
    "习近平",
    "刻不容缓",
    "培训中心",
    "教育转化",
    "一体化联合作战平台",
    "雪亮工程",
    "乌鲁木齐",
    "学员名单",
    ARCHIVE_PHOTO_QUERY,
    *SPREAD_QUERIES,
    "detention",
    "Integrated Joint Operations Platform",
    "points system",
)

# --- Real text: 2026年新疆维吾尔自治区政府工作报告 (delivered 2026-01-27, published
# 2026-02-12 by 新疆日报), quoted verbatim. An official document of a state organ.
REPORT_TITLE = "2026年新疆维吾尔自治区政府工作报告"
REPORT_LEADERSHIP = (
    "以习近平同志为核心的党中央始终对新疆工作高度重视、给予特殊关怀，为新疆擘画蓝图、定向领航。"
    "2022年7月、2023年8月习近平总书记先后到新疆考察调研、听取工作汇报，对新疆工作作出重要部署。"
    "2025年9月，习近平总书记亲率中央代表团出席自治区成立70周年庆祝活动，发表重要讲话、作出重要指示。"
    "天山南北万众欢腾，各族群众载歌载舞，表达对人民领袖的由衷感激和无限爱戴。"
    "习近平总书记充分肯定自治区成立70年来取得的成就，对新疆未来发展寄予厚望，"
    "为新起点上做好新疆工作指明前进方向、提供根本遵循。"
    "我们要牢记嘱托、感恩奋进、团结奋斗，奋力谱写中国式现代化新疆实践的崭新篇章。"
)
REPORT_STABILITY = (
    "这五年，我们坚定不移把维护社会稳定放在首位，坚持依法治疆，天山南北呈现安定祥和新气象。"
    "扎实推进反恐维稳法治化常态化，保持依法严打高压态势，筑牢边境防控铜墙铁壁，"
    "坚决把暴恐风险化解在萌芽状态，守住了不发生大的暴恐案事件的底线。"
    "加强社会治理，用好新时代“枫桥经验”，深化平安新疆建设，公众安全感满意度连续5年保持在99%以上。"
    "统筹防范化解重大风险，高风险金融机构实现历史性动态清零，坚决遏制新增政府隐性债务，"
    "自治区存量隐性债务全部化解。全面完成“保交楼”“保交房”任务，安全生产形势持续向好，"
    "本质安全水平稳步提升。打好涉疆对外斗争主动仗，积极稳妥应对涉疆制裁，"
    "加大“请进来”“走出去”力度，举办世界媒体峰会等一系列国际性活动，"
    "制作播出《地上的云朵》专题片等，向世界展示了团结和谐、繁荣发展、开放包容的新疆形象。"
)
# The same report in Hong Kong traditional characters (OpenCC s2hk, frozen here so
# the output does not depend on the OpenCC version).
REPORT_LEADERSHIP_HK = (
    "以習近平同志為核心的黨中央始終對新疆工作高度重視、給予特殊關懷，為新疆擘畫藍圖、定向領航。"
    "2022年7月、2023年8月習近平總書記先後到新疆考察調研、聽取工作彙報，對新疆工作作出重要部署。"
    "2025年9月，習近平總書記親率中央代表團出席自治區成立70週年慶祝活動，發表重要講話、作出重要指示。"
    "天山南北萬眾歡騰，各族羣眾載歌載舞，表達對人民領袖的由衷感激和無限愛戴。"
    "習近平總書記充分肯定自治區成立70年來取得的成就，對新疆未來發展寄予厚望，"
    "為新起點上做好新疆工作指明前進方向、提供根本遵循。"
    "我們要牢記囑託、感恩奮進、團結奮鬥，奮力譜寫中國式現代化新疆實踐的嶄新篇章。"
)
REPORT_ORDER_HK = (
    "（一）全力維護社會大局和諧穩定。統籌發展和安全，高舉社會主義法治旗幟，"
    "深入推進反恐維穩和涉疆對外鬥爭，嚴厲打擊人民羣眾反映強烈的違法犯罪活動。"
    "構建共建共治共享的社會治理格局，充分發揮綜治中心作用，妥善排查化解各類矛盾糾紛，"
    "維護羣眾合法權益，全力守護人民安寧。"
)

# --- Fictional text (written for this demo).
MEMO_ISSUER = "坎儿井县维护稳定工作领导小组办公室"
MEMO_NUMBER = "坎维稳办〔2017〕23号"
MEMO_TITLE = "关于进一步加强职业技能教育培训中心管理工作的通知"
MEMO_PARAS = (
    "为深入贯彻落实党中央关于新疆工作的决策部署和自治区党委的工作要求，进一步规范全县职业技能"
    "教育培训中心（以下简称“培训中心”）管理，经县维护稳定工作领导小组研究同意，现就有关事项"
    "通知如下。",
    "一、提高政治站位。各单位要把思想和行动统一到习近平总书记关于新疆工作的重要指示精神上来，"
    "统一到中央和自治区党委的部署要求上来。当前我县维稳形势依然严峻复杂，进一步加强培训中心的规范化管理"
    "工作刻不容缓，各单位务必高度重视，主要领导亲自抓、负总责。",
    "二、严格收押程序。对一体化联合作战平台推送的重点人员，各乡镇须在24小时内完成核查，经乡镇"
    "党委审核、县维稳办审批后送培训中心集中教育转化，做到应收尽收、不漏一人。严禁未经审批擅自"
    "收押或放人。",
    "三、落实安全防范。培训中心一律实行封闭式管理，做到门禁、监控视频全覆盖、无死角，严防脱逃、"
    "严防聚集闹事、严防非正常死亡。学员与家属视频通话每周不超过一次，须全程监听并登记。",
    "四、实行积分管理。学员实行“积分制”考核，积分与结业评估、家属探视挂钩。结业须经县、乡两级"
    "联合评估，评估不合格的继续留院教育转化。具体办法见附件1。",
    "五、严守保密纪律。本通知及附件严禁对外泄露，严禁通过互联网、微信等渠道传播。对外一律统一"
    "口径为“职业技能教育培训”。",
    "六、强化督查问责。县维稳办将会同县纪委监委开展不定期督查，对工作不力、造成严重后果的，"
    "依规依纪严肃追究相关人员责任。",
)
MEMO_ANNEX = (
    "第一条　学员按风险程度分为严格管理、重点管理、普通管理三类，分别安排在不同监区，实行分类"
    "编班、分区管理。",
    "第二条　严格管理类学员须全程佩戴定位腕带，在宿舍、教室、食堂之间转移须由两名以上管教人员"
    "押送。",
    "第三条　学员每日须参加国家通用语言文字学习和法律法规学习，每周书写思想汇报一份，由班主任"
    "评定积分。",
    "第四条　积分连续八周达标的，可申请降低管理类别；有抵触情绪、拒绝学习的，扣减积分并上调"
    "管理类别。",
    "第五条　学员结业后，由所在乡镇纳入重点人员管控，落实“一人一档”，定期入户走访，持续跟踪"
    "六个月以上。",
    "第六条　本办法由县维稳办负责解释，自印发之日起施行。",
)
TELEGRAM_PARAS = (
    "各派出所、各便民警务站：",
    "根据自治区和地区统一部署，定于7月21日零时起在全县开展为期十天的“夜间集中清查”行动。"
    "各单位要对辖区内重点人员逐户见面、逐人核查，对一体化联合作战平台预警的“三类人员”一律"
    "带回审查，符合条件的当日送培训中心。",
    "清查情况每日20时前报县局指挥中心，不得迟报、漏报。此电不得翻印、不得上网。",
)
ATTACHMENT_PARAS = (
    "一、建设目标。2017年底前完成“雪亮工程”二期建设，实现全县城乡主要路口、清真寺、集市、"
    "学校周边高清视频监控全覆盖，所有便民警务站接入人脸识别卡口。",
    "二、数据汇聚。视频、人脸、车辆、手机电子围栏（WiFi嗅探）数据统一汇入一体化联合作战平台，"
    "按“一标三实”要求与户籍、重点人员库自动比对，异常情况实时推送至乡镇和派出所。",
    "三、保障措施。所需资金由县财政统筹解决，建设进度纳入各乡镇维稳工作考核。",
)
SCAN_LINES = (
    ("title", "坎儿井县职业技能教育培训中心"),
    ("title", "学员情况周报（2017年第28周）"),
    ("left", "填报单位：第二培训中心　　　　填报日期：2017年7月14日"),
    ("left", "一、在册学员1246人，本周新收押87人，结业12人，转送外地3人。"),
    ("left", "二、本周开展国家通用语言文字和法律法规教学，教育转化评估合格率41.3%。"),
    ("left", "三、本周无脱逃事件。发生绝食1起，已妥善处置；医务室接诊46人次。"),
    ("left", "四、按照新疆自治区党委要求，下周起严格管理类学员一律佩戴定位腕带。"),
    ("left", "五、三号监区床位已满，请县维稳办协调启用新建监区。"),
    ("small", FICTION_ZH),
)
PHOTO_TITLE = "第二培训中心 学员名单（节选）"
PHOTO_SUBTITLE = "Kanerjing VETC No.2 - detainee list (excerpt)"
PHOTO_HEADER = ("序号", "姓名", "乡镇", "类别", "收押日期")
PHOTO_ROWS = (
    ("1", "艾某某", "红柳乡", "严格", "2017-06-15"),
    ("2", "买某某", "红柳乡", "重点", "2017-06-15"),
    ("3", "吐某某", "沙枣乡", "普通", "2017-06-18"),
    ("4", "阿某某", "沙枣乡", "严格", "2017-06-20"),
    ("5", "热某某", "胡杨镇", "重点", "2017-06-22"),
    ("6", "库某某", "胡杨镇", "普通", "2017-07-02"),
    ("7", "努某某", "红柳乡", "重点", "2017-07-05"),
    ("8", "帕某某", "沙枣乡", "严格", "2017-07-09"),
)
# --- Real text: 中共中央文件 中发〔1971〕22号, the report it forwards (关于进一步办好中央机关
# “五·七”干校的报告), quoted verbatim from the banned-historical-archives transcription
# (bha21_52b5cb7a-…json in the shared corpus). An official document of a Party organ.
ARCHIVE_TITLE = "关于进一步办好中央机关“五·七”干校的报告"
ARCHIVE_ADDRESSEE = "毛主席、林副主席、中共中央、国务院："
ARCHIVE_PHOTO_PARAS = (
    "一九七〇年十二月一日到一九七一年一月二十六日在北京召开了党中央、国务院各部门“五·七”"
    "干校会议。会议认真学习了伟大领袖毛主席和林副主席的重要指示，学习了党的九届二中全会公报，"
    "以两条路线斗争为纲，总结交流了经验，开展了革命大批判，讨论了进一步办好“五·七”干校的问题。"
    "遵照毛主席的光辉“五·七”指示和“广大干部下放劳动”的指示，两年来，中央机关创办了106所"
    "“五·七”干校，有近九万名干部、一万名工勤人员、五千名知识青年、三万名家属，共十三万五千人"
    "到干校学习和劳动。",
    "“五·七”干校是个新生事物。从它诞生的那一天起，就在突出政治，还是突出生产；自力更生、"
    "艰苦奋斗，还是向上伸手、铺张浪费；开门办，还是关门办；长期打算，还是临时观点等问题上，"
    "存在着两条路线、两种思想的斗争。会议通过讨论，分清了是非、明确了方向，并研究了当前干校"
    "存在的一些实际问题，提出了进一步办好“五·七”干校的几点意见。",
    "一、充分认识办干校的意义，明确干校的发展方向。“五·七”干校是中央机关落实毛主席“五·七”"
    "指示和“广大干部下放劳动”指示的一种好形式。",
)
ARCHIVE_SPREAD_PARAS = (
    "四、以干校为基地，实行留校与插队相结合，接受贫下中农再教育。多数干校组织干部轮流到农村"
    "插队，得到多方面锻炼和提高，普遍反映，“农村事事有老师，处处受教育”。地方党委和贫下中农也"
    "欢迎干校这样办。有些干校还为农村训练赤脚医生，进行免费医疗和巡回治疗，访问疾苦，深得群众"
    "欢迎。今后各干校都要分期分批组织干部去插队，一般每期不少于三个月。插队干部要积极宣传毛泽东"
    "思想，接受贫下中农再教育，参加劳动，当好“参谋”，并帮助附近农村搞好革命和生产。除插队外，"
    "还应采取其他形式，密切同当地群众的联系，勤勤恳恳为人民服务，戒骄戒躁，向贫下中农学习。",
    "五、发挥“抗大”革命传统，一面学习，一面生产。两年来，“五·七”干校自己动手，生产了粮食"
    "一亿斤、棉花一万三千担、油料六百四十万斤，现有存栏猪二万四千头，办了一百多个小工厂，盖了"
    "四十五万平方米房屋。有九个干校实现粮、油、肉、菜四自给，十三个干校粮食上《纲要》，十四个"
    "干校棉花上《纲要》。干校要深入开展农业学大寨的群众运动。要继续发扬自力更生、艰苦奋斗的革命"
    "精神，鼓足干劲，力争上游，多快好省地建设社会主义，为国家创造更多的财富，克服“生产好坏无关"
    "紧要”和无所作为的懒汉懦夫思想。",
    "六、做好干部轮训和分配工作。在职干部也应分批下放劳动。各部、委要作出通盘安排，在三、五年内"
    "分批下放锻炼一遍，要形成制度，坚持下去。干校现有干部七万五千人，其中大多数是好的和比较好的，"
    "建议允许各部、委在干校储备一定数量的干部（相当机关现有编制五分之一到四分之一），以轮换在职"
    "干部下放劳动，其余的可根据斗批改进度和工作需要作出规划，逐步分配。",
)
ARCHIVE_SPREAD_FOLIOS = ("— 8 —", "— 9 —")
ARCHIVE_NOTE = "（culpa 演示：据中发〔1971〕22号原文排印后模拟翻拍 / SIMULATED PHOTO）"
BRIEFING_TITLE = "Kanerjing County: the 'training centre' system"
BRIEFING_SUBTITLE = "Internal briefing for editors - translated extracts and analysis - July 2017"
BRIEFING_PARAS = (
    "Summary. A notice issued on 12 June 2017 by the stability office of Kanerjing County "
    "(a fictional county in Xinjiang) orders township officials to send every person flagged "
    "by the Integrated Joint Operations Platform to a 'vocational skills education and training "
    "centre' within 24 hours of checking. The notice calls this 'rounding up everyone who should "
    "be rounded up'. Despite the official name, the centres described in these documents are "
    "places of detention: inmates are locked in, watched by cameras with 'no blind spots', and "
    "may speak to their families once a week at most, on monitored video calls.",
    "Sources. The set contains the notice (three pages, with an annex on how inmates are "
    "classified), a weekly report from the second centre, a phone photo of an inmate list, a "
    "police telegram announcing night-time sweeps, an email forwarding a surveillance camera "
    "plan, and the minutes of a 2026 study session at which officials discussed the regional "
    "government work report. Names in the list are abbreviated in the original.",
    "Political cover. The notice invokes Xi Jinping's instructions on Xinjiang work and says "
    "that tightening management of the centres 'brooks no delay'. Officials are told to describe "
    "the centres only as vocational training when speaking to outsiders, and never to share the "
    "notice online.",
    "The points system. Inmates are scored every day on language classes, law classes and a "
    "weekly 'thought report'. The points system decides whether an inmate may see relatives and "
    "when they may be released. A person who 'resists' loses points and is moved to a stricter "
    "category. Release requires a joint assessment by county and township officials, and released "
    "inmates stay under watch for at least six months.",
    "Numbers. The weekly report for week 28 of 2017 lists 1,246 inmates at one centre, 87 new "
    "arrivals in a single week and 12 releases. It records a hunger strike and 46 visits to the "
    "clinic, and asks for a new wing because one block is full. These figures are fictional and "
    "were written for this demonstration.",
    "Surveillance. The attachment to the forwarded email describes phase two of the 'Sharp Eyes' "
    "(Xueliang) camera project: face-recognition checkpoints at police kiosks, cameras at mosques "
    "and markets, and WiFi sniffers, all feeding the Integrated Joint Operations Platform, which "
    "compares the data with household registers and lists of 'key persons'.",
    "Open questions. Where are the inmates listed in the photo today? Did the centres close, or "
    "were they renamed, as the 2026 minutes suggest? Which companies built the camera network? "
    "Reporters should search the trove for the township names and the document number "
    "before contacting the county.",
)
TRANSLATOR_NOTES = f"""Translator's notes on the Kanerjing documents
==============================================

{FICTION_EN}

Terms
-----
- 职业技能教育培训中心 (zhiye jineng jiaoyu peixun zhongxin): "vocational skills education
  and training centre" (VETC). The documents show it is a place of detention.
- 教育转化 (jiaoyu zhuanhua): "education and transformation", i.e. political re-education.
- 应收尽收: "round up everyone who should be rounded up".
- 刻不容缓: "brooks no delay" / "is a matter of the utmost urgency".
- 一体化联合作战平台: the Integrated Joint Operations Platform (IJOP), a police data system
  that flags people for investigation.
- 积分制: the points system used to score detainees.

Dates
-----
The notice is dated 12 June 2017; the weekly report 14 July 2017; the study-session minutes
13 February 2026. Urumqi (乌鲁木齐) is the regional capital.
"""
ZIP_NOTES = f"""2017-07-20 从县维稳办共享盘拷贝 / copied from the county stability office's
shared drive.

电报.pdf：县公安局明传电报，夜间集中清查行动（7月21日起）。
The telegram orders night-time sweeps from 21 July; people flagged by the IJOP are "taken
back for review" and sent to the training centre the same day.

Folder 2026 holds the later study-session minutes (same file as in the main folder).

{FICTION_ZH}
"""
GB18030_TEXT = f"""入户走访记录（访惠聚工作队）

时间：2017年6月30日
地点：红柳乡3村
走访对象：吐某某家（户主之子已于6月送培训中心）
记录：
1. 家属询问何时能回家，工作队按统一口径答复“在职业技能教育培训中心学习”。
2. 家中有亲戚在乌鲁木齐（ئۈرۈمچی）务工，已登记手机号码并报派出所。
3. 家中发现宗教书籍一本，已收缴。户主表示拥护党中央的政策。
4. 下次走访：7月7日。生僻字测试：𠮷、䶮（需GB18030四字节编码）。

{FICTION_ZH}
"""
EMAIL_SUBJECT = "转发：关于进一步加强职业技能教育培训中心管理工作的通知"
EMAIL_BODY = f"""各乡镇维稳办：

现将《关于进一步加强职业技能教育培训中心管理工作的通知》（坎维稳办〔2017〕23号）精神转发给你们，\
并附二期视频监控建设实施方案摘要，请认真学习，抓好落实。收到后请回复。

县维稳办
2017年6月13日

{FICTION_ZH}
"""
DOCX_TITLE = "县维稳办2026年第3次理论学习中心组学习会议纪要"
DOCX_META = "时间：2026年2月13日上午　地点：县委三楼会议室"
DOCX_LEAD = f"会议传达学习了《{REPORT_TITLE}》。报告指出："
DOCX_DISCUSSION = (
    "会议要求，原培训中心已完成转型的，要继续做好结业学员的跟踪管理，坚持“一人一档”，"
    "严防出现反弹。对境外媒体涉及原培训中心的报道，各单位一律不接受采访。"
)
DOCX_EN = (
    "[Translator's summary] The minutes show that in February 2026 officials still tracked "
    "people released from the former training centres. They do not say whether any detention "
    "facility is still open. The figures in the table are fictional.",
    "[Note] The quoted paragraphs are real text from the 2026 Xinjiang government work report; "
    "the rest of this document is fictional.",
)
DOCX_TABLE = (
    ("单位 Unit", "2017年在册 (2017)", "2019年在册 (2019)", "2026年跟踪 (2026)"),
    ("第一培训中心", "1,032", "410", "388"),
    ("第二培训中心", "1,246", "517", "502"),
    ("合计 Total", "2,278", "927", "890"),
)
HK_TITLE = "2026年新疆維吾爾自治區政府工作報告（節錄）"
HK_NOTE = (
    "編者按：以下節錄自2026年新疆維吾爾自治區政府工作報告。本站認為，"
    "外界對當地“培訓中心”去向的追問刻不容緩。編者按為虛構內容，報告原文為真實節錄。"
)

Block = tuple[str, str]  # (style, text); styles are listed in _STYLES


@dataclass(frozen=True, slots=True)
class Leaf:
    """A document in the trove that holds text, and the text it was made from."""

    path: str  # provenance path, containers joined with "!/"
    kind: str
    text: str
    needs_ocr: bool = False


# --------------------------------------------------------------------------- layout
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,;:!?%()/\-]*\s*|\s+|.", re.DOTALL)
#: Characters that may not start a line (Chinese line-breaking rule, simplified).
_NO_LINE_START = set("，。、；：？！）》」』”’％,.;:?!)%")


def wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """Greedy line breaking: Latin words stay whole, CJK breaks between characters."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if measure(line + token.rstrip()) <= width or not line.strip():
            line += token
        elif token[0] in _NO_LINE_START:
            line += token  # hang the punctuation past the margin
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True, slots=True)
class _Style:
    size: float
    align: str  # "left", "center", "right"
    indent: int  # em quads (full-width spaces) before the first line
    bold: bool = False
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    space_after: float = 0.0


_STYLES = {
    "redhead": _Style(20, "center", 0, True, (0.8, 0.0, 0.0), 10),
    "title": _Style(17, "center", 0, True, space_after=8),
    "center": _Style(13, "center", 0, space_after=6),
    "para": _Style(13, "left", 2),
    "left": _Style(13, "left", 0),
    "body": _Style(11, "left", 0, space_after=7),
    "right": _Style(13, "right", 0),
    "small": _Style(9, "center", 0),
    "gap": _Style(13, "left", 0),
}


def _pdf_date(when: datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+08'00'")


def make_text_pdf(
    blocks: Sequence[Block],
    *,
    font: str,
    title: str,
    author: str,
    when: datetime,
    footer: str,
    line_gap: float = 1.75,
) -> tuple[bytes, list[list[str]]]:
    """Lay ``blocks`` out on A4 pages with a real text layer; return the PDF and its lines.

    ``font`` is "embed" (Droid Sans Fallback from PyMuPDF, embedded then
    subset), a PyMuPDF CJK reference font ("china-s", "china-t": not embedded,
    like PDFs that rely on the reader's Adobe CJK fonts) or "helv" (Helvetica).
    A block styled "pagebreak" starts a new page.
    """
    doc = pymupdf.open()
    width, height = pymupdf.paper_size("a4")
    margin_x, margin_top, margin_bottom = 80.0, 80.0, 90.0
    if font == "embed":
        measure_font = pymupdf.Font("cjk")
        regular = bold = "droid"
    elif font in ("china-s", "china-t"):
        measure_font = pymupdf.Font(font)
        regular = bold = font
    else:
        measure_font = pymupdf.Font("helv")
        regular, bold = "helv", "hebo"
    bold_font = pymupdf.Font("hebo") if bold == "hebo" else measure_font
    pages: list[list[str]] = []
    page: pymupdf.Page | None = None
    y = 0.0

    def new_page() -> pymupdf.Page:
        nonlocal y
        p = doc.new_page(width=width, height=height)
        if font == "embed":
            p.insert_font(fontname="droid", fontbuffer=measure_font.buffer)
        pages.append([])
        y = margin_top
        return p

    for style_name, text in blocks:
        if page is None or style_name == "pagebreak":
            page = new_page()
            if style_name == "pagebreak":
                continue
        style = _STYLES[style_name]
        f, fname = (bold_font, bold) if style.bold else (measure_font, regular)

        def measure(s: str, f: pymupdf.Font = f, size: float = style.size) -> float:
            return float(f.text_length(s, fontsize=size))

        indent = "　" * style.indent if font != "helv" else ""
        lines = wrap(indent + text, measure, width - 2 * margin_x) if text else [""]
        for line in lines:
            if y + style.size * line_gap > height - margin_bottom:
                page = new_page()
            y += style.size * line_gap
            w = measure(line)
            x = {
                "left": margin_x,
                "center": (width - w) / 2,
                "right": width - margin_x - w,
            }[style.align]
            if line:
                page.insert_text(
                    (x, y), line, fontname=fname, fontsize=style.size, color=style.color
                )
            pages[-1].append(line)
        y += style.space_after
    for number in range(1, doc.page_count + 1):
        p = doc[number - 1]
        footer_text = f"— {number} —    {footer}"
        size = 8.0
        fw = float(measure_font.text_length(footer_text, fontsize=size))
        p.insert_text(((width - fw) / 2, height - 45), footer_text, fontname=regular, fontsize=size)
    doc.set_metadata(
        {
            "title": title,
            "author": author,
            "subject": "",
            "keywords": "",
            "creator": "culpa scripts/make_demo.py",
            "producer": "PyMuPDF",
            "creationDate": _pdf_date(when),
            "modDate": _pdf_date(when),
        }
    )
    if font == "embed":
        doc.subset_fonts()
    data: bytes = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
    doc.close()
    return data, pages


def text_of(blocks: Sequence[Block]) -> str:
    """The logical text of ``blocks`` (what a perfect extractor would return)."""
    return "\n".join(text for style, text in blocks if style != "pagebreak" and text)


# --------------------------------------------------------------------------- images
def _noto(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px, index=NOTO_SC_INDEX)


def render_scan(lines: Sequence[Block], rng: np.random.Generator) -> Image.Image:
    """Half an A4 page at SCAN_DPI, slightly skewed and noisy, as a 1-bit image."""
    w_px, h_px = round(8.27 * SCAN_DPI), round(11.69 * SCAN_DPI / 2)
    img = Image.new("L", (w_px, h_px), 255)
    draw = ImageDraw.Draw(img)
    pt = SCAN_DPI / 72  # pixels per point
    y = 0.6 * SCAN_DPI
    for style, text in lines:
        size = {"title": 17, "left": 12, "small": 8}[style]
        font = _noto(NOTO_SERIF, round(size * pt))
        tw = draw.textlength(text, font=font)
        x = (w_px - tw) / 2 if style != "left" else 0.9 * SCAN_DPI
        if style == "small":
            y = h_px - 0.5 * SCAN_DPI
        draw.text((x, y), text, font=font, fill=25)
        y += size * pt * 1.9
    img = img.rotate(0.7, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    arr = np.asarray(img, dtype=np.float64)
    arr = arr + rng.normal(0.0, 18.0, arr.shape)
    # Uneven toner: a faint vertical band, as from a worn scanner lamp.
    arr -= 25.0 * np.exp(-(((np.arange(w_px) - 0.8 * w_px) / (0.05 * w_px)) ** 2))[None, :]
    bw = np.where(arr < 150.0, 0, 255).astype(np.uint8)
    return Image.fromarray(bw, "L").convert("1", dither=Image.Dither.NONE)


def _perspective_coeffs(
    dst: Sequence[tuple[float, float]], src: Sequence[tuple[float, float]]
) -> tuple[float, ...]:
    """Coefficients for PIL's PERSPECTIVE transform mapping ``dst`` corners to ``src``."""
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    solution = np.linalg.solve(np.array(rows), np.array(rhs))
    return tuple(float(c) for c in solution)


def render_photo(rng: np.random.Generator) -> Image.Image:
    """A phone photo of a printed list: perspective, uneven light, blur, sensor noise."""
    paper_w, paper_h = 1100, 1240
    paper = Image.new("L", (paper_w, paper_h), 238)
    draw = ImageDraw.Draw(paper)
    title_font, body_font = _noto(NOTO_SANS, 46), _noto(NOTO_SANS, 32)
    draw.text((90, 70), PHOTO_TITLE, font=title_font, fill=20)
    draw.text((90, 140), PHOTO_SUBTITLE, font=body_font, fill=30)
    col_x = (90, 190, 370, 560, 720, 1010)
    top, row_h = 220, 90
    rows = (PHOTO_HEADER, *PHOTO_ROWS)
    for r, row in enumerate(rows):
        y0 = top + r * row_h
        for c, cell in enumerate(row):
            draw.text((col_x[c] + 16, y0 + 26), cell, font=body_font, fill=25)
    for r in range(len(rows) + 1):
        draw.line((col_x[0], top + r * row_h, col_x[-1], top + r * row_h), fill=150, width=2)
    for x in col_x:
        draw.line((x, top, x, top + len(rows) * row_h), fill=150, width=2)
    draw.text((90, top + len(rows) * row_h + 30), FICTION_ZH, font=_noto(NOTO_SANS, 24), fill=60)

    out_w, out_h = 1200, 1400
    # Where the paper's corners land in the photo (a slightly tilted, off-axis shot).
    corners = ((70.0, 95.0), (1140.0, 60.0), (1165.0, 1335.0), (40.0, 1300.0))
    coeffs = _perspective_coeffs(corners, ((0, 0), (paper_w, 0), (paper_w, paper_h), (0, paper_h)))
    warped = paper.transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    mask = Image.new("L", paper.size, 255).transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    photo = Image.new("L", (out_w, out_h), 95)  # the desk
    photo.paste(warped, (0, 0), mask)
    arr = np.asarray(photo, dtype=np.float64)
    yy, xx = np.mgrid[0:out_h, 0:out_w]
    light = 1.05 - 0.25 * np.hypot((xx - 0.3 * out_w) / out_w, (yy - 0.2 * out_h) / out_h)
    arr = arr * light + rng.normal(0.0, 2.5, arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    return img.filter(ImageFilter.GaussianBlur(0.8))


def _typeset(
    paras: Sequence[str], font: ImageFont.FreeTypeFont, width: float
) -> list[tuple[str, bool]]:
    """Lines of ``paras`` (each indented two em) and whether a line starts a paragraph."""
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))

    def measure(s: str) -> float:
        return float(draw.textlength(s, font=font))

    lines: list[tuple[str, bool]] = []
    for para in paras:
        for n, line in enumerate(wrap("　　" + para, measure, width)):
            lines.append((line, n == 0))
    return lines


def _column_shift(arr: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Each column of ``arr`` moved down by ``shift[x]`` pixels (linear interpolation)."""
    h = arr.shape[0]
    ys = np.arange(h, dtype=np.float64)[:, None] - shift[None, :]
    y0 = np.clip(np.floor(ys).astype(np.int64), 0, h - 1)
    y1 = np.clip(y0 + 1, 0, h - 1)
    frac = (ys - np.floor(ys))[..., None] if arr.ndim == 3 else ys - np.floor(ys)
    cols = np.arange(arr.shape[1])[None, :]
    out: np.ndarray = arr[y0, cols] * (1 - frac) + arr[y1, cols] * frac
    return out


def render_archive_photo(rng: np.random.Generator) -> Image.Image:
    """A phone photo of a printed page (upright): yellowed paper on a desk, curled, unevenly lit.

    Made the way the real photos in the shared corpus look (bha21_0859a0b0-…): a
    page ~1300 px across, perspective from a hand-held shot, a gentle curl that
    bows the lines and lifts the right edge, light falling off across the page
    and a soft shadow of the phone, slight blur and sensor noise.
    """
    paper_w, paper_h = 1120, 1560
    paper = Image.new("RGB", (paper_w, paper_h), (229, 216, 181))
    draw = ImageDraw.Draw(paper)
    title_font = ImageFont.truetype(str(NOTO_SERIF_BOLD), 40, index=NOTO_SC_INDEX)
    body_font = _noto(NOTO_SERIF, 33)
    ink = (48, 42, 38)
    margin = 92
    y = 96.0
    tw = draw.textlength(ARCHIVE_TITLE, font=title_font)
    draw.text(((paper_w - tw) / 2, y), ARCHIVE_TITLE, font=title_font, fill=ink)
    y += 92
    draw.text((margin, y), ARCHIVE_ADDRESSEE, font=body_font, fill=ink)
    y += 58
    for line, _ in _typeset(ARCHIVE_PHOTO_PARAS, body_font, paper_w - 2 * margin):
        draw.text((margin, y), line, font=body_font, fill=ink)
        y += 58
    small = _noto(NOTO_SERIF, 20)
    nw = draw.textlength(ARCHIVE_NOTE, font=small)
    draw.text(((paper_w - nw) / 2, paper_h - 70), ARCHIVE_NOTE, font=small, fill=ink)
    if y > paper_h - 90:
        raise SystemExit("the archive photo's text does not fit on its page")

    arr = np.asarray(paper, dtype=np.float64)
    # Aged paper: blotches of low-frequency tone and fine fibre noise.
    blotch = rng.normal(0.0, 1.0, (paper_h // 40 + 1, paper_w // 40 + 1))
    blotch_img = Image.fromarray(((blotch * 20) + 128).clip(0, 255).astype(np.uint8), "L")
    blotch_big = np.asarray(
        blotch_img.resize((paper_w, paper_h), Image.Resampling.BICUBIC), dtype=np.float64
    )
    arr += ((blotch_big - 128.0) * 0.2)[..., None] * np.array([1.0, 1.0, 1.3])
    arr += rng.normal(0.0, 3.0, (paper_h, paper_w))[..., None]
    # Page curl: the lines bow, and the right edge lifts (and darkens) as it curls.
    xs = np.arange(paper_w, dtype=np.float64) / paper_w
    lift = np.clip((xs - 0.82) / 0.18, 0.0, None) ** 2
    arr = _column_shift(arr, 16.0 * np.sin(np.pi * xs) - 40.0 * lift)
    arr *= (1.0 - 0.22 * lift)[None, :, None]
    paper = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")

    out_w, out_h = 1300, 1720
    desk = rng.normal(0.0, 1.0, (out_h // 6 + 1, out_w // 120 + 1))
    desk_img = Image.fromarray(((desk * 18) + 128).clip(0, 255).astype(np.uint8), "L")
    grain = np.asarray(desk_img.resize((out_w, out_h), Image.Resampling.BICUBIC), np.float64)
    wood = np.array([112.0, 78.0, 50.0])[None, None, :] + (grain - 128.0)[..., None] * 0.6
    photo = Image.fromarray(np.broadcast_to(wood, (out_h, out_w, 3)).clip(0, 255).astype(np.uint8))
    # Where the paper's corners land: a hand-held shot from slightly below and left.
    corners = ((96.0, 70.0), (1238.0, 112.0), (1262.0, 1668.0), (58.0, 1640.0))
    coeffs = _perspective_coeffs(corners, ((0, 0), (paper_w, 0), (paper_w, paper_h), (0, paper_h)))
    warped = paper.transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    mask = Image.new("L", paper.size, 255).transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    photo.paste(warped, (0, 0), mask)

    arr = np.asarray(photo, dtype=np.float64)
    yy, xx = np.mgrid[0:out_h, 0:out_w]
    # Light from the top left, falling off across the page ...
    light = 1.08 - 0.30 * np.hypot((xx - 0.25 * out_w) / out_w, (yy - 0.1 * out_h) / out_h)
    # ... and the soft shadow of the phone over the bottom right.
    shadow = 0.28 * np.exp(
        -(((xx - 1.05 * out_w) / 380.0) ** 2 + ((yy - 1.0 * out_h) / 520.0) ** 2)
    )
    arr = arr * (light - shadow)[..., None]
    arr += rng.normal(0.0, 2.5, arr.shape)
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    return img.filter(ImageFilter.GaussianBlur(0.9))


def make_sideways_jpeg(upright: Image.Image, taken: datetime) -> bytes:
    """``upright`` stored turned on its side, with the EXIF Orientation that turns it back.

    Phones store the sensor's pixels and record how to turn them: Orientation 6
    means "rotate 90° clockwise to display", so the pixels are the upright image
    turned 90° anticlockwise. JPEG quality 80, like a phone's default.
    """
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", quality=80, exif=exif.tobytes())
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        turned = ImageOps.exif_transpose(check)
        if turned is None or turned.size != upright.size:
            raise SystemExit("the photo's EXIF orientation does not turn it upright")
    return data


def archive_spread_pages(font: ImageFont.FreeTypeFont, width: float) -> tuple[list[str], ...]:
    """The spread's lines, split into its left and right pages (continuous text)."""
    lines = [line for line, _ in _typeset(ARCHIVE_SPREAD_PARAS, font, width)]
    half = (len(lines) + 1) // 2
    return lines[:half], lines[half:]


def spread_layout() -> tuple[ImageFont.FreeTypeFont, int, int, int, int]:
    """Font and geometry of the spread: font, page width, page height, margin, line pitch."""
    page_w, page_h = round(148 / 25.4 * SCAN_DPI), round(210 / 25.4 * SCAN_DPI)  # A5
    return _noto(NOTO_SERIF, round(11.5 * SCAN_DPI / 72)), page_w, page_h, 190, 88


def render_spread(rng: np.random.Generator) -> Image.Image:
    """A 1-bit 300 dpi library scan of a two-page spread of a booklet, gutter shadow and all."""
    font, page_w, page_h, margin, pitch = spread_layout()
    pages = archive_spread_pages(font, page_w - 2 * margin)
    folio_font = _noto(NOTO_SERIF, round(9 * SCAN_DPI / 72))
    spread = Image.new("L", (2 * page_w, page_h), 255)
    for side, (lines, folio) in enumerate(zip(pages, ARCHIVE_SPREAD_FOLIOS, strict=True)):
        page = Image.new("L", (page_w, page_h), 255)
        draw = ImageDraw.Draw(page)
        y = 230
        for line in lines:
            draw.text((margin, y), line, font=font, fill=0)
            y += pitch
        if y > page_h - 260:
            raise SystemExit("the spread's text does not fit on its pages")
        fw = draw.textlength(folio, font=folio_font)
        draw.text(((page_w - fw) / 2, page_h - 190), folio, font=folio_font, fill=0)
        # Each page lies a little askew on the scanner glass.
        page = page.rotate((0.35, -0.25)[side], resample=Image.Resampling.BICUBIC, fillcolor=255)
        spread.paste(page, (side * page_w, 0))
    arr = np.asarray(spread.filter(ImageFilter.GaussianBlur(1.0)), dtype=np.float64)
    xs = np.arange(2 * page_w, dtype=np.float64)
    # The gutter: paper bends away from the glass at the spine and goes dark.
    gutter = 150.0 * np.exp(-(((xs - page_w) / 45.0) ** 2)) + 40.0 * np.exp(
        -(((xs - page_w) / 160.0) ** 2)
    )
    # Outer edges of the book darken a little too.
    edges = 60.0 * (np.exp(-((xs / 40.0) ** 2)) + np.exp(-(((xs - 2 * page_w) / 40.0) ** 2)))
    arr = arr - (gutter + edges)[None, :] + rng.normal(0.0, 16.0, arr.shape)
    bw = np.where(arr < 140.0, 0, 255).astype(np.uint8)
    return Image.fromarray(bw, "L").convert("1", dither=Image.Dither.NONE)


def make_g4_tiff(img: Image.Image) -> bytes:
    """``img`` (1-bit) as a TIFF with CCITT Group 4 compression at SCAN_DPI."""
    buf = io.BytesIO()
    img.save(buf, format="TIFF", compression="group4", dpi=(SCAN_DPI, SCAN_DPI))
    return buf.getvalue()


def split_phrases(lines: Sequence[str], length: int = 4) -> list[str]:
    """Phrases of ``length`` CJK characters that straddle a line end (not the page's last)."""
    found = []
    for upper, lower in itertools.pairwise(lines):
        joined = upper[-2:] + lower[:2]
        if len(joined) == length and all("\u4e00" <= c <= "\u9fff" for c in joined):
            found.append(joined)
    return found


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def make_scan_pdf(img: Image.Image, when: datetime) -> bytes:
    """A PDF whose only content is the scanned image (no text layer)."""
    doc = pymupdf.open()
    w_pt, h_pt = img.width * 72 / SCAN_DPI, img.height * 72 / SCAN_DPI
    page = doc.new_page(width=w_pt, height=h_pt)
    page.insert_image(page.rect, stream=_png(img))
    doc.set_metadata(
        {
            "title": "",
            "author": "",
            "creator": "culpa scripts/make_demo.py (simulated scan)",
            "producer": "PyMuPDF",
            "creationDate": _pdf_date(when),
            "modDate": _pdf_date(when),
        }
    )
    data: bytes = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
    doc.close()
    return data


# --------------------------------------------------------------------------- containers
def _fixed_zip(members: Sequence[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip with fixed timestamps; non-ASCII names get the UTF-8 flag (0x800)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def make_docx(when: datetime) -> bytes:
    """Meeting minutes in Chinese and English with a table (python-docx)."""
    doc = Document()
    props = doc.core_properties
    props.author = props.last_modified_by = "wwb"
    props.title = DOCX_TITLE
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1
    props.comments = FICTION_EN
    doc.add_heading(DOCX_TITLE, level=1)
    doc.add_paragraph(DOCX_META)
    doc.add_paragraph(DOCX_LEAD)
    for excerpt in (REPORT_LEADERSHIP, REPORT_STABILITY):
        quote = doc.add_paragraph(f"“{excerpt}”")
        quote.paragraph_format.left_indent = Pt(24)
    doc.add_paragraph(DOCX_DISCUSSION)
    for para in DOCX_EN:
        doc.add_paragraph(para)
    table = doc.add_table(rows=len(DOCX_TABLE), cols=len(DOCX_TABLE[0]))
    table.style = "Table Grid"
    for r, row in enumerate(DOCX_TABLE):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    doc.add_paragraph(FICTION_ZH)
    buf = io.BytesIO()
    doc.save(buf)
    # python-docx stamps zip entries with the current time: re-pack with a fixed one.
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    return _fixed_zip(members, when)


def docx_text() -> str:
    parts = [DOCX_TITLE, DOCX_META, DOCX_LEAD]
    parts += [f"“{excerpt}”" for excerpt in (REPORT_LEADERSHIP, REPORT_STABILITY)]
    parts.append(DOCX_DISCUSSION)
    parts += list(DOCX_EN)
    parts += ["\t".join(row) for row in DOCX_TABLE]
    parts.append(FICTION_ZH)
    return "\n".join(parts)


def encoded_word(text: str, charset: str = "gb2312") -> str:
    """RFC 2047 encoded words, one per 12 characters, labelled as Chinese mailers do.

    (``email.header.Header`` would label GB2312 text "eucgb2312_cn", Python's
    codec name, which no real mail client writes.)
    """
    words = []
    for i in range(0, len(text), 12):
        chunk = base64.b64encode(text[i : i + 12].encode(charset)).decode("ascii")
        words.append(f"=?{charset}?B?{chunk}?=")
    return "\n ".join(words)


def make_eml(attachment_name: str, attachment: bytes) -> bytes:
    """A GB2312 email (as Chinese webmail sends it) with a PDF attachment."""
    msg = MIMEMultipart(boundary="----=_Part_culpa_demo_20170613")
    msg["From"] = f"{encoded_word('县维稳办')} <wwb@kanerjing.example.cn>"
    msg["To"] = f"{encoded_word('各乡镇维稳办')} <xiangzhen@kanerjing.example.cn>"
    msg["Subject"] = encoded_word(EMAIL_SUBJECT)
    msg["Date"] = "Tue, 13 Jun 2017 10:42:07 +0800"
    msg["Message-ID"] = "<20170613104207.culpa-demo-0001@kanerjing.example.cn>"
    msg["X-Mailer"] = "culpa make_demo.py"
    msg.attach(MIMEText(EMAIL_BODY, "plain", "gb2312"))
    part = MIMEApplication(attachment, "pdf")
    # The file name twice, as Chinese mail clients write it: RFC 2231 in
    # Content-Disposition and an RFC 2047 encoded word in Content-Type.
    part.add_header("Content-Disposition", "attachment", filename=("gb2312", "", attachment_name))
    part.set_param("name", encoded_word(attachment_name).replace("\n ", ""))
    msg.attach(part)
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# --------------------------------------------------------------------------- build
def _check_split(pages: list[list[str]], phrase: str, at: int) -> None:
    """Fail unless ``phrase`` is broken across a line end after ``at`` characters."""
    lines = [line for page in pages for line in page]
    for a, b in itertools.pairwise(lines):
        if a.endswith(phrase[:at]) and b.startswith(phrase[at:]):
            return
    raise RuntimeError(f"{phrase} is no longer split across a line: re-tune MEMO_PARAS")


def build(out: Path) -> list[Leaf]:
    """Write the trove under ``out/TROVE_DIR`` and return its text-bearing documents."""
    trove = out / TROVE_DIR
    if trove.exists():
        shutil.rmtree(trove)
    trove.mkdir(parents=True)
    rng = np.random.default_rng(SEED)
    leaves: list[Leaf] = []

    def put(name: str, data: bytes) -> None:
        (trove / name).parent.mkdir(parents=True, exist_ok=True)
        (trove / name).write_bytes(data)

    # 1. Born-digital Chinese PDF, embedded subset font, 刻不容缓 split at a line end.
    memo_blocks: list[Block] = [
        ("redhead", MEMO_ISSUER + "文件"),
        ("center", MEMO_NUMBER),
        ("title", MEMO_TITLE),
        ("left", "各乡镇党委、政府，县直各有关单位："),
        *(("para", p) for p in MEMO_PARAS),
        ("gap", ""),
        ("para", "附件：1.培训中心学员分类管理办法"),
        ("para", "　　　2.学员情况周报表（样表）"),
        ("gap", ""),
        ("right", MEMO_ISSUER),
        ("right", "2017年6月12日"),
        ("left", "（此件不公开）"),
        ("pagebreak", ""),
        ("left", "附件1"),
        ("title", "培训中心学员分类管理办法"),
        *(("para", p) for p in MEMO_ANNEX),
    ]
    memo, memo_pages = make_text_pdf(
        memo_blocks,
        font="embed",
        title=MEMO_TITLE,
        author="县维稳办",
        when=datetime(2017, 6, 12, 9, 30),
        footer=FICTION_ZH,
    )
    _check_split(memo_pages, "刻不容缓", 2)
    if len(memo_pages) < 3:
        raise RuntimeError("the memo PDF should have at least three pages")
    memo_name = "关于加强培训中心管理的通知.pdf"
    put(memo_name, memo)
    leaves.append(Leaf(memo_name, "pdf-text", text_of(memo_blocks) + "\n" + FICTION_ZH))

    # 2. Born-digital English PDF (Helvetica, not embedded).
    brief_blocks: list[Block] = [
        ("title", BRIEFING_TITLE),
        ("center", BRIEFING_SUBTITLE),
        *(("body", p) for p in BRIEFING_PARAS[:4]),
        ("pagebreak", ""),
        *(("body", p) for p in BRIEFING_PARAS[4:]),
    ]
    brief, _ = make_text_pdf(
        brief_blocks,
        font="helv",
        title=BRIEFING_TITLE,
        author="Desk editor",
        when=datetime(2017, 7, 25, 18, 0),
        footer=FICTION_EN,
        line_gap=1.45,
    )
    put("briefing_en.pdf", brief)
    leaves.append(Leaf("briefing_en.pdf", "pdf-text", text_of(brief_blocks) + "\n" + FICTION_EN))

    # 3. Image-only scanned PDF (1-bit, 300 dpi, half A4).
    scan = make_scan_pdf(render_scan(SCAN_LINES, rng), datetime(2017, 7, 14, 17, 5))
    put("扫描件_学员情况周报.pdf", scan)
    leaves.append(Leaf("扫描件_学员情况周报.pdf", "pdf-scan", text_of(SCAN_LINES), True))

    # 4. Phone photo of a list (PNG).
    put("IMG_20170715_093112.png", _png(render_photo(rng)))
    photo_text = "\n".join(
        [
            PHOTO_TITLE,
            PHOTO_SUBTITLE,
            *("\t".join(r) for r in (PHOTO_HEADER, *PHOTO_ROWS)),
            FICTION_ZH,
        ]
    )
    leaves.append(Leaf("IMG_20170715_093112.png", "image-photo", photo_text, True))

    # 4b. Phone photo of a printed 1971 document (JPEG, stored sideways + EXIF Orientation).
    # Its own generator, so the files above keep their bytes.
    photo2 = render_archive_photo(np.random.default_rng(SEED + 1))
    put(ARCHIVE_PHOTO, make_sideways_jpeg(photo2, datetime(2017, 7, 16, 10, 12, 44)))
    archive_text = "\n".join([ARCHIVE_TITLE, ARCHIVE_ADDRESSEE, *ARCHIVE_PHOTO_PARAS, ARCHIVE_NOTE])
    if ARCHIVE_PHOTO_QUERY not in archive_text:
        raise SystemExit(f"{ARCHIVE_PHOTO_QUERY} is not on the archive photo")
    leaves.append(Leaf(ARCHIVE_PHOTO, "image-photo", archive_text, True))

    # 4c. 1-bit two-page spread (CCITT G4 TIFF, 300 dpi); a phrase on each page is broken
    # across a line end, so it is found only if the OCR reads each page's lines in order.
    font, page_w, _, margin, _ = spread_layout()
    left, right = archive_spread_pages(font, page_w - 2 * margin)
    for query, lines in zip(SPREAD_QUERIES, (left, right), strict=True):
        if any(query in line for line in lines) or query not in "".join(lines):
            raise SystemExit(f"{query} is not broken across a line end of the spread")
    put(ARCHIVE_SPREAD, make_g4_tiff(render_spread(np.random.default_rng(SEED + 2))))
    # In reading order: the left page, its number, the right page, its number.
    folio_l, folio_r = ARCHIVE_SPREAD_FOLIOS
    spread_text = f"{''.join(left)}\n{folio_l}\n{''.join(right)}\n{folio_r}"
    leaves.append(Leaf(ARCHIVE_SPREAD, "image-scan", spread_text, True))

    # 5. DOCX, Chinese + English, with a table.
    docx_name = "学习会议纪要.docx"
    docx = make_docx(datetime(2026, 2, 13, 11, 20))
    put(docx_name, docx)
    leaves.append(Leaf(docx_name, "docx", docx_text()))

    # 6. Email (GB2312) with a PDF attachment.
    attach_name = "二期视频监控建设实施方案（摘要）.pdf"
    attach_blocks: list[Block] = [
        ("title", "坎儿井县“雪亮工程”二期建设实施方案（摘要）"),
        *(("para", p) for p in ATTACHMENT_PARAS),
    ]
    attachment, _ = make_text_pdf(
        attach_blocks,
        font="embed",
        title="“雪亮工程”二期建设实施方案（摘要）",
        author="县公安局",
        when=datetime(2017, 6, 10, 16, 0),
        footer=FICTION_ZH,
    )
    eml_name = "转发通知.eml"
    put(eml_name, make_eml(attach_name, attachment))
    leaves.append(Leaf(eml_name, "email", EMAIL_SUBJECT + "\n" + EMAIL_BODY))
    leaves.append(
        Leaf(
            f"{eml_name}!/{attach_name}",
            "pdf-text",
            text_of(attach_blocks) + "\n" + FICTION_ZH,
        )
    )

    # 7. GB18030 text with CRLF line ends (as saved by Windows Notepad).
    gb_name = "入户走访记录.txt"
    put(gb_name, GB18030_TEXT.replace("\n", "\r\n").encode("gb18030"))
    leaves.append(Leaf(gb_name, "text-gb18030", GB18030_TEXT))

    # Traditional Chinese page (Hong Kong repost), CJK reference font, not embedded.
    hk_blocks: list[Block] = [
        ("title", HK_TITLE),
        ("para", HK_NOTE),
        ("para", REPORT_LEADERSHIP_HK),
        ("para", REPORT_ORDER_HK),
    ]
    hk, _ = make_text_pdf(
        hk_blocks,
        font="china-t",
        title=HK_TITLE,
        author="",
        when=datetime(2026, 2, 15, 12, 0),
        footer=FICTION_HK,
    )
    put("政府工作報告節錄_繁體.pdf", hk)
    leaves.append(
        Leaf("政府工作報告節錄_繁體.pdf", "pdf-text", text_of(hk_blocks) + "\n" + FICTION_HK)
    )

    # Plain English text.
    put("translator_notes.txt", TRANSLATOR_NOTES.encode("utf-8"))
    leaves.append(Leaf("translator_notes.txt", "text-utf8", TRANSLATOR_NOTES))

    # 8. Zip with UTF-8 member names in sub-folders.
    telegram_blocks: list[Block] = [
        ("redhead", "明 传 电 报"),
        ("left", "发电单位：坎儿井县公安局　　　等级：特急"),
        ("title", "关于开展“夜间集中清查”行动的电报"),
        ("left", TELEGRAM_PARAS[0]),
        *(("para", p) for p in TELEGRAM_PARAS[1:]),
        ("right", "坎儿井县公安局"),
        ("right", "2017年7月19日"),
    ]
    telegram, _ = make_text_pdf(
        telegram_blocks,
        font="china-s",
        title="明传电报",
        author="县公安局",
        when=datetime(2017, 7, 19, 21, 40),
        footer=FICTION_ZH,
    )
    zip_members = [
        ("2017/电报.pdf", telegram),
        ("2017/notes.txt", ZIP_NOTES.encode("utf-8")),
        ("2026/学习会议纪要.docx", docx),
    ]
    put("leak.zip", _fixed_zip(zip_members, datetime(2017, 7, 20, 10, 0)))
    leaves.append(
        Leaf("leak.zip!/2017/电报.pdf", "pdf-text", text_of(telegram_blocks) + "\n" + FICTION_ZH)
    )
    leaves.append(Leaf("leak.zip!/2017/notes.txt", "text-utf8", ZIP_NOTES))
    leaves.append(Leaf("leak.zip!/2026/学习会议纪要.docx", "docx", docx_text()))
    return leaves


def expected(leaves: Sequence[Leaf], out: Path) -> dict[str, object]:
    """The answer key: which documents contain each query."""
    to_simplified = opencc.OpenCC("t2s")

    def fold(s: str) -> str:
        return str(to_simplified.convert(s)).casefold()

    folded = {leaf.path: fold(leaf.text) for leaf in leaves}
    queries: dict[str, dict[str, list[str]]] = {}
    for q in QUERIES:
        hits = [leaf for leaf in leaves if fold(q) in folded[leaf.path]]
        queries[q] = {
            "text": [leaf.path for leaf in hits if not leaf.needs_ocr],
            "ocr": [leaf.path for leaf in hits if leaf.needs_ocr],
        }
    trove = out / TROVE_DIR
    files = {
        p.relative_to(trove).as_posix(): {
            "bytes": p.stat().st_size,
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        }
        for p in sorted(trove.rglob("*"))
        if p.is_file()
    }
    return {
        "trove": TROVE_DIR,
        "matching": (
            "A document contains a query if the query occurs in the text the document was "
            "made from, after OpenCC t2s conversion and case folding. Line breaks added by "
            "page layout do not count (刻不容缓 is split across a line in the memo PDF). "
            "'text' lists documents with a text layer or plain text; 'ocr' lists documents "
            "found only through OCR. Paths are provenance paths: container!/member."
        ),
        "queries": queries,
        "documents": {
            leaf.path: {"kind": leaf.kind, "needs_ocr": leaf.needs_ocr} for leaf in leaves
        },
        "files": files,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="output folder (e.g. demo/)")
    args = parser.parse_args(argv)
    for font in (NOTO_SANS, NOTO_SERIF):
        if not font.exists():
            print(f"error: font {font} not found: install fonts-noto-cjk", file=sys.stderr)
            return 2
    out: Path = args.out
    leaves = build(out)
    key = expected(leaves, out)
    (out / "expected.json").write_text(
        json.dumps(key, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in (out / TROVE_DIR).rglob("*") if p.is_file())
    print(f"wrote {len(key['files'])} files ({total / 1e6:.2f} MB) to {out / TROVE_DIR}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
