"""The wording of pushes: WeCom markdown for group summaries, the quarterly review, the half-year
check-off and the party-day reminder; template messages for personal reminders.

Services compute the facts (``services.reads.summaries``, ``checkoff``, ``audience``); this module
words them and queues them in the outbox (``services.outbox``) for the dispatcher to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from models import Organisation, OrgKind, OutboundChannel
from scheduler import civic_lines, practice_pushes
from services import outbox
from services.reads import audience, checkoff, summaries
from services.reads.periods import Period
from services.reads.summaries import BranchSummary, Figures, TownshipSummary
from wechat.robot import markdown_payload, split_markdown

MARKDOWN_LIMIT = 4096  # WeCom robot markdown, bytes
STATUS_LABELS = {
    "published": "已公开",
    "pending_township": "待备案",
    "pending_branch": "待复审",
    "pending_group": "待初审",
    "draft": "草稿",
    "withdrawn": "已撤回",
}


# -- wording --------------------------------------------------------------------------------


def _pct(value: int | None) -> str:
    return "暂无" if value is None else f"{value}%"


def _change_text(change: int | None) -> str:
    if change is None:
        return ""
    if change > 0:
        return f'（较上期 <font color="info">↑{change}</font> 个百分点）'
    if change < 0:
        return f'（较上期 <font color="warning">↓{-change}</font> 个百分点）'
    return "（与上期持平）"


def _status_text(by_status: dict[str, int]) -> str:
    parts = [
        f"{STATUS_LABELS[s]} {by_status[s]} 条" for s in summaries.STATUS_ORDER if by_status.get(s)
    ]
    return "｜".join(parts) or "暂无承诺"


def _requests_text(s: BranchSummary) -> str:
    text = (
        f"收到 {s.requests_received} 件，答复 {s.requests_answered} 件，"
        f"办结 {s.requests_resolved} 件"
    )
    avg = s.avg_answer_hours
    if avg is not None:
        took = f"{avg:.1f} 小时" if avg < 48 else f"{avg / 24:.1f} 天"
        text += f"，平均 {took}首次答复"
    return text


def _rates_text(s: BranchSummary) -> str:
    r = s.rates
    return (
        f"**诉求办理**：响应率 {_pct(r.response)}｜办结率 {_pct(r.completion)}｜"
        f"解决率 {_pct(r.solution)}｜满意率 {_pct(r.satisfaction)}"
    )


def _exempt_text(s: BranchSummary) -> str:
    return f"（另有免于承诺 {s.exempt} 人）" if s.exempt else ""


def board_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/o/{code}/board"


def render_branch(
    s: BranchSummary, period: Period, base_url: str, *, names: bool = True, title: str = "践诺月报"
) -> str:
    lines = [
        f"## {s.name} {period.label}{title}",
        f"> 党员 {s.members} 人，作出承诺 {s.members_committed} 人{_exempt_text(s)}",
        f"**承诺情况**：{_status_text(s.by_status)}",
        f"**本期践诺**：{s.logs} 条记录",
        f"**完成率**：{_pct(s.completion)}{_change_text(s.change)}",
    ]
    if s.top:
        lines.append("**践诺之星**：" + "、".join(f"{n}（{k} 条）" for n, k in s.top))
    if names and s.silent:
        lines.append(f"**两个月以上未记录践诺**：{'、'.join(s.silent)}（请支部关心提醒）")
    elif s.silent:
        lines.append(f"**两个月以上未记录践诺**：{len(s.silent)} 人")
    if names and s.unbound_lagging:
        lines.append(f"**进度落后且未绑定微信（请当面提醒）**：{'、'.join(s.unbound_lagging)}")
    lines.append(f"**群众诉求**：{_requests_text(s)}")
    lines.append(_rates_text(s))
    lines.append(f"[查看进度榜]({board_url(base_url, s.code)})")
    return "\n".join(lines)


def render_township(
    t: TownshipSummary, period: Period, base_url: str, title: str = "践诺月报"
) -> str:
    lines = [
        f"## {t.name} {period.label}{title}",
        f"> {len(t.branches)} 个党支部，党员 {t.members} 人，作出承诺 {t.members_committed} 人"
        f"{_exempt_text(t)}",
        f"**承诺情况**：{_status_text(t.by_status)}",
        f"**本期践诺**：{t.logs} 条记录",
        f"**全镇完成率**：{_pct(t.completion)}{_change_text(t.change)}",
        f"**群众诉求**：{_requests_text(t)}",
        _rates_text(t),
        "**支部排名**（按完成率）：",
    ]
    for i, b in enumerate(t.branches, 1):
        change = (
            ""
            if b.change is None
            else (f" ↑{b.change}" if b.change > 0 else f" ↓{-b.change}" if b.change < 0 else " →")
        )
        lines.append(
            f"{i}. {b.name}：完成率 {_pct(b.completion)}{change}，践诺 {b.logs} 条，"
            f"未记录两月以上 {len(b.silent)} 人"
        )
    lines.append(f"[查看全镇进度]({board_url(base_url, t.code)})")
    return "\n".join(lines)


def render_checkoff(c: checkoff.Checkoff, base_url: str) -> str:
    lines = [
        f"## {c.township} {c.period.label}承诺销号情况",
        f"> 全镇完成率 {_pct(c.completion)}，销号线 {c.threshold}%",
    ]
    if c.slow:
        lines.append(f"**未达销号线的党支部（{len(c.slow)} 个）**：")
        for r in c.slow:
            lines.append(f'- {r.branch}：完成率 <font color="warning">{_pct(r.completion)}</font>')
    else:
        lines.append("**所有党支部均达到销号线**")
    lines.append(f"[查看全镇进度]({board_url(base_url, c.code)})")
    return "\n".join(lines)


def render_party_day(b: BranchSummary, period: Period, pending: list[str], base_url: str) -> str:
    lines = [
        f"## {b.name} {period.label}主题党日提醒",
        "本月主题党日将至，请各位党员对照承诺准备践诺情况汇报。",
        f"本月已有践诺记录 {b.logs} 条。",
    ]
    if pending:
        lines.append(f"**本月尚未记录践诺**：{'、'.join(pending)}")
    lines.append(f"[查看进度榜]({board_url(base_url, b.code)})")
    return "\n".join(lines)


REMINDER_FIELDS = {"item": "thing1", "due": "time2", "hint": "thing3"}


def reminder_payload(
    due: audience.Due,
    template_id: str,
    base_url: str,
    fields: Mapping[str, str] = REMINDER_FIELDS,
) -> dict[str, object]:
    """The personal reminder as an official-account template message, under the field keys of
    the chosen template (``scheduler.reminder_fields``)."""
    return {
        "template_id": template_id,
        "url": f"{base_url.rstrip('/')}/",
        "data": {
            fields["item"]: {"value": due.title[:20]},
            fields["due"]: {"value": due.next_due.isoformat()},
            fields["hint"]: {"value": "请及时记录践诺，回复“我的承诺”查看"},
        },
    }


# -- queueing -------------------------------------------------------------------------------


def enqueue_texts(session: Session, prefix: str, texts: list[tuple[int, str]]) -> int:
    """Queue (robot id, markdown) pairs, split ≤ 4096 bytes, keys ``{prefix}:robot:<id>:part:<n>``."""
    return outbox.enqueue_many(
        session,
        [
            outbox.Outgoing(
                OutboundChannel.ROBOT.value,
                markdown_payload(part),
                f"{prefix}:robot:{robot_id}:part:{n}",
                robot_id=robot_id,
            )
            for robot_id, text in texts
            for n, part in enumerate(split_markdown(text, MARKDOWN_LIMIT), 1)
        ],
    )


def _texts_for_robots(
    session: Session,
    figures: Figures,
    base_url: str,
    title: str,
    extra: dict[int, str] | None = None,
) -> list[tuple[int, str]]:
    texts: list[tuple[int, str]] = []
    extra = extra or {}
    for robot in audience.robots(session):
        if robot.org_kind == OrgKind.BRANCH.value and robot.org_id in figures.branches:
            b = figures.branches[robot.org_id]
            text = render_branch(b, figures.period, base_url, title=title)
            texts.append((robot.id, practice_pushes.with_extra(text, extra.get(b.org_id, ""))))
        elif robot.org_kind == OrgKind.TOWNSHIP.value and robot.org_id in figures.townships:
            t = figures.townships[robot.org_id]
            text = render_township(t, figures.period, base_url, title=title)
            texts.append((robot.id, practice_pushes.with_extra(text, extra.get(t.org_id, ""))))
    return texts


def robot_texts(
    session: Session, figures: Figures, base_url: str, title: str = "践诺月报"
) -> list[tuple[int, str]]:
    """(robot id, markdown) exactly as the pushes send them (the console previews these)."""
    return _texts_for_robots(session, figures, base_url, title)


def _detail(texts: list[tuple[int, str]], n: int) -> str:
    return f"{len(texts)} 个群，{n} 条消息"


def monthly_summary(session: Session, period_code: str, base_url: str) -> str:
    """Queue the month's summary for every branch and township robot; returns a detail line."""
    figures = summaries.compute(session, summaries.month(period_code))
    extra = practice_pushes.monthly_extra(session, figures.period, list(figures.branches))
    texts = _texts_for_robots(session, figures, base_url, "践诺月报", extra)
    civic = civic_lines.MonthLines(session, figures.period)
    texts = [(r, t + civic.for_robot(r)) for r, t in texts]
    return _detail(texts, enqueue_texts(session, f"summary:{figures.period.code}", texts))


def quarterly_review(session: Session, period_code: str, base_url: str) -> str:
    """季度讲评: the quarter's figures to every branch and township robot."""
    figures = summaries.compute(session, summaries.quarter(period_code))
    texts = _texts_for_robots(session, figures, base_url, "季度讲评")
    return _detail(texts, enqueue_texts(session, f"quarterly:{figures.period.code}", texts))


def halfyear_checkoff(session: Session, period_code: str, base_url: str, threshold: int) -> str:
    """半年销号: each township robot gets the branches below the check-off line."""
    period = summaries.half_year(period_code)
    texts = []
    for robot in audience.robots(session):
        if robot.org_kind != OrgKind.TOWNSHIP.value:
            continue
        township = session.get_one(Organisation, robot.org_id)
        c = checkoff.half_year(session, township, period, threshold)
        texts.append((robot.id, render_checkoff(c, base_url)))
    return _detail(texts, enqueue_texts(session, f"checkoff:{period.code}", texts))


def party_day_reminder(session: Session, period_code: str, today: date, base_url: str) -> str:
    """主题党日 reminder to branch robots: who has logged nothing yet this month."""
    p = summaries.month(period_code)
    figures = summaries.compute(session, Period(p.code, p.start, min(p.end, today), p.label))
    pending = audience.not_logged_this_month(session, p, today)
    days = practice_pushes.party_day_notes(session, p.code, list(figures.branches))
    texts = [
        (
            robot.id,
            practice_pushes.with_extra(
                render_party_day(b, p, pending.get(robot.org_id, []), base_url),
                days.get(robot.org_id, ""),
            ),
        )
        for robot in audience.robots(session)
        if robot.org_kind == OrgKind.BRANCH.value
        and (b := figures.branches.get(robot.org_id)) is not None
    ]
    return _detail(texts, enqueue_texts(session, f"partyday:{p.code}", texts))


def daily_reminders(
    session: Session,
    today: date,
    days_ahead: int,
    template_id: str,
    base_url: str,
    fields: Mapping[str, str] = REMINDER_FIELDS,
) -> str:
    """Template messages to members whose period or deadline ends within ``days_ahead`` days
    and is not yet met. Members without a WeChat binding get nothing here: the branch's
    monthly summary names them instead (``unbound_lagging``)."""
    due = audience.reminders_due(session, today, days_ahead)
    reachable = [d for d in due if d.openid and template_id]
    queued = outbox.enqueue_many(
        session,
        [
            outbox.Outgoing(
                OutboundChannel.TEMPLATE.value,
                reminder_payload(d, template_id, base_url, fields),
                f"reminder:{d.commitment_id}:{d.next_due.isoformat()}",
                recipient=d.openid or "",
            )
            for d in reachable
        ],
    )
    unbound = len(due) - len(reachable)
    return f"到期提醒 {len(due)} 条：已排队 {queued} 条，未绑定微信或未配置模板 {unbound} 条"
