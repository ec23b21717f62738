"""Any Unicode text, emoji included, survives message → log → page → summary.

A signed (plain-mode) text message ``践诺 1 记<text>止`` goes through the real callback
endpoint; the fulfilment log's note must equal the text as the sender wrote it (the bot reads
commands from a normalised copy but stores the sender's own characters; whitespace runs collapsed,
trimmed); the member card page ``/m/<code>`` must show
it HTML-escaped (never raw markup); the branch's monthly summary must render and carry the
member's name (with markup characters and an emoji) intact. The fixed ``记``/``止`` around
the text keep the bot's separator trimming out of the property. Excluded: only what XML 1.0
cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape as html_escape
from sqlalchemy import func, select

from app import create_app
from infra.clock import local_date
from models import FulfilmentLog
from scheduler import pushes
from services.reads import summaries
from tests import factories
from tests.wechat.conftest import Wx, commitment_fields, oa_config

NAME = "王<b>小&明</b>'\"😀"
OPENID = "o-unicode-member"
EMOJI = ["😀", "👨‍👩‍👧", "🇨🇳", "👍🏽", "🧧", "❤️", "𠮷", "<script>alert(1)</script>", "]]>", "&amp;"]

xml_chars = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff")
texts = st.lists(st.one_of(xml_chars, st.sampled_from(EMOJI)), min_size=1, max_size=24).map("".join)


def message_xml(openid: str, content: str, msg_id: int) -> str:
    """Like WeChat's, but escaped text instead of CDATA so that any "]]>" is carried too."""
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{escape(content)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


def expected_note(text: str) -> str:
    return "记" + re.sub(r"\s+", " ", text) + "止"


def test_unicode_survives_message_log_page_summary(sqlite_url: str, tmp_path: Path) -> None:
    app: Flask = create_app(oa_config(sqlite_url, tmp_path))
    app.config["TESTING"] = True
    db = app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], NAME)
        factories.published(s, member, "给村东生产路树木浇水", **commitment_fields())
        factories.account(s, member=member, oa_openid=OPENID)
        s.commit()
        branch_id, code = orgs["branch"].id, member.public_code
    wx = Wx(app.test_client())  # safe mode, the default with a key: encrypted like WeChat
    pages = app.test_client()
    today = local_date()
    period = summaries.month(f"{today.year}-{today.month:02d}")
    recorded: list[str] = []

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=texts)
    def roundtrip(text: str) -> None:
        note = expected_note(text)
        reply = wx.decode(wx.post_xml(message_xml(OPENID, f"践诺 1 记{text}止", wx.next_msg_id())))
        content = reply.get("Content", "")
        if "已记录践诺" not in content:
            # only a quantity the text itself spells out (e.g. "×99999") may be refused
            assert "数量" in content, content
            return
        recorded.append(note)
        # message → log
        with db.session() as s:
            log = s.scalars(select(FulfilmentLog).order_by(FulfilmentLog.id.desc())).first()
            assert log is not None
            assert log.note == note
            n_logs = s.scalar(select(func.count(FulfilmentLog.id)))
        # log → page, escaped
        html = pages.get(f"/m/{code}").get_data(as_text=True)
        assert str(html_escape(note)) in html
        if any(ch in note for ch in "<>&"):
            assert note not in html
        assert "<script>alert(1)</script>" not in html
        assert str(html_escape(NAME)) in html and NAME not in html
        # → summary: renders, counts the logs, carries the name intact
        with db.session() as s:
            figures = summaries.compute(s, period)
            text_md = pushes.render_branch(
                figures.branches[branch_id], period, "https://jn.example"
            )
        assert f"**本期践诺**：{n_logs} 条记录" in text_md
        assert f"{NAME}（{n_logs} 条）" in text_md

    try:
        roundtrip()
        assert len(recorded) >= 20, recorded  # nearly every example was logged
        assert any(not n.isascii() for n in recorded)
    finally:
        db.dispose()
