"""A scheduler that was down when a job was due catches up once, and a restart never
repeats what was already done (runs are unique per job, period and target)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from models import GroupRobot, JobRun, OutboundMessage
from scheduler.jobs import build, catch_up
from tests import factories


def test_catch_up_after_downtime_then_restart_does_nothing_twice(app) -> None:
    db = app.extensions["db"]
    settings = app.config["SETTINGS"]
    with db.session() as s:
        tree = factories.tree(s)
        factories.published(s, factories.member(s, tree["branch"], "张大爷"))
        s.add(GroupRobot(org_id=tree["branch"].id, name="东村党员群", webhook_env="ROBOT_X"))
    # Down from before 09:00 on 1 November (Shanghai) until 10:30: the monthly summary was missed.
    restarted = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
    first = catch_up(db, settings, now=restarted)
    assert any(line.startswith("monthly_summary 2026-10") for line in first), first
    with db.session() as s:
        summaries = s.scalar(select(func.count()).select_from(OutboundMessage)
                             .where(OutboundMessage.idempotency_key.like("summary:2026-10:%")))  # fmt: skip
        runs = s.scalar(select(func.count()).select_from(JobRun))
    assert summaries == 1

    # A second restart a little later finds everything done.
    again = catch_up(db, settings, now=datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    assert not any(line.startswith("monthly_summary") for line in again), again
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage)
                        .where(OutboundMessage.idempotency_key.like("summary:2026-10:%"))) == 1  # fmt: skip
        assert s.scalar(select(func.count()).select_from(JobRun)) == runs


def test_the_scheduler_has_every_job_with_misfire_grace_and_coalescing(app) -> None:
    scheduler = build(app.extensions["db"], app.config["SETTINGS"])
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"monthly_summary", "daily_escalation", "daily_points", "dispatch"} <= set(jobs)
    defaults = scheduler._job_defaults  # applied to every job when the scheduler starts
    assert defaults["coalesce"] is True
    assert defaults["misfire_grace_time"] == app.config["SETTINGS"].scheduler.misfire_grace_seconds
    assert defaults["max_instances"] == 1
    assert str(scheduler.timezone) == "Asia/Shanghai"
