"""Job runs: each (job, period, target) is done once, whatever runs it and however often.

The ``job_run`` row is inserted *first* and committed *together with the work* (the outbox
rows a summary enqueues). A second scheduler running the same job for the same period at the
same moment waits on the unique key (PostgreSQL: the index; SQLite: the ``BEGIN IMMEDIATE``
write lock), then finds the row and skips. A run that fails rolls everything back, leaves a
``failed`` row under a different key for ``flask scheduler status``, and may be run again.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from infra.clock import now_utc
from models import JobRun

log = logging.getLogger("jiannuo.jobs")

DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True)
class RunResult:
    job: str
    period: str
    target: str
    status: str  # done | skipped | failed
    detail: str = ""

    @property
    def key(self) -> str:
        return run_key(self.job, self.period, self.target)


def run_key(job: str, period: str, target: str = "") -> str:
    return f"{job}:{period}:{target}"


def already_done(session: Session, job: str, period: str, target: str = "") -> bool:
    key = run_key(job, period, target)
    return session.scalar(select(JobRun.id).where(JobRun.key == key)) is not None


def run_once(
    factory: sessionmaker[Session],
    job: str,
    period: str,
    work: Callable[[Session], str],
    *,
    target: str = "",
    clock: Callable[[], datetime] = now_utc,
) -> RunResult:
    """Do ``work(session)`` once per key; ``work`` returns a short detail text."""
    key = run_key(job, period, target)
    session = factory()
    try:
        if session.scalar(select(JobRun.id).where(JobRun.key == key)) is not None:
            session.rollback()
            return RunResult(job, period, target, SKIPPED, "已执行过")
        run = JobRun(
            key=key, job=job, period=period, target=target, status=DONE, started_at=clock()
        )
        session.add(run)
        session.flush()  # a concurrent run now waits here, then fails on the unique key
        detail = work(session)
        run.detail = detail[:2000]
        run.finished_at = clock()
        session.commit()
        return RunResult(job, period, target, DONE, detail)
    except IntegrityError:
        session.rollback()
        if _exists(factory, key):
            return RunResult(job, period, target, SKIPPED, "已由另一个进程执行")
        raise
    except Exception as exc:
        session.rollback()
        log.exception("job %s failed", key)
        _record_failure(factory, job, period, target, exc, clock)
        return RunResult(job, period, target, FAILED, f"{type(exc).__name__}: {exc}")
    finally:
        session.close()


def _exists(factory: sessionmaker[Session], key: str) -> bool:
    with factory() as session:
        return session.scalar(select(JobRun.id).where(JobRun.key == key)) is not None


def _record_failure(
    factory: sessionmaker[Session],
    job: str,
    period: str,
    target: str,
    exc: BaseException,
    clock: Callable[[], datetime],
) -> None:
    now = clock()
    with factory() as session:
        session.add(
            JobRun(
                key=f"{run_key(job, period, target)}:failed:{now.strftime('%Y%m%dT%H%M%S.%f')}",
                job=job,
                period=period,
                target=target,
                status=FAILED,
                detail="".join(traceback.format_exception_only(exc))[:2000],
                started_at=now,
                finished_at=now,
            )
        )
        session.commit()


def last_runs(session: Session) -> dict[str, JobRun]:
    """The latest run of every job (one query)."""
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    rows = session.scalars(select(JobRun).join(latest, latest.c.id == JobRun.id))
    return {r.job: r for r in rows}
