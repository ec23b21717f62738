"""件件有回音 by messages alone (issue 14, must-show 1): a linked resident's 反映 reaches the
linked member's 待办; the member answers and resolves from the chat; the resident hears each
step (the fake WeChat sees the customer-service messages), confirms and rates; 不满意 sends
the request back to the same member (退回重办)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from delivery.dispatcher import Dispatcher
from infra.clock import now_utc
from models import Evaluation, Member, OutboundMessage, Request, TimelineEntry
from services import evaluation, requests
from services.reads import rates
from tests import factories
from tests.fakes.wechat_api import FakeWechat

from .conftest import Wx

RESIDENT, MEMBER, NEIGHBOUR = "o-resident-li", "o-member-wang", "o-member-zhao"


def _dispatch(app: Flask) -> None:
    db = app.extensions["db"]
    Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()


def _texts_to(fake: FakeWechat, openid: str) -> list[str]:
    return [
        c.json["text"]["content"]
        for c in fake.calls_to("/cgi-bin/message/custom/send")
        if c.json and c.json.get("touser") == openid and c.json.get("msgtype") == "text"
    ]


@pytest.fixture
def linked(oa_app: Flask) -> dict[str, Any]:
    """东村: member 王建国 is the 联户 member of the resident's household; 赵二 is another
    member of the branch."""
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        wang = factories.member(s, orgs["branch"], "王建国")
        zhao = factories.member(s, orgs["branch"], "赵二")
        house = factories.household(s, orgs["branch"], linked=[wang])
        factories.account(s, member=wang, oa_openid=MEMBER)
        factories.account(s, member=zhao, oa_openid=NEIGHBOUR)
        factories.account(s, household=house, oa_openid=RESIDENT)
        return {"wang": wang.id, "zhao": zhao.id}


def _submit(wx: Wx, oa_app: Flask) -> str:
    reply = wx.say(RESIDENT, "反映 村东路灯坏了，晚上很黑")
    assert "党员王建国" in reply
    with oa_app.extensions["db"].session() as s:
        number = s.scalars(select(Request.number).order_by(Request.id.desc())).first()
    assert number and number in reply
    return number


def _answer_and_resolve(wx: Wx, oa_app: Flask, fake: FakeWechat, number: str) -> None:
    inbox = wx.say(MEMBER, "待办")
    assert number in inbox and "交给您办理" in inbox and "刚刚" in inbox
    assert "【超时】" not in inbox
    assert number not in wx.say(NEIGHBOUR, "待办")  # held by 王建国: not on anyone else's list

    assert "已答复" in wx.say(MEMBER, f"答复 {number} 已联系电工，明天上午来修")
    _dispatch(oa_app)
    assert any("已联系电工，明天上午来修" in t for t in _texts_to(fake, RESIDENT))

    done = wx.say(MEMBER, f"办结 {number} 已解决 已更换灯泡")
    assert "已办结（已解决）" in done
    _dispatch(oa_app)
    notice = _texts_to(fake, RESIDENT)[-1]
    assert number in notice and f"满意 {number}" in notice and f"不满意 {number} 原因" in notice
    assert number not in wx.say(MEMBER, "待办")


def test_resolved_confirmed_and_rated_satisfied(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, linked: dict[str, Any]
) -> None:
    number = _submit(wx, oa_app)
    _answer_and_resolve(wx, oa_app, fake_wechat, number)
    with oa_app.extensions["db"].session() as s:
        before = evaluation.satisfaction_of_member(s, s.get_one(Member, linked["wang"]))
    assert before.total == 0

    assert "已确认解决" in wx.say(RESIDENT, f"确认 {number}")
    assert "感谢评价（满意）" in wx.say(RESIDENT, f"满意 {number}")

    with oa_app.extensions["db"].session() as s:
        req = requests.by_number(s, number)
        assert (req.status, req.resolution, req.rating) == ("confirmed", "done", "satisfied")
        after = evaluation.satisfaction_of_member(s, s.get_one(Member, linked["wang"]))
        assert (after.total, after.unsatisfied) == (1, 0)
        ev = s.scalars(select(Evaluation).where(Evaluation.request_id == req.id)).one()
        assert ev.subject_member_id == linked["wang"] and ev.rating == "satisfied"
        # the four rates of the member moved: answered in time, resolved, solved, satisfied
        now = now_utc()
        counts = rates.by_member(s, now - timedelta(days=1), now + timedelta(days=1))[
            linked["wang"]
        ]
        assert (counts.received, counts.resolved, counts.solved, counts.satisfied) == (1, 1, 1, 1)
        assert (counts.response, counts.completion, counts.solution, counts.satisfaction) == (
            100,
            100,
            100,
            100,
        )


def test_unsatisfied_goes_back_to_the_same_member(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, linked: dict[str, Any]
) -> None:
    number = _submit(wx, oa_app)
    _answer_and_resolve(wx, oa_app, fake_wechat, number)

    # a member of the branch cannot rate for the resident; a reason is required
    assert "群众本人" in wx.say(MEMBER, f"不满意 {number} 没修")
    assert "哪里不满意" in wx.say(RESIDENT, f"不满意 {number}")
    back = wx.say(RESIDENT, f"不满意 {number} 灯泡换了还是不亮")
    assert "退回党员王建国重新办理" in back

    with oa_app.extensions["db"].session() as s:
        req = requests.by_number(s, number)
        assert req.assignee_member_id == linked["wang"]
        assert requests.is_open(req) and req.reopened_count == 1 and req.resolution is None
        notes = [
            e.note
            for e in s.scalars(select(TimelineEntry).where(TimelineEntry.request_id == req.id))
        ]
        assert any("灯泡换了还是不亮" in n and "退回重办" in n for n in notes)
        sat = evaluation.satisfaction_of_member(s, s.get_one(Member, linked["wang"]))
        assert (sat.total, sat.unsatisfied) == (1, 1)

    # back on the same member's list; the redo is resolved and rated again
    assert number in wx.say(MEMBER, "待办")
    assert "已办结" in wx.say(MEMBER, f"办结 {number} 已解决 换了整套灯具")
    assert "感谢评价（满意）" in wx.say(RESIDENT, f"满意 {number}")
    assert "已确认解决" in wx.say(RESIDENT, f"确认 {number}")
    with oa_app.extensions["db"].session() as s:
        sat = evaluation.satisfaction_of_member(s, s.get_one(Member, linked["wang"]))
        assert (sat.total, sat.unsatisfied) == (2, 1)  # the 不满意 still counts against him


def test_claim_and_transfer_from_the_chat(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, linked: dict[str, Any]
) -> None:
    number = _submit(wx, oa_app)
    assert "不能认领" in wx.say(NEIGHBOUR, f"认领 {number}")  # held by 王建国
    assert "交回支部" in wx.say(MEMBER, f"转交 {number} 不在我联系的片区")
    listing = wx.say(NEIGHBOUR, "待办")
    assert "待认领" in listing and number in listing
    assert "已认领" in wx.say(NEIGHBOUR, f"认领 {number}")
    assert "找不到" in wx.say(MEMBER, f"答复 {number} 我来办")  # no longer his to answer
    assert "请按“办结 编号 结果 说明”" in wx.say(NEIGHBOUR, f"办结 {number} 搞定了")
    assert "原因" in wx.say(NEIGHBOUR, f"办结 {number} 无法解决")
    with oa_app.extensions["db"].session() as s:
        req = requests.by_number(s, number)
        assert req.assignee_member_id == linked["zhao"] and req.status == "claimed"


def test_members_help_lists_the_inbox(wx: Wx, linked: dict[str, Any]) -> None:
    member_help = wx.say(MEMBER, "帮助")
    assert "待办" in member_help and "办结 编号 结果" in member_help
    resident_help = wx.say(RESIDENT, "帮助")
    assert "待办" not in resident_help and "不满意 编号 原因" in resident_help
    assert "绑定党员身份" in wx.say(RESIDENT, "待办")


def test_the_linked_member_is_told(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, linked: dict[str, Any]
) -> None:
    number = _submit(wx, oa_app)
    with oa_app.extensions["db"].session() as s:
        queued = s.scalars(select(OutboundMessage)).all()
        assert any(m.recipient == MEMBER for m in queued)
    _dispatch(oa_app)
    assert any(number in t for t in _texts_to(fake_wechat, MEMBER))


def test_inbox_shows_ages_and_marks_overdue(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, linked: dict[str, Any]
) -> None:
    late, fresh = _submit(wx, oa_app), _submit(wx, oa_app)
    with oa_app.extensions["db"].session() as s:
        req = requests.by_number(s, late)
        req.created_at -= timedelta(days=3)
        req.due_at -= timedelta(days=3)  # 48 hours to answer, three days ago
        s.commit()
    inbox = wx.say(MEMBER, "待办")
    (late_line,) = [line for line in inbox.splitlines() if late in line]
    (fresh_line,) = [line for line in inbox.splitlines() if fresh in line]
    assert "【超时】" in late_line and "3 天前" in late_line
    assert "【超时】" not in fresh_line and "刚刚" in fresh_line
    assert inbox.index(late) < inbox.index(fresh)  # the most urgent first

    # an answer stops the clock; punctuation instead of spaces is understood
    assert "已答复" in wx.say(MEMBER, f"答复{late}，已联系电工")
    assert "【超时】" not in wx.say(MEMBER, "待办")
    assert "已办结（暂不具备条件）" in wx.say(MEMBER, f"办结 {late}，无法解决，需要县里立项")
    with oa_app.extensions["db"].session() as s:
        req = requests.by_number(s, late)
        assert (req.resolution, req.resolution_note) == ("not_feasible", "需要县里立项")


AMR = b"#!AMR\n" + b"\x3c" * 80


def _voices_to(fake: FakeWechat, openid: str) -> list[bytes]:
    """The voice messages ``openid`` received, as the audio that was uploaded for each."""
    return [
        fake.uploaded[c.json["voice"]["media_id"]]
        for c in fake.calls_to("/cgi-bin/message/custom/send")
        if c.json and c.json.get("touser") == openid and c.json.get("msgtype") == "voice"
    ]


def test_a_residents_voice_reaches_whoever_must_answer_it(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, linked: dict[str, Any]
) -> None:
    """A 70-year-old resident speaks instead of typing and WeChat recognises nothing: the
    request goes to the household's 联户 member, who gets the notice and then the voice itself
    in the official account (playable on any phone); handed back to the branch (转交), the
    secretary gets it too; a voice WeChat no longer has fails its row, visibly."""
    secretary = "o-secretary-chen"
    with oa_app.extensions["db"].session() as s:
        branch = s.get_one(Member, linked["wang"]).org
        chen = factories.member(s, branch, "陈书记")
        factories.grant(s, "secretary", branch, member=chen)
        factories.account(s, member=chen, oa_openid=secretary)
    fake_wechat.media["VOICE-OLD-1"] = AMR

    reply = wx.voice(RESIDENT, "VOICE-OLD-1", "")
    assert "收到您的语音" in reply and "党员王建国" in reply
    _dispatch(oa_app)  # the audio is fetched from WeChat, then passed on
    assert _voices_to(fake_wechat, MEMBER) == [AMR]
    assert any("交给您办理" in t or "诉求" in t for t in _texts_to(fake_wechat, MEMBER))
    assert _voices_to(fake_wechat, secretary) == []  # the member holds it, not the branch
    _dispatch(oa_app)
    assert _voices_to(fake_wechat, MEMBER) == [AMR]  # once

    with oa_app.extensions["db"].session() as s:
        number = s.scalars(select(Request.number)).one()
    assert "已交回支部" in wx.say(MEMBER, f"转交 {number} 不在我联系的片区")
    _dispatch(oa_app)
    assert _voices_to(fake_wechat, secretary) == [AMR]
    assert _voices_to(fake_wechat, MEMBER) == [AMR]

    # the answer goes back to the resident as before
    assert "已答复" in wx.say(secretary, f"答复 {number} 收到语音，明天上门")
    _dispatch(oa_app)
    assert any("收到语音，明天上门" in t for t in _texts_to(fake_wechat, RESIDENT))

    # a voice WeChat has lost: its download fails, and so does passing it on
    assert "收到您的语音" in wx.voice(RESIDENT, "VOICE-GONE", "")
    _dispatch(oa_app)
    with oa_app.extensions["db"].session() as s:
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "oa_voice")))
    assert sorted(r.status for r in rows) == ["failed", "sent", "sent"]
    assert "没能从微信下载" in next(r.last_error for r in rows if r.status == "failed")
