"""践诺 in the chat: the log command, the "same again?" question, the reply to a saved log,
a photo sent after it (or after a request), 撤销 and 修改 (my last log), and words that read
like a log but name no commitment. The fast path of a plain 践诺 is ``lean``."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from handlers.bot.context import (
    _UNIT_QTY_RE,
    MAX_LIST,
    BotContext,
    _keep_note,
    _not_member_reply,
    _progress_line,
    bot,
    my_commitments_list,
    parse_quantity,
)
from handlers.bot.help import help_text
from handlers.bot.registry import SEPARATORS
from infra.clock import local_date, local_text
from models import Commitment, FulfilmentLog, OutboundChannel, Photo, Request
from services import chat, fulfilment, outbox, progress, visibility
from services.commitments import cycle, quantify

PHOTO_WINDOW = timedelta(minutes=10)
_LOG_HINTS = (
    "今天", "昨天", "已经", "完成", "帮", "走访", "打扫", "浇水", "修", "慰问", "宣传",
    "看望", "清理", "义务", "服务", "志愿", "巡逻", "探望", "上门",
)  # fmt: skip

_LOG_ARGS_RE = re.compile(rf"^({quantify.NUM})\s*(?:号|条)?[\s,.;:、。]*(.*)$", re.S)


@bot.text("践诺", "打卡")
def cmd_log(ctx: BotContext, args: str) -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    items = my_commitments_list(ctx.session, member)
    m = _LOG_ARGS_RE.match(args)
    index = quantify.cn_number(m.group(1)) if m else None
    if not items:
        closed = cycle.last_closed_year(ctx.session)
        if closed is not None:
            _keep_note(ctx, f"践诺 {ctx.written(args)}", f"{closed} 年度已归档，本年度还没有承诺")
            return (
                f"{closed} 年度的承诺已经总结归档，不再记录践诺；您还没有 {closed + 1} 年度"
                "已公开的承诺。这条记录已先保存下来，新承诺公开后请支部帮您补记。"
                "发送“我的承诺”可查看本年度的承诺。"
            )
        _keep_note(ctx, f"践诺 {ctx.written(args)}", "没有已公开的承诺")
        return "您还没有已公开的承诺，这条记录已先保存下来，承诺公开后请支部帮您补记。"
    if m is None or index is None or not 1 <= index <= len(items):
        _keep_note(ctx, f"践诺 {ctx.written(args)}", "序号无法对应到承诺")
        hint = "；".join(f"{i}. {c.title}" for i, c in enumerate(items[:MAX_LIST], 1))
        return (
            f"没看懂是哪一条承诺，内容已保存。请按“践诺 序号 内容”发送，"
            f"序号为 1 到 {len(items)}：{hint}"
        )
    c = items[index - 1]
    content = m.group(2).strip(SEPARATORS)
    qty, _ = parse_quantity(content, c.unit)
    note = ctx.written(content) or c.title
    if fulfilment.recent_duplicate(ctx.session, member.id, c.id, note, qty, ctx.now):
        return ask_again(ctx, c, index, qty, note)
    return save_log(ctx, c, qty, note)


def ask_again(ctx: BotContext, c: Commitment, index: int, qty: int, note: str) -> str:
    """The same log again within 30 minutes: ask before saving (the answer is "1" / "2")."""
    chat.remember(
        ctx.session, ctx.account.id, "log_again",
        {"commitment_id": c.id, "quantity": qty, "note": note}, ctx.now,
    )  # fmt: skip
    return (
        f"刚才已经记过一次，还要再记吗？（第 {index} 条 {c.title}，数量 {qty}{c.unit}）\n"
        "回复 1 再记一次，回复 2 不用了。"
    )


def save_log(ctx: BotContext, c: Commitment, qty: int, note: str) -> str:
    entry = fulfilment.log(
        ctx.session,
        ctx.actor,
        c,
        quantity=qty,
        note=note,
        channel="bot",
        source_msg_id=ctx.msg_id,
        today=local_date(ctx.now),
        backdate_days=ctx.settings.commitments.backdate_days,
    )
    p = progress.progress_of(ctx.session, [c], local_date(ctx.now))[c.id]
    return log_reply(c.title, entry.quantity, c.unit, p, entry.content_status)


def log_reply(title: str, quantity: int, unit: str, p: progress.Progress, status: str) -> str:
    """The answer to a saved 践诺 (``save_log`` and the lean path of ``handlers.bot.lean``)."""
    held = (
        "这条记录的文字需要支部书记审核，审核通过后才会在党员名片上公开。\n"
        if not visibility.content_is_public(status)
        else ""
    )
    return (
        f"已记录践诺：{title}，数量 {quantity}{unit}。\n"
        f"当前进度：{_progress_line(None, p)}\n"
        f"{held}"
        "10 分钟内发送照片，会附在这条记录上；记错了可回复“撤销”。"
    )


@bot.image
def on_image(ctx: BotContext) -> str:
    media_id = str(ctx.inbound.raw.get("MediaId", ""))
    since = ctx.now - PHOTO_WINDOW
    entry = None
    req = None
    if ctx.account.member_id:
        entry = ctx.session.scalar(
            select(FulfilmentLog)
            .where(FulfilmentLog.account_id == ctx.account.id, FulfilmentLog.created_at >= since)
            .order_by(FulfilmentLog.created_at.desc(), FulfilmentLog.id.desc())
            .limit(1)
        )
    if entry is None:
        req = ctx.session.scalar(
            select(Request)
            .where(Request.submitter_account_id == ctx.account.id, Request.created_at >= since)
            .order_by(Request.created_at.desc(), Request.id.desc())
            .limit(1)
        )
    if entry is None and req is None:
        return (
            "收到图片。要作为践诺照片，请先发送“践诺 序号 内容”，再在 10 分钟内发送照片；"
            "反映问题请先发送“反映 内容”，再发照片。"
        )
    photo = Photo(
        wechat_media_id=media_id,
        status="downloading",
        content_type="image/jpeg",
        uploader_account_id=ctx.account.id,
        log_id=entry.id if entry else None,
        request_id=req.id if req else None,
        created_at=ctx.now,
    )
    ctx.session.add(photo)
    ctx.session.flush()
    outbox.enqueue(
        ctx.session,
        OutboundChannel.MEDIA_DOWNLOAD,
        {"photo_id": photo.id, "media_id": media_id},
        f"media:{ctx.msg_id}",
        recipient=ctx.account.oa_openid or "",
    )
    if entry is not None:
        c = ctx.session.get_one(Commitment, entry.commitment_id)
        return f"照片已附在践诺记录“{c.title}”（{local_text(entry.created_at)}）上。"
    assert req is not None
    return f"照片已附在您反映的诉求（编号 {req.number}）上。"


# ------------------------------------------------------------------ 撤销 / 修改


def _progress_now(ctx: BotContext, c: Commitment) -> str:
    return _progress_line(c, progress.progress_of(ctx.session, [c], local_date(ctx.now))[c.id])


@bot.text("撤销", "撤销记录", "撤销践诺")
def cmd_undo(ctx: BotContext, _args: str) -> str:
    if ctx.member is None:
        return _not_member_reply()
    hours = ctx.settings.commitments.log_edit_window_hours
    c, qty, note = fulfilment.undo_last(ctx.session, ctx.actor, hours)
    return (
        f"已撤销您最近的一条践诺记录：{c.title}，数量 {qty}{c.unit}（{note[:30]}）。\n"
        f"当前进度：{_progress_now(ctx, c)}\n重新记录请发送“践诺 序号 内容”。"
    )


_FIX_RE = re.compile(r"^(\d{1,3})?\s*(?:号|条)?[\s,，]*(\d{1,5})\s*\D*$")


@bot.text("修改")
def cmd_fix(ctx: BotContext, args: str) -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    m = _FIX_RE.match(args)
    if m is None:
        return "请按“修改 序号 数量”发送，例如：修改 1 3（把第 1 条承诺最近一条记录的数量改为 3）。"
    commitment_id = None
    if m.group(1):
        items = my_commitments_list(ctx.session, member)
        index = int(m.group(1))
        if not 1 <= index <= len(items):
            return f"序号应为 1 到 {len(items)}，发送“我的承诺”查看序号。"
        commitment_id = items[index - 1].id
    hours = ctx.settings.commitments.log_edit_window_hours
    entry, before = fulfilment.fix_quantity(
        ctx.session, ctx.actor, int(m.group(2)), hours, commitment_id
    )
    c = ctx.session.get_one(Commitment, entry.commitment_id)
    return (
        f"已修改 {local_text(entry.created_at, '%m-%d %H:%M')} 的践诺记录（{c.title}）："
        f"数量 {before}{c.unit} → {entry.quantity}{c.unit}。\n当前进度：{_progress_now(ctx, c)}"
    )


# ------------------------------------------------------------------ fallback


def looks_like_log(text: str) -> bool:
    return len(text) >= 4 and (
        bool(_UNIT_QTY_RE.search(text)) or any(h in text for h in _LOG_HINTS)
    )


def fallback(ctx: BotContext, text: str) -> str:
    """Words nobody could read (``handlers.bot.chat`` tries the plain-word rules first)."""
    if ctx.account.member_id and looks_like_log(text):
        _keep_note(ctx, ctx.written(text), "像是践诺记录，但没有指明承诺序号")
        return (
            "这条内容已保存，但没能对应到具体承诺。记录践诺请发送“践诺 序号 内容”，"
            "例如：践诺 1 浇水 3次；发送“我的承诺”查看序号。"
        )
    return "没看懂这条消息。\n" + help_text(ctx)
