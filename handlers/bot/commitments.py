"""A member's commitments in the chat: 我的承诺 (the numbered list 践诺 refers to) and 进度
(progress, the member's card and the branch's board). 承诺 (drafting one) is in ``chat``."""

from __future__ import annotations

from handlers.bot.context import (
    BotContext,
    _not_member_reply,
    _progress_line,
    bot,
    my_commitments_list,
)
from infra.clock import local_date
from models import Household, Organisation, OwnerKind
from services import progress, requests
from services.errors import DomainError


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
