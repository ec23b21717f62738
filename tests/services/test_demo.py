"""The demo township: loads on an empty database, twice changes nothing, covers every state."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from demo import township as demo
from infra.clock import local_date
from models import (
    Account,
    Base,
    Commitment,
    FulfilmentLog,
    Member,
    MemberHousehold,
    OutboundMessage,
    Request,
    RoleGrant,
)
from services import progress


def _row_counts(session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_loads_on_empty_database_and_meets_the_minimums(session):
    summary = demo.load(session)
    session.commit()
    assert summary["党支部"] >= 3
    assert summary["党员"] >= 40
    assert summary["户"] >= 120
    assert summary["诉求"] >= 10
    assert summary["践诺记录"] > 300
    assert summary["免于承诺"] == 1
    exempt = session.scalar(select(Member).where(Member.exempt.is_(True)))
    assert exempt.exempt_reason == "年满80周岁"
    assert (
        session.scalar(select(func.count(Commitment.id)).where(Commitment.member_id == exempt.id))
        == 0
    )
    links = Counter(session.scalars(select(MemberHousehold.member_id)))
    assert set(links.values()) <= {4, 5, 6}
    assert len(links) == summary["党员"]
    # No notification about demo history may ever be sent.
    assert session.scalar(select(func.count(OutboundMessage.id))) == 0


@pytest.mark.demo_township  # the database holds the result of a first demo.load()
def test_twice_changes_nothing(session):
    first = demo.summary(session)
    before = _row_counts(session)
    assert before["member"] == first["党员"] > 0
    second = demo.load(session)
    session.commit()
    assert second == first
    assert _row_counts(session) == before


@pytest.mark.demo_township
def test_organisation_codes_and_roles(session):
    from models import Organisation

    codes = set(session.scalars(select(Organisation.code)))
    assert {"district", "township", "branch-1", "branch-2", "branch-3"} <= codes
    roles = Counter(session.scalars(select(RoleGrant.role)))
    assert roles["secretary"] == 3
    assert roles["group_leader"] >= 6
    admin = session.scalar(
        select(Account)
        .join(RoleGrant, RoleGrant.account_id == Account.id)
        .where(RoleGrant.role == "township_admin")
    )
    assert admin is not None and admin.member_id is None


@pytest.mark.demo_township
def test_every_request_state_and_rating_is_present(session):
    reqs = list(session.scalars(select(Request)))
    states = {r.status for r in reqs}
    assert states >= {"submitted", "assigned", "claimed", "in_progress", "resolved", "confirmed"}
    assert {r.rating for r in reqs} >= {"satisfied", "basically_satisfied", "unsatisfied"}
    # one 重开 by the resident, one 不满意 that sent the request back (退回重办)
    assert sum(r.reopened_count for r in reqs) == 2
    (redo,) = [r for r in reqs if r.rating == "unsatisfied"]
    assert redo.status == "assigned" and redo.reopened_count == 1
    assert [r.escalation_level for r in reqs if r.escalation_level] == [1]
    # Requests still waiting for a first answer are not silently overdue.
    for r in reqs:
        if r.status in ("submitted", "assigned", "claimed") and not r.escalation_level:
            assert r.due_at > r.created_at


@pytest.mark.demo_township
def test_commitments_cover_review_states_and_progress(session):
    cs = list(session.scalars(select(Commitment)))
    statuses = Counter(c.status for c in cs)
    assert statuses["published"] >= 40
    assert (
        statuses["pending_group"] + statuses["pending_branch"] + statuses["pending_township"] >= 2
    )
    rejected = [c for c in cs if c.status == "draft"]
    assert len(rejected) == 1 and rejected[0].last_rejection_reason
    assert not any("积极为群众服务" in c.title for c in cs)
    branch_titles = {c.title for c in cs if c.owner_kind == "branch"}
    assert any("340户" in t for t in branch_titles)
    assert any("13眼" in t for t in branch_titles)
    published = [c for c in cs if c.status == "published"]
    states = Counter(
        p.state for p in progress.progress_of(session, published, local_date()).values()
    )
    assert states["behind"] >= 1
    assert states["completed"] + states["completed_late"] >= 1
    # Some member has logged nothing for more than two months.
    last = dict(
        session.execute(
            select(FulfilmentLog.member_id, func.max(FulfilmentLog.happened_on)).group_by(
                FulfilmentLog.member_id
            )
        ).all()
    )
    assert any((local_date() - day).days > 60 for day in last.values())
