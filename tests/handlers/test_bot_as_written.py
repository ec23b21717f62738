"""The bot reads commands from a normalised copy but stores what the sender wrote (issue 11.7):
full-width punctuation and digits in a log note, a request, a reopen reason stay as typed."""

from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from models import FulfilmentLog, Request

MEMBER = "demo-oa-member-13907310001"  # 王建国 in the demo township


def _say(runner: FlaskCliRunner, text: str, openid: str = MEMBER) -> str:
    out = runner.invoke(args=["bot", "say", "--openid", openid, text])
    assert out.exit_code == 0, out.output
    return out.output


@pytest.mark.demo_township
def test_log_note_keeps_full_width_text_and_still_counts(app, runner) -> None:
    reply = _say(runner, "践诺 １ 入户走访，记下意见３次")
    assert "已记录践诺" in reply and "数量 3" in reply
    with app.extensions["db"].session() as s:
        log = s.scalars(select(FulfilmentLog).order_by(FulfilmentLog.id.desc())).first()
        assert log is not None and log.note == "入户走访，记下意见３次" and log.quantity == 3


@pytest.mark.demo_township
def test_request_text_is_stored_as_written(app, runner) -> None:
    reply = _say(runner, "反映 村口路灯坏了，三天了，晚上看不见。", openid="demo-oa-stranger-1")
    assert "已收到" in reply
    with app.extensions["db"].session() as s:
        req = s.scalars(select(Request).order_by(Request.id.desc())).first()
        assert req is not None and req.text == "村口路灯坏了，三天了，晚上看不见。"
