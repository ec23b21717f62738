"""半年销号 has one formula and one setting: the service, the CLI report and the group push agree."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from demo import township as demo
from models import GroupRobot, Organisation, OutboundMessage
from scheduler import pushes
from services.reads import checkoff, summaries

YEAR = demo.YEAR


def _township(session) -> Organisation:  # type: ignore[no-untyped-def]
    return session.scalar(select(Organisation).where(Organisation.kind == "township"))


@pytest.mark.demo_township
def test_rows_use_the_summary_completion_and_the_threshold(session) -> None:
    period = summaries.half_year(f"{YEAR}H1")
    figures = summaries.compute(session, period)
    township = _township(session)
    completions = sorted(b.completion or 0 for b in figures.townships[township.id].branches)
    assert completions[0] < completions[-1]
    threshold = completions[-1]  # the best branch(es) pass, at least one is slow
    c = checkoff.half_year(session, township, period, threshold)
    assert {r.org_id for r in c.rows} == {b.org_id for b in figures.townships[township.id].branches}
    for r in c.rows:
        b = figures.branches[r.org_id]
        assert r.completion == b.completion
        assert r.commitments == b.percent_n and 0 <= r.completed <= r.commitments
        assert r.slow == ((b.completion or 0) < threshold)
    assert c.slow and len(c.slow) < len(c.rows)


@pytest.mark.demo_township
def test_cli_and_push_name_the_same_slow_branches(app, runner) -> None:
    db = app.extensions["db"]
    with db.session() as session:
        township = _township(session)
        session.add(GroupRobot(org_id=township.id, name="镇党建群", webhook_env="R_TOWN"))
        township_id = township.id
    threshold = app.config["SETTINGS"].scheduler.checkoff_threshold
    with db.session() as session:
        c = checkoff.half_year(
            session,
            session.get_one(Organisation, township_id),
            summaries.half_year(f"{YEAR}H1"),
            threshold,
        )
        slow = [r.branch for r in c.slow]
        fine = [r.branch for r in c.rows if not r.slow]
    out = runner.invoke(
        args=["report", "half-year", "--org", str(township_id), "--year", str(YEAR), "--half", "1"]
    )
    assert out.exit_code == 0, out.output
    named = out.output.split("进度滞后（低于")[1]
    assert all(b in named for b in slow) and not any(b in named for b in fine)
    with db.session() as session:
        pushes.halfyear_checkoff(session, f"{YEAR}H1", "http://127.0.0.1:5000", threshold)
    with db.session() as session:
        payloads = [json.loads(m.payload) for m in session.scalars(select(OutboundMessage))]
    text = "\n".join(p["markdown"]["content"] for p in payloads)
    assert f"销号线 {threshold}%" in text
    for b in slow:
        assert f"- {b}：" in text
    for b in fine:
        assert f"- {b}：" not in text
