"""Operations commands: `flask scheduler …`, `flask groups …`, `flask outbox …`."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from delivery import dispatcher as dispatch
from handlers.context import database, settings
from infra import jobs
from infra.clock import local_text, now_utc
from models import (
    GroupRobot,
    JobRun,
    Organisation,
    OutboundChannel,
)
from services import outbox
from services.errors import DomainError

scheduler_cli = AppGroup("scheduler", help="定时任务（独立进程运行，不在 Web 进程中启动）")
groups_cli = AppGroup("groups", help="企业微信群机器人")
outbox_cli = AppGroup("outbox", help="待发消息（发件箱）")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """启动定时任务进程（补跑重启期间错过的任务，然后按配置时间运行）。"""
    from scheduler import jobs as sched

    db, s = database(), settings()
    for line in sched.catch_up(db, s):
        click.echo(f"补跑：{line}")
    scheduler = sched.build(db, s)
    click.echo(f"定时任务已启动（时区 {s.scheduler.timezone}），按 Ctrl+C 停止")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("定时任务已停止")


@scheduler_cli.command("run-job")
@click.argument("name")
@click.option("--period", default=None, help="期间，如 2026-10、2026Q3、2026H1、2026-10-15")
def scheduler_run_job(name: str, period: str | None) -> None:
    """立即运行一个任务（同一期间已运行过则跳过）。"""
    from scheduler import jobs as sched

    if name not in sched.JOB_LABELS:
        raise click.UsageError(f"没有任务“{name}”，可选：{'、'.join(sched.JOB_NAMES)}")
    try:
        result = sched.run_job(database(), settings(), name, period)
    except DomainError as exc:
        raise click.UsageError(exc.message) from None
    if isinstance(result, jobs.RunResult):
        label = {"done": "完成", "skipped": "跳过", "failed": "失败"}[result.status]
        click.echo(f"{name} {result.period}：{label}（{result.detail}）")
        if result.status == jobs.FAILED:
            raise SystemExit(1)
    else:
        click.echo(f"{name}：{result}")


@scheduler_cli.command("status")
def scheduler_status() -> None:
    """列出每个任务最近一次运行和下次运行时间。"""
    from scheduler import jobs as sched

    s = settings()
    now = now_utc()
    with database().read_factory() as session:
        last = jobs.last_runs(session)
    for name, trigger in sched.triggers(s).items():
        nxt = trigger.get_next_fire_time(None, now)
        run: JobRun | None = last.get(name)
        last_text = (
            f"{run.period} {run.status} {local_text(run.finished_at or run.started_at)}"
            if run
            else "从未运行"
        )
        click.echo(
            f"{name:<20} {sched.JOB_LABELS[name]}｜上次：{last_text}｜下次：{local_text(nxt)}"
        )


@groups_cli.command("add")
@click.option("--org", "org_id", required=True, type=int, help="组织 ID（党支部或街镇）")
@click.option("--name", required=True, help="群名称，如“东村党员群”")
@click.option("--webhook-env", required=True, help="保存 webhook key 的环境变量名")
def groups_add(org_id: int, name: str, webhook_env: str) -> None:
    """登记一个群机器人。key 只放在环境变量里，不进数据库、不进日志。"""
    from services.actors import SYSTEM
    from services.org import robots

    try:
        with database().session() as session:
            org = session.get(Organisation, org_id)
            if org is None:
                raise click.UsageError(f"没有 ID 为 {org_id} 的组织")
            rid, org_name = robots.add(session, SYSTEM, org, name, webhook_env).id, org.name
    except DomainError as exc:
        raise click.UsageError(exc.message) from None
    state = "已设置" if os.environ.get(webhook_env) else "尚未设置，请在运行环境中设置"
    click.echo(f"已登记群机器人 #{rid}“{name}”（{org_name}），环境变量 {webhook_env} {state}")


@groups_cli.command("list")
def groups_list() -> None:
    """列出群机器人（key 打码显示）。"""
    from wechat.robot import mask

    with database().read_factory() as session:
        rows = session.execute(
            select(GroupRobot, Organisation.name)
            .join(Organisation, Organisation.id == GroupRobot.org_id)
            .order_by(GroupRobot.id)
        ).all()
    if not rows:
        click.echo("还没有群机器人，用 flask groups add 登记")
    for robot, org_name in rows:
        key = os.environ.get(robot.webhook_env, "")
        shown = mask(key) if key else "（未设置）"
        state = "启用" if robot.enabled else "停用"
        click.echo(f"#{robot.id} {robot.name}｜{org_name}｜{robot.webhook_env}={shown}｜{state}")


@groups_cli.command("test")
@click.argument("robot_id", type=int, required=False)
def groups_test(robot_id: int | None) -> None:
    """向群机器人发送一条测试消息（不指定 ID 则全部）。"""
    from delivery.dispatcher import Dispatcher
    from wechat.robot import markdown_payload

    db, s = database(), settings()
    stamp = now_utc().strftime("%Y%m%d%H%M%S")
    with db.session() as session:
        q = select(GroupRobot).where(GroupRobot.enabled.is_(True))
        if robot_id is not None:
            q = q.where(GroupRobot.id == robot_id)
        robots = list(session.scalars(q))
        if not robots:
            raise click.UsageError("没有可测试的群机器人")
        ids = [r.id for r in robots]
        for r in robots:
            outbox.enqueue(
                session,
                OutboundChannel.ROBOT,
                markdown_payload(f"**{s.app.name}** 群机器人测试消息（{r.name}）"),
                f"grouptest:{r.id}:{stamp}",
                robot_id=r.id,
            )
    stats = Dispatcher.from_settings(db.session_factory, s).run_once(robot_ids=ids)
    click.echo(f"测试消息：{stats}")
    with db.read_factory() as session:
        from models import OutboundMessage

        for msg in session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.idempotency_key.like(f"grouptest:%:{stamp}")
            )
        ):
            click.echo(f"  #{msg.robot_id}：{msg.status} {msg.last_error}")


@outbox_cli.command("list")
@click.option("--failed", is_flag=True, help="只看发送失败的")
@click.option("--limit", default=50, show_default=True)
def outbox_list(failed: bool, limit: int) -> None:
    """列出最近的待发消息。"""
    with database().read_factory() as session:
        rows = dispatch.list_messages(session, failed_only=failed, limit=limit)
        if not rows:
            click.echo("没有失败的消息" if failed else "发件箱为空")
        for m in rows:
            target = f"机器人#{m.robot_id}" if m.robot_id else (m.recipient[:6] + "…")
            flag = "（结果未知，可能重复）" if m.outcome_unknown else ""
            click.echo(
                f"#{m.id} {m.channel} {target} {m.status} 尝试{m.attempts}次{flag} "
                f"{dispatch.summary_of(m)}｜{m.last_error}"
            )


@outbox_cli.command("retry")
@click.argument("message_id", type=int, required=False)
@click.option("--all", "all_failed", is_flag=True, help="重试全部失败的消息")
def outbox_retry(message_id: int | None, all_failed: bool) -> None:
    """把失败的消息重新放回待发。"""
    if message_id is None and not all_failed:
        raise click.UsageError("请给出消息编号，或使用 --all")
    try:
        with database().session() as session:
            n = dispatch.retry(session, message_id, all_failed=all_failed)
    except DomainError as exc:
        raise click.UsageError(exc.message) from None
    click.echo(f"已放回待发 {n} 条")


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(groups_cli)
    app.cli.add_command(outbox_cli)
