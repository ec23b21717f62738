"""The commitment wall and the progress board of one branch: its own pledges and each active
member's public commitments with progress (``services.progress``), branch pledges first; an
exempt member's row says so (免于承诺, with the category of the reason). A village's wall also
shows, under 结对共建, the public pledges paired organ branches made to it (one row each)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from models import Commitment, Member, Organisation, OwnerKind
from services import visibility
from services.commitments import cycle, quantify
from services.progress import Progress

from . import year_records
from .items import BAR_CLASS, DONE_STATES, Item, exempt_category, item_of
from .lookup import branch_of


def public_commitments(
    session: Session, *conditions: ColumnElement[bool], year: int | None = None
) -> list[Commitment]:
    """Public commitments (``services.visibility``) matching ``conditions``: of the current
    cycle (``services.commitments.cycle``), or of one ``year`` (往年)."""
    when = cycle.current(session) if year is None else Commitment.cycle_year == year
    return list(
        session.scalars(
            select(Commitment)
            .where(*visibility.public_commitment(), when, *conditions)
            .order_by(Commitment.owner_kind, Commitment.id)
        )
    )


def _member_columns(group: Any) -> tuple[Any, ...]:
    return (
        Member.id,
        Member.name,
        Member.duties,
        Member.speciality,
        Member.public_code,
        Member.photo_key,
        group.name.label("group_name"),
        Member.exempt,
        Member.exempt_reason,
    )


# as ``lookup.active_members``
MEMBER_ORDER = (Member.group_id, Member.name, Member.id)


@cache
def members_query() -> Select[Any]:
    """The columns a row shows, not ``Member`` objects, with the name of the member's party
    group (a child of the branch) in the same statement."""
    group = aliased(Organisation)
    return (
        select(*_member_columns(group))
        .outerjoin(
            group, (group.id == Member.group_id) & (group.parent_id == bindparam("branch_id"))
        )
        .where(Member.org_id == bindparam("branch_id"), Member.active.is_(True))
        .order_by(*MEMBER_ORDER)
    )


def members_in_query(branch_ids: Sequence[int]) -> Select[Any]:
    """``members_query`` for several branches at once (the township's screen), each row
    starting with the member's branch; within a branch, the rows come in the wall's order."""
    group = aliased(Organisation)
    return (
        select(Member.org_id, *_member_columns(group))
        .outerjoin(group, (group.id == Member.group_id) & (group.parent_id == Member.org_id))
        .where(Member.org_id.in_(branch_ids), Member.active.is_(True))
        .order_by(*MEMBER_ORDER)
    )


def member_row(m: Any) -> Row:
    """A member's row (without commitments) from a row of ``members_query``."""
    sub = " · ".join(x for x in (m.duties, m.speciality) if x)
    return Row(
        f"m{m.id}",
        m.name,
        sub,
        m.public_code,
        m.photo_key,
        m.group_name or "支部党员",
        m.duties,
        exempt=m.exempt,
        exempt_reason=exempt_category(m.exempt_reason) if m.exempt else "",
    )


@cache
def paired_query() -> Select[Any]:
    return (
        select(Commitment.id).where(Commitment.partner_org_id == bindparam("village_id")).limit(1)
    )


# A row's figures from its commitments' progress: the wall, the board (``services.reads.board``)
# and the screen all show them, so they are computed here only.
STATE_ORDER = ("overdue", "behind", "on_track", "not_started", "completed_late", "completed")


def mean_percent(progresses: Sequence[Progress]) -> int:
    return sum(p.percent for p in progresses) // len(progresses) if progresses else 0


def worst_bar(progresses: Sequence[Progress]) -> str:
    if not progresses:
        return "none"
    bars = {BAR_CLASS[p.state] for p in progresses}
    return next((b for b in ("overdue", "behind", "on_track") if b in bars), "completed")


def worst_state(progresses: Sequence[Progress]) -> str | None:
    states = {str(p.state) for p in progresses}
    return next((s for s in STATE_ORDER if s in states), None)


def fulfilled(progresses: Sequence[Progress]) -> int:
    return sum(1 for p in progresses if p.state in DONE_STATES)


def next_due_of(progresses: Sequence[Progress]) -> date | None:
    dues = [p.next_due for p in progresses if p.next_due and p.state not in DONE_STATES]
    return min(dues) if dues else None


@dataclass
class Row:
    """A row of the wall or the board: the branch itself or one member."""

    key: str
    name: str
    subtitle: str
    public_code: str | None
    photo_key: str | None
    group: str
    duties: str = ""
    items: list[Item] = field(default_factory=list)
    exempt: bool = False  # 免于承诺
    exempt_reason: str = ""  # its category (``items.exempt_category``), empty if not exempt

    @property
    def percent(self) -> int:
        return mean_percent([i.progress for i in self.items])

    @property
    def bar(self) -> str:
        """The worst state among the row's commitments decides the colour of its bar."""
        return worst_bar([i.progress for i in self.items])

    @property
    def state(self) -> str | None:
        """The worst progress state among the row's commitments (``None`` without any)."""
        return worst_state([i.progress for i in self.items])

    @property
    def flags(self) -> int:
        """Fulfilled commitments (a small red flag each on the board)."""
        return fulfilled([i.progress for i in self.items])

    @property
    def next_due_on(self) -> date | None:
        """The nearest due date among the row's unfinished commitments."""
        return next_due_of([i.progress for i in self.items])

    @property
    def next_due(self) -> str:
        due = self.next_due_on
        return due.isoformat() if due else ""


@dataclass
class BranchView:
    org: Organisation
    branch_row: Row
    member_rows: list[Row]
    query: str = ""
    partner_rows: list[Row] = field(default_factory=list)  # 结对共建: one row per organ branch
    year: int | None = None  # a closed year shown under 往年; None: the current cycle
    past_years: list[int] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[str, list[Row]]]:
        out: dict[str, list[Row]] = defaultdict(list)
        for r in self.member_rows:
            out[r.group].append(r)
        return list(out.items())

    @property
    def commitment_count(self) -> int:
        rows = [*self.member_rows, *self.partner_rows]
        return len(self.branch_row.items) + sum(len(r.items) for r in rows)


def branch_view(
    session: Session,
    org: Organisation,
    on: date,
    query: str = "",
    with_empty: bool = True,
    year: int | None = None,
    with_past_years: bool = True,
) -> BranchView:
    """Everything the wall and the board show for one branch, branch pledges first: the
    current cycle, or one closed ``year`` as frozen at its close (往年). ``with_past_years``:
    also the closed years to link to (a channel that shows no such links skips the query).
    The board has its own lean read of the same figures (``services.reads.board``)."""
    branch = branch_of(session, org)
    commitments = public_commitments(session, Commitment.org_id == branch.id, year=year)
    prog = year_records.progress_of(session, commitments, on, year)
    branch_row = Row("branch", branch.name, "支部承诺", None, None, "")
    rows: dict[int, Row] = {}
    for m in session.execute(members_query(), {"branch_id": branch.id}):
        rows[m.id] = member_row(m)
    q = quantify.normalise(query).lower()
    for c in commitments:
        item = item_of(c, prog[c.id])
        if c.owner_kind == OwnerKind.BRANCH.value:
            target = branch_row
        else:
            target = rows.get(c.member_id or 0)  # type: ignore[assignment]
            if target is None:
                continue
        if q and q not in _haystack(item, target.name):
            continue
        target.items.append(item)
    member_rows = [r for r in rows.values() if (r.items or (with_empty and not q))]
    partners = partner_rows(session, branch, on, q, year)
    return BranchView(
        branch,
        branch_row,
        member_rows,
        query,
        partners,
        year,
        year_records.past_years(session) if with_past_years else [],
    )


def _haystack(item: Item, owner: str) -> str:
    """What a wall search looks in (only computed when there is a search)."""
    return quantify.normalise(item.title + item.description + item.category + owner).lower()


def partner_rows(
    session: Session, village: Organisation, on: date, q: str, year: int | None = None
) -> list[Row]:
    """结对共建: the public pledges of organ branches to ``village``, one row per organ."""
    # Most villages have none. Asked alone, the partner index answers at once; with the
    # visibility conditions, SQLite's planner (its statistics count the NULLs) prefers the
    # status index and reads every published commitment.
    paired = session.scalar(paired_query(), {"village_id": village.id})
    if paired is None:
        return []
    pledges = public_commitments(session, Commitment.partner_org_id == village.id, year=year)
    if not pledges:
        return []
    prog = year_records.progress_of(session, pledges, on, year)
    organs = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({c.org_id for c in pledges}))
        )
    }
    rows: dict[int, Row] = {}
    for c in pledges:
        organ = organs[c.org_id]
        item = item_of(c, prog[c.id])
        if q and q not in _haystack(item, organ.name):
            continue
        row = rows.setdefault(organ.id, Row(f"p{organ.id}", organ.name, "结对共建", None, None, ""))
        row.items.append(item)
    return list(rows.values())
