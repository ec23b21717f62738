"""The 四化 check: is a commitment concrete, quantified and time-bound?

Reads the structured fields a form sends and fills gaps from the commitment's own words
("每月给村东生产路树木浇水一次" → monthly, 1 次): one rule for the bot and the forms. A text with
nothing to measure is refused, saying what is missing, with an example fitting that text.

How words are read (tests/services/data/commitment_texts.yaml holds the cases):
- the time bound is a frequency (每月, 每两个月, 每半年…), a deadline (6月底前, 2027年6月底前)
  or the year (全年, 年内); with none, the cycle year's end applies and a note says so;
- the target is an action count (一次, 两回) when there is one, else the first quantity;
  a quantity before what is acted on ("给120棵树木浇水一次") is the scope, not the target;
- availability ("每天24小时随叫随到", "全天候") and response times ("24小时内上门") are not
  quantities; "无限期"/"终身" is no time bound;
- a deadline already past when the commitment is written is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.commitments.words import (
    ACTION_UNITS,
    ACTIVITIES,
    AVAILABILITY_RE,
    CN_DIGITS,
    CN_UNITS,
    DEADLINE_RE,
    FREQUENCY_LABELS,
    FREQUENCY_WORDS,
    GENERIC_EXAMPLE,
    HALF_YEAR_RE,
    INDEFINITE_RE,
    ODD_FREQUENCY_RE,
    ODD_REPLACEMENT,
    PER_ITEM_RE,
    QUANTITY_RE,
    RESPONSE_TIME_RE,
    SCOPE_LEAD,
    VAGUE_WORDS,
    VERB_CHARS,
    YEAR_WORDS,
)
from services.commitments.words import NUM as NUM  # re-exported: the bot reads numbers too
from services.commitments.words import UNIT_RE as UNIT_RE
from services.errors import MultiValidationError, ValidationError

MEASURE_KEYS = ("target_kind", "frequency", "target_quantity", "unit")


def normalise(text: str) -> str:
    """Full-width digits and punctuation to their plain forms, trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def cn_number(text: str) -> int | None:
    """'3' → 3, '十三' → 13, '两' → 2, '一百二十' → 120, '3万' → 30000."""
    if text.isdigit():
        return int(text)
    total = section = 0
    digit: int | None = None
    for ch in text:
        if ch.isdigit():
            digit = (digit or 0) * 10 + int(ch)
        elif ch in CN_DIGITS:
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
    scope: str | None = None  # what the target is done to/for ("村东生产路两侧120棵树木")
    deadline_words: str | None = None  # "6月底前", as written
    deadline_year_written: bool = False
    availability: str | None = None  # "24小时随叫随到", "全天候": no quantity
    indefinite: str | None = None  # "无限期", "终身": no time bound
    odd_frequency: str | None = None  # "每三周": a period we do not track
    notes: list[str] = field(default_factory=list)


def _frequency(text: str) -> tuple[str, int] | None:
    found: tuple[int, int, str] | None = None  # (position, -length, frequency)
    for freq, words in FREQUENCY_WORDS:
        for w in words:
            pos = text.find(w)
            if pos >= 0 and (found is None or (pos, -len(w)) < found[:2]):
                found = (pos, -len(w), freq)
    return (found[2], found[0] - found[1]) if found else None


def _scope(text: str, m: re.Match[str], after: int) -> str:
    start = m.start()
    lead = max(text.rfind(ch, after, m.start()) for ch in SCOPE_LEAD)
    if lead >= 0:
        start = lead + 1
    end = m.end()
    while end < len(text) and end - m.end() < 6 and "\u4e00" <= text[end] <= "\u9fff":
        if text[end] in VERB_CHARS:
            break
        end += 1
    return text[start:end].strip()


def _deadline(text: str, today: date, q: Quantified) -> None:
    d = DEADLINE_RE.search(text)
    if d:
        if d.group(1):
            year, q.deadline_year_written = int(d.group(1)), True
        elif d.group(2) == "明年":
            year, q.deadline_year_written = today.year + 1, True
        else:
            year = today.year
        month = cn_number(d.group(3)) or 0
        if not 1 <= month <= 12:
            return
        if d.group(4):
            day = cn_number(d.group(4)) or 1
        else:
            day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        try:
            q.end_date = date(year, month, day)
        except ValueError:
            return
        q.deadline_words = d.group(0)
        return
    h = HALF_YEAR_RE.search(text)
    if h:
        year = today.year + (1 if h.group(1) else 0)
        q.end_date = date(year, 6, 30) if h.group(2) in ("上半年", "年中") else date(year, 12, 31)
        q.deadline_words, q.deadline_year_written = h.group(0), bool(h.group(1))


def parse(text: str, today: date) -> Quantified:
    """Everything measurable that the words of a commitment say."""
    text = normalise(text)
    q = Quantified()
    avail = AVAILABILITY_RE.search(text)
    if avail:
        q.availability = avail.group(0)
    indefinite = INDEFINITE_RE.search(text)
    if indefinite:
        q.indefinite = indefinite.group(0)
    # Availability and response times say how fast, not how much: blank them out.
    text = AVAILABILITY_RE.sub("，", text)
    text = RESPONSE_TIME_RE.sub("，", text)
    freq = _frequency(text)
    freq_end = 0
    if freq:
        q.frequency, freq_end = freq
    else:
        odd = ODD_FREQUENCY_RE.search(text)
        q.odd_frequency = odd.group(0) if odd else None
    counted = text  # frequency words ("每两个月") hold no quantity: mask them, same length
    for _, words in FREQUENCY_WORDS:
        for w in words:
            counted = counted.replace(w, "，" * len(w))
    found = [
        m
        for m in QUANTITY_RE.finditer(counted)
        if not PER_ITEM_RE.search(text[: m.start()]) and cn_number(m.group(1))
    ]
    actions = [m for m in found if m.group(2) in ACTION_UNITS]
    chosen = actions[0] if actions else (found[0] if found else None)
    if chosen:
        q.target_quantity = cn_number(chosen.group(1))
        q.unit = chosen.group(2)
        scoped = [m for m in found if m.group(2) not in ACTION_UNITS]
        if chosen.group(2) in ACTION_UNITS and scoped:
            q.scope = _scope(text, scoped[0], freq_end)
    _deadline(text, today, q)
    if q.frequency:
        q.target_kind = "periodic"
    elif q.end_date:
        q.target_kind = "deadline"
    elif any(w in text for w in YEAR_WORDS):
        q.target_kind = "count"
    if q.target_kind and q.target_quantity is None and q.frequency:
        q.target_quantity, q.unit = 1, "次"  # "每月巡查" means at least once a month
    return q


def _activity(text: str) -> str | None:
    return next((a for a in ACTIVITIES if a in text), None)


def suggest(text: str) -> str:
    """A rewrite of ``text`` that passes the check (shown with a refusal)."""
    text = normalise(text)
    odd = ODD_FREQUENCY_RE.search(text)
    if odd and _frequency(text) is None:
        return text.replace(odd.group(0), ODD_REPLACEMENT[odd.group(1) or odd.group(2)], 1)
    act = _activity(text)
    kind = next((w for w in ("义务", "免费") if w in text), "")
    if INDEFINITE_RE.search(text):
        if "质保" in text or "保修" in text:
            return "质保期内每季度回访一次"
        return f"每季度上门{kind}{act or '回访'}一次"
    if AVAILABILITY_RE.search(text):
        return f"每月至少上门{kind}{act or '服务'}一次"
    if act:
        return f"每月{act}一次"
    return GENERIC_EXAMPLE


def _problems(text: str, q: Quantified, out: Mapping[str, object]) -> dict[str, str]:
    problems: dict[str, str] = {}
    example = suggest(text)
    qty = out.get("target_quantity")
    if not out.get("unit") or not isinstance(qty, int) or qty < 1:
        if q.availability:
            problems["target_quantity"] = (
                f"“{q.availability}”说的是随时能找到您，不是做多少：请写明多久做一次、"
                f"做多少，例如“{example}”"
            )
        else:
            problems["target_quantity"] = (
                "缺少可衡量的目标：请写明做多少（数量和单位），例如“1次”“20户”“13眼井”，"
                f"可以写成“{example}”"
            )
    kind = out.get("target_kind")
    if q.odd_frequency and not out.get("frequency"):
        problems["frequency"] = (
            f"暂不支持“{q.odd_frequency}”这样的周期：请改为每天、每周、每两周、每半月、"
            f"每月、每两个月、每季度、每半年或每年，例如“{example}”"
        )
    elif kind not in ("count", "periodic", "deadline"):
        if q.indefinite:
            problems["target_kind"] = (
                f"“{q.indefinite}”没有期限，无法检验：承诺按年度作出，请写明今年内多久做一次，"
                f"例如“{example}”"
            )
        else:
            problems["target_kind"] = (
                "缺少时间要求：请写明多久做一次或何时完成，例如“每月”“每季度”“6月底前”“全年”"
            )
    elif kind == "periodic" and out.get("frequency") not in FREQUENCY_LABELS:
        problems["frequency"] = (
            "按周期的承诺请选择频次：每天、每周、每两周、每半月、每月、每两个月、每季度、每半年或每年"
        )
    return problems


def _complete(fields: Mapping[str, object], today: date) -> tuple[dict[str, object], Quantified]:
    """The fields with gaps filled from the words (no validation)."""
    title = str(fields.get("title") or "").strip()  # stored as written; parse() normalises
    description = str(fields.get("description") or "").strip()
    parsed = parse(f"{title} {description}", today)
    out = dict(fields)
    out["title"] = title
    out["description"] = description
    for key in (*MEASURE_KEYS, "end_date"):
        if out.get(key) in (None, ""):
            out[key] = getattr(parsed, key)
    if out.get("target_kind") in (None, "") and out.get("frequency"):
        out["target_kind"] = "periodic"
    if out.get("target_kind") in (None, "") and out.get("end_date") and out.get("target_quantity"):
        out["target_kind"] = "count" if fields.get("end_date") else "deadline"
    if out.get("target_kind") in (None, "") and out.get("target_quantity") and out.get("unit"):
        # No time bound at all: the commitment is for this cycle year, done by its end.
        out["target_kind"] = "deadline"
        out["end_date"] = out.get("end_date") or date(today.year, 12, 31)
        parsed.notes.append(f"未写明完成时间，按本年度计：{today.year}年12月31日前完成")
    if parsed.scope and not out.get("beneficiary"):
        out["beneficiary"] = parsed.scope
    return out, parsed


def check(fields: dict[str, object], today: date) -> dict[str, object]:
    """Complete and validate a commitment's measurable fields; raise what is missing.

    ``fields`` may hold: title, description, target_kind, frequency, target_quantity, unit,
    start_date, end_date, beneficiary. Returns the completed fields, with ``notes``: what was
    assumed (a list of sentences).
    """
    out, parsed = _complete(fields, today)
    title = str(out["title"])
    problems = (
        {}
        if len(title) >= 4
        else {"title": f"请写明承诺做什么（至少 4 个字），例如“{GENERIC_EXAMPLE}”"}
    )
    problems.update(_problems(f"{title} {out['description']}", parsed, out))
    if problems:
        vague = [w for w in VAGUE_WORDS if w in title]
        if vague and "title" not in problems:
            problems["title"] = (
                f"“{title}”像一句口号，无法比较、检验和评议：请写清楚做什么、做多少、什么时候"
            )
        raise MultiValidationError(problems)
    kind = out["target_kind"]
    start = out.get("start_date") or today  # filing moves it to the day it is published
    end = out.get("end_date") or date(today.year, 12, 31)
    if not isinstance(start, date) or not isinstance(end, date):
        raise MultiValidationError({"end_date": "日期格式应为 YYYY-MM-DD"})
    if end < today:
        raise ValidationError("end_date", _past_reason(parsed, end, today))
    if kind == "deadline" and not fields.get("start_date"):
        start = min(today, end)
    if end < start:
        raise MultiValidationError({"end_date": "结束日期不能早于开始日期"})
    if (end - start).days > 3 * 366:
        raise MultiValidationError({"end_date": "承诺期限最长三年，请分年度承诺"})
    out["start_date"], out["end_date"] = start, end
    if kind != "periodic":
        out["frequency"] = None
    out["notes"] = parsed.notes
    out["scope"] = parsed.scope
    return out


def _past_reason(parsed: Quantified, end: date, today: date) -> str:
    written = f"{end.year}年{end.month}月{end.day}日"
    if parsed.deadline_words and parsed.end_date == end and not parsed.deadline_year_written:
        nxt = re.sub(r"^今年|(?:之前|以前|前|完成)$", "", parsed.deadline_words)
        return (
            f"“{parsed.deadline_words}”已经过去（按今年算是{written}）：如果是明年，"
            f"请写明“{end.year + 1}年{nxt}前”"
        )
    return f"完成时间{written}已经过去：请写今天（{today.isoformat()}）以后的日期"


def measure(fields: Mapping[str, object], today: date) -> tuple[object, ...]:
    """(kind, frequency, quantity, unit) that ``fields`` complete to (no validation)."""
    out, _ = _complete(fields, today)
    return tuple(out.get(k) for k in MEASURE_KEYS)


def words_measure(title: str, description: str, today: date) -> tuple[object, ...] | None:
    """What the words alone say, if they say a quantity or a time bound; else None."""
    parsed = parse(f"{title} {description}", today)
    if parsed.target_quantity is None and parsed.target_kind is None:
        return None
    return measure({"title": title, "description": description}, today)


def retarget(
    current: Mapping[str, Any], merged: dict[str, Any], created: date, today: date
) -> None:
    """An edit brings new words but no target fields: re-read the target only if the stored one
    came from the old words (``merged`` is changed so); a target entered as fields is kept, and
    new words saying another target are refused (the member says which one is meant)."""
    stored = tuple(current[k] for k in MEASURE_KEYS)
    old = words_measure(current["title"], current["description"] or "", created)
    if old is not None and old == stored:
        for key in MEASURE_KEYS:
            merged[key] = None
        if parse(f"{current['title']} {current['description']}", created).end_date:
            merged["end_date"] = merged["start_date"] = None
        return
    new = words_measure(merged["title"], merged["description"] or "", today)
    if new is not None and new != stored:
        said = describe_target(*_target_args(new, merged, today))
        kept = describe_target(*_target_args(stored, current, today))
        raise ValidationError(
            "target_quantity",
            f"新写的内容里目标是“{said}”，与已保存的目标“{kept}”不一致："
            "请同时修改目标数量、单位和频次，或从内容里删去另一个目标",
        )


def _target_args(
    m: tuple[object, ...], fields: Mapping[str, Any], today: date
) -> tuple[str, int, str, str | None, date]:
    kind, frequency, quantity, unit = m
    end = fields.get("end_date")
    return (
        str(kind),
        int(str(quantity or 0)),
        str(unit or ""),
        str(frequency) if frequency else None,
        end if isinstance(end, date) else date(today.year, 12, 31),
    )


def describe_target(kind: str, quantity: int, unit: str, frequency: str | None, end: date) -> str:
    """'每月 1次' / '共 20户（截至 2026-12-31）' / '2026-06-30 前完成 13眼'."""
    if kind == "periodic" and frequency:
        return f"{FREQUENCY_LABELS[frequency]} {quantity}{unit}"
    if kind == "deadline":
        return f"{end.isoformat()} 前完成 {quantity}{unit}"
    return f"共 {quantity}{unit}（截至 {end.isoformat()}）"
