"""A member's inbox in the official account (件件有回音): 待办, 认领, 答复, 办结, 转交; and the
resident's 回访 (满意 / 基本满意 / 不满意 — 不满意 sends the request back to its handler).

Handlers only parse, call ``services.requests`` / ``services.evaluation`` (which hold every
check) and word the answer; the next step ends each reply.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from handlers.bot.context import MAX_LIST, BotContext, _not_member_reply, bot
from handlers.bot.registry import SEPARATORS
from models import Rating, Request, Resolution
from services import evaluation, requests

RESULT_WORDS = {
    "已解决": Resolution.DONE.value,
    "解决": Resolution.DONE.value,
    "无法解决": Resolution.NOT_FEASIBLE.value,
    "暂不具备条件": Resolution.NOT_FEASIBLE.value,
    "重复": Resolution.DUPLICATE.value,
    "重复反映": Resolution.DUPLICATE.value,
    "已转交": Resolution.REFERRED.value,
    "已转交相关部门": Resolution.REFERRED.value,
}
RESULT_HINT = "办理结果请写：已解决、无法解决、重复或已转交"


_NUMBER_RE = re.compile(rf"^[#№]?\s*(\d+)[{re.escape(SEPARATORS)}]*(.*)$", re.S)


def _split(args: str) -> tuple[str, str]:
    """ "2512011 路灯已修好", "2512011，路灯已修好" → ("2512011", "路灯已修好"); no number: ("", …)."""
    m = _NUMBER_RE.match(args)
    if m is None:
        return "", args
    return m.group(1), m.group(2).strip()


def _result(rest: str) -> tuple[str | None, str]:
    """ "已解决 已更换灯泡", "无法解决，需要县里立项" → (resolution, note)."""
    for word in sorted(RESULT_WORDS, key=len, reverse=True):
        if rest.startswith(word):
            return RESULT_WORDS[word], rest[len(word) :].strip(SEPARATORS)
    return None, rest


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age_text(moment: datetime, now: datetime) -> str:
    """How long ago, as a resident would say it: 刚刚, 5 小时前, 3 天前."""
    seconds = (_aware(now) - _aware(moment)).total_seconds()
    if seconds < 3600:
        return "刚刚" if seconds < 600 else f"{int(seconds // 60)} 分钟前"
    if seconds < 86400:
        return f"{int(seconds // 3600)} 小时前"
    return f"{int(seconds // 86400)} 天前"


def _line(req: Request, now: datetime, resolve_days: int) -> str:
    status = requests.STATUS_LABELS.get(req.status, req.status)
    flag = "【超时】" if requests.is_overdue(req, _aware(now), resolve_days) else ""
    return f"· {flag}{req.number} {req.text[:20]} —— {status}，{age_text(req.created_at, now)}"


@bot.text("待办", "我的待办")
def cmd_inbox(ctx: BotContext, _args: str = "") -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    mine, claimable = requests.inbox(ctx.session, ctx.actor, member)
    if not mine and not claimable:
        return "您现在没有待办的诉求。群众反映的问题交给您时，会发消息提醒您。"
    lines: list[str] = []
    days = ctx.settings.requests.resolve_days
    if mine:
        lines.append(f"交给您办理的诉求（{len(mine)} 条）：")
        lines += [_line(r, ctx.now, days) for r in mine[:MAX_LIST]]
    if claimable:
        lines.append(f"待认领的诉求（{len(claimable)} 条）：")
        lines += [_line(r, ctx.now, days) for r in claimable[:MAX_LIST]]
    if claimable:
        lines.append("认领请发送“认领 编号”。")
    lines.append(
        "答复请发送“答复 编号 内容”，办结请发送“办结 编号 已解决”，"
        "交回支部请发送“转交 编号 原因”；“查询 编号”看详情。"
    )
    return "\n".join(lines)


@bot.text("认领")
def cmd_claim(ctx: BotContext, args: str) -> str:
    if not args:
        return "请在“认领”后写上诉求编号，例如：认领 2501011；发送“待办”查看可认领的诉求。"
    found = requests.by_number(ctx.session, _split(args)[0] or args)
    req = requests.visible(ctx.session, ctx.actor, found.id, for_claim=True)
    requests.claim(ctx.session, ctx.actor, req)
    return (
        f"已认领诉求 {req.number}：{req.text[:40]}\n"
        f"请尽快联系群众，答复请发送“答复 {req.number} 内容”。"
    )


@bot.text("答复")
def cmd_reply(ctx: BotContext, args: str) -> str:
    number, text = _split(args)
    if not number or not text:
        return "请按“答复 编号 内容”发送，例如：答复 2501011 已联系电工，明天上午来修"
    req = requests.visible_to(ctx.session, ctx.actor, requests.by_number(ctx.session, number))
    requests.reply(ctx.session, ctx.actor, req, ctx.written(text))
    return (
        f"已答复诉求 {req.number}，答复会发给提出诉求的群众。\n"
        f"办好后请发送“办结 {req.number} 已解决”（或 无法解决 / 重复 / 已转交 加说明）。"
    )


@bot.text("办结")
def cmd_resolve(ctx: BotContext, args: str) -> str:
    number, rest = _split(args)
    resolution, note = _result(rest)
    if not number or resolution is None:
        return (
            f"请按“办结 编号 结果 说明”发送，例如：办结 2501011 已解决 已更换灯泡。{RESULT_HINT}。"
        )
    req = requests.visible_to(ctx.session, ctx.actor, requests.by_number(ctx.session, number))
    requests.resolve(ctx.session, ctx.actor, req, resolution, ctx.written(note))
    return (
        f"诉求 {req.number} 已办结（{requests.RESOLUTION_LABELS[resolution]}）。"
        "已请群众确认并评价；群众不满意时会退回给您重办。发送“待办”查看其余诉求。"
    )


@bot.text("转交")
def cmd_transfer(ctx: BotContext, args: str) -> str:
    number, reason = _split(args)
    if not number or not reason:
        return "请按“转交 编号 原因”发送，例如：转交 2501011 不在我联系的片区"
    req = requests.visible_to(ctx.session, ctx.actor, requests.by_number(ctx.session, number))
    requests.transfer(ctx.session, ctx.actor, req, None, ctx.written(reason))
    return f"诉求 {req.number} 已交回支部，本支部党员可以认领。发送“待办”查看其余诉求。"


# ------------------------------------------------------------------ 回访 (the resident)


def _rate(ctx: BotContext, word: str, rating: str, args: str) -> str:
    number, comment = _split(args)
    if not number:
        tail = " 原因" if rating == Rating.UNSATISFIED.value else ""
        return f"请在“{word}”后写上诉求编号{tail}，例如：{word} 2501011{tail}"
    req = requests.visible_to(ctx.session, ctx.actor, requests.by_number(ctx.session, number))
    if not requests.is_submitter(ctx.actor, req):
        return f"只有提出诉求 {req.number} 的群众本人可以评价。"
    evaluation.rate_request(
        ctx.session,
        ctx.actor,
        req,
        rating,
        ctx.written(comment),
        ctx.settings.points.rules,
        ctx.settings.requests.reopen_window_days,
    )
    if requests.is_open(req):
        return (
            f"收到您的评价：不满意。诉求 {req.number} 已退回"
            f"{requests.answerer_label(ctx.session, req)}重新办理，办理情况会再告诉您。"
        )
    if requests.can_confirm(ctx.actor, req):
        return f"感谢评价（{word}）！如问题已解决，请回复“确认 {req.number}”。"
    return f"感谢评价（{word}）！诉求 {req.number} 的评价已记录。"


@bot.text("满意")
def cmd_satisfied(ctx: BotContext, args: str) -> str:
    return _rate(ctx, "满意", Rating.SATISFIED.value, args)


@bot.text("基本满意")
def cmd_basically_satisfied(ctx: BotContext, args: str) -> str:
    return _rate(ctx, "基本满意", Rating.BASICALLY_SATISFIED.value, args)


@bot.text("不满意")
def cmd_unsatisfied(ctx: BotContext, args: str) -> str:
    return _rate(ctx, "不满意", Rating.UNSATISFIED.value, args)
