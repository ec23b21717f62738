"""督诺: monthly summaries per branch and per township, the quarterly review, the half-year
check-off, the theme-party-day reminder and daily personal reminders — all as outbox rows.

``compute`` builds every branch's and township's figures for a date range with a fixed
number of grouped queries, whatever the number of branches (a district has 1,300). The
completion rate is the mean ``progress.compute`` percentage of the published commitments
that had started by the end of the range, evaluated at that date; the change is against the
same figure at the end of the previous range.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from infra.clock import local_tz, now_utc
from models import (
    Account,
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    GroupRobot,
    Member,
    Organisation,
    OrgKind,
    OutboundChannel,
    OutboundMessage,
    OwnerKind,
    Request,
)
from services import progress
from services.errors import ValidationError

MARKDOWN_LIMIT = 4096
TOP_MEMBERS = 3
STATUS_ORDER = (
    "published",
    "pending_township",
    "pending_branch",
    "pending_group",
    "draft",
    "withdrawn",
)
STATUS_LABELS = {
    "published": "已公开",
    "pending_township": "待备案",
    "pending_branch": "待复审",
    "pending_group": "待初审",
    "draft": "草稿",
    "withdrawn": "已撤回",
}
COMMITTED_STATUSES = ("published", "pending_township", "pending_branch", "pending_group")
LAGGING_STATES = (progress.State.BEHIND, progress.State.OVERDUE)


# -- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting range in local dates: ``2026-10``, ``2026Q3`` or ``2026H1``."""

    code: str
    start: date
    end: date
    label: str

    @property
    def previous_end(self) -> date:
        return self.start - timedelta(days=1)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        lo = datetime.combine(self.start, time.min, local_tz()).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, local_tz()).astimezone(UTC)
        return lo, hi


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def month(code: str) -> Period:
    try:
        year, mon = (int(x) for x in code.split("-"))
        start = date(year, mon, 1)
    except ValueError:
        raise ValidationError("period", f"月份格式应为 2026-10，收到“{code}”") from None
    return Period(f"{year}-{mon:02d}", start, _month_end(year, mon), f"{year}年{mon}月")


def quarter(code: str) -> Period:
    try:
        year, q = code.upper().split("Q")
        y, n = int(year), int(q)
        assert 1 <= n <= 4
    except (ValueError, AssertionError):
        raise ValidationError("period", f"季度格式应为 2026Q3，收到“{code}”") from None
    return Period(f"{y}Q{n}", date(y, 3 * n - 2, 1), _month_end(y, 3 * n), f"{y}年第{n}季度")


def half_year(code: str) -> Period:
    try:
        year, h = code.upper().split("H")
        y, n = int(year), int(h)
        assert n in (1, 2)
    except (ValueError, AssertionError):
        raise ValidationError("period", f"半年格式应为 2026H1，收到“{code}”") from None
    start = date(y, 1 if n == 1 else 7, 1)
    label = f"{y}年{'上' if n == 1 else '下'}半年"
    return Period(f"{y}H{n}", start, _month_end(y, 6 if n == 1 else 12), label)


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def previous_quarter(today: date) -> str:
    q = (today.month - 1) // 3  # 0..3, the current quarter index
    return f"{today.year - 1}Q4" if q == 0 else f"{today.year}Q{q}"


def previous_half(today: date) -> str:
    return f"{today.year - 1}H2" if today.month <= 6 else f"{today.year}H1"


# -- figures ------------------------------------------------------------------------------


@dataclass
class BranchSummary:
    org_id: int
    name: str
    code: str
    township_id: int | None
    members: int = 0
    members_committed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    logs: int = 0
    log_quantity: int = 0
    percent_sum: int = 0
    percent_n: int = 0
    previous_sum: int = 0
    previous_n: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    unbound_lagging: list[str] = field(default_factory=list)
    requests_received: int = 0
    requests_answered: int = 0
    requests_resolved: int = 0
    answer_hours: list[float] = field(default_factory=list)

    @property
    def completion(self) -> int | None:
        return round(self.percent_sum / self.percent_n) if self.percent_n else None

    @property
    def previous_completion(self) -> int | None:
        return round(self.previous_sum / self.previous_n) if self.previous_n else None

    @property
    def change(self) -> int | None:
        now, before = self.completion, self.previous_completion
        return None if now is None or before is None else now - before

    @property
    def avg_answer_hours(self) -> float | None:
        return sum(self.answer_hours) / len(self.answer_hours) if self.answer_hours else None


@dataclass
class TownshipSummary(BranchSummary):
    branches: list[BranchSummary] = field(default_factory=list)  # ranked


@dataclass
class Figures:
    period: Period
    branches: dict[int, BranchSummary]
    townships: dict[int, TownshipSummary]


def _published_daily_sums(
    session: Session, *conditions: ColumnElement[bool]
) -> dict[int, list[tuple[date, int]]]:
    """Logged quantity per (published commitment, day), in one grouped query."""
    sums: dict[int, list[tuple[date, int]]] = defaultdict(list)
    parse_day = progress.DayParser()
    for cid, day, qty in session.execute(
        select(
            FulfilmentLog.commitment_id, progress.raw_day_column(), func.sum(FulfilmentLog.quantity)
        )
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(Commitment.status == CommitmentStatus.PUBLISHED.value, *conditions)
        .group_by(FulfilmentLog.commitment_id, FulfilmentLog.happened_on)
    ):
        sums[cid].append((parse_day(day), int(qty)))
    return sums


def compute(session: Session, period: Period, org_ids: Iterable[int] | None = None) -> Figures:
    """Every branch's and township's figures for ``period`` in a fixed number of queries."""
    lo, hi = period.utc_bounds()
    end = period.end
    prev_end = period.previous_end
    silent_since = (end.replace(day=1) - timedelta(days=1)).replace(day=1)  # two months back

    orgs = session.execute(
        select(
            Organisation.id,
            Organisation.kind,
            Organisation.name,
            Organisation.code,
            Organisation.parent_id,
        )
        .where(Organisation.kind.in_((OrgKind.BRANCH.value, OrgKind.TOWNSHIP.value)))
        .order_by(Organisation.sort_order, Organisation.id)
    ).all()
    wanted = set(org_ids) if org_ids is not None else None
    branches: dict[int, BranchSummary] = {}
    townships: dict[int, TownshipSummary] = {}
    for oid, kind, name, code, _parent in orgs:
        if kind == OrgKind.TOWNSHIP.value:
            townships[oid] = TownshipSummary(oid, name, code, oid)
    for oid, kind, name, code, parent in orgs:
        if kind == OrgKind.BRANCH.value and (wanted is None or oid in wanted or parent in wanted):
            branches[oid] = BranchSummary(oid, name, code, parent if parent in townships else None)

    # members and their bindings
    members = session.execute(
        select(Member.id, Member.name, Member.org_id, Member.exempt).where(Member.active.is_(True))
    ).all()
    member_org = {m.id: m.org_id for m in members}
    member_name = {m.id: m.name for m in members}
    exempt = {m.id for m in members if m.exempt}
    for m in members:
        if m.org_id in branches:
            branches[m.org_id].members += 1
    bound = set(
        session.scalars(
            select(Account.member_id).where(
                Account.member_id.is_not(None),
                or_(Account.oa_openid.is_not(None), Account.mp_openid.is_not(None)),
            )
        )
    )

    # commitments by status, and who committed
    for org_id, status, n in session.execute(
        select(Commitment.org_id, Commitment.status, func.count(Commitment.id)).group_by(
            Commitment.org_id, Commitment.status
        )
    ):
        if org_id in branches:
            branches[org_id].by_status[status] = int(n)
    for org_id, n in session.execute(
        select(Commitment.org_id, func.count(func.distinct(Commitment.member_id)))
        .where(
            Commitment.owner_kind == OwnerKind.MEMBER.value,
            Commitment.status.in_(COMMITTED_STATUSES),
        )
        .group_by(Commitment.org_id)
    ):
        if org_id in branches:
            branches[org_id].members_committed = int(n)

    # logs in the period, per branch and per member
    in_period = and_(FulfilmentLog.happened_on >= period.start, FulfilmentLog.happened_on <= end)
    for org_id, n, qty in session.execute(
        select(Commitment.org_id, func.count(FulfilmentLog.id), func.sum(FulfilmentLog.quantity))
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(in_period)
        .group_by(Commitment.org_id)
    ):
        if org_id in branches:
            branches[org_id].logs = int(n)
            branches[org_id].log_quantity = int(qty or 0)
    per_member: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for member_id, n in session.execute(
        select(FulfilmentLog.member_id, func.count(FulfilmentLog.id))
        .where(in_period, FulfilmentLog.member_id.is_not(None))
        .group_by(FulfilmentLog.member_id)
    ):
        org_id = member_org.get(member_id)
        if org_id in branches:
            per_member[org_id].append((int(n), member_name[member_id]))
    for org_id, rows in per_member.items():
        rows.sort(key=lambda r: (-r[0], r[1]))
        branches[org_id].top = [(name, n) for n, name in rows[:TOP_MEMBERS]]

    # progress of every published commitment at the end of this period and of the last one
    published = session.execute(
        select(
            Commitment.id,
            Commitment.org_id,
            Commitment.member_id,
            Commitment.owner_kind,
            Commitment.target_kind,
            Commitment.target_quantity,
            Commitment.start_date,
            Commitment.end_date,
            Commitment.frequency,
        ).where(Commitment.status == CommitmentStatus.PUBLISHED.value, Commitment.start_date <= end)
    ).all()
    sums = _published_daily_sums(session, FulfilmentLog.happened_on <= end)
    committed_members: dict[int, date] = {}  # member → earliest start of a published commitment
    lagging: set[int] = set()
    for c in published:
        if c.org_id not in branches:
            continue
        b = branches[c.org_id]
        target = progress.Target(
            c.target_kind, c.target_quantity, c.start_date, c.end_date, c.frequency
        )
        now_p = progress.compute(target, sums.get(c.id, []), end)
        b.percent_sum += now_p.percent
        b.percent_n += 1
        if c.start_date <= prev_end:
            b.previous_sum += progress.compute(target, sums.get(c.id, []), prev_end).percent
            b.previous_n += 1
        if c.owner_kind == OwnerKind.MEMBER.value and c.member_id is not None:
            first = committed_members.get(c.member_id)
            committed_members[c.member_id] = min(first, c.start_date) if first else c.start_date
            if now_p.state in LAGGING_STATES:
                lagging.add(c.member_id)

    # members with nothing logged for two months or more
    last_log: dict[Any, Any] = dict(
        session.execute(  # type: ignore[arg-type]
            select(FulfilmentLog.member_id, func.max(FulfilmentLog.happened_on))
            .where(FulfilmentLog.member_id.is_not(None), FulfilmentLog.happened_on <= end)
            .group_by(FulfilmentLog.member_id)
        ).all()
    )
    for member_id, first_start in sorted(committed_members.items()):
        org_id = member_org.get(member_id)
        if org_id not in branches or member_id in exempt or first_start > silent_since:
            continue
        last = last_log.get(member_id)
        if last is None or last < silent_since:
            branches[org_id].silent.append(member_name[member_id])
        if member_id in lagging and member_id not in bound:
            branches[org_id].unbound_lagging.append(member_name[member_id])

    # requests received / answered / resolved in the period
    req_rows = session.execute(
        select(
            Request.org_id, Request.created_at, Request.first_answered_at, Request.resolved_at
        ).where(
            or_(
                and_(Request.created_at >= lo, Request.created_at < hi),
                and_(Request.first_answered_at >= lo, Request.first_answered_at < hi),
                and_(Request.resolved_at >= lo, Request.resolved_at < hi),
            )
        )
    ).all()
    for org_id, created, answered, resolved in req_rows:
        target_b: BranchSummary | None = branches.get(org_id) or townships.get(org_id)
        if target_b is None:
            continue
        if lo <= created < hi:
            target_b.requests_received += 1
        if answered is not None and lo <= answered < hi:
            target_b.requests_answered += 1
            target_b.answer_hours.append((answered - created).total_seconds() / 3600)
        if resolved is not None and lo <= resolved < hi:
            target_b.requests_resolved += 1

    _roll_up(branches, townships)
    return Figures(period, branches, townships)


def _roll_up(branches: dict[int, BranchSummary], townships: dict[int, TownshipSummary]) -> None:
    for b in branches.values():
        t = townships.get(b.township_id) if b.township_id else None
        if t is None:
            continue
        t.branches.append(b)
        t.members += b.members
        t.members_committed += b.members_committed
        for status, n in b.by_status.items():
            t.by_status[status] = t.by_status.get(status, 0) + n
        t.logs += b.logs
        t.log_quantity += b.log_quantity
        t.percent_sum += b.percent_sum
        t.percent_n += b.percent_n
        t.previous_sum += b.previous_sum
        t.previous_n += b.previous_n
        t.requests_received += b.requests_received
        t.requests_answered += b.requests_answered
        t.requests_resolved += b.requests_resolved
        t.answer_hours += b.answer_hours
    for t in townships.values():
        t.branches.sort(
            key=lambda b: (-(b.completion if b.completion is not None else -1), -b.logs, b.name)
        )


# -- rendering (WeCom markdown) -------------------------------------------------------------


def _change_text(change: int | None) -> str:
    if change is None:
        return ""
    if change > 0:
        return f'（较上期 <font color="info">↑{change}</font> 个百分点）'
    if change < 0:
        return f'（较上期 <font color="warning">↓{-change}</font> 个百分点）'
    return "（与上期持平）"


def _status_text(by_status: dict[str, int]) -> str:
    parts = [f"{STATUS_LABELS[s]} {by_status[s]} 条" for s in STATUS_ORDER if by_status.get(s)]
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


def board_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/o/{code}/board"


def render_branch(
    s: BranchSummary, period: Period, base_url: str, *, names: bool = True, title: str = "践诺月报"
) -> str:
    completion = "暂无" if s.completion is None else f"{s.completion}%"
    lines = [
        f"## {s.name} {period.label}{title}",
        f"> 党员 {s.members} 人，作出承诺 {s.members_committed} 人",
        f"**承诺情况**：{_status_text(s.by_status)}",
        f"**本期践诺**：{s.logs} 条记录",
        f"**完成率**：{completion}{_change_text(s.change)}",
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
    lines.append(f"[查看进度榜]({board_url(base_url, s.code)})")
    return "\n".join(lines)


def render_township(
    t: TownshipSummary, period: Period, base_url: str, title: str = "践诺月报"
) -> str:
    completion = "暂无" if t.completion is None else f"{t.completion}%"
    lines = [
        f"## {t.name} {period.label}{title}",
        f"> {len(t.branches)} 个党支部，党员 {t.members} 人，作出承诺 {t.members_committed} 人",
        f"**承诺情况**：{_status_text(t.by_status)}",
        f"**本期践诺**：{t.logs} 条记录",
        f"**全镇完成率**：{completion}{_change_text(t.change)}",
        f"**群众诉求**：{_requests_text(t)}",
        "**支部排名**（按完成率）：",
    ]
    for i, b in enumerate(t.branches, 1):
        pct = "暂无" if b.completion is None else f"{b.completion}%"
        change = (
            ""
            if b.change is None
            else (f" ↑{b.change}" if b.change > 0 else f" ↓{-b.change}" if b.change < 0 else " →")
        )
        lines.append(
            f"{i}. {b.name}：完成率 {pct}{change}，践诺 {b.logs} 条，"
            f"未记录两月以上 {len(b.silent)} 人"
        )
    lines.append(f"[查看全镇进度]({base_url.rstrip('/')}/o/{t.code}/board)")
    return "\n".join(lines)


def render_checkoff(t: TownshipSummary, period: Period, base_url: str, threshold: int) -> str:
    slow = [b for b in t.branches if (b.completion or 0) < threshold]
    lines = [
        f"## {t.name} {period.label}承诺销号情况",
        f"> 全镇完成率 {'暂无' if t.completion is None else f'{t.completion}%'}，"
        f"销号线 {threshold}%",
    ]
    if slow:
        lines.append(f"**未达销号线的党支部（{len(slow)} 个）**：")
        for b in slow:
            pct = "暂无" if b.completion is None else f"{b.completion}%"
            lines.append(f'- {b.name}：完成率 <font color="warning">{pct}</font>')
    else:
        lines.append("**所有党支部均达到销号线**")
    lines.append(f"[查看全镇进度]({base_url.rstrip('/')}/o/{t.code}/board)")
    return "\n".join(lines)


# -- enqueueing ---------------------------------------------------------------------------


def _robots(session: Session) -> list[tuple[int, int, str]]:
    """(robot id, org id, org kind) of every enabled robot, in one query."""
    return [
        (int(r[0]), int(r[1]), str(r[2]))
        for r in session.execute(
            select(GroupRobot.id, GroupRobot.org_id, Organisation.kind)
            .join(Organisation, Organisation.id == GroupRobot.org_id)
            .where(GroupRobot.enabled.is_(True))
            .order_by(GroupRobot.id)
        )
    ]


def enqueue_texts(session: Session, prefix: str, texts: Sequence[tuple[int, str]]) -> int:
    """Queue (robot id, markdown) pairs, split ≤ 4096 bytes, keys ``{prefix}:robot:<id>:part:<n>``.

    Existing keys under ``prefix`` are skipped (one query), new rows are inserted in bulk.
    """
    from wechat.robot import markdown_payload, split_markdown

    existing = set(
        session.scalars(
            select(OutboundMessage.idempotency_key).where(
                OutboundMessage.idempotency_key.like(f"{prefix}:robot:%")
            )
        )
    )
    now = now_utc()
    rows: list[dict[str, Any]] = []
    for robot_id, text in texts:
        for n, part in enumerate(split_markdown(text, MARKDOWN_LIMIT), 1):
            key = f"{prefix}:robot:{robot_id}:part:{n}"
            if key in existing:
                continue
            rows.append(
                {
                    "channel": OutboundChannel.ROBOT.value,
                    "robot_id": robot_id,
                    "recipient": "",
                    "payload": json.dumps(markdown_payload(part), ensure_ascii=False),
                    "idempotency_key": key,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "outcome_unknown": False,
                    "last_error": "",
                    "created_at": now,
                }
            )
    if rows:  # one executemany, however many groups
        session.execute(insert(OutboundMessage), rows)
    return len(rows)


def _texts_for_robots(
    session: Session, figures: Figures, base_url: str, title: str
) -> list[tuple[int, str]]:
    texts: list[tuple[int, str]] = []
    for robot_id, org_id, kind in _robots(session):
        if kind == OrgKind.BRANCH.value and org_id in figures.branches:
            texts.append(
                (
                    robot_id,
                    render_branch(figures.branches[org_id], figures.period, base_url, title=title),
                )
            )
        elif kind == OrgKind.TOWNSHIP.value and org_id in figures.townships:
            texts.append(
                (
                    robot_id,
                    render_township(
                        figures.townships[org_id], figures.period, base_url, title=title
                    ),
                )
            )
    return texts


def monthly_summary(session: Session, period_code: str, base_url: str) -> str:
    """Queue the month's summary for every branch and township robot; returns a detail line."""
    figures = compute(session, month(period_code))
    texts = _texts_for_robots(session, figures, base_url, "践诺月报")
    n = enqueue_texts(session, f"summary:{figures.period.code}", texts)
    return f"{len(texts)} 个群，{n} 条消息"


def quarterly_review(session: Session, period_code: str, base_url: str) -> str:
    """季度讲评: the quarter's figures to every branch and township robot."""
    figures = compute(session, quarter(period_code))
    texts = _texts_for_robots(session, figures, base_url, "季度讲评")
    n = enqueue_texts(session, f"quarterly:{figures.period.code}", texts)
    return f"{len(texts)} 个群，{n} 条消息"


def halfyear_checkoff(session: Session, period_code: str, base_url: str, threshold: int) -> str:
    """半年销号: each township robot gets the branches below ``threshold`` % completion."""
    figures = compute(session, half_year(period_code))
    texts = [
        (robot_id, render_checkoff(figures.townships[org_id], figures.period, base_url, threshold))
        for robot_id, org_id, kind in _robots(session)
        if kind == OrgKind.TOWNSHIP.value and org_id in figures.townships
    ]
    n = enqueue_texts(session, f"checkoff:{figures.period.code}", texts)
    return f"{len(texts)} 个群，{n} 条消息"


def party_day_reminder(session: Session, period_code: str, today: date, base_url: str) -> str:
    """主题党日 reminder to branch robots: who has logged nothing yet this month."""
    p = month(period_code)
    to_date = Period(p.code, p.start, min(p.end, today), p.label)
    figures = compute(session, to_date)
    logged = {
        int(m or 0)
        for m in session.scalars(
            select(FulfilmentLog.member_id)
            .where(
                FulfilmentLog.happened_on >= p.start,
                FulfilmentLog.happened_on <= to_date.end,
                FulfilmentLog.member_id.is_not(None),
            )
            .distinct()
        )
    }
    pending: dict[int, list[str]] = defaultdict(list)
    for mid, name, org_id in session.execute(
        select(Member.id, Member.name, Member.org_id)
        .where(
            Member.active.is_(True),
            Member.exempt.is_(False),
            Member.id.in_(
                select(Commitment.member_id).where(
                    Commitment.status == CommitmentStatus.PUBLISHED.value
                )
            ),
        )
        .order_by(Member.id)
    ):
        if mid not in logged:
            pending[org_id].append(name)
    texts = []
    for robot_id, org_id, kind in _robots(session):
        b = figures.branches.get(org_id)
        if kind != OrgKind.BRANCH.value or b is None:
            continue
        lines = [
            f"## {b.name} {p.label}主题党日提醒",
            "本月主题党日将至，请各位党员对照承诺准备践诺情况汇报。",
            f"本月已有践诺记录 {b.logs} 条。",
        ]
        if pending[org_id]:
            lines.append(f"**本月尚未记录践诺**：{'、'.join(pending[org_id])}")
        lines.append(f"[查看进度榜]({board_url(base_url, b.code)})")
        texts.append((robot_id, "\n".join(lines)))
    n = enqueue_texts(session, f"partyday:{p.code}", texts)
    return f"{len(texts)} 个群，{n} 条消息"


def daily_reminders(
    session: Session, today: date, days_ahead: int, template_id: str, base_url: str
) -> str:
    """Template messages to members whose period or deadline ends within ``days_ahead`` days
    and is not yet met. Members without a WeChat binding get nothing here: the branch's
    monthly summary names them instead (``unbound_lagging``)."""
    rows = session.execute(
        select(
            Commitment.id,
            Commitment.title,
            Commitment.member_id,
            Commitment.target_kind,
            Commitment.target_quantity,
            Commitment.start_date,
            Commitment.end_date,
            Commitment.frequency,
        ).where(
            Commitment.status == CommitmentStatus.PUBLISHED.value,
            Commitment.owner_kind == OwnerKind.MEMBER.value,
            Commitment.start_date <= today,
            Commitment.end_date >= today,
        )
    ).all()
    sums = _published_daily_sums(
        session, Commitment.end_date >= today, FulfilmentLog.happened_on <= today
    )
    openids: dict[Any, Any] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Account.member_id, Account.oa_openid).where(
                Account.member_id.is_not(None), Account.oa_openid.is_not(None)
            )
        ).all()
    )
    due: list[tuple[Any, date]] = []
    for c in rows:
        target = progress.Target(
            c.target_kind, c.target_quantity, c.start_date, c.end_date, c.frequency
        )
        p = progress.compute(target, sums.get(c.id, []), today)
        if p.state in (progress.State.COMPLETED, progress.State.COMPLETED_LATE):
            continue
        if p.next_due is None or not today <= p.next_due <= today + timedelta(days=days_ahead):
            continue
        if c.target_kind == "periodic" and c.frequency:
            start = progress.period_start(today, c.frequency)
            if sum(q for d, q in sums.get(c.id, []) if d >= start) >= c.target_quantity:
                continue
        due.append((c, p.next_due))
    queued = unbound = 0
    existing = set(
        session.scalars(
            select(OutboundMessage.idempotency_key).where(
                OutboundMessage.idempotency_key.like("reminder:%"),
                OutboundMessage.created_at >= now_utc() - timedelta(days=400),
            )
        )
    )
    now = now_utc()
    for c, next_due in due:
        openid = openids.get(c.member_id)
        if not openid or not template_id:
            unbound += 1
            continue
        key = f"reminder:{c.id}:{next_due.isoformat()}"
        if key in existing:
            continue
        session.add(
            OutboundMessage(
                channel=OutboundChannel.TEMPLATE.value,
                recipient=openid,
                payload=json.dumps(
                    {
                        "template_id": template_id,
                        "url": f"{base_url.rstrip('/')}/",
                        "data": {
                            "thing1": {"value": c.title[:20]},
                            "time2": {"value": next_due.isoformat()},
                            "thing3": {"value": "请及时记录践诺，回复“我的承诺”查看"},
                        },
                    },
                    ensure_ascii=False,
                ),
                idempotency_key=key,
                next_attempt_at=now,
                created_at=now,
            )
        )
        queued += 1
    session.flush()
    return f"到期提醒 {len(due)} 条：已排队 {queued} 条，未绑定微信或未配置模板 {unbound} 条"
