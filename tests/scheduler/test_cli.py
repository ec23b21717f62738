"""`flask groups …` keeps webhook keys out of the database and the output."""

from __future__ import annotations

from sqlalchemy import select

from models import GroupRobot
from tests import factories


def test_groups_add_and_list_keep_the_key_secret(app, runner, monkeypatch) -> None:
    db = app.extensions["db"]
    with db.session() as s:
        branch_id = factories.tree(s)["branch"].id
    key = "aaaa1111-bbbb-2222-cccc-3333dddd4444"
    monkeypatch.setenv("ROBOT_EAST", key)
    out = runner.invoke(
        args=[
            "groups",
            "add",
            "--org",
            str(branch_id),
            "--name",
            "东村党员群",
            "--webhook-env",
            "ROBOT_EAST",
        ]
    )
    assert out.exit_code == 0, out.output
    bad = runner.invoke(
        args=["groups", "add", "--org", str(branch_id), "--name", "x", "--webhook-env", key]
    )
    assert bad.exit_code != 0 and "环境变量名" in bad.output
    listed = runner.invoke(args=["groups", "list"])
    assert "ROBOT_EAST=aaaa****4444" in listed.output and key not in listed.output
    with db.session() as s:
        (robot,) = s.scalars(select(GroupRobot)).all()
        assert robot.webhook_env == "ROBOT_EAST"
    assert "没有失败的消息" in runner.invoke(args=["outbox", "list", "--failed"]).output
    status = runner.invoke(args=["scheduler", "status"])
    assert "monthly_summary" in status.output and "从未运行" in status.output


def test_daily_points_job_syncs_verified_logs_once(app, runner) -> None:
    from datetime import UTC, date, datetime

    from models import FulfilmentLog, PointsEntry

    db = app.extensions["db"]
    with db.session() as s:
        tree = factories.tree(s)
        member = factories.member(s, tree["branch"], "张大爷")
        c = factories.published(s, member)
        for day, verified in ((date(2026, 3, 1), True), (date(2026, 4, 1), False)):
            s.add(FulfilmentLog(commitment_id=c.id, member_id=member.id, quantity=1,
                                happened_on=day, channel="web",
                                verified_at=datetime(2026, 4, 2, tzinfo=UTC) if verified else None))  # fmt: skip
    first = runner.invoke(args=["scheduler", "run-job", "daily_points", "--period", "2026-11-20"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["scheduler", "run-job", "daily_points", "--period", "2026-11-20"])
    assert again.exit_code == 0, again.output
    with db.session() as s:
        rules = [e.rule for e in s.scalars(select(PointsEntry))]
    assert rules.count("verified_log") == 1  # the unverified log earned nothing; no duplicate
