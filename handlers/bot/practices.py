"""The practices in the official account: 走访 (a visit to a linked household), 走访记录 (a
member's month, or a resident's visits to their home), 签到 (the party day of today), and
承诺模板 / 承诺 模板 (pledge templates for the member's branch type and 特长).

Handlers only parse, call ``services.practices`` (which holds every rule and check) and word
the answer."""

from __future__ import annotations

from handlers.bot.context import BotContext, _keep_note, _not_member_reply, bot
from infra.clock import local_date
from models import Organisation, PartyDay
from services.errors import Conflict, NotFound
from services.practices import coverage, party_day, templates, visits

MAX_TEMPLATES = 8


def visit_hint(example_code: str = "DC001") -> str:
    return f"记录走访请发送：走访 户编号或户主 内容，例如：走访 {example_code} 问了低保申请，屋内卫生整洁"


def _month_line(ctx: BotContext, member_id: int, org_id: int) -> str:
    today = local_date(ctx.now)
    figures = coverage.coverage(ctx.session, today.replace(day=1), today, [org_id])
    b = figures.get(org_id)
    mine = next((m for m in b.members if m.member_id == member_id), None) if b else None
    if mine is None:
        return ""
    return f"本月已走访联系户 {mine.visited}/{mine.linked} 户。"


@bot.text("走访")
def cmd_visit(ctx: BotContext, args: str) -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    if not args:
        mine = visits.linked_households(ctx.session, member)
        if not mine:
            return "您还没有联系户：联户关系由支部在户信息里登记，请联系支部书记。"
        lines = ["您联系的户："]
        lines += [
            f"· {h.code} {h.head_name or ''} {h.address}".replace("  ", " ") for h in mine[:20]
        ]
        lines.append(_month_line(ctx, member.id, member.org_id))
        lines.append(visit_hint(mine[0].code))
        return "\n".join(line for line in lines if line)
    if args.startswith(("了", "过")):  # "走访了三户困难户": a sentence, not the command
        return bot.fallbacks[0](ctx, f"走访{args}")
    try:
        household, content = visits.split_target(ctx.session, member, args)
    except (NotFound, Conflict) as exc:  # kept, not lost: it may be a 践诺 written loosely
        _keep_note(ctx, str(ctx.inbound.raw.get("Content", "")).strip(), "走访的户无法对应到联系户")
        return f"{exc.message}\n这条内容已保存。如果是践诺记录，请发送“践诺 序号 内容”。"
    if not content:
        return (
            f"请写明走访 {household.code} 的内容（问了什么、调解了什么、卫生情况）。\n"
            f"{visit_hint(household.code)}"
        )
    visit = visits.log_visit(
        ctx.session,
        ctx.actor,
        member,
        household,
        ctx.written(content),
        channel="bot",
        backdate_days=ctx.settings.commitments.backdate_days,
        today=local_date(ctx.now),
    )
    return (
        f"已记录走访：{household.code} {household.address}，{visit.note}\n"
        f"{_month_line(ctx, member.id, member.org_id)}"
    )


def _resident_visits(ctx: BotContext) -> str:
    household = visits.household_for_account(ctx.session, ctx.account.household_id)
    lines = visits.visits_to(ctx.session, ctx.actor, household, limit=10)
    if not lines:
        return f"联户党员还没有记录到 {household.address} 的走访。"
    out = [f"联户党员到 {household.address} 的走访（最近 {len(lines)} 次）："]
    out += [
        f"· {v.visited_on.month}月{v.visited_on.day}日 {v.member_name}：{v.note}" for v in lines
    ]
    return "\n".join(out)


@bot.text("走访记录", "我的走访")
def cmd_visit_log(ctx: BotContext, _args: str = "") -> str:
    member = ctx.member
    if member is None:
        if ctx.account.household_id is None:
            raise NotFound("您的微信还没有绑定到户：请用连心卡上的户码绑定（发送“绑定 户码”）")
        return _resident_visits(ctx)
    today = local_date(ctx.now)
    lines = visits.visits_by(ctx.session, ctx.actor, member, today.replace(day=1), today, 20)
    head = _month_line(ctx, member.id, member.org_id)
    if not lines:
        first = visits.linked_households(ctx.session, member)
        return f"您本月还没有记录走访。{head}\n{visit_hint(first[0].code if first else 'DC001')}"
    out = [f"您本月的走访（{len(lines)} 次）：{head}"]
    out += [
        f"· {v.visited_on.month}月{v.visited_on.day}日 {v.household_code}：{v.note}" for v in lines
    ]
    return "\n".join(out)


@bot.text("承诺模板", "承诺 模板")
def cmd_templates(ctx: BotContext, args: str = "") -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    branch = ctx.session.get_one(Organisation, member.org_id)
    path = ctx.settings.practices.templates_path()
    offered = templates.offer(path, args or branch.org_type or None, member.speciality)
    kind = templates.normalise_type(args) if args else branch.org_type
    title = f"{kind}党支部的承诺模板" if kind else "承诺模板"
    lines = [f"{title}（按您的特长排序，可照着改）："]
    lines += [f"{i}. {t.text}" for i, t in enumerate(offered[:MAX_TEMPLATES], 1)]
    lines.append("起草承诺请发送：承诺 内容，例如：承诺 " + offered[0].text if offered else "")
    lines.append("看其他类型发送：承诺模板 卫生院（农村、社区、机关、学校、非公企业、流动党员）")
    return "\n".join(line for line in lines if line)


def _sign_in(ctx: BotContext, day: PartyDay, via: str) -> str:
    party_day.sign_in(ctx.session, ctx.actor, day, via, today=local_date(ctx.now))
    return f"签到成功：{day.held_on.month}月{day.held_on.day}日主题党日“{day.topic}”。"


@bot.text("签到")
def cmd_sign_in(ctx: BotContext, _args: str = "") -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    today = local_date(ctx.now)
    day = party_day.for_month(ctx.session, member.org_id, party_day.month_of(today))
    if day is None or day.held_on != today:
        return "今天没有本支部的主题党日。主题党日当天扫码或发送“签到”即可签到。"
    return _sign_in(ctx, day, "scan")


@bot.text("请假")
def cmd_leave(ctx: BotContext, args: str = "") -> str:
    member = ctx.member
    if member is None:
        return _not_member_reply()
    today = local_date(ctx.now)
    day = party_day.for_month(ctx.session, member.org_id, party_day.month_of(today))
    if day is None:
        return "本月支部还没有安排主题党日，暂时不用请假。"
    party_day.ask_leave(ctx.session, ctx.actor, day, ctx.written(args), today=today)
    return (
        f"已请假：{day.held_on.month}月{day.held_on.day}日主题党日“{day.topic}”，"
        f"原因：{ctx.written(args)}。请假不计为缺席，会后请向支部书记补学。"
    )


def scan_sign_in(ctx: BotContext, scene: str) -> str | None:
    """The day's official-account QR (scene ``partyday:<id>``) signs the scanning member in."""
    day = party_day.from_scene(ctx.session, scene)
    if day is None:
        return None
    if ctx.member is None:
        return _not_member_reply()
    return _sign_in(ctx, day, "scan")
