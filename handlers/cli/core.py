"""Core commands: `flask db …`, `flask demo load`, `flask demo extras`, `flask urls`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from handlers.context import database, settings
from infra import migrate
from models import Organisation

db_cli = AppGroup("db", help="数据库迁移 (Alembic)")
demo_cli = AppGroup("demo", help="演示数据")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """升级数据库结构到最新（或指定版本）。"""
    migrate.upgrade(database().url, revision)
    click.echo(f"数据库已升级到 {revision}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """回退数据库结构（默认回退一步；base 为全部回退）。"""
    migrate.downgrade(database().url, revision)
    click.echo(f"数据库已回退到 {revision}")


@db_cli.command("check")
def db_check() -> None:
    """检查模型与迁移是否一致。"""
    diffs = migrate.differences(database().engine)
    if diffs:
        for d in diffs:
            click.echo(f"不一致: {d}")
        raise SystemExit(1)
    click.echo("模型与迁移一致")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="数据库里已有组织时什么也不做")
def demo_load(if_empty: bool) -> None:
    """载入演示乡镇（可重复执行，不会重复创建）。"""
    from demo import township as demo

    db = database()
    with db.session() as session:
        if if_empty and session.scalar(select(func.count(Organisation.id))):
            click.echo("已有数据，跳过演示数据载入")
            return
        s = settings()
        summary = demo.load(
            session,
            levels=tuple(s.commitments.review_levels),
            first_answer_hours=s.requests.first_answer_hours,
            reopen_window_days=s.requests.reopen_window_days,
            points_rules=s.points.rules,
        )
    click.echo("演示乡镇已就绪：" + "，".join(f"{k} {v}" for k, v in summary.items()))


@demo_cli.command("extras")
@click.option("--if-empty", is_flag=True, help="演示的走访、党日、文明存折和议事已有时什么也不做")
def demo_extras(if_empty: bool) -> None:
    """在演示乡镇上补充联户走访、主题党日、群众测评、文明存折、议事和支部类型（可重复执行）。"""
    from demo import extras

    db = database()
    with db.session() as session:
        if not extras.demo_township_present(session):
            if if_empty:
                click.echo("数据库里没有演示乡镇，跳过演示补充数据")
                return
            raise click.ClickException("还没有演示乡镇：请先运行 flask demo load")
        if if_empty and extras.present(session):
            click.echo("演示的走访、党日、文明存折和议事已有，跳过")
            return
        s = settings()
        summary = extras.load_extras(
            session,
            civic=s.civic,
            survey_rubric=s.practices.survey_rubric,
            levels=tuple(s.commitments.review_levels),
            first_answer_hours=s.requests.first_answer_hours,
        )
    click.echo("演示补充数据已就绪：" + "，".join(f"{k} {v}" for k, v in summary.items()))


@click.command("urls")
def urls() -> None:
    """打印常用地址。"""
    s = settings()
    base = s.app.base_url.rstrip("/")
    lines = [
        ("首页 / 乡镇总览", f"{base}/"),
        ("支部承诺墙（示例）", f"{base}/o/branch-1/wall"),
        ("践诺进度榜（示例）", f"{base}/o/branch-1/board"),
        ("党群服务中心大屏（示例）", f"{base}/o/township/screen"),
        ("文明存折光荣榜（示例）", f"{base}/civic/o/branch-1"),
        ("议事（示例）", f"{base}/civic/agenda/YS0001"),
        ("小程序 API 文档", f"{base}/api/v1/openapi.json"),
        ("公众号回调地址", f"{base}{s.wechat.callback_path}"),
        (
            "街镇管理员后台",
            f"{base}/staff/demo-login"
            if s.demo
            else f"{base}/staff/（登录链接：flask staff link）",
        ),
    ]
    if s.demo:
        click.echo("【演示模式】未配置微信凭据，演示登录已开启")
    for label, url in lines:
        click.echo(f"  {label}: {url}")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(urls)
