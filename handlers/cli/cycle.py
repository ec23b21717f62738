"""`flask cycle close --year 2026`: 年终评诺之后，归档一个年度（冻结进度、等次和积分，
把未完成或常态的承诺转为下一年度的草稿）。"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from handlers.context import database
from infra.clock import local_date
from services import cycle_close
from services.actors import Actor
from services.errors import DomainError

cycle_cli = AppGroup("cycle", help="承诺年度：年终归档与转入新年度")


@cycle_cli.command("close")
@click.option("--year", type=int, required=True, help="要归档的年度，例如 2026")
def close(year: int) -> None:
    """归档一个年度：冻结该年度的进度、等次和积分（往年可查），承诺墙和“我的承诺”只显示
    新年度；未完成或常态的承诺为本人生成下一年度的草稿，由本人提交审核。重复执行不会改变任何数据。"""
    with database().session() as session:
        try:
            result = cycle_close.close_year(
                session, Actor(name="命令行", system=True), year, local_date()
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    if result.already_closed:
        click.echo(f"{year} 年度已经归档过，这次没有改动任何数据。")
    click.echo(
        f"{year} 年度：冻结承诺 {result.commitments} 条、党员 {result.members} 人、"
        f"支部 {result.branches} 个；转入 {year + 1} 年度的草稿 {result.carried} 条"
        + ("" if result.already_closed else "（请通知党员修改后提交审核）")
        + "。"
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(cycle_cli)
