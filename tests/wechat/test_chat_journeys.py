"""The chat as people really talk (issue 15), through the real callback (signed and
encrypted), the outbox dispatcher and the fake WeChat API server."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from delivery.dispatcher import Dispatcher
from models import FulfilmentLog, Note, OutboundMessage, Request, VoiceClip
from services import commitments
from services.actors import actor_for_member
from tests import factories
from tests.fakes.wechat_api import FakeWechat

from .conftest import Wx, commitment_fields

AMR_STUB = b"#!AMR\n" + b"\x3c" * 64


def _dispatch(app: Flask) -> None:
    db = app.extensions["db"]
    Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()


def _member_with_commitment(app: Flask, openid: str, title: str = "给村东生产路树木浇水") -> int:
    with app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国", group=orgs["group1"])
        c = factories.published(s, member, title, **commitment_fields())
        factories.account(s, member=member, oa_openid=openid)
        return c.id


def _count(app: Flask, model: type) -> int:
    with app.extensions["db"].session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# ------------------------------------------------------------------ 1. voice


def test_voice_with_recognition_logs_and_quotes(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, tmp_path: Path
) -> None:
    openid = "o-voice-member"
    commitment_id = _member_with_commitment(oa_app, openid)
    fake_wechat.media["VOICE-1"] = AMR_STUB

    reply = wx.voice(openid, "VOICE-1", "践诺 1 浇水 3次")
    assert reply.startswith("您说的是：践诺 1 浇水 3次\n")
    assert "数量 3次" in reply
    db = oa_app.extensions["db"]
    with db.session() as s:
        entry = s.scalars(select(FulfilmentLog)).one()
        assert (entry.commitment_id, entry.quantity, entry.note) == (commitment_id, 3, "浇水 3次")
        clip = s.scalars(select(VoiceClip)).one()
        assert clip.log_id == entry.id and clip.status == "downloading"
        assert clip.recognition == "践诺 1 浇水 3次"
    _dispatch(oa_app)
    with db.session() as s:
        clip = s.scalars(select(VoiceClip)).one()
        assert clip.status == "ready"
        assert (tmp_path / "uploads" / str(clip.storage_key)).read_bytes() == AMR_STUB
    assert fake_wechat.calls_to("/cgi-bin/media/get")[0].query["media_id"] == "VOICE-1"


def test_voice_without_recognition_becomes_a_request_with_the_audio(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, tmp_path: Path
) -> None:
    openid = "o-voice-resident"
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        factories.account(s, household=factories.household(s, orgs["branch"]), oa_openid=openid)
    fake_wechat.media["VOICE-2"] = AMR_STUB

    for recognition in ("", None):  # an empty field, and no field at all
        reply = wx.voice(openid, "VOICE-2", recognition)
        assert "收到您的语音" in reply and "编号" in reply
    db = oa_app.extensions["db"]
    with db.session() as s:
        reqs = list(s.scalars(select(Request)))
        assert len(reqs) == 2 and all("语音" in r.text for r in reqs)
        clips = list(s.scalars(select(VoiceClip)))
        assert sorted(c.request_id for c in clips) == sorted(r.id for r in reqs)
        assert reqs[0].number in reply or reqs[1].number in reply
    _dispatch(oa_app)
    with db.session() as s:
        for clip in s.scalars(select(VoiceClip)):
            assert clip.status == "ready"
            assert (tmp_path / "uploads" / str(clip.storage_key)).read_bytes() == AMR_STUB


def test_voice_without_media_on_wechat_is_marked_failed(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat
) -> None:
    openid = "o-voice-gone"
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
        factories.account(s, oa_openid=openid)
    assert "收到您的语音" in wx.voice(openid, "VOICE-EXPIRED", "")
    _dispatch(oa_app)
    with oa_app.extensions["db"].session() as s:
        assert s.scalars(select(VoiceClip)).one().status == "failed"
        assert s.scalars(select(Request)).one() is not None  # the request stays


# ------------------------------------------------------------------ 2. location


def test_location_after_a_request_is_shown_on_its_page(oa_app: Flask, wx: Wx) -> None:
    openid = "o-place-resident"
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        factories.account(s, household=factories.household(s, orgs["branch"]), oa_openid=openid)
    assert "编号" in wx.say(openid, "反映 路灯坏了")
    reply = wx.location(openid, "28.194100", "112.976500", "东村村委会东侧")
    assert "位置已附在您反映的诉求" in reply and "东村村委会东侧" in reply
    with oa_app.extensions["db"].session() as s:
        req = s.scalars(select(Request)).one()
        assert (req.latitude, req.longitude, req.location_label) == (
            28.1941,
            112.9765,
            "东村村委会东侧",
        )
        number = req.number
    with oa_app.test_request_context():
        from handlers.pages import request_link

        link = request_link(number)
    page = oa_app.test_client().get(link).get_data(as_text=True)
    assert "东村村委会东侧" in page
    assert "https://apis.map.qq.com/uri/v1/marker?marker=coord:28.1941,112.9765;title:" in page


def test_location_alone_starts_a_request_draft(oa_app: Flask, wx: Wx) -> None:
    openid = "o-place-first"
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
        factories.account(s, oa_openid=openid)
    reply = wx.location(openid, "28.2", "112.9", "村口小桥")
    assert "请说一下这里有什么问题" in reply
    assert _count(oa_app, Request) == 0
    reply = wx.say(openid, "桥栏杆断了一根")
    assert "编号" in reply
    with oa_app.extensions["db"].session() as s:
        req = s.scalars(select(Request)).one()
        assert (req.text, req.location_label, req.latitude) == ("桥栏杆断了一根", "村口小桥", 28.2)
    # within 10 minutes of that request a location is attached to it; another sender's
    # location alone, answered "2", drops its draft
    with oa_app.extensions["db"].session() as s:
        factories.account(s, oa_openid="o-place-second")
    assert "请说一下" in wx.location("o-place-second", "28.3", "112.8", "晒谷坪")
    assert "不用了" in wx.say("o-place-second", "2")
    assert _count(oa_app, Request) == 1


def test_bad_coordinates_are_refused_in_chinese(oa_app: Flask, wx: Wx) -> None:
    openid = "o-place-bad"
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
        factories.account(s, oa_openid=openid)
    assert "位置坐标" in wx.location(openid, "abc", "112.9", "某处")


# ------------------------------------------------------------------ 3. plain words


def _resident(app: Flask, openid: str) -> None:
    with app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        factories.account(s, household=factories.household(s, orgs["branch"]), oa_openid=openid)


def test_plain_words_ask_then_submit_on_1(oa_app: Flask, wx: Wx) -> None:
    openid = "o-plain-yes"
    _resident(oa_app, openid)
    reply = wx.say(openid, "村口路灯坏了没人修")
    assert "要把这条作为问题反映提交吗？回复 1 提交，回复 2 不用了" in reply.replace("\n", "")
    assert _count(oa_app, Request) == 0
    reply = wx.say(openid, "1")
    assert "已收到您的问题反映" in reply
    with oa_app.extensions["db"].session() as s:
        req = s.scalars(select(Request)).one()
        assert (req.kind, req.text) == ("problem", "村口路灯坏了没人修")
    assert "没有需要您确认" in wx.say(openid, "1")  # answered once only
    assert _count(oa_app, Request) == 1


def test_plain_words_then_2_submits_nothing(oa_app: Flask, wx: Wx) -> None:
    openid = "o-plain-no"
    _resident(oa_app, openid)
    assert "回复 1 提交" in wx.say(openid, "村口路灯坏了没人修")
    assert "不用了" in wx.say(openid, "2")
    assert "没有需要您确认" in wx.say(openid, "1")
    assert _count(oa_app, Request) == 0


def test_confirmation_survives_a_restart_and_reaches_another_worker(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    """Two app instances on one database: asked on the first, answered on the second (a
    second worker); then the first is shut down and a new one started (a restart)."""
    from app import create_app

    from .conftest import oa_config

    config = oa_config(db_url, tmp_path, fake_wechat.base_url)
    first, second = create_app(config), create_app(config)
    try:
        _resident(first, "o-two-workers")
        assert "回复 1 提交" in Wx(first.test_client()).say("o-two-workers", "村口路灯坏了没人修")
        assert "已收到" in Wx(second.test_client()).say("o-two-workers", "1")
        assert _count(second, Request) == 1

        assert "回复 1 提交" in Wx(first.test_client()).say("o-two-workers", "水渠堵了，田里积水")
    finally:
        first.extensions["db"].dispose()
    restarted = create_app(config)
    try:
        assert "已收到" in Wx(restarted.test_client()).say("o-two-workers", "1")
        assert _count(restarted, Request) == 2
    finally:
        restarted.extensions["db"].dispose()
        second.extensions["db"].dispose()


def test_typed_menu_labels_work_like_clicks(oa_app: Flask, wx: Wx) -> None:
    openid = "o-labels"
    _member_with_commitment(oa_app, openid)
    assert wx.say(openid, "我的诉求") == wx.event(openid, "CLICK", "MY_REQUESTS")
    assert wx.say(openid, "践诺进度") == wx.event(openid, "CLICK", "PROGRESS")
    assert wx.say(openid, "我的承诺") == wx.event(openid, "CLICK", "MY_COMMITMENTS")
    assert "没有待办" in wx.say(openid, "待办")
    assert "编号" in wx.say(openid, "反应 村东水井盖丢了")  # a common typo of 反映


def test_plain_log_words_ask_which_commitment(oa_app: Flask, wx: Wx) -> None:
    openid = "o-plain-log"
    commitment_id = _member_with_commitment(oa_app, openid)
    reply = wx.say(openid, "今天给村口的树浇了水")
    assert "已保存" in reply and "回复 1 记录" in reply
    assert "已记录践诺" in wx.say(openid, "1")
    with oa_app.extensions["db"].session() as s:
        assert s.scalars(select(FulfilmentLog.commitment_id)).one() == commitment_id
        assert s.scalar(select(func.count(Note.id))) == 0  # the note became the log


# ------------------------------------------------------------------ 4. a member's whole job


def test_commitment_drafted_in_chat_reaches_the_group_leader(oa_app: Flask, wx: Wx) -> None:
    openid = "o-committer"
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        author = factories.member(s, orgs["branch"], "李春花", group=orgs["group1"])
        leader = factories.member(s, orgs["branch"], "赵小组", group=orgs["group1"])
        factories.grant(s, "group_leader", orgs["group1"], member=leader)
        factories.account(s, member=author, oa_openid=openid)
        leader_id = leader.id

    refused = wx.say(openid, "承诺 积极为群众服务")
    assert "还不能提交" in refused and "缺少可衡量的目标" in refused
    reply = wx.say(openid, "承诺 每月打扫村口一次")
    assert "目标：每月 1次" in reply and "回复 1 提交审核" in reply
    assert "已提交" in wx.say(openid, "1")
    with db.session() as s:
        leader_actor = actor_for_member(s, s.get_one(factories.Member, leader_id))
        queue = commitments.review_queue(s, leader_actor)
        assert [c.title for c in queue] == ["每月打扫村口一次"]


def test_undo_removes_the_last_log_from_the_public_card(oa_app: Flask, wx: Wx) -> None:
    openid = "o-undo"
    _member_with_commitment(oa_app, openid)
    with oa_app.extensions["db"].session() as s:
        public_code = s.scalars(select(factories.Member.public_code)).one()
    card = oa_app.test_client()
    assert "数量 3次" in wx.say(openid, "践诺 1 扫落叶 3次")
    assert "扫落叶" in card.get(f"/m/{public_code}").get_data(as_text=True)
    reply = wx.say(openid, "撤销")
    assert "已撤销" in reply and "扫落叶" in reply and "3次" in reply
    assert _count(oa_app, FulfilmentLog) == 0
    assert "扫落叶" not in card.get(f"/m/{public_code}").get_data(as_text=True)
    assert "没有可以撤销" in wx.say(openid, "撤销")


def test_fix_sets_the_quantity_of_the_last_log(oa_app: Flask, wx: Wx) -> None:
    openid = "o-fix"
    _member_with_commitment(oa_app, openid)
    wx.say(openid, "践诺 1 浇水 30次")
    reply = wx.say(openid, "修改 1 3")
    assert "30次 → 3次" in reply
    with oa_app.extensions["db"].session() as s:
        assert s.scalars(select(FulfilmentLog.quantity)).one() == 3
    assert "请按“修改 序号 数量”" in wx.say(openid, "修改 一下")
    assert "序号应为 1 到 1" in wx.say(openid, "修改 5 3")


def test_a_duplicate_log_is_saved_only_after_confirming(oa_app: Flask, wx: Wx) -> None:
    openid = "o-dup"
    _member_with_commitment(oa_app, openid)
    assert "数量 3次" in wx.say(openid, "践诺 1 浇水 3次")
    assert "刚才已经记过一次，还要再记吗？" in wx.say(openid, "践诺 1 浇水 3次")
    assert _count(oa_app, FulfilmentLog) == 1
    assert "不用了" in wx.say(openid, "2")
    assert _count(oa_app, FulfilmentLog) == 1
    assert "刚才已经记过一次" in wx.say(openid, "践诺１ 浇水 3次")  # full-width too
    assert "已记录践诺" in wx.say(openid, "1")
    assert _count(oa_app, FulfilmentLog) == 2
    assert "数量 4次" in wx.say(openid, "践诺 1 浇水 4次")  # another quantity is no duplicate


# ------------------------------------------------------------------ 5. replies fit a phone


def test_long_lists_are_paged_within_2048_bytes(oa_app: Flask, wx: Wx) -> None:
    openid = "o-pages"
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "钱多多")
        for i in range(40):
            factories.published(s, member, f"第{i + 1}项：每月为村里孤寡老人上门打扫卫生并陪同聊天",
                                **commitment_fields())  # fmt: skip
        factories.account(s, member=member, oa_openid=openid)
    pages = [wx.say(openid, "我的承诺")]
    while "回复 更多 看下一页" in pages[-1]:
        pages.append(wx.say(openid, "更多"))
        assert len(pages) < 10
    assert len(pages) > 1
    assert all(len(p.encode("utf-8")) <= 2048 for p in pages)
    text = "\n".join(pages)
    assert all(f"{i}. 第{i}项" in text for i in range(1, 41))
    assert "没有更多" in wx.say(openid, "更多")


def test_unknown_message_types_are_answered(oa_app: Flask, wx: Wx) -> None:
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
    from .wxcrypto import text_xml

    xml = text_xml("o-video", "x", wx.next_msg_id()).replace("[text]", "[shortvideo]")
    reply = wx.decode(wx.post_xml(xml)).get("Content", "")
    assert "文字、语音、图片和位置" in reply
    assert _count(oa_app, OutboundMessage) == 0


def test_commands_never_read_the_conversation_state(oa_app: Flask, wx: Wx) -> None:
    """A message that matches a command (or a typed label) costs no conversation lookup;
    only plain words, bare answers and the request commands (for a place sent first) read
    ``chat_state``."""
    from sqlalchemy import event

    openid = "o-fast-path"
    _member_with_commitment(oa_app, openid)
    wx.say(openid, "践诺 1 浇水")  # warm-up
    statements: list[str] = []
    engine = oa_app.extensions["db"].engine

    def seen(_conn: object, _cur: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for text in ("践诺 1 扫地 2次", "我的诉求", "践诺进度"):
            statements.clear()
            assert wx.say(openid, text)
            assert not [q for q in statements if "chat_state" in q], text
        # a request command looks once for a place sent just before it, and writes nothing
        statements.clear()
        assert "编号" in wx.say(openid, "反映 路灯坏了")
        assert len([q for q in statements if "chat_state" in q]) == 1
        statements.clear()
        wx.say(openid, "1")
        assert [q for q in statements if "chat_state" in q]
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_voice_as_recognised_with_chinese_numbers_and_a_full_stop(oa_app: Flask, wx: Wx) -> None:
    """WeChat's recognition writes numbers in words and ends with "。"."""
    openid = "o-voice-words"
    _member_with_commitment(oa_app, openid)
    reply = wx.voice(openid, "VOICE-3", "践诺一，浇水三次。")
    assert reply.startswith("您说的是：践诺一，浇水三次。") and "数量 3次" in reply
    assert "回复 1 提交" in wx.voice(openid, "VOICE-4", "村口的路灯坏了。")
    assert "已收到您的问题反映" in wx.voice(openid, "VOICE-5", "1。")
    with oa_app.extensions["db"].session() as s:
        assert s.scalars(select(Request.text)).one() == "村口的路灯坏了。"
        clips = list(s.scalars(select(VoiceClip).order_by(VoiceClip.id)))
        assert [c.log_id is not None for c in clips] == [True, False, False]
        assert clips[2].request_id is not None  # the "1" that submitted it keeps its voice


def test_plain_log_words_with_several_commitments_need_the_number(oa_app: Flask, wx: Wx) -> None:
    openid = "o-plain-log-many"
    first = _member_with_commitment(oa_app, openid)
    with oa_app.extensions["db"].session() as s:
        member = s.scalars(select(factories.Member)).one()
        second = factories.published(s, member, "每周清理村口垃圾", **commitment_fields()).id
    assert first < second
    reply = wx.say(openid, "今天把村口垃圾清理了2次")
    assert "回复序号（1 到 2）" in reply and "2. 每周清理村口垃圾" in reply
    assert "请回复承诺的序号" in wx.say(openid, "好")
    assert _count(oa_app, FulfilmentLog) == 0
    assert "已记录践诺：每周清理村口垃圾，数量 2次" in wx.say(openid, "2")
    with oa_app.extensions["db"].session() as s:
        assert s.scalars(select(FulfilmentLog.commitment_id)).one() == second


def test_a_place_then_an_unrecognised_voice_is_one_request(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat
) -> None:
    openid = "o-place-voice"
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
        factories.account(s, oa_openid=openid)
    assert "请说一下" in wx.location(openid, "28.2", "112.9", "村口小桥")
    assert "收到您的语音" in wx.voice(openid, "VOICE-9", "")
    with oa_app.extensions["db"].session() as s:
        req = s.scalars(select(Request)).one()
        assert req.location_label == "村口小桥" and req.latitude == 28.2
        assert s.scalars(select(VoiceClip.request_id)).one() == req.id


def test_a_refused_voice_command_still_quotes_and_keeps_the_voice(oa_app: Flask, wx: Wx) -> None:
    openid = "o-voice-refused"
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
        factories.account(s, oa_openid=openid)
    reply = wx.voice(openid, "VOICE-7", "查询 9999999")
    assert reply == "您说的是：查询 9999999\n没有编号为 9999999 的诉求，请核对编号"
    with oa_app.extensions["db"].session() as s:
        clip = s.scalars(select(VoiceClip)).one()
        assert (clip.recognition, clip.request_id, clip.log_id) == ("查询 9999999", None, None)


def test_an_answer_after_ten_minutes_is_told_the_question_lapsed(oa_app: Flask, wx: Wx) -> None:
    from datetime import timedelta

    from models import ChatState

    openid = "o-too-late"
    _resident(oa_app, openid)
    assert "回复 1 提交" in wx.say(openid, "村口路灯坏了没人修")
    with oa_app.extensions["db"].session() as s:
        row = s.scalars(select(ChatState)).one()
        row.expires_at = row.expires_at - timedelta(minutes=10, seconds=1)  # asked 10 min ago
        s.commit()
    assert "已经超过 10 分钟，没有提交" in wx.say(openid, "1")
    assert _count(oa_app, Request) == 0
    assert "没有需要您确认" in wx.say(openid, "1")
