"""`flask bot say --voice` and `--location`: the voice and location journeys tried by hand,
through the real callback (signed, and encrypted when the account is)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from models import FulfilmentLog, Request, VoiceClip

MEMBER = "demo-oa-member-13907310001"  # 王建国 in the demo township
STRANGER = "demo-oa-stranger-cli-say"


def _say(runner: FlaskCliRunner, *args: str, openid: str = MEMBER) -> str:
    out = runner.invoke(args=["bot", "say", "--openid", openid, *args])
    assert out.exit_code == 0, out.output
    return out.output


@pytest.mark.demo_township
def test_voice_with_recognition_is_handled_as_that_text(app, runner) -> None:
    with app.extensions["db"].session() as s:
        before = len(s.scalars(select(FulfilmentLog)).all())
    reply = _say(runner, "--voice", "践诺 1 入户走访 2次")
    assert reply.startswith("您说的是：践诺 1 入户走访 2次\n") and "已记录践诺" in reply
    with app.extensions["db"].session() as s:
        logs = s.scalars(select(FulfilmentLog).order_by(FulfilmentLog.id)).all()
        assert len(logs) == before + 1 and logs[-1].quantity == 2
        clip = s.scalars(select(VoiceClip)).one()
        assert clip.log_id == logs[-1].id and clip.recognition == "践诺 1 入户走访 2次"


@pytest.mark.demo_township
def test_voice_without_recognition_becomes_a_request(app, runner) -> None:
    reply = _say(runner, "--voice", "", openid=STRANGER)
    assert "没能识别出文字" in reply and "编号" in reply
    with app.extensions["db"].session() as s:
        clip = s.scalars(select(VoiceClip)).one()
        assert clip.request_id is not None and clip.recognition == ""


@pytest.mark.demo_township
def test_location_then_words_is_a_request_with_the_place(app, runner) -> None:
    reply = _say(runner, "--location", "28.2,112.9,村口小桥", openid=STRANGER)
    assert "收到位置：村口小桥" in reply and "请说一下这里有什么问题" in reply
    assert "编号" in _say(runner, "反映 桥栏杆断了一根", openid=STRANGER)
    with app.extensions["db"].session() as s:
        req = s.scalars(select(Request).order_by(Request.id.desc())).first()
        assert req is not None and (req.text, req.location_label, req.latitude) == (
            "桥栏杆断了一根", "村口小桥", 28.2,
        )  # fmt: skip


@pytest.mark.demo_township
def test_say_refuses_two_kinds_of_message_and_a_bad_place(runner) -> None:
    both = runner.invoke(args=["bot", "say", "--openid", STRANGER, "--voice", "你好", "帮助"])
    assert both.exit_code != 0 and "只给出一种消息" in both.output
    none = runner.invoke(args=["bot", "say", "--openid", STRANGER])
    assert none.exit_code != 0 and "只给出一种消息" in none.output
    bad = runner.invoke(args=["bot", "say", "--openid", STRANGER, "--location", "村口"])
    assert bad.exit_code != 0 and "纬度,经度,地名" in bad.output
