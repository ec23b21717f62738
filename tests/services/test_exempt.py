"""Exempt members (免于承诺): not in the headcount nor the 作出承诺 ratio, not ranked by 先锋指数,
and shown on the progress board as 免于承诺 with the category of the reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Member, Organisation, PointsEntry
from scheduler import pushes
from services.evaluation import standings
from services.reads import public, summaries
from tests import factories

JANUARY = datetime(2026, 1, 2, tzinfo=UTC)


def test_exempt_members_are_out_of_the_headcount_and_the_ratio(session: Session) -> None:
    tree = factories.tree(session)
    branch = tree["branch"]
    for name in ("王建国", "李德明"):
        m = factories.member(session, branch, name, created_at=JANUARY)
        factories.published(session, m, created_at=JANUARY)
    factories.member(session, branch, "张桂兰", created_at=JANUARY)  # has not committed
    for name in ("韩金发", "马国庆"):
        factories.member(
            session, branch, name, exempt=True, exempt_reason="年满80周岁", created_at=JANUARY
        )
    session.flush()

    figures = summaries.compute(session, summaries.month("2026-10"))
    b = figures.branches[branch.id]
    t = figures.townships[tree["township"].id]

    assert (b.members, b.members_committed) == (3, 2)  # 5 on today's main: exempt counted
    assert (t.members, t.members_committed) == (3, 2)
    assert b.exempt == t.exempt == 2
    text = pushes.render_branch(b, figures.period, "http://x")
    assert "党员 3 人，作出承诺 2 人（另有免于承诺 2 人）" in text
    # the township overview (pages and JSON) counts the same members
    (stat,) = public.branch_stats(
        session, tree["township"], local_date(), red_count=1, yellow_below=50
    )
    assert stat.members == 3


def test_exempt_members_are_not_ranked(session: Session) -> None:
    tree = factories.tree(session)
    active = factories.member(session, tree["branch"], "王建国")
    exempt = factories.member(
        session, tree["branch"], "韩金发", exempt=True, exempt_reason="年满80周岁"
    )
    for m, pts in ((active, 4), (exempt, 6)):  # points earned before the exemption
        session.add(
            PointsEntry(
                member_id=m.id,
                points=pts,
                reason="践诺记录经核实",
                rule="verified_log",
                source_type="log",
                source_id=m.id,
                occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
            )
        )
    session.flush()

    ranked = standings.ranking(session, tree["township"])

    assert [(r.rank, r.name) for r in ranked] == [(1, "王建国")]
    assert standings.branch_ranking(session, tree["township"])[0][1] == 4


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("年满80周岁", "高龄"),
        ("年事已高", "高龄"),
        ("长期卧病在床", "身体原因"),
        ("肢体残疾", "身体原因"),
        ("长年在外务工", "外出务工"),
        ("组织安排", "其他原因"),
        ("", "其他原因"),
    ],
)
def test_exempt_reason_is_shown_as_a_category(reason: str, category: str) -> None:
    from services.reads.items import exempt_category

    assert exempt_category(reason) == category


@pytest.mark.demo_township
def test_board_shows_exempt_members_as_exempt(session: Session, client: FlaskClient) -> None:
    """The demo's 韩金发 (年满80周岁) on 东村's board: 免于承诺（高龄）, in HTML and JSON."""
    branch = session.scalars(select(Organisation).where(Organisation.code == "branch-1")).one()
    han = session.scalars(select(Member).where(Member.name == "韩金发")).one()
    assert han.exempt
    view = public.branch_view(session, branch, local_date())
    row = next(r for r in view.member_rows if r.name == "韩金发")
    assert (row.exempt, row.exempt_reason, row.items) == (True, "高龄", [])

    html = client.get("/o/branch-1/board").get_data(as_text=True)
    start = html.index("<b>韩金发</b>")
    han_row = html[start : html.index("</li>", start)]
    assert "免于承诺（高龄）" in han_row
    assert "暂无公开承诺" not in han_row
    assert "年满80周岁" not in html  # the roster's words stay on the roster

    rows = client.get(f"/api/v1/orgs/{branch.id}/board").get_json()["rows"]
    han_json = next(r for r in rows if r["name"] == "韩金发")
    assert (han_json["exempt"], han_json["exempt_reason"]) == (True, "高龄")
    others = [r for r in rows if r["name"] != "韩金发"]
    assert all(r["exempt"] is False and r["exempt_reason"] is None for r in others)
