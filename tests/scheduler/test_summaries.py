"""Monthly summaries: numbers against direct SQL on the demo township, a query count that
does not grow with the number of branches, and exactly one summary per group per period."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, event, select, text
from sqlalchemy.orm import Session

from demo import township as demo
from infra import jobs
from models import (
    FulfilmentLog,
    GroupRobot,
    JobRun,
    Organisation,
    OutboundMessage,
    Request,
)
from models.base import UTCDateTime
from models.db import Database
from scheduler import pushes
from services import progress
from services.reads import summaries
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://jiannuo.test"
JANUARY = datetime(2026, 1, 2, tzinfo=UTC)  # roster and commitments in place since January


@contextmanager
def count_statements(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def on_execute(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _district(
    session: Session, branches: int, township: Organisation | None = None
) -> Organisation:
    """A township with ``branches`` branches, each with members, commitments, logs, requests
    and a robot; and a robot for the township (more branches when ``township`` is given)."""
    if township is None:
        district = factories.org(session, "district", "测试区")
        township = factories.org(session, "township", "测试镇", district)
        session.add(GroupRobot(org_id=township.id, name="镇党建群", webhook_env="R_TOWN"))
    for b in range(branches):
        branch = factories.org(session, "branch", f"第{b + 1}党支部", township)
        session.add(GroupRobot(org_id=branch.id, name=f"支部群{b}", webhook_env=f"R_{b}"))
        for i in range(3):
            m = factories.member(session, branch, created_at=JANUARY)
            c = factories.published(session, m, created_at=JANUARY)
            if i < 2:
                session.add(
                    FulfilmentLog(
                        commitment_id=c.id,
                        member_id=m.id,
                        quantity=1,
                        happened_on=date(2026, 10, 3 + i),
                        channel="test",
                    )
                )
            if i == 0:
                session.add(
                    FulfilmentLog(
                        commitment_id=c.id,
                        member_id=m.id,
                        quantity=1,
                        happened_on=date(2026, 9, 5),
                        channel="test",
                    )
                )
        session.add(
            Request(
                number=f"R{branch.id}",
                kind="problem",
                text="路灯坏了",
                org_id=branch.id,
                status="in_progress",
                due_at=datetime(2026, 10, 12, tzinfo=UTC),
                created_at=datetime(2026, 10, 10, 2, tzinfo=UTC),
                first_answered_at=datetime(2026, 10, 10, 8, tzinfo=UTC),
            )
        )
    session.flush()
    return township


def test_query_count_same_for_3_and_30_branches(session: Session) -> None:
    """The whole district's summaries take as many statements for 30 branches as for 3."""
    township = _district(session, 3)
    session.commit()
    with count_statements(session) as few:
        detail = pushes.monthly_summary(session, "2026-10", BASE)
    session.commit()
    assert detail.startswith("4 个群")
    session.execute(delete(OutboundMessage))
    _district(session, 27, township)
    session.commit()
    with count_statements(session) as many:
        detail = pushes.monthly_summary(session, "2026-10", BASE)
    session.commit()
    assert detail.startswith("31 个群")
    assert len(session.scalars(select(OutboundMessage)).all()) == 31
    assert len(few) == len(many), "\n".join(s[:120] for s in many)
    # The figures themselves, plus the practices lines (visits, party day) and the civic lines
    # (议事, 文明存折), each a constant number of statements.
    assert len(many) <= 24


def test_demo_township_october_numbers_match_direct_sql(session: Session) -> None:
    """Every figure as of the end of October (members on the roster then, each commitment's
    status then read back from its timeline, logs recorded by then), exempt members apart."""
    demo.load(session, today=date(2026, 11, 21))
    session.commit()
    figures = summaries.compute(session, summaries.month("2026-10"))
    _lo, hi = summaries.month("2026-10").utc_bounds()

    def sql(q: str, **p: object) -> list[Any]:
        stmt = text(q).bindparams(
            *(bindparam(k, type_=UTCDateTime()) for k, v in p.items() if isinstance(v, datetime))
        )
        return list(session.execute(stmt, {**p, "hi": hi}).all())

    status_then = (
        "COALESCE((SELECT t.from_status FROM timeline_entry t WHERE t.commitment_id=c.id "
        "AND t.created_at >= :hi AND t.action IN ('created','submitted','approved','rejected',"
        "'published','withdrawn') ORDER BY t.created_at, t.id LIMIT 1), c.status)"
    )
    then = f"(SELECT c.*, {status_then} AS st FROM commitment c WHERE c.created_at < :hi)"
    roster = "m.active AND m.created_at < :hi"
    branches = {
        row[0]: row[1] for row in sql("SELECT id, name FROM organisation WHERE kind='branch'")
    }
    assert len(figures.branches) == len(branches) == 3
    total_exempt = 0
    for oid, b in figures.branches.items():
        assert b.name == branches[oid]
        q = f"SELECT count(*) FROM member m WHERE m.org_id=:o AND {roster} AND "
        assert b.members == sql(q + "NOT m.exempt", o=oid)[0][0]
        assert b.exempt == sql(q + "m.exempt", o=oid)[0][0]
        total_exempt += b.exempt
        assert (
            b.members_committed
            == sql(
                f"SELECT count(DISTINCT c.member_id) FROM {then} c JOIN member m ON m.id=c.member_id"
                f" WHERE m.org_id=:o AND {roster} AND NOT m.exempt AND c.owner_kind='member'"
                " AND c.st IN ('published','pending_township','pending_branch','pending_group')",
                o=oid,
            )[0][0]
        )
        assert b.members_committed <= b.members
        assert b.by_status == dict(
            sql(f"SELECT c.st, count(*) FROM {then} c WHERE c.org_id=:o GROUP BY c.st", o=oid)
        )
        recorded = "l.created_at < :hi"
        assert (
            b.logs
            == sql(
                "SELECT count(*) FROM fulfilment_log l JOIN commitment c ON c.id=l.commitment_id "
                "WHERE c.org_id=:o AND l.happened_on BETWEEN '2026-10-01' AND '2026-10-31' "
                f"AND {recorded}",
                o=oid,
            )[0][0]
        )
        assert b.logs > 0
        # idle: on the roster, not exempt, a published commitment started by 1 September that
        # is not done (neither completed nor every period so far met), no log since 1 September
        candidates = sql(
            "SELECT m.id, m.name, c.id, c.target_kind, c.target_quantity, c.start_date, "
            f"c.end_date, c.frequency FROM member m JOIN {then} c ON c.member_id=m.id "
            f"WHERE m.org_id=:o AND {roster} AND NOT m.exempt AND c.st='published' "
            "AND c.owner_kind='member' AND c.start_date <= '2026-09-01' "
            "AND NOT EXISTS (SELECT 1 FROM fulfilment_log l WHERE l.member_id=m.id AND "
            f"l.happened_on >= '2026-09-01' AND l.happened_on <= '2026-10-31' AND {recorded})",
            o=oid,
        )
        idle = set()
        for _mid, name, cid, kind, qty, start, end_, freq in candidates:
            logs = sql(
                "SELECT l.happened_on, sum(l.quantity) FROM fulfilment_log l WHERE "
                f"l.commitment_id=:c AND {recorded} GROUP BY l.happened_on",
                c=cid,
            )
            as_date = lambda v: v if isinstance(v, date) else date.fromisoformat(v)  # noqa: E731
            target = progress.Target(kind, qty, as_date(start), as_date(end_), freq)
            p = progress.compute(
                target, [(as_date(d), int(n)) for d, n in logs], date(2026, 10, 31)
            )
            if p.state not in ("completed", "completed_late") and p.percent < 100:
                idle.add(name)
        assert sorted(b.silent) == sorted(idle)
        top = sql(
            "SELECT m.name, count(*) FROM fulfilment_log l JOIN member m ON m.id=l.member_id "
            "WHERE m.org_id=:o AND l.happened_on BETWEEN '2026-10-01' AND '2026-10-31' "
            f"AND {recorded} GROUP BY m.name ORDER BY count(*) DESC, m.name LIMIT 3",
            o=oid,
        )
        assert b.top == [(r[0], r[1]) for r in top]
    # the demo's completed members (blue 100% on the board) and its exempt member are not idle
    silent = {n for b in figures.branches.values() for n in b.silent}
    assert not silent & {"刘玉珍", "赵长海", "朱海燕", "罗富贵", "曹玉兰", "韩金发"}
    assert total_exempt == 1
    # requests: received in October (local time) anywhere in the township
    lo, hi = summaries.month("2026-10").utc_bounds()
    received = session.scalar(
        select(text("count(*)"))
        .select_from(Request)
        .where(Request.created_at >= lo, Request.created_at < hi)
    )
    (township,) = figures.townships.values()
    assert township.requests_received == received
    assert township.logs == sum(b.logs for b in figures.branches.values())
    assert [b.name for b in township.branches] == [
        b.name
        for b in sorted(
            figures.branches.values(), key=lambda b: (-(b.completion or 0), -b.logs, b.name)
        )
    ]
    # the rendered text carries the same numbers
    for b in figures.branches.values():
        rendered = pushes.render_branch(b, figures.period, BASE)
        assert f"党员 {b.members} 人，作出承诺 {b.members_committed} 人" in rendered
        assert ("免于承诺" in rendered) == (b.exempt > 0)
        assert f"**本期践诺**：{b.logs} 条记录" in rendered
        assert f"/o/{b.code}/board" in rendered
        assert len(rendered.encode()) <= 4096
    rendered_t = pushes.render_township(township, figures.period, BASE)
    for name in (b.name for b in figures.branches.values()):
        assert name in rendered_t
    for b in figures.branches.values():
        for person in b.silent:  # named only in the branch's own group
            assert person not in rendered_t
    if os.environ.get("PRINT_DEMO_SUMMARY"):
        print(
            "\n\n".join(
                [
                    pushes.render_branch(b, figures.period, "http://127.0.0.1:5000")
                    for b in figures.branches.values()
                ]
                + [pushes.render_township(township, figures.period, "http://127.0.0.1:5000")]
            )
        )


def test_long_summary_is_split_in_order(session: Session) -> None:
    tree = factories.tree(session)
    session.add(GroupRobot(org_id=tree["branch"].id, name="东村党员群", webhook_env="R"))
    for i in range(400):
        m = factories.member(
            session, tree["branch"], name=f"长名字党员第{i:03d}号", created_at=JANUARY
        )
        factories.published(session, m, start_date=date(2026, 1, 1), created_at=JANUARY)
    session.commit()
    pushes.monthly_summary(session, "2026-10", BASE)
    session.commit()
    rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert len(rows) > 1
    contents = [json.loads(r.payload)["markdown"]["content"] for r in rows]
    assert all(len(c.encode()) <= 4096 for c in contents)
    assert [r.idempotency_key.rsplit(":", 1)[1] for r in rows] == [
        str(i) for i in range(1, len(rows) + 1)
    ]
    joined = "\n".join(contents)
    assert joined.index("长名字党员第000号") < joined.index("长名字党员第399号")
    # running it again adds nothing
    pushes.monthly_summary(session, "2026-10", BASE)
    session.commit()
    assert len(session.scalars(select(OutboundMessage)).all()) == len(rows)


def _flask(db_url: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANNUO_")}
    env["JIANNUO_DATABASE__URL"] = db_url
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_scheduler_processes_make_one_summary_per_group(
    database: Database, db_url: str
) -> None:
    with database.session() as s:
        _district(s, 4)
    procs = [
        _flask(db_url, "scheduler", "run-job", "monthly_summary", "--period", "2026-10")
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    text_out = "".join(o for o, _ in outs)
    assert text_out.count("完成") == 1 and text_out.count("跳过") == 1, text_out
    with database.session() as s:
        robots = s.scalars(select(GroupRobot.id)).all()
        rows = s.scalars(select(OutboundMessage)).all()
        assert sorted(r.robot_id for r in rows) == sorted(robots)  # exactly one per group
        runs = s.scalars(select(JobRun).where(JobRun.job == "monthly_summary")).all()
        assert [(r.period, r.status) for r in runs] == [("2026-10", "done")]
        assert jobs.already_done(s, "monthly_summary", "2026-10", "all")
        assert s.scalar(select(Organisation.id).where(Organisation.kind == "township"))
