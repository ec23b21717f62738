"""Jobs, their periods and their times.

Each job run is recorded per (job, period, target) in ``job_run`` (``services.jobs``), so a
restart, a catch-up or a second scheduler never does the same work twice. The dispatcher is
the exception: it runs every few seconds and is safe to run anywhere, any number of times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from delivery.dispatcher import Dispatcher, DispatchStats
from infra import jobs
from infra.clock import now_utc
from infra.config import Settings
from models.db import Database
from scheduler import pushes
from services import month_close, requests
from services.reads import periods, summaries

log = logging.getLogger("jiannuo.scheduler")

JOB_LABELS = {
    "month_close": "月结（保存上月末各承诺的进度，月报、季报、半年报直接读取）",
    "monthly_summary": "月度践诺小结（推送到群）",
    "monthly_posters": "月度践诺海报（发给支部书记转发到村民群）",
    "party_day_reminder": "主题党日提醒",
    "quarterly_review": "季度讲评",
    "halfyear_checkoff": "半年销号",
    "daily_reminders": "到期提醒（个人模板消息）",
    "daily_escalation": "超时诉求上报",
    "daily_points": "先锋指数积分同步",
    "dispatch": "发送待发消息",
}
JOB_NAMES = tuple(JOB_LABELS)


def _hm(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def triggers(settings: Settings) -> dict[str, Any]:
    s = settings.scheduler
    tz = ZoneInfo(s.timezone)

    def cron(at: str, **kw: Any) -> CronTrigger:
        hour, minute = _hm(at)
        return CronTrigger(hour=hour, minute=minute, timezone=tz, **kw)

    return {
        # before the summary and the posters of the same day, which read what it keeps
        "month_close": cron(s.month_close_time, day=s.monthly_summary_day),
        "monthly_summary": cron(s.monthly_summary_time, day=s.monthly_summary_day),
        "monthly_posters": cron(s.monthly_summary_time, day=s.monthly_summary_day),
        "party_day_reminder": cron(s.party_day_reminder_time, day=s.party_day_reminder_day),
        "quarterly_review": cron(s.quarterly_review_time, month="1,4,7,10", day=1),
        "halfyear_checkoff": cron(s.halfyear_checkoff_time, month="1,7", day=1),
        "daily_reminders": cron(s.daily_reminders_time),
        "daily_escalation": cron(s.daily_escalation_time),
        "daily_points": cron(s.daily_points_time),
        "dispatch": IntervalTrigger(seconds=s.dispatcher_interval_seconds, timezone=tz),
    }


def default_period(name: str, today: date) -> str:
    """The period a run on ``today`` (local date) covers."""
    if name in ("month_close", "monthly_summary", "monthly_posters"):
        return summaries.previous_month(today)
    if name == "party_day_reminder":
        return f"{today.year}-{today.month:02d}"
    if name == "quarterly_review":
        return summaries.previous_quarter(today)
    if name == "halfyear_checkoff":
        return summaries.previous_half(today)
    return today.isoformat()


def normalise_period(name: str, code: str) -> str:
    """The one spelling of ``code`` for job ``name`` (raises ``ValidationError`` in Chinese)."""
    if name in ("month_close", "monthly_summary", "monthly_posters", "party_day_reminder"):
        return periods.month(code).code
    if name == "quarterly_review":
        return periods.quarter(code).code
    if name == "halfyear_checkoff":
        return periods.half_year(code).code
    return periods.day(code).isoformat()


def run_job(
    db: Database,
    settings: Settings,
    name: str,
    period: str | None = None,
    *,
    clock: Callable[[], datetime] = now_utc,
    dispatcher: Dispatcher | None = None,
) -> jobs.RunResult | DispatchStats:
    """Run one job now, for ``period`` (default: the period a run today covers)."""
    if name not in JOB_LABELS:
        raise KeyError(name)
    tz = ZoneInfo(settings.scheduler.timezone)
    now = clock()
    today = now.astimezone(tz).date()
    if name == "dispatch":
        d = dispatcher or Dispatcher.from_settings(db.session_factory, settings, clock=clock)
        return d.run_once()
    # The period is parsed and normalised before anything uses it as a key: `` 2025-12`` and
    # ``2025-12`` are one run, ``2025-011`` is refused (services.reads.periods).
    period = normalise_period(name, period or default_period(name, today))
    base = settings.app.base_url
    work: Callable[[Any], str]
    if name == "month_close":
        month_close.check_ended(period, now)  # refused before a run is recorded

        def work(s: Any) -> str:
            return month_close.close_with_previous(s, period, now)
    elif name == "monthly_summary":

        def work(s: Any) -> str:
            return pushes.monthly_summary(s, period, base)
    elif name == "monthly_posters":

        def work(s: Any) -> str:
            from scheduler import posters

            return posters.enqueue_monthly(s, period, settings)
    elif name == "quarterly_review":

        def work(s: Any) -> str:
            return pushes.quarterly_review(s, period, base)
    elif name == "halfyear_checkoff":

        def work(s: Any) -> str:
            return pushes.halfyear_checkoff(s, period, base, settings.scheduler.checkoff_threshold)
    elif name == "party_day_reminder":

        def work(s: Any) -> str:
            return pushes.party_day_reminder(s, period, today, base)
    elif name == "daily_reminders":
        day = date.fromisoformat(period)

        def work(s: Any) -> str:
            return pushes.daily_reminders(
                s,
                day,
                settings.scheduler.reminder_days_ahead,
                settings.scheduler.reminder_template_id,
                base,
                settings.scheduler.reminder_fields,
            )
    elif name == "daily_points":
        day = date.fromisoformat(period)

        def work(s: Any) -> str:
            from services.evaluation import points

            added = points.sync(s, settings.points.rules, day)
            return f"新增积分记录 {added} 条"
    else:  # daily_escalation

        def work(s: Any) -> str:
            limits = settings.requests
            done = requests.escalate_overdue(s, now, limits.first_answer_hours, limits.resolve_days)
            return f"上报 {len(done)} 件超时未答复或未办结的诉求"

    return jobs.run_once(db.session_factory, name, period, work, target="all", clock=clock)


def last_fire(trigger: Any, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest fire time of ``trigger`` at or before ``now`` (within ``lookback``)."""
    fire = trigger.get_next_fire_time(None, now - lookback)
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def catch_up(db: Database, settings: Settings, now: datetime | None = None) -> list[str]:
    """Run jobs whose last scheduled time passed while no scheduler was running.

    Runs are idempotent per period, so this only does what is missing.
    """
    now = now or now_utc()
    grace = timedelta(seconds=settings.scheduler.misfire_grace_seconds)
    tz = ZoneInfo(settings.scheduler.timezone)
    done = []
    for name, trigger in triggers(settings).items():
        if name == "dispatch":
            continue
        fired = last_fire(trigger, now, grace)
        if fired is None:
            continue
        period = default_period(name, fired.astimezone(tz).date())
        with db.read_factory() as s:
            if jobs.already_done(s, name, period, "all"):
                continue
        result = run_job(db, settings, name, period, clock=lambda fired=fired: now)
        done.append(f"{name} {period}: {getattr(result, 'status', result)}")
    return done


def build(db: Database, settings: Settings) -> BlockingScheduler:
    """The scheduler: every job, with misfire grace and coalescing (restarts catch up)."""
    s = settings.scheduler
    scheduler = BlockingScheduler(
        timezone=ZoneInfo(s.timezone),
        job_defaults={
            "misfire_grace_time": s.misfire_grace_seconds,
            "coalesce": True,
            "max_instances": 1,
        },
    )
    dispatcher = Dispatcher.from_settings(db.session_factory, settings)
    for name, trigger in triggers(settings).items():
        scheduler.add_job(
            _safe_run,
            trigger,
            args=(db, settings, name, dispatcher),
            id=name,
            name=JOB_LABELS[name],
            replace_existing=True,
            misfire_grace_time=(
                s.dispatcher_interval_seconds if name == "dispatch" else s.misfire_grace_seconds
            ),
        )
    return scheduler


def _safe_run(db: Database, settings: Settings, name: str, dispatcher: Dispatcher) -> None:
    try:
        result = run_job(db, settings, name, dispatcher=dispatcher)
    except Exception:
        log.exception("job %s crashed", name)
        return
    if name != "dispatch" or getattr(result, "sent", 0) or getattr(result, "failed", 0):
        log.info("job %s: %s", name, result)
