"""The residents' side in the official account: 我的积分 (the 文明存折), 议事 <内容> (raise a
matter for the village to discuss) and 表决 <编号> 同意/反对/弃权 (one vote per household).

Handlers only parse, call ``services.civic`` (which holds every check) and word the answer.
"""

from __future__ import annotations

from handlers.bot.context import BotContext, bot
from handlers.bot.inbox import _split
from infra.clock import local_text
from services.civic import agenda, book

CHOICE_WORDS = {"同意": "for", "赞成": "for", "反对": "against", "不同意": "against",
                "弃权": "abstain"}  # fmt: skip
RECENT = 5


def item_url(ctx: BotContext, number: str) -> str:
    return f"{ctx.base_url}/civic/agenda/{number}"


@bot.text("我的积分", "文明存折", "我的文明存折")
def cmd_my_points(ctx: BotContext, _args: str = "") -> str:
    if ctx.account.household_id is None:
        if ctx.account.member_id:
            return (
                "文明存折记的是群众的文明积分，党员的先锋指数请在小程序“我的”中查看。"
                "群众绑定连心卡后发送“我的积分”即可查看。"
            )
        return "请先绑定您家的连心卡（发送“绑定 连心卡编号”），再查看文明存折积分。"
    b = book.book_of_account(ctx.session, ctx.settings.civic, ctx.account)
    who = "您家" if ctx.settings.civic.book_per == "household" else "您"
    lines = [f"{who}的文明存折：现有 {b.balance} 分。"]
    recent = book.entries(ctx.session, b, RECENT)
    if recent:
        lines.append("最近记录：")
        lines += [
            f"· {local_text(e.created_at, '%m-%d')} {e.points:+d} 分 {e.reason}" for e in recent
        ]
    else:
        lines.append("还没有记录。做好事、参加志愿服务，村里干部会为您记上积分。")
    lines.append("积分可在兑换点兑换生活用品：在小程序“文明存折”里出示兑换码。")
    return "\n".join(lines)


@bot.text("议事")
def cmd_raise(ctx: BotContext, args: str) -> str:
    if not args:
        return "请在“议事”后写上想和大家商量的事，例如：议事 村口垃圾点离住户太近，建议挪到路东"
    item = agenda.raise_item(
        ctx.session,
        ctx.actor,
        ctx.account,
        ctx.written(args),
        channel="bot",
        source_msg_id=ctx.msg_id,
    )
    return (
        f"已提交议事，编号 {item.number}。支部会把它列入议事会（屋场会）商议，"
        f"议定后告诉您结果。\n查看进展：{item_url(ctx, item.number)}"
    )


@bot.text("表决")
def cmd_vote(ctx: BotContext, args: str) -> str:
    number, rest = _split(args.upper().removeprefix("YS"))
    number = f"YS{int(number):04d}" if number else ""
    word = next((w for w in sorted(CHOICE_WORDS, key=len, reverse=True) if rest.startswith(w)), "")
    if not number or not word:
        return "请按“表决 编号 同意”发送（也可写反对、弃权），例如：表决 YS0012 同意"
    item = agenda.get(ctx.session, number)
    voted = agenda.vote(ctx.session, ctx.actor, ctx.account, item, CHOICE_WORDS[word])
    t = agenda.tally(ctx.session, item)
    counts = f"目前 {t.households} 户表决：同意 {t.votes['for']}，反对 {t.votes['against']}"
    if not voted.counted:
        first = agenda.CHOICES[voted.vote.choice]
        return f"您家已经表决过事项 {item.number}（{first}），每户一票，这次不再计入。{counts}。"
    return f"已记下您家对事项 {item.number} 的表决：{word}。{counts}。"


@bot.text("记积分")
def cmd_award(ctx: BotContext, args: str) -> str:
    """A village officer in the field: 记积分 <户编号> <规则> <事由>."""
    parts = args.split(maxsplit=2)
    if len(parts) < 3:
        items = "、".join(r.item for r in ctx.settings.civic.rules)
        return f"请按“记积分 户编号 规则 事由”发送，例如：记积分 DC001 抢险救灾 暴雨夜组织邻居抢收稻谷。规则：{items}"
    code, rule, _ = parts
    reason = ctx.written(args.split(maxsplit=2)[2])
    household = book.household_for(ctx.session, None, code)
    b = book.book_for_award(ctx.session, ctx.settings.civic, household)
    entry = book.award(ctx.session, ctx.actor, ctx.settings.civic, b, rule, reason)
    return (
        f"已为户 {household.code} 记 {entry.points} 分（{reason}），这户现有 {b.balance} 分。"
        "群众会收到通知。"
    )
