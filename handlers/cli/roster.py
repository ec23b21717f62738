"""Roster commands: `flask roster import|template|branches|bind-codes|pair`,
`flask households import|template|bind-codes`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.context import database, settings
from infra.clock import local_text
from models import Organisation, OrgKind
from services.actors import SYSTEM
from services.errors import DomainError
from services.org import bindcodes, pairing, roster
from wechat.errors import WechatError

roster_cli = AppGroup("roster", help="党员花名册：导入、模板、绑定码、结对共建")
households_cli = AppGroup("households", help="户信息与联户关系：导入、模板、连心卡户码")


def _import(kind: str, file: str, yes: bool = False) -> None:
    label = "党员" if kind == "members" else "户"
    try:
        with database().session() as session:
            if kind == "members":
                with click.progressbar(length=1, label="逐行校验", show_pos=True) as bar:

                    def step(done: int, total: int) -> None:
                        bar.length = total
                        bar.update(1)

                    result = roster.import_members(session, Path(file), confirm=yes, progress=step)
            else:
                result = roster.import_households(session, Path(file))
    except roster.ImportFailed as exc:
        click.echo(f"导入失败：{exc.message}", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    except roster.NeedsConfirmation as exc:
        click.echo(exc.message, err=True)
        for change in exc.changes:
            click.echo(f"  {change}", err=True)
        click.echo("没有写入任何数据。核对无误后加 --yes 重新运行即可导入。", err=True)
        raise SystemExit(1) from None
    if result.samples_skipped:
        rows = "、".join(str(n) for n in result.samples_skipped)
        click.echo(f"已跳过模板示例行（第 {rows} 行，以“示例”开头），这些行不会导入")
    click.echo(
        f"导入完成（{label}）：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
    )
    if result.groups_created:
        click.echo("新建党小组：" + "、".join(result.groups_created))
    if result.grants_created:
        click.echo(f"新授予审核权限 {result.grants_created} 项（支部书记 / 党小组长）")


def _template(kind: str, out: str | None, default: str) -> None:
    path = Path(out or default)
    path.write_bytes(roster.template(kind))
    click.echo(f"模板已写入 {path}")


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--yes", is_flag=True, help="确认修改已有党员的姓名或职务（不加时只列出这些修改，不写入）"
)
def roster_import(file: str, yes: bool) -> None:
    """从 .xlsx 或 .csv 导入党员花名册（有任何错误则全部不导入；改名、改职务须确认）。"""
    _import("members", file, yes)


@roster_cli.command("template")
@click.option("--out", "out", default=None, help="输出文件，默认 党员花名册导入模板.xlsx")
def roster_template(out: str | None) -> None:
    """生成党员花名册导入模板（.xlsx，含示例行和填写说明）。"""
    _template("members", out, "党员花名册导入模板.xlsx")


@roster_cli.command("branches")
def roster_branches() -> None:
    """列出所有党支部的编码和名称（导入时“所属支部”填这里的编码或名称）。"""
    with database().session() as session:
        rows = session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.BRANCH.value)
            .order_by(Organisation.path)
        ).all()
        for org in rows:
            click.echo(f"  {org.code}\t{org.name}")
        if not rows:
            click.echo("还没有党支部")


def _find_org(session: Session, key: str) -> Organisation:
    org = session.get(Organisation, int(key)) if key.isdigit() else None
    org = org or session.scalar(select(Organisation).where(Organisation.code == key))
    if org is None:
        raise click.BadParameter(
            f"找不到组织 {key}：请填组织 ID 或编码（如 branch-1）", param_hint="--org"
        )
    return org


@roster_cli.command("bind-codes")
@click.option("--org", "org_key", required=True, help="组织 ID 或编码（支部、乡镇均可）")
@click.option("--ttl-hours", default=bindcodes.DEFAULT_TTL_HOURS, show_default=True, type=int)
@click.option(
    "--qr-dir", default=None, type=click.Path(file_okay=False), help="同时生成二维码图片的目录"
)
@click.option("--all", "include_bound", is_flag=True, help="已绑定微信的党员也发放（默认跳过）")
def roster_bind_codes(
    org_key: str, ttl_hours: int, qr_dir: str | None, include_bound: bool
) -> None:
    """为组织内尚未绑定微信的党员发放绑定码（一次性，到期失效）。"""
    try:
        with database().session() as session:
            org = _find_org(session, org_key)
            with click.progressbar(length=1, label="发放绑定码", show_pos=True) as bar:

                def step(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(1)

                pairs = bindcodes.issue_for_org(
                    session, org, ttl_hours, include_bound=include_bound, progress=step
                )
            if not pairs:
                click.echo(f"{org.name}没有需要发放绑定码的党员")
                return
            click.echo(
                f"{org.name}：共 {len(pairs)} 人，有效期至 {local_text(pairs[0][1].expires_at)}"
            )
            click.echo("姓名\t绑定码")
            for member, code in pairs:
                click.echo(f"{member.name}\t{code.code}")
            rows = [(f"{m.name}-{m.phone[-4:]}-{c.code}", c.code) for m, c in pairs]
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if qr_dir:  # after the commit: the WeChat token store writes through its own session
        _write_qr(Path(qr_dir), rows, min(ttl_hours * 3600, QR_MAX_EXPIRE_SECONDS))


# WeChat's temporary parametric QR codes live at most 30 days (qrcode/create, expire_seconds).
QR_MAX_EXPIRE_SECONDS = 30 * 24 * 3600
DEMO_QR_NOTE = (
    "演示模式（未配置公众号 AppID/AppSecret）：这些二维码只编码了文字“绑定 绑定码”，"
    "微信扫一扫只会显示这段文字，不会关注公众号、也不会自动绑定；"
    "请按文字在公众号里发送。配置公众号后重新生成，即为微信带参数二维码，扫码关注即绑定。"
)


def _write_qr(directory: Path, rows: list[tuple[str, str]], expire_seconds: int) -> None:
    """One PNG per code. With official-account credentials it is WeChat's parametric QR code
    (scene ``bind:<code>``): scanning it follows the account and binds (subscribe/SCAN event).
    Without them (demo mode) it encodes the text ``绑定 <code>`` only, and says so."""
    from infra import qr
    from wechat.client import clients_from_settings

    directory.mkdir(parents=True, exist_ok=True)
    client = clients_from_settings(settings(), database().session_factory).official_account
    if client.configured:
        with click.progressbar(rows, label="向微信申请二维码", show_pos=True) as bar:
            for filename, code in bar:
                try:
                    answer = client.create_temp_qrcode(f"bind:{code}", expire_seconds)
                except WechatError as exc:
                    raise click.ClickException(f"向微信申请二维码失败：{exc}") from None
                (directory / f"{filename}.png").write_bytes(qr.png(str(answer["url"])))
        days = max(1, expire_seconds // 86400)
        click.echo(
            f"二维码已写入 {directory}（{len(rows)} 张）：公众号带参数二维码，"
            f"{days} 天内有效，微信扫码关注公众号即自动绑定"
        )
        return
    for filename, code in rows:
        (directory / f"{filename}.png").write_bytes(qr.png(f"绑定 {code}"))
    (directory / "README.txt").write_text(DEMO_QR_NOTE + "\n", encoding="utf-8")
    click.echo(f"二维码已写入 {directory}（{len(rows)} 张）。{DEMO_QR_NOTE}")


@households_cli.command("bind-codes")
@click.option("--org", "org_key", required=True, help="组织 ID 或编码（支部、乡镇均可）")
@click.option(
    "--qr-dir", default=None, type=click.Path(file_okay=False), help="同时生成二维码图片的目录"
)
@click.option("--reissue", is_flag=True, help="换发新户码（旧户码和已印的连心卡随即失效）")
def households_bind_codes(org_key: str, qr_dir: str | None, reissue: bool) -> None:
    """为组织内每户发放连心卡户码（长期有效，可多人使用；群众发送“绑定 户码”或扫码绑定到自家户）。"""
    try:
        with database().session() as session:
            org = _find_org(session, org_key)
            pairs = bindcodes.issue_for_households(session, org, reissue=reissue)
            if not pairs:
                click.echo(f"{org.name}还没有户信息：请先导入户信息（flask households import）")
                return
            click.echo(f"{org.name}：共 {len(pairs)} 户")
            click.echo("户编号\t住址\t户码")
            for hh, code in pairs:
                click.echo(f"{hh.code}\t{hh.address}\t{code}")
            rows = [(f"{hh.code}-{code}", code) for hh, code in pairs]
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if qr_dir:
        _write_qr(Path(qr_dir), rows, QR_MAX_EXPIRE_SECONDS)


@roster_cli.command("pair")
@click.option("--organ", "organ_key", required=True, help="机关党支部的 ID 或编码")
@click.option("--village", "village_key", required=True, help="结对的村（社区）党支部 ID 或编码")
@click.option("--end", "end", is_flag=True, help="解除结对（已作出的结对共建承诺保留）")
def roster_pair(organ_key: str, village_key: str, end: bool) -> None:
    """结对共建：机关党支部与村（社区）党支部结对，机关支部可向结对村作出承诺。"""
    try:
        with database().session() as session:
            organ = _find_org(session, organ_key)
            village = _find_org(session, village_key)
            if end:
                pairing.end_pairing(session, SYSTEM, organ, village)
                click.echo(f"已解除{organ.name}与{village.name}的结对共建")
            else:
                pairing.pair(session, SYSTEM, organ, village)
                click.echo(f"{organ.name}已与{village.name}结对共建")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@households_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def households_import(file: str) -> None:
    """从 .xlsx 或 .csv 导入户信息和联户党员（有任何错误则全部不导入）。"""
    _import("households", file)


@households_cli.command("template")
@click.option("--out", "out", default=None, help="输出文件，默认 户信息导入模板.xlsx")
def households_template(out: str | None) -> None:
    """生成户信息导入模板（.xlsx，含示例行和填写说明）。"""
    _template("households", out, "户信息导入模板.xlsx")


def init_app(app: Flask) -> None:
    app.cli.add_command(roster_cli)
    app.cli.add_command(households_cli)
