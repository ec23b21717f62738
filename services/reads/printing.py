"""What the printed paper shows (issue 21): the 公开承诺书 of a member or of every member of a
branch, the branch's 双承诺 sheet, a member's 记实手册 for a year, the 连心卡 of each household and
the brick cards. Facts only, read through the same public pieces as the wall
(``wall.public_commitments``, ``items.item_of``) so that paper never shows what the wall would
not; the layouts live in ``templates/print/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import (
    Account,
    Commitment,
    CommitmentStatus,
    Evaluation,
    EvaluationKind,
    Household,
    Member,
    MemberHousehold,
    Organisation,
    OrgKind,
    OwnerKind,
    Review,
)
from services import evaluation, privacy, progress
from services.commitments.review import LEVEL_LABELS

from . import drafts, ledger, year_records
from .items import Item, item_of
from .lookup import active_members, branch_of
from .wall import public_commitments

PLEDGE_ITEMS_PER_PAGE = 4  # commitments on one page of a 公开承诺书
SHORT_TEXT = 24  # characters of a commitment on a brick card


@dataclass(frozen=True)
class ReviewStep:
    label: str  # 党小组初审 / 支部复审 / 街镇备案 / 公开
    day: date


@dataclass
class PledgeItem:
    item: Item
    start: date
    end: date
    reviews: list[ReviewStep]


@dataclass
class Pledge:
    """A member's 公开承诺书 (one sheet; a member with many commitments gets more)."""

    member: Member
    branch: Organisation
    items: list[PledgeItem]

    @property
    def pages(self) -> list[list[PledgeItem]]:
        n = PLEDGE_ITEMS_PER_PAGE
        return [self.items[i : i + n] for i in range(0, len(self.items), n)] or [[]]


def _review_chains(session: Session, commitments: list[Commitment]) -> dict[int, list[ReviewStep]]:
    """The approvals of each commitment's current revision, in order, then its publication."""
    out: dict[int, list[ReviewStep]] = {c.id: [] for c in commitments}
    by_id = {c.id: c for c in commitments}
    if not by_id:
        return out
    for r in session.scalars(
        select(Review)
        .where(Review.commitment_id.in_(by_id), Review.decision == "approved")
        .order_by(Review.created_at, Review.id)
    ):
        c = by_id[r.commitment_id]
        if r.revision == c.revision:
            out[c.id].append(
                ReviewStep(LEVEL_LABELS.get(r.level, r.level), local_date(r.created_at))
            )
    for c in commitments:
        if c.published_at is not None:
            out[c.id].append(ReviewStep("公开", local_date(c.published_at)))
    return out


def _pledge_items(session: Session, commitments: list[Commitment], on: date) -> list[PledgeItem]:
    prog = progress.progress_of(session, commitments, on)
    chains = _review_chains(session, commitments)
    return [
        PledgeItem(item_of(c, prog[c.id]), c.start_date, c.end_date, chains[c.id])
        for c in commitments
    ]


def member_pledge(session: Session, member: Member, on: date) -> Pledge:
    commitments = public_commitments(session, Commitment.member_id == member.id)
    branch = session.get_one(Organisation, member.org_id)
    return Pledge(member, branch, _pledge_items(session, commitments, on))


def branch_pledges(session: Session, org: Organisation, on: date) -> list[Pledge]:
    """One 公开承诺书 per member of the branch with a public commitment, in roster order (a
    township or district: every branch below it, in display order)."""
    if org.kind in (OrgKind.TOWNSHIP.value, OrgKind.DISTRICT.value):
        return [p for b in ledger.branches(session, org) for p in branch_pledges(session, b, on)]
    branch = branch_of(session, org)
    commitments = public_commitments(
        session, Commitment.org_id == branch.id, Commitment.owner_kind == OwnerKind.MEMBER.value
    )
    items = {i.item.id: i for i in _pledge_items(session, commitments, on)}
    out = []
    for m in active_members(session, branch):
        mine = [items[c.id] for c in commitments if c.member_id == m.id]
        if mine:
            out.append(Pledge(m, branch, mine))
    return out


@dataclass
class DoublePledge:
    """双承诺: the branch's own pledges and every member's, on one sheet."""

    branch: Organisation
    branch_items: list[PledgeItem]
    members: list[tuple[Member, PledgeItem]]


def double_pledge(session: Session, org: Organisation, on: date) -> DoublePledge:
    branch = branch_of(session, org)
    own = public_commitments(
        session, Commitment.org_id == branch.id, Commitment.owner_kind == OwnerKind.BRANCH.value
    )
    rows = [(p.member, i) for p in branch_pledges(session, branch, on) for i in p.items]
    return DoublePledge(branch, _pledge_items(session, own, on), rows)


# -- 记实手册 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLog:
    day: date
    quantity: int
    unit: str
    note: str
    verified: str  # who verified: 支部核实 / 群众销账·满意 / "" (not yet)


@dataclass
class LedgerCommitment:
    item: PledgeItem
    logs: list[LedgerLog]


@dataclass
class LedgerBook:
    member: Member
    branch: Organisation
    year: int
    commitments: list[LedgerCommitment]
    quarters: list[drafts.MemberQuarter]  # the member's line of each 季度讲评 so far
    grade: str = ""  # the year-end grade (年度等次), once given
    grade_comment: str = ""
    signed_off: int = 0  # logs signed off by residents (群众销账)
    ratings: dict[str, int] = field(default_factory=dict)  # 群众销账 ratings by label


def ledger_book(session: Session, member: Member, year: int, on: date | None = None) -> LedgerBook:
    ledger.check_year(year)
    on = min(on or local_date(), date(year, 12, 31))
    branch = session.get_one(Organisation, member.org_id)
    closed = year in year_records.past_years(session)
    commitments = [
        c
        for c in public_commitments(
            session, Commitment.member_id == member.id, year=year if closed else None
        )
        if c.start_date.year <= year <= c.end_date.year
    ]
    items = _pledge_items(session, commitments, on)
    entries = [
        e
        for e in ledger.logs(session, branch.id, date(year, 1, 1), date(year, 12, 31), member.id)
        if e.commitment_id in {c.id for c in commitments}
    ]
    ratings = _resident_ratings(session, [c.id for c in commitments], year)
    residents = _resident_accounts(session, {e.verified_by_account_id for e in entries})
    by_commitment: dict[int, list[LedgerLog]] = {c.id: [] for c in commitments}
    signed = 0
    for e in entries:
        verified = ""
        if e.verified_at is not None:
            rating = ratings.get((e.commitment_id, e.verified_by_account_id, _month(e.happened_on)))
            if e.verified_by_account_id in residents:
                signed += 1
                label = evaluation.RATING_LABELS.get(rating or "", "")
                verified = "群众销账" + (f"·{label}" if label else "")
            else:
                verified = "支部核实"
        by_commitment[e.commitment_id].append(
            LedgerLog(e.happened_on, e.quantity, e.commitment.unit, privacy.scrub(e.note), verified)
        )
    counts: dict[str, int] = {}
    for rating in ratings.values():
        label = evaluation.RATING_LABELS.get(rating, rating)
        counts[label] = counts.get(label, 0) + 1
    quarters: list[drafts.MemberQuarter] = []
    for q in range(1, 5):
        if date(year, 3 * q - 2, 1) > on:
            break
        review = drafts.quarter_review(session, branch, year, q, on)
        quarters.extend(m for m in review.members if m.member_id == member.id)
    grade = evaluation.grades(session, EvaluationKind.BRANCH_GRADE.value, year).get(member.id)
    return LedgerBook(
        member,
        branch,
        year,
        [LedgerCommitment(i, by_commitment[i.item.id]) for i in items],
        quarters,
        evaluation.GRADES.get(grade.rating, grade.rating) if grade else "",
        privacy.scrub(grade.comment) if grade else "",
        signed,
        counts,
    )


def _month(d: date) -> str:
    return d.strftime("%Y-%m")


def _resident_ratings(
    session: Session, commitment_ids: list[int], year: int
) -> dict[tuple[int, int | None, str], str]:
    """群众销账 ratings of these commitments in ``year``: (commitment, account, month) → rating."""
    if not commitment_ids:
        return {}
    rows = session.scalars(
        select(Evaluation).where(
            Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
            Evaluation.commitment_id.in_(commitment_ids),
            Evaluation.period.startswith(f"{year}-"),
        )
    )
    return {(e.commitment_id or 0, e.evaluator_account_id, e.period): e.rating for e in rows}


def _resident_accounts(session: Session, ids: set[int | None]) -> set[int | None]:
    """Of these verifying accounts, those of residents (no roster member behind them)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Account.id).where(
                Account.id.in_(wanted),
                Account.member_id.is_(None),
                Account.household_id.is_not(None),
            )
        )
    )


# -- 连心卡 and brick cards -------------------------------------------------------------------


@dataclass
class HouseholdMember:
    name: str
    photo_key: str | None
    duties: str
    phone: str  # shown only when the member chose to (``card_show_phone``)
    contact: str


@dataclass
class HouseholdCard:
    household: Household
    bind_code: str
    members: list[HouseholdMember]


def household_cards(session: Session, org: Organisation) -> list[HouseholdCard]:
    """The 连心卡 of every household of ``org``'s subtree that has a code (``flask households
    bind-codes`` or the console issues them), with the members linked to it (联户)."""
    households = list(
        session.scalars(
            select(Household)
            .join(Organisation, Organisation.id == Household.org_id)
            .where(Organisation.path.startswith(org.path), Household.bind_code.is_not(None))
            .order_by(Organisation.sort_order, Organisation.id, Household.code)
        )
    )
    links: dict[int, list[Member]] = {h.id: [] for h in households}
    for hid, m in session.execute(
        select(MemberHousehold.household_id, Member)
        .join(Member, Member.id == MemberHousehold.member_id)
        .where(MemberHousehold.household_id.in_(links), Member.active.is_(True))
        .order_by(Member.name, Member.id)
    ).tuples():
        links[hid].append(m)
    return [
        HouseholdCard(
            h,
            h.bind_code or "",
            [
                HouseholdMember(
                    m.name,
                    m.photo_key,
                    m.duties,
                    m.phone if m.card_show_phone else "",
                    m.card_contact,
                )
                for m in links[h.id]
            ],
        )
        for h in households
    ]


@dataclass
class BrickCard:
    member: Member
    short_text: str  # the commitment's short text under the name


def short_text(title: str, limit: int = SHORT_TEXT) -> str:
    title = privacy.scrub(title)
    return title if len(title) <= limit else title[: limit - 1] + "…"


def brick_cards(session: Session, org: Organisation) -> list[BrickCard]:
    """The brick wall's cards: every member of the branch, with their first public commitment
    (and how many more) under the name."""
    branch = branch_of(session, org)
    commitments = public_commitments(
        session, Commitment.org_id == branch.id, Commitment.owner_kind == OwnerKind.MEMBER.value
    )
    first: dict[int, list[Commitment]] = {}
    for c in commitments:
        if c.status == CommitmentStatus.PUBLISHED.value and c.member_id:
            first.setdefault(c.member_id, []).append(c)
    out = []
    for m in active_members(session, branch):
        mine = first.get(m.id, [])
        text = short_text(mine[0].title) if mine else ""
        if len(mine) > 1:
            text += f"（等 {len(mine)} 项）"
        out.append(BrickCard(m, text))
    return out
