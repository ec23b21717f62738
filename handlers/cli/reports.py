"""`flask report …`, `flask points …` and `flask evaluate …`: drafts, exports, the points
ledger and the year-end grades recorded by staff at a PC."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from handlers import documents
from handlers.context import database, settings
from infra.clock import local_date
from models import Account, Member, Organisation
from services import evaluation, privacy
from services.actors import Actor, actor_for_account, actor_for_member
from services.errors import DomainError
from services.evaluation import points, standings
from services.practices import party_day as practice_day
from services.reads import checkoff, drafts, reports, summaries

report_cli = AppGroup("report", help="报表：主题党日、季度讲评、半年销号、年度考评")
points_cli = AppGroup("points", help="先锋指数：同步积分、排名、闪亮之星")
evaluate_cli = AppGroup("evaluate", help="年度评定：支部评定党员等次、街镇评定支部等次")


def _org(session, org_id: int) -> Organisation:  # type: ignore[no-untyped-def]
    org = session.get(Organisation, org_id)
    if org is None:
        raise click.ClickException(f"找不到编号为 {org_id} 的组织，请用正确的 --org")
    return org


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"已写入 {out}")
    else:
        click.echo(text)


@report_cli.command("year-end")
@click.option("--org", "org_id", type=int, required=True, help="乡镇或支部的组织编号")
@click.option("--year", type=int, default=None, help="年份，默认今年")
@click.option("--out", default=None, help="输出文件，默认 year-end-<组织代码>-<年份>.xlsx/.csv")
@click.option("--csv", "as_csv", is_flag=True, help="只导出汇总 CSV")
def year_end(org_id: int, year: int | None, out: str | None, as_csv: bool) -> None:
    """年度考评工作簿（汇总 + 每个支部一张表）或汇总 CSV。"""
    year = year or local_date().year
    with database().session() as session:
        org = _org(session, org_id)
        if as_csv:
            data = reports.year_end_csv(session, org, year).encode("utf-8")
        else:
            data = reports.year_end_workbook(session, org, year)
        path = Path(out or f"year-end-{org.code}-{year}.{'csv' if as_csv else 'xlsx'}")
    path.write_bytes(data)
    click.echo(f"已导出 {path}")


@report_cli.command("party-day")
@click.option("--member", "member_id", type=int, required=True, help="党员编号")
@click.option("--month", required=True, help="月份，例如 2026-03")
@click.option("--out", default=None)
def party_day(member_id: int, month: str, out: str | None) -> None:
    """某位党员的主题党日践诺汇报草稿（可编辑）。"""
    try:
        year, mon = (int(x) for x in month.split("-"))
    except ValueError:
        raise click.ClickException("月份格式应为 YYYY-MM，例如 2026-03") from None
    with database().session() as session:
        m = session.get(Member, member_id)
        if m is None:
            raise click.ClickException(f"找不到编号为 {member_id} 的党员")
        saved = practice_day.saved_for_month(session, m, f"{year:04d}-{mon:02d}")  # 发言稿 saved
        text = saved or documents.party_day_text(drafts.party_day(session, m, year, mon))
    _write(text, out)


@report_cli.command("party-day-branch")
@click.option("--org", "org_id", type=int, required=True, help="支部编号")
@click.option("--month", required=True, help="月份，例如 2026-03")
@click.option("--out", default=None)
def party_day_branch(org_id: int, month: str, out: str | None) -> None:
    """一个支部全体党员的主题党日汇报草稿。"""
    try:
        year, mon = (int(x) for x in month.split("-"))
    except ValueError:
        raise click.ClickException("月份格式应为 YYYY-MM，例如 2026-03") from None
    with database().session() as session:
        org = _org(session, org_id)
        members = session.scalars(
            select(Member)
            .where(Member.org_id == org.id, Member.active.is_(True))
            .order_by(Member.name)
        )
        text = "\n\n------\n\n".join(
            practice_day.saved_for_month(session, m, f"{year:04d}-{mon:02d}")
            or documents.party_day_text(drafts.party_day(session, m, year, mon))
            for m in members
        )
    _write(text, out)


@report_cli.command("quarterly")
@click.option("--org", "org_id", type=int, required=True, help="支部编号")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), required=True)
@click.option("--out", default=None)
def quarterly(org_id: int, year: int, quarter: int, out: str | None) -> None:
    """支部季度讲评草稿。"""
    with database().session() as session:
        text = documents.quarterly_text(
            drafts.quarter_review(session, _org(session, org_id), year, quarter)
        )
    _write(text, out)


@report_cli.command("half-year")
@click.option("--org", "org_id", type=int, required=True, help="乡镇编号")
@click.option("--year", type=int, required=True)
@click.option("--half", type=click.IntRange(1, 2), required=True)
@click.option("--out", default=None)
def half_year(org_id: int, year: int, half: int, out: str | None) -> None:
    """半年销号情况，点名进度滞后的支部。"""
    period = summaries.half_year(f"{year}H{half}")
    threshold = settings().scheduler.checkoff_threshold
    try:
        with database().session() as session:
            c = checkoff.half_year(session, _org(session, org_id), period, threshold)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    lines = [f"{c.township} {period.label} 承诺销号情况（销号线 {threshold}%）", ""]
    for r in c.rows:
        pct = "暂无" if r.completion is None else f"{r.completion}%"
        lines.append(
            f"- {r.branch}：承诺 {r.commitments} 项，销号 {r.completed} 项，完成率 {pct}"
            + ("（进度滞后）" if r.slow else "")
        )
    slow = "、".join(r.branch for r in c.slow) or "无"
    lines += ["", f"进度滞后（低于 {threshold}%）的支部：{slow}。"]
    _write("\n".join(lines), out)


@report_cli.command("link")
@click.option("--org", "org_id", type=int, required=True, help="乡镇或支部编号")
@click.option("--year", type=int, default=None)
def link(org_id: int, year: int | None) -> None:
    """打印给街镇工作人员的年度报表下载链接（签名，有效期见 reports.download_token_days）。"""
    year = year or local_date().year
    with database().session() as session:
        org = _org(session, org_id)
        code = org.code
    token = privacy.sign(str(current_app.config["SECRET_KEY"]), "report", org_id)
    base = settings().app.base_url.rstrip("/")
    days = settings().reports.download_token_days
    click.echo(f"年度工作簿（Excel）：{base}/reports/{code}/year-end.xlsx?year={year}&t={token}")
    click.echo(f"汇总（CSV）：{base}/reports/{code}/year-end.csv?year={year}&t={token}")
    click.echo(f"链接 {days} 天内有效，请只发给街镇工作人员。")


@points_cli.command("sync")
@click.option("--org", "org_id", type=int, default=None, help="只同步这个组织（默认全部）")
def points_sync(org_id: int | None) -> None:
    """按已核实的事件补记积分（可重复执行，不会重复记分）。"""
    with database().session() as session:
        org = _org(session, org_id) if org_id else None
        added = points.sync(session, settings().points.rules, local_date(), org)
    click.echo(f"新增积分记录 {added} 条")


@points_cli.command("ranking")
@click.option("--org", "org_id", type=int, required=True)
@click.option("--year", type=int, default=None)
@click.option("--top", type=int, default=20)
def points_ranking(org_id: int, year: int | None, top: int) -> None:
    """先锋指数排名。"""
    with database().session() as session:
        rows = standings.ranking(session, _org(session, org_id), year)[:top]
    for r in rows:
        click.echo(f"{r.rank:>3}. {r.name}  {r.points}")


@points_cli.command("stars")
@click.option("--org", "org_id", type=int, required=True)
@click.option("--year", type=int, default=None)
def points_stars(org_id: int, year: int | None) -> None:
    """闪亮之星推荐名单。"""
    cfg = settings().points
    with database().session() as session:
        text = reports.star_text(
            session,
            _org(session, org_id),
            year or local_date().year,
            count=cfg.star_count,
            min_satisfaction=cfg.star_min_satisfaction,
            min_ratings=cfg.star_min_ratings,
            weights=settings().practices.star_weights,  # 三评 weights (README, 闪亮之星)
        )
    click.echo(text)


# -- year-end grades (the same rules and permissions as the API) ---------------------------


def _grade_key(value: str, choices: dict[str, str]) -> str:
    """Accept the Chinese label (优秀) or the key (excellent)."""
    value = value.strip()
    if value in choices:
        return value
    for key, label in choices.items():
        if value == label:
            return key
    raise click.ClickException(f"等次“{value}”不正确，请选择：{'、'.join(choices.values())}")


def _acting(session, by_member: int | None, by_account: int | None) -> Actor:  # type: ignore[no-untyped-def]
    """Who records the grade: the secretary (roster member) or the staff account. Their
    roles decide what they may grade, exactly as in the mini-program."""
    if (by_member is None) == (by_account is None):
        raise click.ClickException(
            "请用 --by-member（书记的党员编号）或 --by-account（管理员账号编号）说明是谁评定，二选一"
        )
    if by_member is not None:
        m = session.get(Member, by_member)
        if m is None:
            raise click.ClickException(f"找不到编号为 {by_member} 的党员，请检查 --by-member")
        return actor_for_member(session, m)
    a = session.get(Account, by_account)
    if a is None:
        raise click.ClickException(f"找不到编号为 {by_account} 的账号，请检查 --by-account")
    return actor_for_account(session, a)


_BY = (
    click.option("--by-member", type=int, default=None, help="评定人：支部书记的党员编号"),
    click.option("--by-account", type=int, default=None, help="评定人：街镇管理员的账号编号"),
)


def _by(fn):  # type: ignore[no-untyped-def]
    for option in reversed(_BY):
        fn = option(fn)
    return fn


@evaluate_cli.command("grade-member")
@click.option("--member", "member_id", type=int, required=True, help="被评定党员的编号")
@click.option("--year", type=int, default=None, help="年份，默认今年")
@click.option("--grade", required=True, help="优秀、合格、基本合格或不合格")
@click.option("--comment", default="", help="评语（选填）")
@_by
def grade_member(
    member_id: int,
    year: int | None,
    grade: str,
    comment: str,
    by_member: int | None,
    by_account: int | None,
) -> None:
    """支部评定党员年度等次（书记评本支部党员；再次评定即修改）。"""
    key = _grade_key(grade, evaluation.GRADES)
    year = year or local_date().year
    try:
        with database().session() as session:
            m = session.get(Member, member_id)
            if m is None:
                raise click.ClickException(f"找不到编号为 {member_id} 的党员，请检查 --member")
            actor = _acting(session, by_member, by_account)
            evaluation.grade_member(session, actor, m, year, key, comment)
            name = m.name
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"已评定：{name} {year} 年度等次 {evaluation.GRADES[key]}")


@evaluate_cli.command("grade-branch")
@click.option("--org", "org_id", type=int, required=True, help="被评定党支部的组织编号")
@click.option("--year", type=int, default=None, help="年份，默认今年")
@click.option("--grade", required=True, help="好、较好、一般或差")
@click.option("--comment", default="", help="评语（选填）")
@_by
def grade_branch(
    org_id: int,
    year: int | None,
    grade: str,
    comment: str,
    by_member: int | None,
    by_account: int | None,
) -> None:
    """街镇评定党支部年度等次（只有街镇管理员；再次评定即修改）。"""
    key = _grade_key(grade, evaluation.BRANCH_GRADES)
    year = year or local_date().year
    try:
        with database().session() as session:
            org = _org(session, org_id)
            actor = _acting(session, by_member, by_account)
            evaluation.grade_branch(session, actor, org, year, key, comment)
            name = org.name
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"已评定：{name} {year} 年度等次 {evaluation.BRANCH_GRADES[key]}")


def init_app(app: Flask) -> None:
    app.cli.add_command(report_cli)
    app.cli.add_command(points_cli)
    app.cli.add_command(evaluate_cli)
