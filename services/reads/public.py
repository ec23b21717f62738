"""What public pages show: the commitment wall, the progress board, the member card and the
township overview, built as plain values so templates only display them.

Progress always comes from ``services.progress``; residents are masked (``services.privacy``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from infra.clock import local_text
from models import (
    Commitment,
    CommitmentStatus,
    ContentStatus,
    FulfilmentLog,
    Member,
    Organisation,
    OrgKind,
    OwnerKind,
    Request,
    TimelineEntry,
)
from services import evaluation, privacy, progress, requests, timeline
from services.commitments import quantify
from services.errors import NotFound
from services.progress import Progress, State

BAR_CLASS = {
    State.NOT_STARTED: "on_track",
    State.ON_TRACK: "on_track",
    State.BEHIND: "behind",
    State.OVERDUE: "overdue",
    State.COMPLETED: "completed",
    State.COMPLETED_LATE: "completed",
}
DONE_STATES = (State.COMPLETED, State.COMPLETED_LATE)


def org_by_code(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound("找不到这个党组织，请核对二维码或链接")
    return org


def member_by_code(session: Session, public_code: str) -> Member:
    m = session.scalar(
        select(Member).where(Member.public_code == public_code, Member.active.is_(True))
    )
    if m is None:
        raise NotFound("找不到这位党员，请重新扫码")
    return m


def branch_of(session: Session, org: Organisation) -> Organisation:
    """A party group's page shows its branch."""
    if org.kind == OrgKind.GROUP.value and org.parent_id:
        return session.get_one(Organisation, org.parent_id)
    return org


@dataclass(frozen=True)
class Item:
    """One published commitment with its progress, ready for display."""

    id: int
    title: str
    description: str
    target: str
    beneficiary: str
    category: str
    progress: Progress
    bar: str
    done: bool

    @property
    def next_due(self) -> str:
        return self.progress.next_due.isoformat() if self.progress.next_due else ""


def _item(c: Commitment, p: Progress) -> Item:
    return Item(
        id=c.id,
        title=privacy.scrub(c.title),
        description=privacy.scrub(c.description),
        target=quantify.describe_target(
            c.target_kind, c.target_quantity, c.unit, c.frequency, c.end_date
        ),
        beneficiary=privacy.scrub(c.beneficiary),
        category=c.category,
        progress=p,
        bar=BAR_CLASS[p.state],
        done=p.state in DONE_STATES,
    )


def _published(session: Session, branch: Organisation) -> list[Commitment]:
    return list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.org_id == branch.id,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
            )
            .order_by(Commitment.owner_kind, Commitment.id)
        )
    )


def _members(session: Session, branch: Organisation) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.org_id == branch.id, Member.active.is_(True))
            .order_by(Member.group_id, Member.name, Member.id)
        )
    )


@dataclass
class Row:
    """A row of the wall or the board: the branch itself or one member."""

    key: str
    name: str
    subtitle: str
    public_code: str | None
    photo_key: str | None
    group: str
    items: list[Item] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return sum(i.progress.percent for i in self.items) // len(self.items) if self.items else 0

    @property
    def bar(self) -> str:
        """The worst state among the row's commitments decides the colour of its bar."""
        if not self.items:
            return "none"
        bars = {i.bar for i in self.items}
        for b in ("overdue", "behind", "on_track"):
            if b in bars:
                return b
        return "completed"

    @property
    def flags(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def next_due(self) -> str:
        dues = sorted(i.next_due for i in self.items if i.next_due and not i.done)
        return dues[0] if dues else ""


@dataclass
class BranchView:
    org: Organisation
    branch_row: Row
    member_rows: list[Row]
    query: str = ""

    @property
    def groups(self) -> list[tuple[str, list[Row]]]:
        out: dict[str, list[Row]] = defaultdict(list)
        for r in self.member_rows:
            out[r.group].append(r)
        return list(out.items())

    @property
    def commitment_count(self) -> int:
        return len(self.branch_row.items) + sum(len(r.items) for r in self.member_rows)


def branch_view(
    session: Session, org: Organisation, on: date, query: str = "", with_empty: bool = True
) -> BranchView:
    """Everything the wall and the board show for one branch, branch pledges first."""
    branch = branch_of(session, org)
    commitments = _published(session, branch)
    prog = progress.progress_of(session, commitments, on)
    groups = {
        o.id: o.name
        for o in session.scalars(select(Organisation).where(Organisation.parent_id == branch.id))
    }
    branch_row = Row("branch", branch.name, "支部承诺", None, None, "")
    rows: dict[int, Row] = {}
    for m in _members(session, branch):
        sub = " · ".join(x for x in (m.duties, m.speciality) if x)
        rows[m.id] = Row(
            f"m{m.id}",
            m.name,
            sub,
            m.public_code,
            m.photo_key,
            groups.get(m.group_id or 0, "支部党员"),
        )
    q = quantify.normalise(query).lower()
    for c in commitments:
        item = _item(c, prog[c.id])
        if c.owner_kind == OwnerKind.BRANCH.value:
            target = branch_row
        else:
            target = rows.get(c.member_id or 0)  # type: ignore[assignment]
            if target is None:
                continue
        if q and q not in (item.title + item.description + item.category + target.name).lower():
            continue
        target.items.append(item)
    member_rows = [r for r in rows.values() if (r.items or (with_empty and not q))]
    return BranchView(branch, branch_row, member_rows, query)


# -- member card ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogView:
    day: str
    title: str
    quantity: int
    unit: str
    note: str
    verified: bool
    photo_keys: tuple[str, ...]


@dataclass
class MemberCard:
    member: Member
    branch: Organisation
    phone: str
    contact: str
    items: list[Item]
    logs: list[LogView]
    satisfaction: evaluation.Satisfaction
    points: int


def member_card(session: Session, member: Member, on: date, n_logs: int) -> MemberCard:
    from services.evaluation import points as points_service

    branch = session.get_one(Organisation, member.org_id)
    commitments = list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.member_id == member.id,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
            )
            .order_by(Commitment.id)
        )
    )
    prog = progress.progress_of(session, commitments, on)
    logs = session.scalars(
        select(FulfilmentLog)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(
            FulfilmentLog.member_id == member.id,
            Commitment.status == CommitmentStatus.PUBLISHED.value,
            FulfilmentLog.content_status.in_(ContentStatus.public()),
        )
        .options(selectinload(FulfilmentLog.photos), selectinload(FulfilmentLog.commitment))
        .order_by(FulfilmentLog.happened_on.desc(), FulfilmentLog.id.desc())
        .limit(n_logs)
    )
    log_views = [
        LogView(
            day=entry.happened_on.isoformat(),
            title=privacy.scrub(entry.commitment.title),
            quantity=entry.quantity,
            unit=entry.commitment.unit,
            note=privacy.scrub(entry.note),
            verified=entry.verified_at is not None,
            photo_keys=tuple(
                p.storage_key for p in entry.photos if p.storage_key and p.status == "ready"
            ),
        )
        for entry in logs
    ]
    return MemberCard(
        member=member,
        branch=branch,
        phone=member.phone if member.card_show_phone else "",
        contact=member.card_contact,
        items=[_item(c, prog[c.id]) for c in commitments],
        logs=log_views,
        satisfaction=evaluation.satisfaction_of_member(session, member),
        points=points_service.index_of(session, member.id),
    )


# -- request page for the submitter ------------------------------------------------------------


@dataclass(frozen=True)
class TimelineView:
    when: str
    who: str
    action: str
    note: str


@dataclass
class RequestView:
    number: str
    kind: str
    text: str
    location: str
    status: str
    status_code: str
    answerer: str
    resolution: str
    rating: str
    submitted: str
    timeline: list[TimelineView]


def request_view(session: Session, req: Request) -> RequestView:
    """The submitter's view: residents in the timeline are masked, other requests never appear."""
    entries: Sequence[TimelineEntry] = timeline.entries_for(session, req)
    tl = []
    for e in entries:
        if e.actor_member_id is not None or e.actor_label in ("系统", ""):
            who = e.actor_label or "系统"
        else:
            who = privacy.mask_name(e.actor_label)
        tl.append(
            TimelineView(
                local_text(e.created_at),
                who,
                timeline.ACTION_LABELS.get(e.action, e.action),
                privacy.scrub(e.note),
            )
        )
    return RequestView(
        number=req.number,
        kind=requests.KIND_LABELS.get(req.kind, req.kind),
        text=privacy.scrub(req.text),
        location=privacy.scrub(req.location),
        status=requests.STATUS_LABELS.get(req.status, req.status),
        status_code=req.status,
        answerer=requests.answerer_label(session, req),
        resolution=requests.RESOLUTION_LABELS.get(req.resolution or "", ""),
        rating=requests.RATING_LABELS.get(req.rating or "", ""),
        submitted=local_text(req.created_at),
        timeline=tl,
    )


# -- township overview ---------------------------------------------------------------------------


@dataclass
class BranchStat:
    org: Organisation
    members: int
    commitments: int
    completed: int
    completion: int  # mean progress percent of published commitments
    month_logs: int
    satisfaction: evaluation.Satisfaction
    rank: int = 0
    flag: str = ""  # red | yellow | ""

    @property
    def satisfaction_percent(self) -> int | None:
        return self.satisfaction.percent


def township_of(session: Session, code: str | None = None) -> Organisation | None:
    """The township named by ``code``, else the first one (a deployment usually has one)."""
    query = select(Organisation).where(Organisation.kind == OrgKind.TOWNSHIP.value)
    if code:
        query = query.where(Organisation.code == code)
    return session.scalar(query.order_by(Organisation.id))


def branch_stats(
    session: Session, township: Organisation, on: date, *, red_count: int, yellow_below: int
) -> list[BranchStat]:
    """Branches under ``township`` ranked by completion, then satisfaction; the top
    ``red_count`` with any commitment get a red flag, those below ``yellow_below`` percent a
    yellow one (flags for the month of ``on``)."""
    branches = list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value,
                Organisation.path.startswith(township.path),
            )
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    ids = [b.id for b in branches]
    members: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Member.org_id, func.count(Member.id))
            .where(Member.org_id.in_(ids), Member.active.is_(True))
            .group_by(Member.org_id)
        ).all()
    )
    commitments = list(
        session.scalars(
            select(Commitment).where(
                Commitment.org_id.in_(ids), Commitment.status == CommitmentStatus.PUBLISHED.value
            )
        )
    )
    prog = progress.progress_of(session, commitments, on)
    by_branch: dict[int, list[Progress]] = defaultdict(list)
    for c in commitments:
        by_branch[c.org_id].append(prog[c.id])
    month_start = on.replace(day=1)
    month_logs: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Commitment.org_id, func.count(FulfilmentLog.id))
            .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
            .where(
                Commitment.org_id.in_(ids),
                FulfilmentLog.happened_on >= month_start,
                FulfilmentLog.happened_on <= on,
            )
            .group_by(Commitment.org_id)
        ).all()
    )
    sat = evaluation.satisfaction_by_branch(session, township, on.year)
    stats = []
    for b in branches:
        ps = by_branch.get(b.id, [])
        stats.append(
            BranchStat(
                org=b,
                members=int(members.get(b.id, 0)),
                commitments=len(ps),
                completed=sum(1 for p in ps if p.state in DONE_STATES),
                completion=sum(p.percent for p in ps) // len(ps) if ps else 0,
                month_logs=int(month_logs.get(b.id, 0)),
                satisfaction=sat.get(b.id, evaluation.EMPTY),
            )
        )
    stats.sort(
        key=lambda s: (
            -s.completion,
            -(s.satisfaction.rate or 0),
            -s.month_logs,
            s.org.sort_order,
            s.org.id,
        )
    )
    for i, s in enumerate(stats, start=1):
        s.rank = i
        if s.commitments and i <= red_count:
            s.flag = "red"
        elif s.commitments == 0 or s.completion < yellow_below:
            s.flag = "yellow"
    return stats


def members_for_sheet(session: Session, org: Organisation) -> list[Member]:
    branch = branch_of(session, org)
    return _members(session, branch)
