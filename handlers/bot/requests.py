"""A resident's requests in the chat: 反映 / 心愿 / 建议 / 投诉 (submit), 查询 (one or all of
mine), 确认 and 重开 (after it is closed). The member's side (待办, 认领, 答复 …) is ``inbox``."""

from __future__ import annotations

from sqlalchemy import select

from handlers.bot.context import MAX_LIST, BotContext, bot
from infra.clock import local_text
from models import Request
from services import chat, requests, timeline

REQUEST_KINDS = {"反映": "problem", "心愿": "wish", "建议": "suggestion", "投诉": "complaint"}


def _submit(ctx: BotContext, kind_word: str, args: str) -> str:
    if len(args) < 2:
        return f"请在“{kind_word}”后面写明内容，例如：{kind_word} 村东路灯坏了"
    req, reply = submit_request(ctx, REQUEST_KINDS[kind_word], ctx.written(args))
    label = attach_pending_place(ctx, req)
    if label is None:
        return reply
    reply = reply.replace("；可以接着发送照片或位置。", "；可以接着发送照片。")
    return f"{reply}\n已附上您刚才发送的位置：{label}。"


def attach_pending_place(ctx: BotContext, req: Request) -> str | None:
    """A location the sender sent in the last 10 minutes, before any request (it waits as
    the pending "place" question), goes on ``req``; its label is returned. Read on the
    request commands' path only: a 践诺 never loads the pending question."""
    state = chat.pending(ctx.session, ctx.account.id, ctx.now)
    if state is None or state.kind != "place":
        return None
    chat.clear(ctx.session, ctx.account.id)
    place = state.data
    label = str(place.get("label") or "")
    requests.attach_location(ctx.session, ctx.actor, req, place["lat"], place["lng"], label)
    return label or "（未命名位置）"


def submit_request(
    ctx: BotContext, kind: str, text: str, location: str = ""
) -> tuple[Request, str]:
    """Submit the sender's request and word the answer (the request, the reply)."""
    req = requests.submit(
        ctx.session,
        ctx.actor,
        kind=kind,
        text=text,
        location=location,
        channel="bot",
        source_msg_id=ctx.msg_id,
        first_answer_hours=ctx.settings.requests.first_answer_hours,
    )
    who = requests.answerer_label(ctx.session, req)
    return req, (
        f"已收到您的{requests.KIND_LABELS[kind]}，编号 {req.number}。\n"
        f"将由{who}在 {ctx.settings.requests.first_answer_hours} 小时内答复。\n"
        f"发送“查询 {req.number}”查看进展；可以接着发送照片或位置。"
    )


@bot.text("反映")
def cmd_problem(ctx: BotContext, args: str) -> str:
    return _submit(ctx, "反映", args)


@bot.text("心愿")
def cmd_wish(ctx: BotContext, args: str) -> str:
    return _submit(ctx, "心愿", args)


@bot.text("建议")
def cmd_suggestion(ctx: BotContext, args: str) -> str:
    return _submit(ctx, "建议", args)


@bot.text("投诉")
def cmd_complaint(ctx: BotContext, args: str) -> str:
    return _submit(ctx, "投诉", args)


def _number(args: str) -> str:
    return args.split(" ")[0].strip().lstrip("#№")


def _visible_request(ctx: BotContext, args: str) -> Request:
    """The request named in ``args`` if this user may see it; otherwise 'not found' (a
    stranger learns nothing, not even that the number exists)."""
    return requests.visible_to(
        ctx.session, ctx.actor, requests.by_number(ctx.session, _number(args))
    )


def my_requests(ctx: BotContext) -> str:
    rows = list(
        ctx.session.scalars(
            select(Request)
            .where(Request.submitter_account_id == ctx.account.id)
            .order_by(Request.id.desc())
            .limit(MAX_LIST)
        )
    )
    if not rows:
        return "您还没有提交过诉求。发送“反映 内容”即可提出，例如：反映 村东路灯坏了"
    lines = ["您的诉求（最近 10 条）："]
    for r in rows:
        status = requests.STATUS_LABELS.get(r.status, r.status)
        lines.append(f"· {r.number} {r.text[:20]} —— {status}")
    lines.append("发送“查询 编号”查看详情。")
    return "\n".join(lines)


@bot.text("查询")
def cmd_query(ctx: BotContext, args: str) -> str:
    if not args:
        return my_requests(ctx)
    req = _visible_request(ctx, args)
    lines = [
        f"诉求 {req.number}（{requests.KIND_LABELS.get(req.kind, req.kind)}）：{req.text[:60]}",
        f"状态：{requests.STATUS_LABELS.get(req.status, req.status)}；负责："
        f"{requests.answerer_label(ctx.session, req)}",
    ]
    for e in timeline.entries_for(ctx.session, req)[-5:]:
        note = f"：{e.note[:60]}" if e.note else ""
        lines.append(f"· {local_text(e.created_at, '%m-%d %H:%M')} {e.actor_label}{note}")
    if requests.can_confirm(ctx.actor, req):
        lines.append(f"已解决请回复“确认 {req.number}”，没解决请回复“重开 {req.number} 原因”。")
    elif requests.can_reopen(ctx.actor, req, ctx.settings.requests.reopen_window_days):
        deadline = requests.reopen_deadline(req, ctx.settings.requests.reopen_window_days)
        until = f"{local_text(deadline)} 前" if deadline else ""
        lines.append(f"如果问题又出现了，{until}请回复“重开 {req.number} 原因”。")
    return "\n".join(lines)


@bot.key_click("MY_REQUESTS")
def key_my_requests(ctx: BotContext) -> str:
    return my_requests(ctx)


@bot.text("确认")
def cmd_confirm(ctx: BotContext, args: str) -> str:
    if not args:
        return "请在“确认”后写上诉求编号，例如：确认 2501011"
    req = _visible_request(ctx, args)
    if not requests.is_submitter(ctx.actor, req):
        return f"只有提出诉求 {req.number} 的群众本人可以确认解决。"
    window = ctx.settings.requests.reopen_window_days
    requests.confirm(ctx.session, ctx.actor, req, window)
    deadline = requests.reopen_deadline(req, window)
    until = f"{local_text(deadline)} 前" if deadline else f"办结后 {window} 天内"
    return (
        f"感谢确认！诉求 {req.number} 已确认解决。"
        f"问题如果又出现了，{until}可以回复“重开 {req.number} 原因”。"
    )


@bot.text("重开")
def cmd_reopen(ctx: BotContext, args: str) -> str:
    if not args:
        return "请在“重开”后写上诉求编号和原因，例如：重开 2501011 路灯还是不亮"
    number = _number(args)
    reason = ctx.written(args[len(number) :].strip()) or "群众反映问题没有解决"
    req = _visible_request(ctx, number)
    if not requests.is_submitter(ctx.actor, req):
        return f"只有提出诉求 {req.number} 的群众本人可以重新打开。"
    requests.reopen(ctx.session, ctx.actor, req, reason, ctx.settings.requests.reopen_window_days)
    return (
        f"诉求 {req.number} 已重新打开，将由{requests.answerer_label(ctx.session, req)}继续办理。"
    )
