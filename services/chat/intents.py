"""What a message that is not a command means: the one word-list rule set of the chat.

``resolve_alias`` maps what people type instead of a command word (menu labels typed out,
colloquial variants, common typos) to the command word. ``classify`` reads plain words:
a problem, a wish, a suggestion, a complaint, a log of something done, a greeting or thanks,
or the answer to a pending question ("1" / "2", 好 / 不用了). Every rule is a word list
below; the table in tests/handlers/test_bot_intents.py is the contract.

Text is normalised first (full-width digits and punctuation made half-width, spaces
collapsed), so "１" and "1", "，" and "," read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.commitments import quantify

# What people type instead of a command word. LABELS are whole messages (a typed menu label,
# "我的诉求"); TYPOS stand where the command word would and take its arguments ("反应 路灯坏了").
LABELS: dict[str, str] = {
    "我的诉求": "查询", "我反映的问题": "查询", "我反映的": "查询", "我提的问题": "查询",
    "我的问题": "查询", "诉求进度": "查询", "查看诉求": "查询", "查看我的诉求": "查询",
    "践诺进度": "进度", "进度榜": "进度", "我的进度": "进度", "查看进度": "进度",
    "查看我的承诺": "我的承诺", "看看我的承诺": "我的承诺", "我得承诺": "我的承诺",
    "我的成诺": "我的承诺", "承诺列表": "我的承诺", "查看承诺": "我的承诺",
    "待办事项": "待办", "我的任务": "待办", "有什么任务": "待办", "待处理": "待办",
    "下一页": "更多", "还有吗": "更多", "继续": "更多", "还有": "更多",
    "怎么用": "帮助", "使用说明": "帮助", "不会用": "帮助", "怎么弄": "帮助",
    "撤销上一条": "撤销", "记错了": "撤销", "删掉刚才那条": "撤销",
}  # fmt: skip
TYPOS: dict[str, str] = {
    "反应": "反映", "返映": "反映", "反馈": "反映", "举报": "投诉",
    "践若": "践诺", "践偌": "践诺", "贱诺": "践诺", "建诺": "践诺", "见诺": "践诺",
    "打咔": "打卡", "撤消": "撤销", "更改": "修改", "查寻": "查询", "査询": "查询",
}  # fmt: skip
ALIASES: dict[str, str] = {**LABELS, **TYPOS}

YES_WORDS = ("1", "是", "是的", "好", "好的", "对", "对的", "提交", "确定", "确认提交",
             "要", "嗯", "行", "可以", "ok", "yes", "y")  # fmt: skip
NO_WORDS = ("2", "否", "不", "不是", "不用", "不用了", "不要", "算了", "取消", "no", "n",
            "不提交", "别", "不对")  # fmt: skip

PROBLEM_WORDS = ("坏了", "坏掉", "不亮", "漏水", "堵了", "堵塞", "没人修", "没人管", "塌了",
                 "破了", "断了", "停水", "停电", "没水", "没电", "噪音", "太吵", "占道", "乱停",
                 "乱扔", "乱倒", "裂了", "倒了", "掉了", "不通", "故障", "出问题", "有问题",
                 "受不了", "怎么办", "没人", "不管", "漏了", "冒水")  # fmt: skip
# Nouns of a problem that a member's log may name too ("清理了河边的垃圾"): weaker than a log.
PROBLEM_NOUNS = ("垃圾", "臭", "脏", "危险", "积水", "麻烦")  # fmt: skip
WISH_WORDS = ("希望", "想要", "能不能", "能否", "想请", "盼望", "需要帮", "需要人", "帮忙",
              "帮我", "缺", "想有", "想办")  # fmt: skip
SUGGESTION_WORDS = ("建议", "应该", "最好", "可以考虑", "不如")  # fmt: skip
COMPLAINT_WORDS = ("投诉", "态度差", "不作为", "推诿", "乱收费", "不理人")  # fmt: skip
LOG_WORDS = ("今天", "昨天", "上午", "下午", "已经", "完成", "走访", "打扫", "浇水", "慰问",
             "宣传", "看望", "清理", "义务", "志愿", "巡逻", "探望", "上门", "帮助了", "帮了",
             "帮李", "帮王", "帮张", "帮刘", "帮陈", "修好", "扫了", "送了")  # fmt: skip
GREETING_WORDS = ("你好", "您好", "在吗", "在不在", "hello", "hi", "早上好", "晚上好")  # fmt: skip
THANKS_WORDS = ("谢谢", "感谢", "多谢", "辛苦了", "谢了")  # fmt: skip

_DONE_RE = re.compile(r"(了|过)")
_TRIM = " \t\r\n:：,，、;；.。!！?？~～"


@dataclass(frozen=True)
class Intent:
    """``kind``: yes, no, problem, wish, suggestion, complaint, log, greeting, thanks,
    unknown; ``text`` is the normalised message."""

    kind: str
    text: str


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", quantify.normalise(text)).strip()


def resolve_alias(text: str) -> tuple[str, str] | None:
    """ "我的诉求" → ("查询", ""); "反应路灯坏了" → ("反映", "路灯坏了"); else None."""
    text = normalise(text)
    whole = text.strip(_TRIM)
    if whole in LABELS:
        return LABELS[whole], ""
    for typo in sorted(TYPOS, key=len, reverse=True):
        if text.startswith(typo):
            return TYPOS[typo], text[len(typo) :].strip(_TRIM)
    return None


def is_answer(text: str) -> bool:
    """Could this be the answer to a pending question? (Then the state is worth loading.)"""
    return classify(text).kind in ("yes", "no")


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _leads(text: str, words: tuple[str, ...]) -> bool:
    """One of ``words`` opens the message (within its first two characters: "我建议…")."""
    return any(w in text[: len(w) + 2] for w in words)


def classify(text: str) -> Intent:
    """The intent of plain words (not a command)."""
    norm = normalise(text)
    bare = norm.strip(_TRIM).lower()
    if bare in YES_WORDS:
        return Intent("yes", norm)
    if bare in NO_WORDS:
        return Intent("no", norm)
    if not bare:
        return Intent("unknown", norm)
    if len(bare) <= 12 and _has(bare, THANKS_WORDS):
        return Intent("thanks", norm)
    if len(bare) <= 8 and _has(bare, GREETING_WORDS):
        return Intent("greeting", norm)
    if len(bare) < 4:
        return Intent("unknown", norm)
    if _has(bare, COMPLAINT_WORDS):
        return Intent("complaint", norm)
    if _leads(bare, SUGGESTION_WORDS):  # "最好每周清一次垃圾": the proposal, not the problem
        return Intent("suggestion", norm)
    if _has(bare, PROBLEM_WORDS):
        return Intent("problem", norm)
    if _has(bare, WISH_WORDS):
        return Intent("wish", norm)
    if _has(bare, LOG_WORDS) or (
        bool(re.search(rf"{quantify.NUM}\s*(?:{quantify.UNIT_RE})", bare)) and _DONE_RE.search(bare)
    ):
        return Intent("log", norm)
    if _has(bare, PROBLEM_NOUNS):
        return Intent("problem", norm)
    if _has(bare, SUGGESTION_WORDS):
        return Intent("suggestion", norm)
    return Intent("unknown", norm)
