"""订阅消息 grants: only the configured templates, every answer kept, one message per accept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import SubscriptionGrant
from services.errors import ValidationError
from services.org import subscriptions
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
