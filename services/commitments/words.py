"""The words the 四化 check reads: units, frequencies, time and availability phrases, and the
activities and slogan words its messages draw on (services/commitments/quantify.py)."""

from __future__ import annotations

import re

UNITS = tuple(
    "小时 人次 公里 平方米 次 户 人 名 位 口 个 棵 株 件 场 条 米 元 眼 台 处 批 份 家 天 篇 项 盏 趟 回 期 遍 课 亩".split()
)
ACTION_UNITS = ("次", "回", "趟", "遍")
# Earliest word in the text wins; at one position the longest.
FREQUENCY_WORDS = (
    ("daily", ("每天", "每日", "天天", "每一天")),
    ("weekly", ("每周", "每星期", "每个星期", "每礼拜", "每个礼拜", "一周一次")),
    ("biweekly", ("每两周", "每二周", "每两个星期", "每两星期", "隔周", "双周", "两周一次")),
    ("halfmonth", ("每半月", "每半个月", "半月一次", "半个月一次")),
    ("monthly", ("每月", "每个月", "月月", "一月一次", "一个月一次")),
    ("bimonthly", ("每两个月", "每两月", "每二个月", "隔月", "两个月一次", "两月一次")),
    ("quarterly", ("每季度", "每个季度", "每季", "每三个月", "三个月一次", "一季度一次")),
    ("halfyearly", ("每半年", "每六个月", "半年一次", "六个月一次")),
    ("yearly", ("每年", "每年度", "年年", "一年一次")),
)
FREQUENCY_LABELS = {
    "daily": "每天",
    "weekly": "每周",
    "biweekly": "每两周",
    "halfmonth": "每半月",
    "monthly": "每月",
    "bimonthly": "每两个月",
    "quarterly": "每季度",
    "halfyearly": "每半年",
    "yearly": "每年",
}
YEAR_WORDS = ("全年", "年内", "本年度", "今年", "年度内", "一年内")
CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUM = r"[0-9零〇一二两三四五六七八九十百千万]+"
UNIT_RE = "|".join(sorted(UNITS, key=len, reverse=True))
QUANTITY_RE = re.compile(rf"({NUM})(?:\s*(?:至|到|-|~|或)\s*{NUM})?\s*({UNIT_RE})")
DEADLINE_RE = re.compile(
    rf"(?:(\d{{4}})年|(明年|今年))?({NUM})月(?:({NUM})[日号]|底|末|份)?(?:之?前|以前|完成)"
)
HALF_YEAR_RE = re.compile(r"(明年)?(上半年|年中|年底|年末|下半年)(?:之?前|以前|完成|内)?")
# Not supported: every three weeks, every two days or years… (refused with the choice).
ODD_FREQUENCY_RE = re.compile(
    r"每(?:隔)?\s*[两二三四五七八九十0-9]+\s*个?(天|日|周|星期|月|年)|每个?(学期)"
)
# The nearest period we track, offered in the example for one we do not.
ODD_REPLACEMENT = {"天": "每周", "日": "每周", "周": "每两周", "星期": "每两周", "月": "每季度"}
ODD_REPLACEMENT |= {"年": "每年", "学期": "每半年"}
AVAILABILITY_RE = re.compile(
    r"(?:每天|每日|全天)\s*24\s*小时(?!内)(?:随叫随到|在线|服务|值守|待命|值班|开机|畅通|不间断)?"
    r"|24\s*小时(?!内)(?:随叫随到|在线|服务|值守|待命|值班|开机|畅通|不间断)"
    r"|7\s*[×xX*]\s*24\s*(?:小时)?|全天候|随叫随到|随时(?:待命|服务|上门)?"
)
RESPONSE_TIME_RE = re.compile(rf"{NUM}\s*(?:个)?(?:小时|分钟|天|日|工作日)\s*内")
INDEFINITE_RE = re.compile(r"无限期|无期限|终身|终生|永久|一辈子|长期")
PER_ITEM_RE = re.compile(r"(?:每[户人次名家处场个位件期课]|第)\s*(?:不少于|至少|不低于|达到)?\s*$")
SCOPE_LEAD = "给为对向帮替"
VERB_CHARS = "浇修剪送看走清打扫开组理讲慰维巡检帮做种护栽除上宣辅调探陪教收捐植"
ACTIVITIES = tuple(
    "维修 修理 检修 维护 保洁 打扫 巡逻 巡查 走访 探望 看望 慰问 宣讲 宣传 辅导 义诊 理发 送餐 调解 帮扶".split()
)
VAGUE_WORDS = tuple(
    "积极 努力 认真 全心全意 尽心尽力 发挥 带头 模范 作用 服务 奉献 争做 争当 树立".split()
)
GENERIC_EXAMPLE = "每月给村东生产路树木浇水一次"
