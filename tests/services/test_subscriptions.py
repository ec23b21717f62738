"""订阅消息 grants: only the configured templates, every answer kept, one message per accept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import SubscriptionGrant
from services import subscriptions
from services.errors import ValidationError
from tests import factories as f

OFFERED = subscriptions.offered("TPL-ANSWER", "TPL-TASK")


def test_offered_templates_come_from_configuration() -> None:
    assert [(t.template_id, t.scenes) for t in OFFERED] == [
        ("TPL-ANSWER", ("request",)),
        ("TPL-TASK", ("inbox",)),
    ]
    assert subscriptions.offered("", "") == []


def test_each_grant_is_recorded_and_an_accept_allows_one_message(session) -> None:
    account = f.account(session, mp_openid="mp-only")
    session.commit()
    rows = subscriptions.record(
        session,
        account.id,
        "request",
        [{"template_id": "TPL-ANSWER", "decision": "accept"}],
        OFFERED,
    )
    subscriptions.record(
        session, account.id, "inbox", [{"template_id": "TPL-TASK", "decision": "reject"}], OFFERED
    )
    session.commit()
    assert rows[0].created_at is not None and rows[0].scene == "request"
    assert subscriptions.may_send(session, account.id, "TPL-ANSWER")
    assert not subscriptions.may_send(session, account.id, "TPL-TASK")  # refused
    assert subscriptions.spend(session, account.id, "TPL-ANSWER")
    session.commit()
    assert not subscriptions.may_send(session, account.id, "TPL-ANSWER")  # spent
    assert not subscriptions.spend(session, account.id, "TPL-ANSWER")


GOOD = {"template_id": "TPL-TASK", "decision": "accept"}


@pytest.mark.parametrize(
    ("scene", "grants", "field"),
    [
        ("chat", [GOOD], "scene"),
        ("request", [], "grants"),
        ("request", [GOOD] * 4, "grants"),
        ("request", [GOOD, {"template_id": "SOMEONE-ELSES", "decision": "accept"}], "template_id"),
        ("request", [GOOD, {"template_id": "TPL-ANSWER", "decision": "yes"}], "decision"),
    ],
)
def test_bad_grants_are_refused_whole(session, scene, grants, field) -> None:
    account = f.account(session, mp_openid="mp-x")
    session.commit()
    with pytest.raises(ValidationError) as err:
        subscriptions.record(session, account.id, scene, grants, OFFERED)
    assert err.value.field == field
    session.rollback()
    assert session.scalar(select(func.count(SubscriptionGrant.id))) == 0


def test_notice_scenes_cover_every_request_notice_and_held_texts() -> None:
    from services import content, outbox, requests

    kinds = {
        requests.NOTICE_REPLIED,
        requests.NOTICE_RESOLVED,
        requests.NOTICE_ASSIGNED,
        requests.NOTICE_ESCALATED,
        content.NOTICE_HELD,
    }
    assert set(outbox.NOTICE_SCENES) == kinds
    assert outbox.NOTICE_SCENES[requests.NOTICE_REPLIED] == "request"
    assert outbox.NOTICE_SCENES[requests.NOTICE_ASSIGNED] == "inbox"
    assert outbox.NOTICE_SCENES[content.NOTICE_HELD] == "inbox"  # a 待办 of the secretary's


def test_a_mini_program_only_user_gets_a_notice_per_accepted_grant(session) -> None:
    from models import OutboundChannel, OutboundMessage
    from services import outbox, requests

    mp_only = f.account(session, mp_openid="mp-only-1", oa_openid=None)
    both = f.account(session, mp_openid="mp-both", oa_openid="oa-both")
    session.commit()
    fields = {"number": "2612001", "text": "路灯已修好"}
    # no grant yet: nothing can reach the mini-program-only user
    assert outbox.notice_account(session, mp_only.id, requests.NOTICE_REPLIED, fields, "k0") is None
    subscriptions.record(
        session,
        mp_only.id,
        "request",
        [{"template_id": "TPL-ANSWER", "decision": "accept"}],
        OFFERED,
    )
    # a grant asked on 待办 is not spent on an answer to the submitter
    subscriptions.record(
        session, mp_only.id, "inbox", [{"template_id": "TPL-TASK", "decision": "accept"}], OFFERED
    )
    msg = outbox.notice_account(session, mp_only.id, requests.NOTICE_REPLIED, fields, "k1")
    assert msg is not None
    assert (msg.channel, msg.recipient) == (OutboundChannel.SUBSCRIPTION.value, "mp-only-1")
    assert '"template_id": "TPL-ANSWER"' in msg.payload and "路灯已修好" in msg.payload
    # the same key again: the same row, no second grant spent; a new key: no grant left
    assert outbox.notice_account(session, mp_only.id, requests.NOTICE_REPLIED, fields, "k1") is msg
    assert (
        outbox.notice_account(session, mp_only.id, requests.NOTICE_RESOLVED, fields, "k2") is None
    )
    assert subscriptions.may_send(session, mp_only.id, "TPL-TASK")  # the 待办 grant is intact
    # an official-account follower still gets the customer-service message
    cs = outbox.notice_account(session, both.id, requests.NOTICE_REPLIED, fields, "k3")
    assert cs is not None and cs.channel == OutboundChannel.CUSTOMER_SERVICE.value
    session.commit()
    assert session.scalar(select(func.count(OutboundMessage.id))) == 2
