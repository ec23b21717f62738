"""The official-account bot's commands (DESIGN §5). Each returns the reply text.

Handlers only translate: they parse the message, call ``services`` and word the answer.
Anything slow (downloading an image, follow-up messages) is written to the outbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from handlers.bot import staff_scan
from handlers.bot.registry import SEPARATORS, Bot
from infra.clock import local_date, local_text
from models import (
    Account,
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    Household,
    Member,
    Note,
    Organisation,
    OutboundChannel,
    OwnerKind,
    Photo,
    Request,
)
from services import chat, fulfilment, outbox, progress, requests, timeline, visibility
from services.actors import Actor, actor_for_account
from services.commitments import cycle, quantify
from services.errors import DomainError
from services.org import bindcodes, households
from wechat.callback import Inbound

bot = Bot()

PHOTO_WINDOW = timedelta(minutes=10)
MAX_LIST = 10
REQUEST_KINDS = {"反映": "problem", "心愿": "wish", "建议": "suggestion", "投诉": "complaint"}
_TIMES_RE = re.compile(r"(?:[×xX*]\s*(\d{1,5}))(?!\d)")
_UNIT_QTY_RE = re.compile(rf"({quantify.NUM})\s*({quantify.UNIT_RE})")
_LOG_HINTS = (
    "今天", "昨天", "已经", "完成", "帮", "走访", "打扫", "浇水", "修", "慰问", "宣传",
    "看望", "清理", "义务", "服务", "志愿", "巡逻", "探望", "上门",
)  # fmt: skip


@dataclass
class BotContext:
    """One inbound message being handled."""

    session: Session
    settings: Any  # services.config.Settings
    inbound: Inbound
    account: Account
    now: datetime
    _actor: Actor | None = field(default=None, repr=False)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            self._actor = actor_for_account(self.session, self.account)
        return self._actor

    def refresh_actor(self) -> None:
        self._actor = None

    def written(self, part: str) -> str:
        """What the sender actually wrote for ``part``, a tail of the normalised message.

        Commands are read from a normalised copy (full-width digits and punctuation made
        half-width); what is stored and shown is the sender's own text ("三天了，晚上")."""
        return written(self.inbound, part)

    @property
    def member(self) -> Member | None:
        return self.session.get(Member, self.account.member_id) if self.account.member_id else None

    @property
    def msg_id(self) -> str:
        return self.inbound.dedupe_key

    @property
    def base_url(self) -> str:
        return str(self.settings.app.base_url).rstrip("/")


def written(inbound: Inbound, part: str) -> str:
    """``BotContext.written`` for a message not (yet) given a context."""
    raw = inbound.raw
    said = raw.get("Content") or raw.get("Recognition") or ""  # a voice's recognised text
    original = re.sub(r"\s+", " ", str(said)).strip()
    part = part.strip()
    if not part:
        return part
    for i in range(len(original)):
        if normalise_text(original[i:]).strip(SEPARATORS) == part:
            return original[i:].strip().lstrip(SEPARATORS)
    return part


def normalise_text(text: str) -> str:
    """Full-width → half-width (digits, letters, "，" → ","), runs of spaces collapsed."""
    return re.sub(r"\s+", " ", quantify.normalise(text)).strip()


def parse_quantity(text: str, unit: str = "") -> tuple[int, str]:
    """ "浇水 3次" → (3, "浇水 3次"); "×3", "x3" count too; no quantity → 1."""
    m = _TIMES_RE.search(text)
    if m:
        return int(m.group(1)), (text[: m.start()] + text[m.end() :]).strip()
    matches = list(_UNIT_QTY_RE.finditer(text))
    for m in [m for m in matches if m.group(2) == unit] or matches:
        n = quantify.cn_number(m.group(1))
        if n:
            return n, text
    return 1, text


# ------------------------------------------------------------------ lists


def my_commitments_list(session: Session, member: Member) -> list[Commitment]:
    """The member's published commitments of the current cycle year, then their branch's: the
    numbering of 我的承诺 (a closed year's commitments are off the list). One query."""
    own, branch = fulfilment.by_message.numbered(member.id, member.org_id)
    return list(
        session.scalars(
            select(Commitment)
            .where(
                own | branch,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
                cycle.current_sql(),
            )
            .order_by(case((own, 0), else_=1), Commitment.id)
        )
    )


def _progress_line(_c: Commitment | None, p: progress.Progress) -> str:
    return f"{p.percent}%（{p.label}，{p.done}/{p.target}）"


def _not_member_reply() -> str:
    return (
        "您还没有绑定党员身份。党员请发送“绑定 绑定码”（绑定码向支部书记领取），"
        "例如：绑定 K7M2Q9XA。\n群众可以发送“反映 内容”提出问题或心愿。"
    )


# ------------------------------------------------------------------ help


MEMBER_HELP: list[str] = []  # lines other bot modules add for members (handlers/bot/practices.py)
HOUSEHOLD_HELP: list[str] = []  # … and for residents linked to a household


def help_text(ctx: BotContext) -> str:
    lines = ["【践诺】可以发送这些指令："]
    if ctx.account.member_id:
        lines += [
            "· 我的承诺 —— 查看我的承诺和进度",
            "· 践诺 序号 内容 —— 记录践诺，例如：践诺 1 给村东路树木浇水 3次",
            "· 践诺后 10 分钟内发送照片，会附在这条记录上",
            "· 撤销 —— 撤销最近一条践诺；修改 序号 数量 —— 改正记录的数量，例如：修改 1 3",
            "· 承诺 内容 —— 起草承诺并提交审核，例如：承诺 每月打扫村口一次",
            "· 待办 —— 查看交给我办理和待认领的群众诉求",
            "· 认领 编号 / 答复 编号 内容 —— 认领诉求、答复群众",
            "· 办结 编号 结果 说明 —— 结果：已解决、无法解决、重复、已转交",
            "· 转交 编号 原因 —— 把诉求交回支部",
            *MEMBER_HELP,
        ]
    else:
        lines.append("· 绑定 绑定码 —— 党员绑定身份，例如：绑定 K7M2Q9XA")
    if ctx.account.household_id:
        lines.append("· 解绑 —— 解除微信与户的绑定")
        lines += HOUSEHOLD_HELP
    else:
        lines.append("· 绑定 户码 —— 群众用连心卡上的户码绑定到自家户，诉求直达联户党员")
    lines += [
        "· 反映 内容 / 心愿 内容 / 建议 内容 —— 提出问题、微心愿或建议",
        "· 查询 编号 —— 查看诉求办理进展（只发“查询”列出我的全部诉求）",
        "· 确认 编号 / 重开 编号 原因 —— 诉求办结后确认或重新打开",
        "· 满意 编号 / 基本满意 编号 / 不满意 编号 原因 —— 评价办理结果，不满意会退回重办",
        "· 进度 —— 查看支部践诺进度榜",
        "也可以直接打字或发语音说出问题和心愿，发送位置能告诉我们是哪里。",
    ]
    return "\n".join(lines)


@bot.text("帮助", "help", "?", "菜单")
def cmd_help(ctx: BotContext, _args: str) -> str:
    return help_text(ctx)


# ------------------------------------------------------------------ binding


def bind_with_code(ctx: BotContext, code: str, via: str = "code") -> str:
    """A household's 连心卡 code links the resident to the household; any other code is a
    member's bind code (``bindcodes.redeem`` words the unknown-code answer)."""
    household = bindcodes.household_for_code(ctx.session, code)
    if household is not None:
        return _link_household(ctx, household, via)
    member = bindcodes.redeem(ctx.session, ctx.account, code, now=ctx.now)
    ctx.refresh_actor()
    org = ctx.session.get_one(Organisation, member.org_id)
    n = len(my_commitments_list(ctx.session, member))
    tail = f"您有 {n} 条已公开的承诺，发送“我的承诺”查看。" if n else "您还没有已公开的承诺。"
    return f"绑定成功！{member.name}同志，您好（{org.name}）。\n{tail}\n发送“帮助”查看全部指令。"


def _link_household(ctx: BotContext, household: Household, via: str) -> str:
    households.link_account(ctx.session, ctx.account, household, via, now=ctx.now)
    ctx.refresh_actor()
    org = ctx.session.get_one(Organisation, household.org_id)
    linked = households.linked_members(ctx.session, household)
    who = (
        f"您的联户党员是{'、'.join(m.name for m in linked)}，"
        "发送“反映 内容”提出的问题和心愿会直接交给联户党员办理。"
        if linked
        else "发送“反映 内容”提出的问题和心愿会交给支部办理。"
    )
    return (
        f"绑定成功！您的微信已绑定到{org.name} {household.address}。\n{who}\n如需解除，发送“解绑”。"
    )


@bot.text("绑定")
def cmd_bind(ctx: BotContext, args: str) -> str:
    return bind_with_code(ctx, args)


@bot.text("解绑", "解除绑定")
def cmd_unbind(ctx: BotContext, _args: str) -> str:
    household = households.unlink_account(ctx.session, ctx.account)
    ctx.refresh_actor()
    return f"已解除您的微信与 {household.address} 的绑定。需要时可再发送“绑定 户码”重新绑定。"


def _scene_bind(ctx: BotContext, scene: str) -> str | None:
    # WeChat prefixes the scene of a subscribe-by-scan event with "qrscene_".
    scene = scene.removeprefix("qrscene_")
    if staff_scan.is_login_scene(scene):  # 扫码登录 on a console PC
        return staff_scan.reply(ctx, scene)
    if scene.startswith("bind:"):
        return bind_with_code(ctx, scene[len("bind:") :], via="scan")
    if scene.startswith("partyday:"):  # 主题党日 sign-in QR (handlers/bot/practices.py)
        from handlers.bot.practices import scan_sign_in

        return scan_sign_in(ctx, scene)
    return None


@bot.event("subscribe", "subscribe_scan")
def on_subscribe(ctx: BotContext) -> str:
    ctx.account.subscribed = True
    welcome = f"欢迎关注{ctx.settings.app.township_name}践诺！"
    scene = getattr(ctx.inbound.message, "scene_id", "") or ""
    if scene:
        try:
            bound = _scene_bind(ctx, scene)
        except DomainError as exc:
            return f"{welcome}\n{exc.message}"
        if bound:
            return f"{welcome}\n{bound}"
    return f"{welcome}\n{help_text(ctx)}"


@bot.event("scan")
def on_scan(ctx: BotContext) -> str:
    scene = getattr(ctx.inbound.message, "scene_id", "") or ""
    return _scene_bind(ctx, scene) or help_text(ctx)


@bot.event("unsubscribe")
def on_unsubscribe(ctx: BotContext) -> str:
    ctx.account.subscribed = False
    return ""


# ------------------------------------------------------------------ commitments


@bot.text("我的承诺")
def cmd_my_commitments(ctx: BotContext, _args: str = "") -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    items = my_commitments_list(ctx.session, member)
    if not items:
        return "您还没有已公开的承诺。承诺经支部审核公开后，就能在这里记录践诺。"
    today = local_date(ctx.now)
    progs = progress.progress_of(ctx.session, items, today)
    lines = [f"{member.name}的承诺："]
    for i, c in enumerate(items, 1):
        owner = "【支部】" if c.owner_kind == OwnerKind.BRANCH.value else ""
        lines.append(f"{i}. {owner}{c.title} —— {_progress_line(c, progs[c.id])}")
    lines.append("记录践诺请发送：践诺 序号 内容，例如：践诺 1 浇水 3次")
    return "\n".join(lines)


@bot.key_click("MY_COMMITMENTS")
def key_my_commitments(ctx: BotContext) -> str:
    return cmd_my_commitments(ctx, "")


def _keep_note(ctx: BotContext, text: str, reason: str) -> None:
    ctx.session.add(
        Note(
            account_id=ctx.account.id,
            member_id=ctx.account.member_id,
            channel="bot",
            text=text[:2000],
            reason=reason[:200],
            created_at=ctx.now,
        )
    )
    ctx.session.flush()


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


# ------------------------------------------------------------------ images


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


# ------------------------------------------------------------------ requests


def _submit(ctx: BotContext, kind_word: str, args: str) -> str:
    if len(args) < 2:
        return f"请在“{kind_word}”后面写明内容，例如：{kind_word} 村东路灯坏了"
    return submit_request(ctx, REQUEST_KINDS[kind_word], ctx.written(args))[1]


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


# ------------------------------------------------------------------ progress


@bot.text("进度")
def cmd_progress(ctx: BotContext, _args: str = "") -> str:
    member = ctx.member
    lines: list[str] = []
    if member is not None:
        org = ctx.session.get_one(Organisation, member.org_id)
        items = my_commitments_list(ctx.session, member)
        if items:
            progs = progress.progress_of(ctx.session, items, local_date(ctx.now))
            lines.append(f"{member.name}的践诺进度：")
            for i, c in enumerate(items, 1):
                lines.append(f"{i}. {c.title}：{_progress_line(c, progs[c.id])}")
        lines.append(f"我的承诺卡：{ctx.base_url}/m/{member.public_code}")
        lines.append(f"{org.name}进度榜：{ctx.base_url}/o/{org.code}/board")
        return "\n".join(lines)
    org = None
    if ctx.account.household_id:
        from models import Household

        household = ctx.session.get(Household, ctx.account.household_id)
        org = ctx.session.get(Organisation, household.org_id) if household else None
    if org is None:
        try:
            org = requests.default_org(ctx.session)
        except DomainError:
            return "系统还没有设置组织架构，请稍后再试。"
    return f"{org.name}践诺进度榜：{ctx.base_url}/o/{org.code}/board"


@bot.key_click("PROGRESS")
def key_progress(ctx: BotContext) -> str:
    return cmd_progress(ctx, "")


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
    return "没看懂这条消息。" + help_text(ctx)


# The member's inbox and the resident's 回访 register their commands on ``bot`` too.
from handlers.bot import chat as _chat  # noqa: E402, F401
from handlers.bot import civic as _civic  # noqa: E402, F401
from handlers.bot import inbox as _inbox  # noqa: E402, F401
from handlers.bot import practices as _practices  # noqa: E402, F401
