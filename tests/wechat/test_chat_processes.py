"""The pending question is answered on another worker process: the plain words reach one
server process, the "1" another (both real HTTP servers on one database)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from models import ChatState, Request
from models.db import Database

from .conftest import AES_KEY, APP_ID, TOKEN
from .test_dedupe_processes import _deliver, two_workers  # noqa: F401 (fixture)
from .wxcrypto import WxCrypto, text_xml


@pytest.mark.slow
def test_the_answer_reaches_another_worker_process(
    two_workers: tuple[list[str], Database],  # noqa: F811
) -> None:
    urls, db = two_workers
    crypto = WxCrypto(TOKEN, AES_KEY, APP_ID)
    base = int(time.time() * 1000)
    status, asked = _deliver(urls[0], crypto, text_xml("o-dedupe", "村口路灯坏了没人修", base + 1))
    assert status == 200 and "回复 1 提交" in asked
    with db.session() as s:
        assert s.scalars(select(ChatState.kind)).one() == "request"
        assert s.scalars(select(Request)).first() is None
    status, answered = _deliver(urls[1], crypto, text_xml("o-dedupe", "1", base + 2))
    assert status == 200 and "已收到您的问题反映" in answered
    with db.session() as s:
        assert s.scalars(select(Request.text)).one() == "村口路灯坏了没人修"
        assert s.scalars(select(ChatState)).first() is None
