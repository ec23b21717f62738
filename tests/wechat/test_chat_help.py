"""帮助 lists every command the sender can use, by who they are, within WeChat's 2,048 bytes
per message (paged with 更多), through the real callback; and every keyword the bot has
registered is in the catalogue or is a known spelling of one that is."""

from __future__ import annotations

from flask import Flask

from handlers.bot import help as bot_help
from handlers.bot.commands import bot
from services import chat
from tests import factories

from .conftest import Wx

MORE = "（回复 更多 看下一页）"

# Written by hand from the issues (15, 18, 19): what each kind of sender must find in 帮助.
EVERYONE = ["反映", "心愿", "建议", "投诉", "查询", "确认", "重开", "满意", "基本满意", "不满意",
            "议事", "表决", "进度", "帮助"]  # fmt: skip
MEMBER = ["我的承诺", "践诺", "撤销", "修改", "承诺", "承诺模板", "走访", "走访记录", "签到",
          "请假", "待办", "认领", "答复", "办结", "转交"]  # fmt: skip
RESIDENT = ["我的积分", "走访记录", "解绑"]
STRANGER = ["绑定 绑定码", "绑定 户码"]


def _senders(app: Flask) -> None:
    with app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国", group=orgs["group1"])
        factories.account(s, member=member, oa_openid="o-help-member")
        secretary = factories.member(s, orgs["branch"], "李书记")
        factories.grant(s, "secretary", orgs["branch"], member=secretary)
        factories.account(s, member=secretary, oa_openid="o-help-secretary")
        house = factories.household(s, orgs["branch"], linked=[member])
        factories.account(s, household=house, oa_openid="o-help-resident")
        s.commit()


def _help(wx: Wx, openid: str) -> list[str]:
    """Every page of 帮助 as the sender receives it (更多 until there is no more)."""
    pages = [wx.say(openid, "帮助")]
    while pages[-1].endswith(MORE) and len(pages) < 5:
        pages.append(wx.say(openid, "更多"))
    return pages


def _check(pages: list[str], wanted: list[str], unwanted: list[str]) -> str:
    for page in pages:
        assert len(page.encode("utf-8")) <= 2048, page
    text = "\n".join(pages)
    missing = [kw for kw in wanted if kw not in text]
    assert not missing, f"帮助 is missing {missing}:\n{text}"
    shown = [kw for kw in unwanted if kw in text]
    assert not shown, f"帮助 shows {shown} to a sender who cannot use it:\n{text}"
    return text


def test_help_lists_every_command_of_the_senders_role(oa_app: Flask, wx: Wx) -> None:
    _senders(oa_app)
    member = _check(_help(wx, "o-help-member"), EVERYONE + MEMBER, ["记积分", "我的积分", "解绑"])
    assert "绑定 户码" in member and "绑定 绑定码" not in member
    _check(_help(wx, "o-help-secretary"), EVERYONE + MEMBER + ["记积分"], ["我的积分"])
    resident = _check(
        _help(wx, "o-help-resident"), EVERYONE + RESIDENT + ["绑定 绑定码"],
        ["践诺 序号", "我的承诺", "待办", "记积分", "走访 户编号", "绑定 户码"],
    )  # fmt: skip
    assert "解绑" in resident
    _check(_help(wx, "o-help-stranger"), EVERYONE + STRANGER,
           ["践诺 序号", "待办", "记积分", "我的积分", "解绑"])  # fmt: skip


def test_every_registered_keyword_is_in_help_or_a_known_alias() -> None:
    listed = {kw for line in bot_help.CATALOGUE for kw in line.keywords}
    registered = set(bot.keywords)
    unknown = sorted(
        kw for kw in registered
        if kw not in listed and kw not in bot_help.ALIASES and kw not in chat.TYPOS
    )  # fmt: skip
    assert not unknown, f"registered but neither in 帮助 nor a known alias: {unknown}"
    stale = sorted((listed | set(bot_help.ALIASES)) - registered)
    assert not stale, f"in 帮助 but no command answers it: {stale}"
    assert set(bot_help.ALIASES.values()) <= listed
    for line in bot_help.CATALOGUE:  # a line names what it explains
        assert all(kw in line.text for kw in line.keywords), line


def test_help_pages_with_more_when_a_sender_has_many_roles(oa_app: Flask, wx: Wx) -> None:
    """A secretary who is also linked to a household sees the most lines; whatever the
    length, each message fits and 更多 gives the rest."""
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        boss = factories.member(s, orgs["branch"], "赵书记")
        factories.grant(s, "secretary", orgs["branch"], member=boss)
        house = factories.household(s, orgs["branch"])
        factories.account(s, member=boss, household=house, oa_openid="o-help-all")
        s.commit()
    reply = wx.say("o-help-all", "没看懂的一句话 abc")  # the fallback carries 帮助 too
    pages = [reply]
    while pages[-1].endswith(MORE) and len(pages) < 5:
        pages.append(wx.say("o-help-all", "更多"))
    _check(pages, EVERYONE + MEMBER + RESIDENT + ["记积分"], [])
