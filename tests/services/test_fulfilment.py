"""践诺: logging against published commitments, dedupe, edit window, progress from the DB."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from infra.clock import now_utc
from services import fulfilment
from services.errors import Conflict, PermissionDenied, ValidationError
from tests import factories as f


@pytest.fixture
def world(session):
    t = f.tree(session)
    owner = f.member(session, t["branch"], "张大爷")
    other = f.member(session, t["branch"], "李四")
    c = f.published(session, owner, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    session.commit()
    return {**t, "owner": owner, "other": other, "c": c}


def test_log_updates_progress_and_dedupes_by_message_id(session, world):
    actor = f.as_actor(session, world["owner"])
    c = world["c"]
    first = fulfilment.log(
        session,
        actor,
        c,
        quantity=3,
        note="浇水",
        happened_on=date(2026, 1, 5),
        today=date(2026, 1, 5),
        channel="bot",
        source_msg_id="msg-1",
    )
    again = fulfilment.log(
        session,
        actor,
        c,
        quantity=3,
        note="浇水",
        happened_on=date(2026, 1, 5),
        today=date(2026, 1, 5),
        channel="bot",
        source_msg_id="msg-1",
    )
    session.commit()
    assert again.id == first.id
    p = fulfilment.progress_of(session, c, on=date(2026, 1, 31))
    assert (p.done, p.target, p.percent) == (1, 1, 100)


def test_only_owner_logs_and_only_published(session, world):
    with pytest.raises(PermissionDenied):
        fulfilment.log(session, f.as_actor(session, world["other"]), world["c"], quantity=1)
    world["c"].status = "draft"
    with pytest.raises(Conflict):
        fulfilment.log(session, f.as_actor(session, world["owner"]), world["c"], quantity=1)


def test_bad_quantity_and_future_date_name_the_field(session, world):
    actor = f.as_actor(session, world["owner"])
    for bad in (0, -1, 10_001, True):
        with pytest.raises(ValidationError) as err:
            fulfilment.log(session, actor, world["c"], quantity=bad)
        assert err.value.field == "quantity"
    with pytest.raises(ValidationError) as err:
        fulfilment.log(session, actor, world["c"], happened_on=date.today() + timedelta(days=2))
    assert err.value.field == "happened_on"


def test_edit_and_delete_within_window_only(session, world):
    actor = f.as_actor(session, world["owner"])
    entry = fulfilment.log(
        session, actor, world["c"], quantity=1, happened_on=date(2026, 2, 1), today=date(2026, 2, 3)
    )
    fulfilment.edit_log(session, actor, entry, 24, quantity=2, note="浇了两遍")
    assert entry.quantity == 2
    with pytest.raises(PermissionDenied):
        fulfilment.edit_log(session, f.as_actor(session, world["other"]), entry, 24, quantity=5)
    entry.created_at = now_utc() - timedelta(hours=25)
    with pytest.raises(Conflict):
        fulfilment.delete_log(session, actor, entry, 24)
    entry.created_at = now_utc()
    fulfilment.delete_log(session, actor, entry, 24)
    session.commit()
    assert fulfilment.progress_of(session, world["c"], on=date(2026, 2, 28)).done == 0
