"""三评's monthly and quarterly parts: the secretary's monthly branch score of each member
(每月一次支部考评, rubric ``practices.branch_rubric``) and the quarterly residents' survey (每季一次
群众测评, rubric ``practices.survey_rubric``): opened per branch per quarter, answered once per
resident (a household-linked account of the branch), rating the branch's members. The half-year
mutual evaluation is ``services.evaluation.grades``; the three feed 闪亮之星 through ``averages``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    BranchScore,
    Household,
    Member,
    Organisation,
    OrgKind,
    Survey,
    SurveyRating,
    SurveyResponse,
)
from services import text
from services.actors import Actor
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.practices import access, codes


def _labels(rubric: Mapping[str, int]) -> str:
    return "、".join(rubric)


# -- the secretary's monthly score ----------------------------------------------------------


def score_member(
    session: Session,
    actor: Actor,
    member: Member,
    month: str,
    grade: str,
    note: str,
    rubric: Mapping[str, int],
) -> BranchScore:
    """The secretary scores a member of their branch for a month; scoring again replaces it."""
    code = codes.month(month)
    access.check_manages(actor, session.get_one(Organisation, member.org_id), "评定支部考评")
    if grade not in rubric:
        raise ValidationError("grade", f"只能是：{_labels(rubric)}")
    note = text.as_written(note)
    if len(note) > 500:
        raise ValidationError("note", "说明最多 500 个字")
    row = session.scalar(
        select(BranchScore).where(BranchScore.member_id == member.id, BranchScore.month == code)
    )
    if row is None:
        row = BranchScore(member_id=member.id, org_id=member.org_id, month=code)
        session.add(row)
    row.grade, row.score, row.note = grade, rubric[grade], note
    row.scored_by_member_id, row.scored_by_account_id = actor.member_id, actor.account_id
    row.created_at = now_utc()
    session.flush()
    return row


def scores_of_month(
    session: Session, actor: Actor, branch: Organisation, month: str
) -> list[tuple[Member, BranchScore | None]]:
    code = codes.month(month)
    access.check_manages(actor, branch, "查看支部考评")
    members = list(
        session.scalars(
            select(Member)
            .where(Member.org_id == branch.id, Member.active.is_(True))
            .order_by(Member.id)
        )
    )
    scores = {
        s.member_id: s
        for s in session.scalars(
            select(BranchScore).where(BranchScore.org_id == branch.id, BranchScore.month == code)
        )
    }
    return [(m, scores.get(m.id)) for m in members]


# -- the quarterly residents' survey --------------------------------------------------------


def open_survey(session: Session, actor: Actor, branch: Organisation, quarter: str) -> Survey:
    """Open the branch's survey of ``quarter`` (idempotent: opening again returns it)."""
    if branch.kind != OrgKind.BRANCH.value:
        raise ValidationError("org_id", "群众测评按党支部开展，请选择一个党支部")
    code = codes.quarter(quarter)
    access.check_manages(actor, branch, "发起群众测评")
    found = session.scalar(select(Survey).where(Survey.org_id == branch.id, Survey.quarter == code))
    if found is not None:
        return found
    survey = Survey(org_id=branch.id, quarter=code, opened_at=now_utc())
    session.add(survey)
    session.flush()
    return survey


def for_quarter(session: Session, branch_id: int, quarter: str) -> Survey | None:
    """The branch's survey of ``quarter`` (2026Q4), if opened."""
    return session.scalar(
        select(Survey).where(Survey.org_id == branch_id, Survey.quarter == quarter)
    )


def get(session: Session, survey_id: int) -> Survey:
    s = session.get(Survey, survey_id)
    if s is None:
        raise NotFound("找不到这次群众测评")
    return s


def residents(session: Session, survey: Survey) -> list[Account]:
    """The residents the survey is pushed to: accounts linked to a household of the branch."""
    return list(
        session.scalars(
            select(Account)
            .join(Household, Household.id == Account.household_id)
            .where(Household.org_id == survey.org_id)
            .order_by(Account.id)
        )
    )


def subjects(session: Session, survey: Survey) -> list[Member]:
    """The members residents rate: the branch's active members."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.org_id == survey.org_id, Member.active.is_(True))
            .order_by(Member.id)
        )
    )


def _check_resident(session: Session, actor: Actor, survey: Survey) -> Account:
    account = session.get(Account, actor.account_id) if actor.account_id else None
    household = (
        session.get(Household, account.household_id) if account and account.household_id else None
    )
    if account is None or household is None or household.org_id != survey.org_id:
        raise PermissionDenied(
            "群众测评由本村（社区）已绑定户信息的群众填写：请先用连心卡上的户码绑定"
        )
    return account


def answer(
    session: Session,
    actor: Actor,
    survey: Survey,
    ratings: Mapping[int, str],
    comment: str,
    rubric: Mapping[str, int],
) -> SurveyResponse:
    """One resident's answer: a rating from ``rubric`` for each member rated (at least one).
    A second answer from the same resident to the same survey is refused."""
    account = _check_resident(session, actor, survey)
    if not ratings:
        raise ValidationError("ratings", "请至少评价一位党员")
    members = {m.id: m for m in subjects(session, survey)}
    for mid, rating in ratings.items():
        if mid not in members:
            raise ValidationError("ratings", f"编号 {mid} 不是本支部党员")
        if rating not in rubric:
            raise ValidationError("ratings", f"评价只能是：{_labels(rubric)}")
    comment = text.as_written(comment)
    if len(comment) > 500:
        raise ValidationError("comment", "意见建议最多 500 个字")
    if session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.account_id == account.id
        )
    ):
        raise Conflict(
            "您已经填写过本季度的群众测评，每户每季度只能填写一次", code="survey_answered"
        )
    response = SurveyResponse(
        survey_id=survey.id, account_id=account.id, comment=comment, created_at=now_utc()
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError as err:
        raise Conflict(
            "您已经填写过本季度的群众测评，每户每季度只能填写一次", code="survey_answered"
        ) from err
    for mid, rating in sorted(ratings.items()):
        session.add(
            SurveyRating(
                response_id=response.id, member_id=mid, rating=rating, score=rubric[rating]
            )
        )
    session.flush()
    return response


@dataclass(frozen=True)
class MemberResult:
    member_id: int
    name: str
    counts: dict[str, int]
    average: int | None  # 0–100 over the ratings, None without any

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def results(
    session: Session, actor: Actor, survey: Survey, rubric: Mapping[str, int]
) -> list[MemberResult]:
    """Per member: how many residents gave each rating and the average score."""
    access.check_manages(actor, session.get_one(Organisation, survey.org_id), "查看群众测评结果")
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    sums: dict[int, int] = defaultdict(int)
    for mid, rating, n, total in session.execute(
        select(
            SurveyRating.member_id, SurveyRating.rating, func.count(), func.sum(SurveyRating.score)
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyRating.response_id)
        .where(SurveyResponse.survey_id == survey.id)
        .group_by(SurveyRating.member_id, SurveyRating.rating)
    ):
        counts[mid][rating] = int(n)
        sums[mid] += int(total or 0)
    out = []
    for m in subjects(session, survey):
        c = {label: counts[m.id].get(label, 0) for label in rubric}
        for label, n in counts[m.id].items():
            c.setdefault(label, n)
        total = sum(c.values())
        out.append(MemberResult(m.id, m.name, c, round(sums[m.id] / total) if total else None))
    return out


def responses_count(session: Session, survey: Survey) -> int:
    return int(
        session.scalar(
            select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id)
        )
        or 0
    )


# -- the year's averages, for 闪亮之星 -------------------------------------------------------


def averages(
    session: Session, member_ids: Iterable[int], year: int
) -> tuple[dict[int, float], dict[int, float]]:
    """Per member, the year's average monthly branch score and average survey score (0–100,
    as scored by the rubric of the day); members without any are absent."""
    ids = list(member_ids)
    if not ids:
        return {}, {}
    branch = {
        mid: float(avg)
        for mid, avg in session.execute(
            select(BranchScore.member_id, func.avg(BranchScore.score))
            .where(BranchScore.member_id.in_(ids), BranchScore.month.like(f"{year:04d}-%"))
            .group_by(BranchScore.member_id)
        )
    }
    survey: dict[int, float] = {}
    for mid, avg in session.execute(
        select(SurveyRating.member_id, func.avg(SurveyRating.score))
        .join(SurveyResponse, SurveyResponse.id == SurveyRating.response_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyRating.member_id.in_(ids), Survey.quarter.like(f"{year:04d}Q%"))
        .group_by(SurveyRating.member_id)
    ):
        survey[mid] = float(avg)
    return branch, survey
