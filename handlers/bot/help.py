"""帮助: every command a sender can use, by who they are.

``CATALOGUE`` is the one list of the bot's commands as people read them: each line names the
keywords it explains and who sees it. A sender sees the lines of their roles (a bound member,
a resident linked to a household, a village officer who may record civic points, anyone);
the reply is paged with 更多 by ``chat.fit`` when it is longer than one WeChat message.
``ALIASES`` are the other registered spellings of a listed keyword (tests/handlers/
test_bot_help.py checks that every registered keyword is listed or is one of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.bot.context import BotContext, bot

ALL = "all"
MEMBER = "member"  # a bound party member
NOT_MEMBER = "not_member"
RESIDENT = "resident"  # an account linked to a household (连心卡)
NOT_RESIDENT = "not_resident"
OFFICER = "officer"  # holds a role that may record civic points under some configured rule


@dataclass(frozen=True)
class Line:
    text: str
    keywords: tuple[str, ...]
    roles: frozenset[str]


def _line(roles: str, keywords: str, text: str) -> Line:
    return Line(text, tuple(keywords.split()), frozenset(roles.split()))


CATALOGUE: tuple[Line, ...] = (
    # a member's own commitments and logs
    _line(MEMBER, "我的承诺", "· 我的承诺 —— 查看我的承诺和进度"),
    _line(MEMBER, "践诺", "· 践诺 序号 内容 —— 记录践诺，例如：践诺 1 浇水 3次；10 分钟内发照片会附上"),
    _line(MEMBER, "撤销 修改", "· 撤销 —— 撤销最近一条践诺；修改 序号 数量 —— 改正数量，例如：修改 1 3"),
    _line(MEMBER, "承诺 承诺模板", "· 承诺 内容 —— 起草承诺提交审核，例如：承诺 每月打扫村口一次；承诺模板 —— 看推荐的承诺"),
    _line(MEMBER, "走访 走访记录", "· 走访 户编号或户主 内容 —— 记录联户走访，例如：走访 DC001 问了低保申请；走访记录 —— 本月走访"),
    _line(MEMBER, "签到 请假", "· 签到 —— 主题党日当天签到；请假 原因 —— 向本月主题党日请假"),
    # a member's inbox of residents' requests
    _line(MEMBER, "待办 认领 答复", "· 待办 —— 交给我办的和待认领的诉求；认领 编号 / 答复 编号 内容"),
    _line(MEMBER, "办结 转交", "· 办结 编号 结果 说明（已解决、无法解决、重复、已转交）；转交 编号 原因 —— 交回支部"),
    _line(OFFICER, "记积分", "· 记积分 户编号 规则 事由 —— 为群众记文明积分，例如：记积分 DC001 邻里互助 帮邻居抢收稻谷"),
    # binding
    _line(NOT_MEMBER, "绑定", "· 绑定 绑定码 —— 党员绑定身份（绑定码向支部书记领取），例如：绑定 K7M2Q9XA"),
    _line(NOT_RESIDENT, "绑定", "· 绑定 户码 —— 用连心卡上的户码绑定自家户，诉求直达联户党员"),
    _line(RESIDENT, "解绑", "· 解绑 —— 解除微信与户的绑定"),
    # everyone's requests
    _line(ALL, "反映 心愿 建议 投诉", "· 反映 内容 / 心愿 内容 / 建议 内容 / 投诉 内容 —— 提出问题、微心愿、建议或投诉"),
    _line(ALL, "查询", "· 查询 编号 —— 查看诉求进展（只发“查询”列出我的全部诉求）"),
    _line(ALL, "确认 重开", "· 确认 编号 / 重开 编号 原因 —— 诉求办结后确认解决或重新打开"),
    _line(ALL, "满意 基本满意 不满意", "· 满意 编号 / 基本满意 编号 / 不满意 编号 原因 —— 评价办理结果"),
    # the residents' side: points and 议事
    _line(RESIDENT, "我的积分 走访记录", "· 我的积分 —— 查看我家的文明存折；走访记录 —— 联户党员到我家的走访"),
    _line(ALL, "议事 表决", "· 议事 内容 —— 提出想和大家商量的事；表决 编号 同意/反对/弃权 —— 每户一票"),
    _line(ALL, "进度 帮助 更多", "· 进度 —— 支部践诺进度榜；帮助 —— 本说明；更多 —— 看下一页"),
)  # fmt: skip

# Registered spellings that are not listed, and the keyword they stand for.
ALIASES: dict[str, str] = {
    "打卡": "践诺", "help": "帮助", "?": "帮助", "菜单": "帮助", "解除绑定": "解绑",
    "我承诺": "承诺", "我要承诺": "承诺", "承诺 模板": "承诺模板", "撤销记录": "撤销",
    "撤销践诺": "撤销", "我的待办": "待办", "我的走访": "走访记录", "文明存折": "我的积分",
    "我的文明存折": "我的积分",
}  # fmt: skip

FOOTER = "也可以直接打字或发语音说出问题和心愿，发送位置能告诉我们是哪里。"


def roles_of(ctx: BotContext) -> frozenset[str]:
    """Who the sender is, for the lines of 帮助 (not a permission: the commands check that)."""
    roles = {ALL, MEMBER if ctx.account.member_id else NOT_MEMBER}
    roles.add(RESIDENT if ctx.account.household_id else NOT_RESIDENT)
    awarders = {a for rule in ctx.settings.civic.rules for a in rule.awarders}
    if any(g.role in awarders for g in ctx.actor.grants):
        roles.add(OFFICER)
    return frozenset(roles)


def lines_for(roles: frozenset[str]) -> list[Line]:
    return [line for line in CATALOGUE if line.roles & roles]


def help_text(ctx: BotContext) -> str:
    lines = ["【践诺】可以发送这些指令："]
    lines += [line.text for line in lines_for(roles_of(ctx))]
    lines.append(FOOTER)
    return "\n".join(lines)


@bot.text("帮助", "help", "?", "菜单")
def cmd_help(ctx: BotContext, _args: str) -> str:
    return help_text(ctx)
