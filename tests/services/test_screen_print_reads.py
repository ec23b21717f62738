"""The reads behind the big screen, the printed paper and the poster (issue 21), against a real
database: lagging first, this month's public logs, the review chain of the current revision,
who verified each log in the 记实手册, what a 连心卡 may show, brick-card short text and the
poster's recipients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Evaluation, FulfilmentLog, Organisation, Review
from services.reads import posters, printing, public, screen
from tests import factories as f

TODAY = local_date()
YEAR_START = date(TODAY.year, 1, 1)


def _log(session: Session, c, day: date, **kw) -> FulfilmentLog:  # type: ignore[no-untyped-def]
    e = FulfilmentLog(
        commitment_id=c.id, member_id=c.member_id, quantity=1, happened_on=day, channel="bot", **kw
    )
    session.add(e)
    session.flush()
    return e


def test_screen_rows_lagging_first_with_this_months_public_logs(session: Session):
    t = f.tree(session)
    done, late, fine, idle = (f.member(session, t["branch"], n) for n in ("甲", "乙", "丙", "丁"))
    resting = f.member(session, t["branch"], "戊", exempt=True, exempt_reason="年满80岁")
    done_c = f.published(
        session, done, "全年修路一次", target_kind="count", frequency=None, target_quantity=1,
        start_date=YEAR_START, end_date=date(TODAY.year, 12, 31),
    )  # fmt: skip
    _log(session, done_c, TODAY)
    fine_c = f.published(
        session, fine, "年底前调解纠纷10件", target_kind="count", frequency=None,
        target_quantity=10, start_date=TODAY, end_date=date(TODAY.year, 12, 31),
    )  # fmt: skip
    overdue = f.published(
        session, late, "昨天之前修好水渠", target_kind="deadline", frequency=None,
        target_quantity=1, start_date=TODAY - timedelta(days=30),
        end_date=TODAY - timedelta(days=1),
    )  # fmt: skip
    hidden = _log(session, fine_c, TODAY, content_status="rejected")
    session.commit()
    view = screen.screen_view(session, t["branch"], TODAY, red_count=1, yellow_below=60)
    names = [r.name for r in view.rows]
    # overdue, on track, no public commitment, completed, exempt
    assert names == ["乙", "丙", "丁", "甲", "戊"] and resting.exempt
    assert [r.bar for r in view.rows][:4] == ["overdue", "on_track", "none", "completed"]
    logs = {r.name: r.month_logs for r in view.rows}
    assert logs["甲"] == 1 and logs["丙"] == 0  # a rejected log is not public
    assert hidden.id and overdue.id and view.overdue == 1
    assert [x.name for x in view.latest] == ["甲"]
    township = screen.screen_view(session, t["township"], TODAY, red_count=1, yellow_below=60)
    assert {r.branch for r in township.rows} == {"东村党支部"} and len(township.rows) == 5
    assert idle.name == "丁"


def test_pledge_shows_the_current_revisions_review_chain(session: Session):
    t = f.tree(session)
    m = f.member(session, t["branch"], "王建国")
    c = f.published(session, m, revision=2, published_at=datetime(2026, 1, 7, 2, tzinfo=UTC))
    at = datetime(2026, 1, 5, 2, tzinfo=UTC)
    session.add_all(
        [
            Review(commitment_id=c.id, revision=1, level="group", decision="approved",
                   created_at=at),
            Review(commitment_id=c.id, revision=1, level="branch", decision="rejected",
                   created_at=at),
            Review(commitment_id=c.id, revision=2, level="group", decision="approved",
                   created_at=at + timedelta(days=1)),
            Review(commitment_id=c.id, revision=2, level="branch", decision="approved",
                   created_at=at + timedelta(days=1, hours=1)),
        ]
    )  # fmt: skip
    session.commit()
    pledge = printing.member_pledge(session, m, TODAY)
    (item,) = pledge.items
    assert [(s.label, s.day.isoformat()) for s in item.reviews] == [
        ("党小组初审", "2026-01-06"),
        ("支部复审", "2026-01-06"),
        ("公开", "2026-01-07"),
    ]
    assert [p.member.name for p in printing.branch_pledges(session, t["group1"], TODAY)] == [
        "王建国"
    ]


def test_ledger_says_who_verified_each_log(session: Session):
    t = f.tree(session)
    m = f.member(session, t["branch"], "王建国")
    secretary = f.member(session, t["branch"], "李书记")
    home = f.household(session, t["branch"], linked=[m])
    resident = f.account(session, household=home)
    clerk = f.account(session, secretary)
    c = f.published(session, m, start_date=YEAR_START, end_date=date(TODAY.year, 12, 31))
    day = max(YEAR_START, TODAY - timedelta(days=3))
    stamp = datetime.now(UTC)
    _log(session, c, day, verified_at=stamp, verified_by_account_id=resident.id)
    _log(session, c, day, verified_at=stamp, verified_by_account_id=clerk.id)
    _log(session, c, day, note="电话13907310001找我")
    session.add(
        Evaluation(kind="resident_rating", commitment_id=c.id, evaluator_account_id=resident.id,
                   period=day.strftime("%Y-%m"), rating="satisfied", subject_member_id=m.id)
    )  # fmt: skip
    session.commit()
    book = printing.ledger_book(session, m, TODAY.year)
    (entry,) = book.commitments
    assert [e.verified for e in entry.logs] == ["群众销账·满意", "支部核实", ""]
    assert "13907310001" not in entry.logs[2].note  # phones masked on paper too
    assert book.signed_off == 1 and book.ratings == {"满意": 1}
    assert book.quarters and book.grade == ""


def test_household_cards_and_brick_cards(session: Session):
    t = f.tree(session)
    shows = f.member(session, t["branch"], "王建国", card_show_phone=True, phone="13907310001")
    hides = f.member(session, t["branch"], "李德明", phone="13907310002")
    f.household(session, t["branch"], linked=[shows, hides], bind_code="ABCD2345")
    f.household(session, t["branch"], linked=[hides])  # no code yet: no card
    f.published(session, shows, "每月给村东生产路树木浇水一次并清理路边垃圾和杂草保持整洁")
    f.published(session, shows, "每周上门看望独居老人")
    session.commit()
    (card,) = printing.household_cards(session, t["township"])
    assert card.bind_code == "ABCD2345"
    assert [(x.name, x.phone) for x in card.members] == [("李德明", ""), ("王建国", "13907310001")]
    bricks = {b.member.name: b.short_text for b in printing.brick_cards(session, t["branch"])}
    assert bricks["王建国"].startswith("每月给村东生产路") and "…" in bricks["王建国"]
    assert bricks["王建国"].endswith("（等 2 项）") and bricks["李德明"] == ""


def test_poster_goes_to_secretaries_who_can_receive_it(session: Session):
    t = f.tree(session)
    li = f.member(session, t["branch"], "李书记")
    wang = f.member(session, t["branch"], "王书记")
    f.grant(session, "secretary", t["branch"], member=li)
    f.grant(session, "secretary", t["branch"], member=wang)
    f.grant(session, "group_leader", t["group1"], member=f.member(session, t["branch"]))
    reachable = f.account(session, li, oa_openid="o-li")
    f.account(session, wang, oa_openid=None, mp_openid="mp-wang")  # mini-program only
    session.commit()
    assert [a.id for a in posters.secretaries(session, t["branch"])] == [reachable.id]


# what a row shows, on the wall and on the screen alike
SHOWN = ("name", "public_code", "bar", "percent", "flags", "next_due", "exempt", "exempt_reason")


def _shown(branch: str, row: object, commitments: int) -> tuple:
    return (branch, *(getattr(row, name) for name in SHOWN), commitments)


def _wall_of(session: Session, branches: list[Organisation], on: date) -> list[tuple]:
    return [
        _shown(b.name, r, len(r.items))
        for b in branches
        for r in public.branch_view(session, b, on, with_past_years=False).member_rows
    ]


def _screen_of(session: Session, branches: list[Organisation], on: date) -> tuple[list, int]:
    """The screen's rows of ``branches`` (before ranking) and the statements they took."""
    statements: list[str] = []

    def count(_conn, _cursor, sql, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(sql)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = screen._rows(session, branches, on)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return [_shown(r.branch, r, r.commitments) for r in rows], len(statements)


@pytest.mark.demo_township
def test_the_township_screen_shows_each_branch_as_its_wall_does(session: Session):
    """The township's screen reads all its branches' members at once (``screen._rows``, the
    board's lean lines): every member of every branch with the wall's figures, on days before,
    inside and after the cycle's periods, in two statements whatever the number of branches."""
    township = session.scalar(select(Organisation).where(Organisation.kind == "township"))
    branches = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == "branch", Organisation.closed_at.is_(None))
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    today = local_date()
    shown = 0
    for on in [today + timedelta(days=d) for d in (-40, -1, 0, 6, 30)] + [date(today.year, 12, 31)]:
        expected = _wall_of(session, branches, on)
        got, statements = _screen_of(session, branches, on)
        assert got == expected, on
        assert statements == 2  # the lines with their tallies, the members
        shown += sum(1 for r in got if r[-1])
        view = screen.screen_view(session, township, on, red_count=1, yellow_below=60)
        assert sorted(r.name for r in view.rows) == sorted(r[1] for r in expected)
    assert len(branches) >= 3 and shown >= 20
