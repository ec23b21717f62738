"""Confirming a request is done once; after confirming, the resident may still reopen it within
``requests.reopen_window_days`` of its resolution, and every refusal says what is possible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.clock import local_text, now_utc
from services import requests as reqs
from services.errors import Conflict
from tests import factories as f

WINDOW = 15


@pytest.fixture
def resolved(session):
    t = f.tree(session)
    member = f.member(session, t["branch"], "陈电工")
    home = f.household(session, t["branch"], linked=[member])
    resident = f.as_actor(session, f.account(session, household=home, name="王秀英"))
    req = reqs.submit(session, resident, kind="problem", text="村东路灯坏了")
    reqs.resolve(session, f.as_actor(session, member), req, "done", "已更换灯泡")
    session.commit()
    return resident, req


def test_confirming_twice_says_it_is_already_confirmed(session, resolved):
    resident, req = resolved
    reqs.confirm(session, resident, req, WINDOW)
    with pytest.raises(Conflict) as err:
        reqs.confirm(session, resident, req, WINDOW)
    message = err.value.message
    assert "已经确认" in message and "办结后才能确认" not in message
    deadline = reqs.reopen_deadline(req, WINDOW)
    assert deadline == req.resolved_at + timedelta(days=WINDOW)
    assert local_text(deadline) in message and "重新打开" in message
    # past the window the refusal says to submit a new request instead
    req.resolved_at = now_utc() - timedelta(days=WINDOW + 1)
    with pytest.raises(Conflict) as err:
        reqs.confirm(session, resident, req, WINDOW)
    assert "已经确认" in err.value.message and "重新反映" in err.value.message


def test_an_open_request_cannot_be_confirmed_yet(session, resolved):
    resident, req = resolved
    reqs.reopen(session, resident, req, "灯又不亮了", WINDOW)
    with pytest.raises(Conflict) as err:
        reqs.confirm(session, resident, req, WINDOW)
    assert "还在办理中" in err.value.message


def test_a_confirmed_request_reopens_only_within_the_window(session, resolved):
    resident, req = resolved
    reqs.confirm(session, resident, req, WINDOW)
    assert reqs.can_reopen(resident, req, WINDOW)
    req.resolved_at = now_utc() - timedelta(days=WINDOW, hours=1)
    assert not reqs.can_reopen(resident, req, WINDOW)
    assert reqs.reopen_deadline(req, WINDOW) < now_utc()
    with pytest.raises(Conflict) as err:
        reqs.reopen(session, resident, req, "灯又不亮了", WINDOW)
    message = err.value.message
    assert "您已确认解决" in message and f"超过 {WINDOW} 天" in message
    assert local_text(req.resolved_at, "%Y-%m-%d") in message and "重新反映" in message
    assert req.status == "confirmed"
    # inside the window a confirmation does not stop a reopening
    req.resolved_at = now_utc() - timedelta(days=WINDOW - 1)
    reqs.reopen(session, resident, req, "灯又不亮了", WINDOW)
    assert req.status == "assigned" and req.confirmed_at is None and req.reopened_count == 1
    assert reqs.reopen_deadline(req, WINDOW) is None  # open again: nothing to reopen
