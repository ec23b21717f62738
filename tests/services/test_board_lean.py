"""The board's lean read (``services.reads.board``, issue 20) shows exactly what the wall's read
(``branch_view``) shows for the same branch and day: the same members in the same order, each
with the same mean percent, worst state, completed count, next due date, number of commitments
and 免于承诺 category — for every branch and party group of the demo township, on days before,
inside and after the cycle's periods; and in fewer statements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Commitment, Member, Organisation
from services.errors import NotFound
from services.reads import public


def _wall_rows(session: Session, org: Organisation, on: date) -> list[tuple[object, ...]]:
    view = public.branch_view(session, org, on, with_past_years=False)
    return [
        (
            r.name,
            r.public_code,
            r.percent if r.items else None,
            r.state,
            r.flags,
            r.next_due_on,
            len(r.items),
            r.exempt,
            r.exempt_reason,
        )
        for r in view.member_rows
    ] + [
        ("p", r.name, r.percent, r.state, r.flags, r.next_due_on, len(r.items))
        for r in view.partner_rows
    ]


def _board_rows(session: Session, org: Organisation, on: date) -> list[tuple[object, ...]]:
    board = public.board(session, org.id, on)
    return [
        (
            r.name,
            r.public_code,
            r.percent if r.progresses else None,
            r.state,
            r.completed,
            r.next_due,
            len(r.progresses),
            r.exempt,
            r.exempt_reason,
        )
        for r in board.rows
    ] + [
        ("p", r.name, r.percent, r.state, r.completed, r.next_due, len(r.progresses))
        for r in board.partners
    ]


@pytest.mark.demo_township
def test_the_lean_board_shows_what_the_wall_shows(session: Session) -> None:
    orgs = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(("branch", "group")))
            .order_by(Organisation.id)
        )
    )
    today = local_date()
    days = [today + timedelta(days=d) for d in (-400, -40, -9, -1, 0, 1, 6, 13, 30, 95)]
    days += [date(today.year, 1, 1), date(today.year, 12, 31), date(today.year + 1, 1, 3)]
    compared = shown = 0
    for org in orgs:
        for on in days:
            assert _board_rows(session, org, on) == _wall_rows(session, org, on), (org.name, on)
            compared += 1
            shown += sum(1 for r in _board_rows(session, org, on) if r[2] is not None)
    assert compared >= 6 * len(days) and shown > 0


@pytest.mark.demo_township
def test_a_party_groups_board_is_its_branchs(session: Session) -> None:
    group = session.scalars(select(Organisation).where(Organisation.kind == "group")).first()
    assert group is not None and group.parent_id
    board = public.board(session, group.id, local_date())
    assert board.org.id == group.parent_id
    assert board.org.township_id is not None
    assert _board_rows(session, group, local_date()) == _wall_rows(session, group, local_date())


@pytest.mark.demo_township
def test_hidden_commitments_are_not_on_the_board(session: Session) -> None:
    branch = session.scalars(
        select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
    ).first()
    assert branch is not None
    before = sum(len(r.progresses) for r in public.board(session, branch.id, local_date()).rows)
    session.execute(
        update(Commitment)
        .where(Commitment.org_id == branch.id, Commitment.owner_kind == "member")
        .values(content_status="pending")
    )
    after = sum(len(r.progresses) for r in public.board(session, branch.id, local_date()).rows)
    assert before > 0 and after == 0
    assert _board_rows(session, branch, local_date()) == _wall_rows(session, branch, local_date())


def test_an_unknown_organisation_has_no_board(session: Session) -> None:
    with pytest.raises(NotFound):
        public.board(session, 987654, local_date())


@pytest.mark.demo_township
def test_the_lean_board_takes_fewer_statements(session: Session) -> None:
    branch = session.scalars(
        select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
    ).first()
    assert branch is not None
    seen: list[str] = []

    def count(*_a: object) -> None:
        seen.append("x")

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        public.board(session, branch.id, local_date())
        board = len(seen)
        seen.clear()
        public.branch_view(session, branch, local_date(), with_past_years=False)
        wall = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the organisation with its parent, the commitments with their tallies, the members with
    # whether the branch is paired (结对共建)
    assert board <= 3
    assert board < wall


@pytest.mark.demo_township
def test_partner_pledges_show_with_and_without_members(session: Session) -> None:
    """结对共建 rows come from the members' statement; a village without active members asks
    on its own, and shows them all the same."""
    branches = list(
        session.scalars(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        )
    )
    village, organ = branches[0], branches[1]
    pledge = session.scalars(
        select(Commitment).where(
            Commitment.org_id == organ.id,
            Commitment.owner_kind == "branch",
            Commitment.status == "published",
        )
    ).first()
    assert pledge is not None
    pledge.partner_org_id = village.id
    session.flush()
    on = local_date()
    board = public.board(session, village.id, on)
    assert [r.name for r in board.partners] == [organ.name]
    assert _board_rows(session, village, on) == _wall_rows(session, village, on)
    session.execute(update(Member).where(Member.org_id == village.id).values(active=False))
    board = public.board(session, village.id, on)
    assert board.rows == [] and [r.name for r in board.partners] == [organ.name]
    assert _board_rows(session, village, on) == _wall_rows(session, village, on)
