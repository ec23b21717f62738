"""诉求四率 (services/reads/rates.py): checked against direct SQL on the demo township, and
moved by requests built for each case; the monthly summary shows them in one line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from demo import township as demo
from infra.clock import now_utc
from models import Organisation, Request
from scheduler import pushes
from services import requests as request_service
from services.reads import rates, summaries
from tests import factories as f

YEAR = demo.YEAR

DIRECT = """
SELECT {key},
  COUNT(*),
  SUM(CASE WHEN (first_answered_at IS NOT NULL AND first_answered_at < :hi)
             OR due_at < :cut OR escalation_level > 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN first_answered_at IS NOT NULL AND first_answered_at < :hi
             AND first_answered_at <= due_at AND escalation_level = 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN status IN ('resolved', 'confirmed') AND resolved_at < :hi THEN 1 ELSE 0 END),
  SUM(CASE WHEN status IN ('resolved', 'confirmed') AND resolved_at < :hi
             AND resolution = 'done' THEN 1 ELSE 0 END),
  SUM(CASE WHEN status IN ('resolved', 'confirmed') AND resolved_at < :hi
             AND rating IS NOT NULL AND rated_at < :hi THEN 1 ELSE 0 END),
  SUM(CASE WHEN status IN ('resolved', 'confirmed') AND resolved_at < :hi
             AND rating IN ('satisfied', 'basically_satisfied') AND rated_at < :hi
             THEN 1 ELSE 0 END)
FROM request WHERE created_at >= :lo AND created_at < :hi AND {key} IS NOT NULL
GROUP BY {key}
"""


def _direct(session, key: str, lo, hi, now) -> dict[int, tuple[int, ...]]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        text(DIRECT.format(key=key)), {"lo": lo, "hi": hi, "cut": min(hi, now)}
    ).all()
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in rows}


def _tuple(c: rates.Counts) -> tuple[int, ...]:
    return (c.received, c.due, c.in_time, c.resolved, c.solved, c.rated, c.satisfied)


@pytest.mark.demo_township
def test_the_four_rates_of_the_demo_township_match_direct_sql(session) -> None:
    now = now_utc()
    lo, hi = summaries.Period(f"{YEAR}", *_year_bounds()).utc_bounds()
    assert session.scalar(select(Request.id).where(Request.created_at >= lo)) is not None

    statements: list[str] = []
    bind = session.get_bind()
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        per_org = rates.by_org(session, lo, hi, now)
        per_member = rates.by_member(session, lo, hi, now)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert len(statements) == 2  # one grouped statement per grouping

    assert {k: _tuple(v) for k, v in per_org.items()} == _direct(session, "org_id", lo, hi, now)
    assert {k: _tuple(v) for k, v in per_member.items()} == _direct(
        session, "assignee_member_id", lo, hi, now
    )
    township = session.scalar(select(Organisation).where(Organisation.kind == "township"))
    orgs = list(session.scalars(select(Organisation)))
    total = rates.total(per_org, orgs, township)
    received, due, in_time, resolved, solved, rated, satisfied = session.execute(
        text(
            "SELECT COUNT(*),"
            " SUM(CASE WHEN first_answered_at < :hi OR due_at < :cut OR escalation_level > 0"
            "  THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN first_answered_at < :hi AND first_answered_at <= due_at"
            "  AND escalation_level = 0 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('resolved','confirmed') AND resolved_at < :hi"
            "  THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('resolved','confirmed') AND resolved_at < :hi"
            "  AND resolution = 'done' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('resolved','confirmed') AND resolved_at < :hi"
            "  AND rated_at < :hi THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('resolved','confirmed') AND resolved_at < :hi"
            "  AND rated_at < :hi AND rating IN ('satisfied','basically_satisfied')"
            "  THEN 1 ELSE 0 END)"
            " FROM request JOIN organisation o ON o.id = request.org_id"
            " WHERE request.created_at >= :lo AND request.created_at < :hi AND o.path LIKE :path"
        ),
        {"lo": lo, "hi": hi, "cut": min(hi, now), "path": township.path + "%"},
    ).one()
    assert _tuple(total) == tuple(
        int(v or 0) for v in (received, due, in_time, resolved, solved, rated, satisfied)
    )
    assert total.received > 0
    assert total.completion == round(100 * int(resolved or 0) / received)
    if int(rated or 0):
        assert total.satisfaction == round(100 * int(satisfied or 0) / int(rated))

    # the summary's township figures are the same counts, and the push shows them in one line
    figures = summaries.compute(session, summaries.month(f"{YEAR}-10"))
    t = figures.townships[township.id]
    m_lo, m_hi = summaries.month(f"{YEAR}-10").utc_bounds()
    assert _tuple(t.rates) == _tuple(rates.total(rates.by_org(session, m_lo, m_hi), orgs, township))
    line = next(
        ln
        for ln in pushes.render_township(t, figures.period, "http://x").splitlines()
        if ln.startswith("**诉求办理**")
    )
    pct = lambda v: "暂无" if v is None else f"{v}%"  # noqa: E731
    assert line == (
        f"**诉求办理**：响应率 {pct(t.rates.response)}｜办结率 {pct(t.rates.completion)}｜"
        f"解决率 {pct(t.rates.solution)}｜满意率 {pct(t.rates.satisfaction)}"
    )


def _year_bounds():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(YEAR, 1, 1), date(YEAR, 12, 31), f"{YEAR}年"


def test_each_rate_counts_what_its_formula_says(session) -> None:
    t = f.tree(session)
    branch = t["branch"]
    wang = f.member(session, branch, "王建国")
    li = f.member(session, branch, "李红")
    resident = f.account(session)
    actor = f.as_actor(session, resident)
    now = now_utc()

    def new(member, text_: str):  # type: ignore[no-untyped-def]
        req = request_service.submit(session, actor, kind="problem", text=text_, org_id=branch.id)
        req.assignee_member_id = member.id
        return req

    a = new(wang, "路灯坏了")  # answered in time, solved, 满意
    request_service.reply(session, f.as_actor(session, wang), a, "马上修")
    request_service.resolve(session, f.as_actor(session, wang), a, "done")
    request_service.rate(session, actor, a, "satisfied")
    b = new(wang, "垃圾没清")  # answered late (escalated once), not feasible, 不满意
    b.escalation_level = 1
    request_service.reply(session, f.as_actor(session, wang), b, "看一下")
    request_service.resolve(session, f.as_actor(session, wang), b, "not_feasible", "需要县里审批")
    # rated after the reopening window: the 不满意 only counts (within it, it would be redone)
    b.resolved_at = now - timedelta(hours=30)
    request_service.rate(session, actor, b, "unsatisfied", "还是没办成", reopen_window_days=1)
    c = new(li, "井盖松动")  # past its limit, no answer
    c.due_at = now - timedelta(hours=1)
    new(li, "想要篮球架")  # not yet due
    session.flush()

    lo, hi = now - timedelta(days=1), now + timedelta(days=1)
    org = rates.by_org(session, lo, hi)[branch.id]
    assert _tuple(org) == (4, 3, 1, 2, 1, 2, 1)
    assert (org.response, org.completion, org.solution, org.satisfaction) == (33, 50, 50, 50)
    members = rates.by_member(session, lo, hi)
    assert (members[wang.id].response, members[wang.id].satisfaction) == (50, 50)
    assert (members[li.id].response, members[li.id].completion) == (0, 0)
    assert members[li.id].solution is None and members[li.id].satisfaction is None


@pytest.mark.demo_township
def test_workbook_and_overview_show_the_same_rates(app) -> None:
    import io

    from openpyxl import load_workbook

    from services.reads import reports

    with app.extensions["db"].session() as session:
        township = session.scalar(select(Organisation).where(Organisation.kind == "township"))
        per_org = rates.for_year(session, YEAR)
        orgs = list(session.scalars(select(Organisation)))
        wb = load_workbook(io.BytesIO(reports.year_end_workbook(session, township, YEAR)))
        rows = list(wb["汇总"].iter_rows(values_only=True))
        header = list(rows[1])
        assert header[reports.RATE_START :] == [
            "收到诉求",
            "响应率",
            "办结率",
            "解决率",
            "诉求满意率",
        ]
        by_name = {o.name: o for o in orgs}
        for row in rows[2:-1]:
            c = rates.total(per_org, [by_name[row[0]]], by_name[row[0]])
            got = row[reports.RATE_START :]
            assert got[0] == c.received
            for cell, (n, d) in zip(
                got[1:],
                [
                    (c.in_time, c.due),
                    (c.resolved, c.received),
                    (c.solved, c.resolved),
                    (c.satisfied, c.rated),
                ],
                strict=True,
            ):
                assert cell == (pytest.approx(n / d) if d else None)
        assert wb["汇总"].cell(row=3, column=reports.RATE_START + 3).number_format.endswith("%")
        branches = [o for o in orgs if o.kind == "branch"]
        assert rows[-1][reports.RATE_START] == sum(
            rates.total(per_org, [b], b).received for b in branches
        )
        whole = rates.total(per_org, orgs, township)
        code = township.code
    html = app.test_client().get("/", query_string={"t": code}).get_data(as_text=True)
    pct = lambda v: "暂无" if v is None else f"{v}%"  # noqa: E731
    assert f"{YEAR} 年诉求办理" in html
    assert (
        f"响应率 {pct(whole.response)}｜办结率 {pct(whole.completion)}｜"
        f"解决率 {pct(whole.solution)}｜满意率 {pct(whole.satisfaction)}"
    ) in html


@pytest.mark.demo_township
def test_the_rates_of_one_branch_need_not_count_the_whole_district(session) -> None:
    """A branch's board and screen ask for its own subtree only (``within``): the same counts as
    the whole grouping, restricted to that branch, and no other organisation's."""
    everything = rates.for_year(session, YEAR)
    branches = list(session.scalars(select(Organisation).where(Organisation.kind == "branch")))
    township = session.scalars(select(Organisation).where(Organisation.kind == "township")).one()
    counted = 0
    for org in (*branches, township):
        mine = rates.for_year(session, YEAR, within=org)
        assert {k: _tuple(v) for k, v in mine.items()} == {
            k: _tuple(v)
            for k, v in everything.items()
            if org.contains(session.get_one(Organisation, k))
        }
        counted += sum(c.received for c in mine.values())
    assert counted > 0 and len(branches) >= 2
    assert set(rates.for_year(session, YEAR, within=branches[0])) <= {
        o.id for o in session.scalars(select(Organisation)) if branches[0].contains(o)
    }
