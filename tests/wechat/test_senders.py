"""Outbox senders against the fake WeChat API server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from delivery.senders import SENDERS, SendContext
from infra.config import load_settings
from models import OutboundChannel, Photo
from services import outbox
from tests.fakes.wechat_api import FakeWechat
from wechat.errors import WechatPermanentError, WechatTransientError

from .conftest import oa_config


def _ctx(session: Session, db_url: str, tmp_path: Path, fake: FakeWechat) -> SendContext:
    return SendContext.build(load_settings(oa_config(db_url, tmp_path, fake.base_url)), session)


def test_registry_covers_wechat_channels() -> None:
    assert set(SENDERS) == {c.value for c in OutboundChannel} - {"robot"}


def test_customer_service_transient_and_permanent(
    session: Session, db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    ctx = _ctx(session, db_url, tmp_path, fake_wechat)
    msg = outbox.enqueue(session, "customer_service", {"msgtype": "text", "text": {"content": "您好"}},
                         "k1", recipient="o-1")  # fmt: skip
    session.commit()  # as the dispatcher does: no transaction is held while a sender runs
    fake_wechat.fail_next("/cgi-bin/message/custom/send", errcode=45009)
    with pytest.raises(WechatTransientError):
        SENDERS["customer_service"](msg, ctx)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", errcode=45015)
    with pytest.raises(WechatPermanentError):
        SENDERS["customer_service"](msg, ctx)
    SENDERS["customer_service"](msg, ctx)
    assert fake_wechat.calls_to("/cgi-bin/message/custom/send")[-1].json == {
        "touser": "o-1", "msgtype": "text", "text": {"content": "您好"}
    }  # fmt: skip


def test_media_download_saves_and_marks_ready(
    session: Session, db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    ctx = _ctx(session, db_url, tmp_path, fake_wechat)
    photo = Photo(status="downloading", wechat_media_id="M9")
    session.add(photo)
    session.flush()
    msg = outbox.enqueue(session, "media_download", {"photo_id": photo.id, "media_id": "M9"}, "m9")
    session.commit()  # as the dispatcher does: no transaction is held while a sender runs
    with pytest.raises(WechatPermanentError):  # unknown media id
        SENDERS["media_download"](msg, ctx)
    fake_wechat.media["M9"] = b"\x89PNG\r\n\x1a\nrest"
    photo.status = "downloading"
    SENDERS["media_download"](msg, ctx)
    assert photo.status == "ready" and photo.content_type == "image/png"
    assert (tmp_path / "uploads" / photo.storage_key).read_bytes().startswith(b"\x89PNG")
    assert json.loads(msg.payload)["media_id"] == "M9"


def test_a_queued_notice_goes_out_as_a_subscription_message(
    session: Session, db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    cfg = oa_config(db_url, tmp_path, fake_wechat.base_url)
    cfg["wechat"]["mini_program"] = {"app_id": "wx-mp", "secret": "s", "env_version": "develop"}
    ctx = SendContext.build(load_settings(cfg), session)
    notice = {"kind": "request_assigned", "number": "2612001", "text": "路灯坏了", "to_member": True,
              "org_name": "东村党支部", "mp_path": "pages/request-detail/index?id=7"}  # fmt: skip
    msg = outbox.enqueue(session, "subscription", {"notice": notice, "template_id": "TPL-TASK"},
                         "s1", recipient="mp-1")  # fmt: skip
    session.commit()
    SENDERS["subscription"](msg, ctx)
    (call,) = fake_wechat.calls_to("/cgi-bin/message/subscribe/send")
    assert call.json["touser"] == "mp-1" and call.json["template_id"] == "TPL-TASK"
    assert call.json["page"] == "pages/request-detail/index?id=7"
    assert call.json["miniprogram_state"] == "developer"
    assert call.json["data"]["character_string2"] == {"value": "2612001"}
    assert call.json["data"]["thing1"] == {"value": "路灯坏了"}
