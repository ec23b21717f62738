"""The 四化 check: is a commitment concrete, quantified and time-bound?

Reads the structured fields a form sends, and fills gaps from the commitment's own
words ("每月给村东生产路树木浇水一次" → monthly, 1 次), so that the bot and the forms share
one rule. A text with nothing to measure is refused with a message that says what is
missing and gives an example.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from services.errors import MultiValidationError

UNITS = (
    "小时",
    "公里",
    "平方米",
    "次",
    "户",
    "人",
    "名",
    "位",
    "口",
    "个",
    "棵",
    "株",
    "件",
    "场",
    "条",
    "米",
    "元",
    "眼",
    "台",
    "处",
    "批",
    "份",
    "家",
    "天",
    "篇",
    "项",
    "盏",
    "趟",
    "回",
    "期",
)
FREQUENCY_WORDS = (
    ("daily", ("每天", "每日", "天天")),
    ("weekly", ("每周", "每星期", "每个星期", "每礼拜")),
    ("monthly", ("每月", "每个月", "月月")),
    ("quarterly", ("每季度", "每个季度", "每季")),
    ("yearly", ("每年", "每年度", "年年")),
)
FREQUENCY_LABELS = {
    "daily": "每天",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
}
YEAR_WORDS = ("全年", "年内", "本年度", "今年", "年度内", "一年内")
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUM = r"[0-9零〇一二两三四五六七八九十百千万]+"
UNIT_RE = "|".join(sorted(UNITS, key=len, reverse=True))
QUANTITY_RE = re.compile(rf"({NUM})(?:\s*(?:至|到|-|~|或)\s*{NUM})?\s*({UNIT_RE})")
DEADLINE_RE = re.compile(rf"(?:(\d{{4}})年)?({NUM})月(?:({NUM})日|底|末|份)?(?:之?前|以前|完成)")
VAGUE_WORDS = (
    "积极",
    "努力",
    "认真",
    "全心全意",
    "尽心尽力",
    "发挥",
    "带头",
    "模范",
    "作用",
    "服务",
    "奉献",
    "争做",
    "争当",
    "树立",
)


def normalise(text: str) -> str:
    """Full-width digits and punctuation to their plain forms, trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def cn_number(text: str) -> int | None:
    """'3' → 3, '十三' → 13, '两' → 2, '一百二十' → 120."""
    if text.isdigit():
        return int(text)
    total = section = 0
    digit = None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            section += (digit if digit is not None else 1) * unit
            digit = None
            if unit == 10000:
                total += section
                section = 0
        else:
            return None
    return total + section + (digit or 0)


@dataclass
class Quantified:
    target_kind: str | None = None
    frequency: str | None = None
    target_quantity: int | None = None
    unit: str | None = None
    start_date: date | None = None
    end_date: date | None = None


def parse(text: str, today: date) -> Quantified:
    """Everything measurable that the words of a commitment say."""
    text = normalise(text)
    q = Quantified()
    for freq, words in FREQUENCY_WORDS:
        if any(w in text for w in words):
            q.frequency = freq
            break
    m = QUANTITY_RE.search(text)
    if m:
        q.target_quantity = cn_number(m.group(1))
        q.unit = m.group(2)
    d = DEADLINE_RE.search(text)
    if d:
        year = int(d.group(1)) if d.group(1) else today.year
        month = cn_number(d.group(2)) or 0
        if 1 <= month <= 12:
            if d.group(3):
                day = cn_number(d.group(3)) or 1
            else:
                nxt = date(year + month // 12, month % 12 + 1, 1)
                day = (nxt - timedelta(days=1)).day
            try:
                q.end_date = date(year, month, day)
            except ValueError:
                q.end_date = None
    elif "年底前" in text or "年末前" in text or "年底" in text:
        q.end_date = date(today.year, 12, 31)
    if q.frequency:
        q.target_kind = "periodic"
    elif q.end_date:
        q.target_kind = "deadline"
    elif any(w in text for w in YEAR_WORDS):
        q.target_kind = "count"
    if q.target_kind and q.target_quantity is None and q.frequency:
        q.target_quantity, q.unit = 1, "次"  # "每月巡查" means at least once a month
    return q


def check(fields: dict[str, object], today: date) -> dict[str, object]:
    """Complete and validate a commitment's measurable fields; raise what is missing.

    ``fields`` may hold: title, description, target_kind, frequency, target_quantity, unit,
    start_date, end_date. Returns the completed fields.
    """
    # stored as written; parse() reads its own normalised copy
    title = str(fields.get("title") or "").strip()
    description = str(fields.get("description") or "").strip()
    parsed = parse(f"{title} {description}", today)
    out = dict(fields)
    out["title"] = title
    out["description"] = description
    for key in ("target_kind", "frequency", "target_quantity", "unit", "end_date"):
        if out.get(key) in (None, ""):
            out[key] = getattr(parsed, key)
    if out.get("target_kind") in (None, "") and out.get("frequency"):
        out["target_kind"] = "periodic"
    if out.get("target_kind") in (None, "") and out.get("end_date") and out.get("target_quantity"):
        out["target_kind"] = "count" if fields.get("end_date") else "deadline"
    problems: dict[str, str] = {}
    if len(title) < 4:
        problems["title"] = "请写明承诺做什么（至少 4 个字），例如“每月给村东生产路树木浇水一次”"
    qty = out.get("target_quantity")
    if not out.get("unit") or not isinstance(qty, int) or qty < 1:
        problems["target_quantity"] = (
            "缺少可衡量的目标：请写明做多少（数量和单位），例如“1次”“20户”“13眼井”"
        )
    kind = out.get("target_kind")
    if kind not in ("count", "periodic", "deadline"):
        problems["target_kind"] = (
            "缺少时间要求：请写明多久做一次或何时完成，例如“每月”“每季度”“6月底前”“全年”"
        )
    elif kind == "periodic" and out.get("frequency") not in FREQUENCY_LABELS:
        problems["frequency"] = "按周期的承诺请选择频次：每天、每周、每月、每季度或每年"
    if problems:
        vague = [w for w in VAGUE_WORDS if w in title]
        if vague and "title" not in problems:
            problems["title"] = (
                f"“{title}”像一句口号，无法比较、检验和评议：请写清楚做什么、做多少、什么时候"
            )
        raise MultiValidationError(problems)
    start = out.get("start_date") or date(today.year, 1, 1)
    end = out.get("end_date") or date(today.year, 12, 31)
    if not isinstance(start, date) or not isinstance(end, date):
        raise MultiValidationError({"end_date": "日期格式应为 YYYY-MM-DD"})
    if kind == "deadline" and not fields.get("start_date"):
        start = min(today, end)
    if end < start:
        raise MultiValidationError({"end_date": "结束日期不能早于开始日期"})
    if (end - start).days > 3 * 366:
        raise MultiValidationError({"end_date": "承诺期限最长三年，请分年度承诺"})
    out["start_date"], out["end_date"] = start, end
    if kind != "periodic":
        out["frequency"] = None
    return out


def describe_target(kind: str, quantity: int, unit: str, frequency: str | None, end: date) -> str:
    """'每月 1次' / '共 20户（截至 2026-12-31）' / '2026-06-30 前完成 13眼'."""
    if kind == "periodic" and frequency:
        return f"{FREQUENCY_LABELS[frequency]} {quantity}{unit}"
    if kind == "deadline":
        return f"{end.isoformat()} 前完成 {quantity}{unit}"
    return f"共 {quantity}{unit}（截至 {end.isoformat()}）"
