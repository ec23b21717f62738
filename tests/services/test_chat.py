"""The chat's rules against a real database: the pending question (kept 10 minutes, one per
account), undo / fix / duplicate of logs, a request's place, and the word lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from infra.clock import now_utc
from models import ChatState, FulfilmentLog
from services import chat, fulfilment, requests
from services.errors import Conflict, NotFound, ValidationError
from services.requests.places import parse_coordinates
from tests import factories as f


def _fields() -> dict[str, object]:
    today = date.today()
    return {
        "target_kind": "count",
        "frequency": None,
        "target_quantity": 12,
        "unit": "次",
        "start_date": today - timedelta(days=30),
        "end_date": today + timedelta(days=300),
    }


@pytest.fixture
def member_setup(session):
    orgs = f.tree(session)
    member = f.member(session, orgs["branch"], "王建国")
    other = f.member(session, orgs["branch"], "李四")
    c = f.published(session, member, "给村东生产路树木浇水", **_fields())
    account = f.account(session, member=member)
    f.account(session, member=other)
    return {
        "orgs": orgs,
        "member": member,
        "other": other,
        "commitment": c,
        "account": account,
        "actor": f.as_actor(session, member),
        "other_actor": f.as_actor(session, other),
    }


# ------------------------------------------------------------------ conversation


def test_a_pending_question_lasts_ten_minutes(session, member_setup):
    account_id = member_setup["account"].id
    now = now_utc()
    chat.remember(session, account_id, "request", {"kind": "problem", "text": "路灯坏了"}, now)
    held = chat.pending(session, account_id, now + timedelta(minutes=9, seconds=59))
    assert held is not None and held.kind == "request" and held.data["text"] == "路灯坏了"
    assert chat.pending(session, account_id, now + timedelta(minutes=10)) is None
    assert session.scalar(select(ChatState)) is None  # the expired row is gone


def test_a_new_question_replaces_the_old_one_and_clear_forgets(session, member_setup):
    account_id = member_setup["account"].id
    chat.remember(session, account_id, "request", {"kind": "wish", "text": "a"})
    chat.remember(session, account_id, "commit", {"title": "每月打扫村口一次"})
    held = chat.pending(session, account_id)
    assert held is not None and held.kind == "commit"
    assert len(list(session.scalars(select(ChatState)))) == 1
    chat.clear(session, account_id)
    assert chat.pending(session, account_id) is None


# ------------------------------------------------------------------ corrections


def _log(session, setup, qty=3, note="浇水 3次", msg="m1"):
    return fulfilment.log(session, setup["actor"], setup["commitment"], quantity=qty, note=note,
                          channel="bot", source_msg_id=msg)  # fmt: skip


def test_undo_deletes_only_my_last_log_within_the_window(session, member_setup):
    _log(session, member_setup, 1, "第一次", "m1")
    _log(session, member_setup, 2, "第二次", "m2")
    with pytest.raises(NotFound):
        fulfilment.undo_last(session, member_setup["other_actor"], 24)
    c, qty, note = fulfilment.undo_last(session, member_setup["actor"], 24)
    assert (c.id, qty, note) == (member_setup["commitment"].id, 2, "第二次")
    assert [e.note for e in session.scalars(select(FulfilmentLog))] == ["第一次"]
    left = session.scalars(select(FulfilmentLog)).one()
    left.created_at = now_utc() - timedelta(hours=25)
    session.flush()
    with pytest.raises(Conflict, match="24 小时"):
        fulfilment.undo_last(session, member_setup["actor"], 24)


def test_fix_quantity_of_the_last_log_goes_through_the_edit_rule(session, member_setup):
    _log(session, member_setup, 30, "浇水 30次")
    entry, before = fulfilment.fix_quantity(session, member_setup["actor"], 3, 24)
    assert (before, entry.quantity) == (30, 3)
    with pytest.raises(ValidationError) as err:
        fulfilment.fix_quantity(session, member_setup["actor"], 0, 24)
    assert err.value.field == "quantity"
    with pytest.raises(NotFound):
        fulfilment.fix_quantity(session, member_setup["other_actor"], 3, 24)


def test_a_duplicate_is_the_same_commitment_text_and_quantity_within_30_minutes(
    session, member_setup
):
    m, c = member_setup["member"], member_setup["commitment"]
    _log(session, member_setup, 3, "浇水 3次")
    now = now_utc()
    assert fulfilment.recent_duplicate(session, m.id, c.id, "浇水 3次", 3, now) is not None
    assert fulfilment.recent_duplicate(session, m.id, c.id, "浇水 3次", 4, now) is None
    assert fulfilment.recent_duplicate(session, m.id, c.id, "扫地 3次", 3, now) is None
    later = now + timedelta(minutes=31)
    assert fulfilment.recent_duplicate(session, m.id, c.id, "浇水 3次", 3, later) is None
    other = member_setup["other"]
    assert fulfilment.recent_duplicate(session, other.id, c.id, "浇水 3次", 3, now) is None


# ------------------------------------------------------------------ places


def test_a_location_goes_on_my_recent_request_only(session, member_setup):
    resident = f.account(session)
    actor = f.as_actor(session, resident)
    req = requests.submit(session, actor, kind="problem", text="路灯坏了", channel="bot")
    assert requests.recent_own_request(session, resident.id) == req
    assert (
        requests.recent_own_request(session, resident.id, now_utc() + timedelta(minutes=11)) is None
    )
    with pytest.raises(ValidationError):
        requests.attach_location(session, member_setup["actor"], req, "28.1", "112.9", "村口")
    requests.attach_location(session, actor, req, "28.1941", "112.9765", "村口小桥")
    assert (req.latitude, req.longitude, req.location_label) == (28.1941, 112.9765, "村口小桥")
    url = requests.map_url(req)
    assert url is not None and url.startswith(
        "https://apis.map.qq.com/uri/v1/marker?marker=coord:28.1941,112.9765;title:%E6%9D%91"
    )


@pytest.mark.parametrize(("lat", "lng"), [("abc", "1"), ("91", "0"), ("0", "181"), ("", "")])
def test_bad_coordinates_name_the_field(lat, lng):
    with pytest.raises(ValidationError) as err:
        parse_coordinates(lat, lng)
    assert err.value.field == "location"


# ------------------------------------------------------------------ words


def test_short_or_empty_words_are_not_guessed():
    assert chat.classify("").kind == "unknown"
    assert chat.classify("嗯嗯嗯").kind == "unknown"
    assert chat.classify("好").kind == "yes"
    assert chat.is_answer("２") and not chat.is_answer("路灯坏了没人修")
    assert chat.classify("今天帮李奶奶打扫了院子").kind == "log"
