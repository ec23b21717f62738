"""`flask civic …`: the monthly exchange report (text or .xlsx), and setting up a village's
兑换点 and its catalogue from the PC."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from openpyxl import Workbook
from sqlalchemy import select

from handlers.context import database
from infra.clock import local_date
from models import CivicCounter, Organisation
from services.actors import SYSTEM
from services.civic import exchange
from services.errors import DomainError
from services.reads import periods, sheets

civic_cli = AppGroup("civic", help="文明存折：兑换点、兑换物品、每月兑换报表")
HEADERS = ("村（社区）", "兑换点", "物品", "兑换次数", "扣减积分", "剩余库存")


def _org(session, code: str | None) -> Organisation | None:  # type: ignore[no-untyped-def]
    if not code:
        return None
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise click.ClickException(f"找不到代码为 {code} 的组织，请核对 --org")
    return org


@civic_cli.command("report")
@click.option("--month", default="", help="月份，例如 2026-11；默认上个月")
@click.option("--org", "org_code", default="", help="村或街镇的组织代码；默认全部")
@click.option("--xlsx", "xlsx_path", default="", help="写入 .xlsx 文件")
def report(month: str, org_code: str, xlsx_path: str) -> None:
    """每月兑换报表：各兑换点各物品的兑换次数、扣减积分和剩余库存。"""
    if not month:
        first = local_date().replace(day=1)
        month = periods.month(f"{first.year}-{first.month}").previous_end.strftime("%Y-%m")
    try:
        period = periods.month(month)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    with database().session() as s:
        rows = exchange.monthly_report(s, period.code, _org(s, org_code))
    if xlsx_path:
        wb = Workbook()
        ws = wb.active
        ws.title = period.code
        sheets.append(ws, HEADERS)
        for r in rows:
            sheets.append(ws, (r.village, r.counter, r.good, r.count, r.points, r.stock_left))
        wb.save(Path(xlsx_path))
        click.echo(f"已写入 {xlsx_path}（{len(rows)} 行）")
        return
    click.echo(f"{period.label}积分兑换报表")
    if not rows:
        click.echo("本月没有兑换记录。")
        return
    for r in rows:
        click.echo(
            f"{r.village} · {r.counter} · {r.good}：兑换 {r.count} 次，扣减 {r.points} 分，"
            f"剩余库存 {r.stock_left}"
        )
    click.echo(f"合计：兑换 {sum(r.count for r in rows)} 次，扣减 {sum(r.points for r in rows)} 分")


@civic_cli.command("counter")
@click.option("--org", "org_code", required=True, help="村（支部）的组织代码")
@click.option("--name", required=True, help="兑换点名称，例如 便民服务中心")
@click.option("--address", default="")
@click.option("--days", default="", help="每月兑换日，例如 5,20；不填为每天")
def counter(org_code: str, name: str, address: str, days: str) -> None:
    """设立兑换点。"""
    try:
        with database().session() as s:
            org = _org(s, org_code)
            assert org is not None
            c = exchange.add_counter(s, SYSTEM, org, name, address, days)
            click.echo(f"已设立兑换点 {c.name}（编号 {c.id}），兑换日：{exchange.days_text(c)}")
    except DomainError as e:
        raise click.ClickException(e.message) from None


@civic_cli.command("good")
@click.option("--counter", "counter_id", type=int, required=True, help="兑换点编号")
@click.option("--name", required=True)
@click.option("--price", type=int, required=True, help="所需积分")
@click.option("--stock", type=int, required=True, help="库存")
def good(counter_id: int, name: str, price: int, stock: int) -> None:
    """上架兑换物品。"""
    try:
        with database().session() as s:
            c = s.get(CivicCounter, counter_id)
            if c is None:
                raise click.ClickException(f"找不到编号为 {counter_id} 的兑换点")
            g = exchange.add_good(s, SYSTEM, c, name, price, stock)
            click.echo(f"已上架 {g.name}（编号 {g.id}）：{g.price} 分，库存 {g.stock}")
    except DomainError as e:
        raise click.ClickException(e.message) from None


@civic_cli.command("restock")
@click.option("--good", "good_id", type=int, required=True, help="物品编号")
@click.option("--added", type=int, required=True, help="补充的件数")
def restock(good_id: int, added: int) -> None:
    """补充兑换物品的库存。"""
    try:
        with database().session() as s:
            g = exchange.restock(s, SYSTEM, exchange.get_good(s, good_id), added)
            click.echo(f"{g.name} 补充 {added} 件，现有库存 {g.stock}")
    except DomainError as e:
        raise click.ClickException(e.message) from None


def init_app(app: Flask) -> None:
    app.cli.add_command(civic_cli)
