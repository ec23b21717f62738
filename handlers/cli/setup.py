"""Going live: `flask setup township|admin`, `flask orgs template|import|list`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from handlers.context import database
from handlers.pages import base_url
from infra.clock import local_text
from services.actors import SYSTEM
from services.errors import DomainError
from services.org import orgs, orgs_import, setup, staff
from services.org.roster_files import ImportFailed

setup_cli = AppGroup("setup", help="上线：设置乡镇和第一位街镇管理员")
orgs_cli = AppGroup("orgs", help="组织架构：党支部、党总支、党小组的模板与导入")
LINK_MINUTES = 60


def _link(db: Session, account_id: int, minutes: int) -> tuple[str, str]:
    link = staff.issue_link(db, str(current_app.config["SECRET_KEY"]), account_id, minutes)
    return f"{base_url()}/staff/login?t={link.token}", local_text(link.expires_at)


@setup_cli.command("township")
@click.option("--name", required=True, help="乡镇全称，如 青山镇")
@click.option(
    "--code", default=setup.DEFAULT_CODE, show_default=True, help="乡镇编码（网址中使用）"
)
@click.option(
    "--minutes", default=LINK_MINUTES, show_default=True, type=int, help="登录链接有效期（分钟）"
)
def setup_township(name: str, code: str, minutes: int) -> None:
    """创建乡镇（根组织）和第一位街镇管理员，并打印一次性后台登录链接（可重复运行）。"""
    try:
        with database().session() as db:
            result = setup.setup_township(db, name, code)
            url, expires = _link(db, result.account.id, minutes)
            township, account_id = result.township.name, result.account.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if result.created:
        click.echo(f"已创建乡镇“{township}”和街镇管理员账号（账号 {account_id}）")
    elif result.admin_created:
        click.echo(f"乡镇“{township}”已存在；已补建街镇管理员账号（账号 {account_id}）")
    else:
        click.echo(f"乡镇“{township}”已存在，未做任何修改")
    click.echo(f"后台登录链接（{expires} 前有效，只能用一次；过期后重新运行本命令即可）：")
    click.echo(url)
    click.echo("下一步：登录后台，在“组织架构”中建立党支部和党小组，再导入花名册。")


@setup_cli.command("admin")
@click.option("--phone", required=True, help="花名册中这位党员的手机号")
@click.option("--minutes", default=LINK_MINUTES, show_default=True, type=int)
def setup_admin(phone: str, minutes: int) -> None:
    """把街镇管理员交给花名册中的一位党员；其绑定微信后，初始管理员账号自动停用。"""
    try:
        with database().session() as db:
            result = setup.hand_over(db, phone)
            name = result.member.name
            url = ""
            if result.account is not None:
                url, expires = _link(db, result.account.id, minutes)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{name}已是街镇管理员" if not result.granted else f"已授予{name}街镇管理员")
    if result.retired:
        click.echo("初始管理员账号已停用：" + "、".join(str(i) for i in result.retired))
    if url:
        click.echo(f"{name}的后台登录链接（{expires} 前有效，只能用一次）：")
        click.echo(url)
    else:
        click.echo(
            f"{name}还没有绑定微信：初始管理员账号暂时保留。"
            "请发放绑定码（flask roster bind-codes），绑定后再运行本命令。"
        )


@orgs_cli.command("template")
@click.option("--out", "out", default=None, help="输出文件，默认 组织架构导入模板.xlsx")
def orgs_template(out: str | None) -> None:
    """生成组织架构导入模板（.xlsx，含示例行和填写说明）。"""
    path = Path(out or "组织架构导入模板.xlsx")
    path.write_bytes(orgs_import.template())
    click.echo(f"模板已写入 {path}")


@orgs_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def orgs_import_cmd(file: str) -> None:
    """从 .xlsx 或 .csv 导入党支部、党总支和党小组（有任何错误则全部不导入）。"""
    try:
        with database().session() as db:
            township = setup.township(db)
            if township is None:
                raise click.ClickException(
                    "还没有设置乡镇：请先运行 flask setup township --name 乡镇名"
                )
            result = orgs_import.import_orgs(db, SYSTEM, township, Path(file), None)
    except ImportFailed as exc:
        click.echo(f"导入失败：{exc.message}", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if result.samples_skipped:
        rows = "、".join(str(n) for n in result.samples_skipped)
        click.echo(f"已跳过模板示例行（第 {rows} 行，以“示例”开头），这些行不会导入")
    click.echo(
        f"导入完成（组织）：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
    )


@orgs_cli.command("list")
def orgs_list() -> None:
    """列出组织架构（编码、形式、类型、名称）。"""
    with database().session() as db:
        township = setup.township(db)
        if township is None:
            click.echo("还没有设置乡镇：请先运行 flask setup township --name 乡镇名")
            return
        for node in orgs.tree(db, township):
            org = node.org
            form = org.form or ("党小组" if org.kind == "group" else "乡镇")
            kind = f"{form}（{org.org_type}）" if org.org_type else form
            closed = " [已撤销]" if org.closed_at else ""
            click.echo(f"{'  ' * node.depth}{org.code}\t{kind}\t{org.name}{closed}")


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_cli)
    app.cli.add_command(orgs_cli)
