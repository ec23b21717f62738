"""The wording of the practices' pushes: the monthly summary's lines for visits (走访覆盖率) and
the party day (到会率), and the quarterly survey's link to the branch's group and to linked
residents. Facts come from ``services.practices``; messages are queued in the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import GroupRobot, Organisation, OutboundChannel, PartyDay, Survey
from services import outbox
from services.practices import coverage, survey
from services.reads.periods import Period
from wechat.robot import markdown_payload

SURVEY_PAGE = "pages/survey/index?id={id}"


def _pct(value: int | None) -> str:
    return "暂无" if value is None else f"{value}%"


def branch_lines(c: coverage.BranchCoverage | None, *, names: bool = True) -> list[str]:
    """A branch's lines: coverage, members who visited nobody (named only in their own branch's
    group), the party day's 到会率."""
    if c is None:
        return []
    lines: list[str] = []
    if c.linked:
        lines.append(
            f"**联户走访**：走访 {c.visited}/{c.linked} 户，覆盖率 {_pct(c.percent)}，"
            f"走访记录 {c.visits} 次"
        )
        nobody = c.visited_nobody
        if nobody and names:
            lines.append(f"**本月未走访联系户**：{'、'.join(nobody)}")
        elif nobody:
            lines.append(f"**本月未走访联系户**：{len(nobody)} 人")
    a = c.attendance
    if a is not None:
        lines.append(
            f"**主题党日**（{a.held_on.month}月{a.held_on.day}日 {a.topic}）：应到 {a.expected} 人，"
            f"到会 {a.present} 人，请假 {a.leave} 人，到会率 {_pct(a.percent)}"
        )
    return lines


def township_lines(
    branches: dict[int, coverage.BranchCoverage], names: dict[int, str]
) -> list[str]:
    """The township's lines: each branch's coverage and 到会率, no member named."""
    lines = []
    for oid, c in branches.items():
        if oid not in names:
            continue
        parts = []
        if c.linked:
            parts.append(f"走访覆盖率 {_pct(c.percent)}（{c.visited}/{c.linked} 户）")
        if c.attendance is not None:
            parts.append(f"到会率 {_pct(c.attendance.percent)}")
        if parts:
            lines.append(f"- {names[oid]}：" + "，".join(parts))
    return ["**联户走访与主题党日**：", *lines] if lines else []


def monthly_extra(session: Session, period: Period, branch_ids: list[int]) -> dict[int, str]:
    """Markdown to append per organisation id (branches and townships) to the period's summary."""
    # every branch's (the statements for all branches are compiled once); those wanted are used
    figures = coverage.monthly(session, period.start, period.end)
    out: dict[int, str] = {}
    parents: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for oid, parent, name in session.execute(
        select(Organisation.id, Organisation.parent_id, Organisation.name).where(
            Organisation.id.in_(branch_ids)
        )
    ):
        names[oid] = name
        if parent is not None:
            parents.setdefault(parent, []).append(oid)
    for oid in branch_ids:
        lines = branch_lines(figures.get(oid))
        if lines:
            out[oid] = "\n".join(lines)
    for township_id, children in parents.items():
        lines = township_lines({c: figures[c] for c in children if c in figures}, names)
        if lines:
            out[township_id] = "\n".join(lines)
    return out


def party_day_notes(session: Session, month: str, branch_ids: list[int]) -> dict[int, str]:
    """For the party-day reminder: the branch's scheduled day and topic, and how to sign in."""
    out: dict[int, str] = {}
    for day in session.scalars(
        select(PartyDay).where(PartyDay.month == month, PartyDay.org_id.in_(branch_ids))
    ):
        out[day.org_id] = (
            f"**本月主题党日**：{day.held_on.month}月{day.held_on.day}日，{day.topic}。"
            "当天扫会场二维码或在公众号发送“签到”；发言稿已按本月践诺起草，可在小程序“主题党日”里修改保存。"
        )
    return out


def with_extra(text: str, extra: str) -> str:
    """Insert the practices' lines before the summary's closing link line."""
    if not extra:
        return text
    head, sep, last = text.rpartition("\n")
    return f"{head}\n{extra}{sep}{last}" if sep and last.startswith("[") else f"{text}\n{extra}"


def survey_pushes(session: Session, s: Survey, base_url: str) -> int:
    """The survey's link to the branch's group robots and, as a customer-service message, to
    each linked resident who follows the official account. Once per survey (idempotent keys)."""
    org = session.get_one(Organisation, s.org_id)
    page = SURVEY_PAGE.format(id=s.id)
    quarter = f"{s.quarter[:4]}年第{s.quarter[-1]}季度"
    markdown = (
        f"## {org.name} {quarter}群众测评\n"
        f"请联系户群众对本支部党员的表现作出评价（满意、基本满意、不满意），每户每季度一次。\n"
        f"在微信小程序“践诺”中打开：{page}"
    )
    messages = [
        outbox.Outgoing(
            OutboundChannel.ROBOT.value,
            markdown_payload(markdown),
            f"survey:{s.id}:robot:{rid}",
            robot_id=rid,
        )
        for rid in session.scalars(
            select(GroupRobot.id).where(GroupRobot.org_id == org.id, GroupRobot.enabled.is_(True))
        )
    ]
    text = (
        f"{org.name}{quarter}群众测评开始了：请对联系您家的党员和本支部党员作出评价，"
        f"每户每季度一次。请在小程序“践诺”中打开（{page}）。"
    )
    messages += [
        outbox.Outgoing(
            OutboundChannel.CUSTOMER_SERVICE.value,
            {"msgtype": "text", "text": {"content": text}},
            f"survey:{s.id}:account:{a.id}",
            recipient=a.oa_openid or "",
        )
        for a in survey.residents(session, s)
        if a.oa_openid
    ]
    return outbox.enqueue_many(session, messages)
