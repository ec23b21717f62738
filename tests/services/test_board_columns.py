"""The board reads its commitments as columns (``branch_view(columns_only=True)``, issue 20)
and must show exactly what the wall's read with ``Commitment`` objects shows: same rows, same
party groups, same items with the same progress, for every branch and party group."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Organisation
from services.reads import public
from services.reads.wall import BranchView


def _shown(view: BranchView) -> list[tuple[object, ...]]:
    rows = [view.branch_row, *view.member_rows, *view.partner_rows]
    return [
        (
            r.key,
            r.name,
            r.subtitle,
            r.public_code,
            r.group,
            r.exempt,
            r.exempt_reason,
            r.percent,
            r.state,
            r.flags,
            r.next_due_on,
            [(i.id, i.title, i.target, i.progress, i.bar, i.done) for i in r.items],
        )
        for r in rows
    ]


@pytest.mark.demo_township
def test_board_columns_show_what_the_wall_shows(session: Session) -> None:
    orgs = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(("branch", "group")))
            .order_by(Organisation.id)
        )
    )
    today = local_date()
    compared = items = grouped = 0
    for org in orgs:
        for on in (today, today - timedelta(days=40), date(today.year, 12, 31)):
            wall = public.branch_view(session, org, on, with_past_years=False)
            board = public.branch_view(session, org, on, with_past_years=False, columns_only=True)
            assert _shown(board) == _shown(wall), (org.name, on)
            compared += 1
            items += view_items(board)
            grouped += sum(1 for r in board.member_rows if r.group != "支部党员")
    assert compared >= 6 and items > 0 and grouped > 0  # the demo has pledges and party groups


def view_items(view: BranchView) -> int:
    return sum(len(r.items) for r in (view.branch_row, *view.member_rows))


@pytest.mark.demo_township
def test_board_read_takes_fewer_statements(session: Session) -> None:
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
        public.branch_view(session, branch, local_date(), with_past_years=False, columns_only=True)
        board = len(seen)
        seen.clear()
        public.branch_view(session, branch, local_date(), with_past_years=False)
        wall = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # commitments (cycle inside), daily sums, members with their group, the partner check
    assert board <= 4
    assert board < wall
