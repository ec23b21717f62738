"""评诺: residents served confirm and rate; the branch and the township grade at year end;
members evaluate each other at half year; satisfaction rates per member, branch, township.

Satisfaction rate = (满意 + 基本满意) / all resident ratings, the way the townships count it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    Commitment,
    Evaluation,
    EvaluationKind,
    FulfilmentLog,
    Member,
    MemberHousehold,
    Organisation,
    OrgKind,
    Rating,
    Request,
    Role,
)
from services import requests, timeline, unique
from services.actors import Actor
from services.errors import PermissionDenied, ValidationError
from services.evaluation import points
from services.evaluation.satisfaction import GOOD_RATINGS
from services.org import pairing
from services.text import as_written

RATING_LABELS = requests.RATING_LABELS
GRADES = {
    "excellent": "优秀",
    "qualified": "合格",
    "basically_qualified": "基本合格",
    "unqualified": "不合格",
}
MUTUAL_RATINGS = {"good": "好", "fair": "较好", "average": "一般", "poor": "差"}
# Branches are graded 好 / 较好 / 一般 / 差 at year end (members: 优秀 … 不合格).
BRANCH_GRADES = dict(MUTUAL_RATINGS)


def _check_comment(comment: str) -> str:
    comment = as_written(comment)
    if len(comment) > 500:
        raise ValidationError("comment", "评价内容最多 500 个字")
    return comment


# -- residents served ----------------------------------------------------------------------


def rate_request(
    session: Session,
    actor: Actor,
    req: Request,
    rating: str,
    comment: str,
    rules: Mapping[str, int],
    reopen_window_days: int | None = None,
) -> Request:
    """The submitter rates a resolved request (``requests.rate``: 不满意 退回重办) and points
    follow."""
    requests.rate(session, actor, req, rating, comment, reopen_window_days)
    session.flush()
    points.award_request_rated(session, rules, req)
    return req


def is_served_by(
    session: Session, account: Account, member_id: int, commitment: Commitment | None = None
) -> bool:
    """A resident is served by a member when their household is linked to that member (联户),
    and, for a partner pledge (结对共建), when their household is in the village it is made to."""
    if account.household_id is None:
        return False
    if commitment is not None and pairing.serves_partner_pledge(
        session, account.household_id, commitment
    ):
        return True
    return (
        session.scalar(
            select(MemberHousehold.id).where(
                MemberHousehold.household_id == account.household_id,
                MemberHousehold.member_id == member_id,
            )
        )
        is not None
    )


def confirm_log(
    session: Session,
    actor: Actor,
    log: FulfilmentLog,
    rating: str,
    comment: str,
    rules: Mapping[str, int],
) -> Evaluation:
    """群众销账: a resident served confirms a log happened and rates it.

    满意 or 基本满意 is a sign-off: the log becomes verified, which is what earns points.
    不满意 is recorded (the evaluation row counts in the satisfaction rate, the timeline has
    it) but is no verification: the log stays unverified and earns nothing. A log already
    verified (by the branch, or by an earlier sign-off) stays verified whatever the rating."""
    if actor.account_id is None:
        raise PermissionDenied("请先在公众号或小程序中登录，再确认")
    if log.member_id is not None and log.member_id == actor.member_id:
        raise PermissionDenied("不能确认自己的践诺记录，请由联系服务的群众确认")
    account = session.get_one(Account, actor.account_id)
    c = session.get_one(Commitment, log.commitment_id)
    if log.member_id is None or not is_served_by(session, account, log.member_id, c):
        raise PermissionDenied("只有这位党员联系服务的群众可以确认这条记录")
    if rating not in Rating.values():
        raise ValidationError("rating", "请选择：满意、基本满意或不满意")
    comment = _check_comment(comment)
    existing = session.scalar(
        select(Evaluation).where(
            Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
            Evaluation.commitment_id == c.id,
            Evaluation.evaluator_account_id == account.id,
            Evaluation.period == log.happened_on.strftime("%Y-%m"),
        )
    )
    if existing is None:
        existing = Evaluation(
            kind=EvaluationKind.RESIDENT_RATING.value,
            commitment_id=c.id,
            evaluator_account_id=account.id,
            period=log.happened_on.strftime("%Y-%m"),
            created_at=now_utc(),
        )
        session.add(existing)
    existing.subject_member_id = log.member_id
    existing.subject_org_id = c.org_id
    existing.rating = rating
    existing.comment = comment
    before = timeline.log_state(log)
    signs_off = rating in GOOD_RATINGS and log.verified_at is None
    if signs_off:
        log.verified_at = now_utc()
        log.verified_by_account_id = account.id
    note = f"{log.happened_on.isoformat()} 的记录：{RATING_LABELS[rating]}"
    if signs_off:
        note += "，记录已核实"
    elif log.verified_at is None:
        note += "，不作为核实"
    timeline.record_log(
        session,
        log,
        actor,
        "log_signed_off" if signs_off else "log_rated",
        before,
        timeline.log_state(log),
        note,
    )
    session.flush()
    points.award_verified_log(session, rules, log)
    return existing


# -- the organisation's grades ---------------------------------------------------------------


def _upsert(session: Session, kind: str, period: str, **key: int | None) -> Evaluation:
    q = select(Evaluation).where(Evaluation.kind == kind, Evaluation.period == period)
    for col, value in key.items():
        q = q.where(getattr(Evaluation, col) == value)
    found = session.scalar(q)
    if found is None:
        found = Evaluation(kind=kind, period=period, created_at=now_utc(), rating="", **key)
        unique.insert_once(session, found, "这项评价刚刚已有人提交，请刷新后查看或修改")
    return found


def _year(year: int) -> str:
    if not 2000 <= year <= 2100:
        raise ValidationError("year", "年份应为四位数字，例如 2026")
    return str(year)


def grade_member(
    session: Session, actor: Actor, member: Member, year: int, grade: str, comment: str = ""
) -> Evaluation:
    """Year-end grade of a member by their branch (secretary or township staff)."""
    branch = session.get_one(Organisation, member.org_id)
    if not actor.manages(branch):
        raise PermissionDenied("只有本支部书记或街镇管理员可以评定党员年度等次")
    if actor.member_id is not None and actor.member_id == member.id:
        raise PermissionDenied("不能评定自己的年度等次，请由街镇管理员评定")
    if grade not in GRADES:
        raise ValidationError("grade", "请选择等次：优秀、合格、基本合格或不合格")
    ev = _upsert(
        session, EvaluationKind.BRANCH_GRADE.value, _year(year), subject_member_id=member.id
    )
    ev.subject_org_id = branch.id
    ev.rating = grade
    ev.comment = _check_comment(comment)
    ev.evaluator_account_id = actor.account_id
    ev.evaluator_member_id = actor.member_id
    return ev


def grade_branch(
    session: Session, actor: Actor, branch: Organisation, year: int, grade: str, comment: str = ""
) -> Evaluation:
    """Year-end grade of a branch by the township."""
    if branch.kind != OrgKind.BRANCH.value:
        raise ValidationError("org_id", "只能评定党支部")
    if not actor.has_role(Role.TOWNSHIP_ADMIN, branch):
        raise PermissionDenied("只有街镇管理员可以评定支部年度等次")
    if grade not in BRANCH_GRADES:
        raise ValidationError("grade", "请选择支部等次：好、较好、一般或差")
    ev = _upsert(
        session, EvaluationKind.TOWNSHIP_GRADE.value, _year(year), subject_org_id=branch.id
    )
    ev.rating = grade
    ev.comment = _check_comment(comment)
    ev.evaluator_account_id = actor.account_id
    return ev


def half_of(year: int, half: int) -> str:
    if half not in (1, 2):
        raise ValidationError("half", "半年只能是 1（上半年）或 2（下半年）")
    return f"{_year(year)}H{half}"


def mutual(
    session: Session,
    actor: Actor,
    subject: Member,
    year: int,
    half: int,
    rating: str,
    comment: str = "",
) -> Evaluation:
    """Half-year mutual evaluation: a member rates another member of the same branch."""
    if actor.member_id is None:
        raise PermissionDenied("只有党员可以参加互评")
    me = session.get(Member, actor.member_id)
    if me is None or me.org_id != subject.org_id:
        raise PermissionDenied("只能评价本支部的党员")
    if me.id == subject.id:
        raise ValidationError("member_id", "不能评价自己")
    if rating not in MUTUAL_RATINGS:
        raise ValidationError("rating", "请选择：好、较好、一般或差")
    ev = _upsert(
        session,
        EvaluationKind.MUTUAL.value,
        half_of(year, half),
        subject_member_id=subject.id,
        evaluator_member_id=me.id,
    )
    ev.subject_org_id = subject.org_id
    ev.rating = rating
    ev.comment = _check_comment(comment)
    return ev


def grades(session: Session, kind: str, year: int) -> dict[int, Evaluation]:
    """Year-end grades by subject id (member for branch grades, branch for township grades)."""
    rows = session.scalars(
        select(Evaluation).where(Evaluation.kind == kind, Evaluation.period == str(year))
    )
    col = "subject_member_id" if kind == EvaluationKind.BRANCH_GRADE.value else "subject_org_id"
    return {getattr(e, col): e for e in rows}


def mutual_summary(
    session: Session, branch: Organisation, year: int, half: int
) -> dict[int, dict[str, int]]:
    """Counts of each mutual rating per member of the branch for that half year."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MUTUAL_RATINGS, 0))
    rows = session.execute(
        select(Evaluation.subject_member_id, Evaluation.rating, func.count(Evaluation.id))
        .where(
            Evaluation.kind == EvaluationKind.MUTUAL.value,
            Evaluation.period == half_of(year, half),
            Evaluation.subject_org_id == branch.id,
        )
        .group_by(Evaluation.subject_member_id, Evaluation.rating)
    )
    for mid, rating, n in rows:
        out[mid][rating] = int(n)
    return dict(out)


def parse_half(text: str) -> tuple[int, int]:
    """``2026H1`` → ``(2026, 1)``; anything else is refused naming the field ``period``."""
    text = (text or "").strip().upper()
    if len(text) != 6 or text[4] != "H" or not text[:4].isdigit() or text[5] not in "12":
        raise ValidationError("period", "半年格式应为 2026H1（上半年）或 2026H2（下半年）")
    year, half = int(text[:4]), int(text[5])
    half_of(year, half)  # checks the year range
    return year, half


# -- reading grades and the mutual summary (secretary of the branch or township staff) ------


def require_manager(actor: Actor, org: Organisation, message: str) -> None:
    if not actor.manages(org):
        raise PermissionDenied(message)


@dataclass(frozen=True)
class MemberGrade:
    member: Member
    branch: Organisation
    grade: Evaluation | None


@dataclass(frozen=True)
class BranchGrade:
    branch: Organisation
    grade: Evaluation | None


def _members_under(session: Session, org: Organisation) -> list[tuple[Member, Organisation]]:
    rows = session.execute(
        select(Member, Organisation)
        .join(Organisation, Organisation.id == Member.org_id)
        .where(Organisation.path.startswith(org.path), Member.active.is_(True))
        .order_by(Organisation.sort_order, Organisation.id, Member.name, Member.id)
    )
    return [(m, o) for m, o in rows.tuples()]


def member_grades(
    session: Session, actor: Actor, org: Organisation, year: int
) -> list[MemberGrade]:
    """Every active member of ``org``'s subtree with their year-end grade (None: not yet)."""
    require_manager(actor, org, "只有本支部书记或街镇管理员可以查看党员年度等次")
    found = grades(session, EvaluationKind.BRANCH_GRADE.value, int(_year(year)))
    return [MemberGrade(m, b, found.get(m.id)) for m, b in _members_under(session, org)]


def branch_grades(
    session: Session, actor: Actor, org: Organisation, year: int
) -> list[BranchGrade]:
    """Every branch of ``org``'s subtree with its year-end grade by the township."""
    require_manager(actor, org, "只有街镇管理员或本支部书记可以查看支部年度等次")
    found = grades(session, EvaluationKind.TOWNSHIP_GRADE.value, int(_year(year)))
    branches = session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.BRANCH.value, Organisation.path.startswith(org.path))
        .order_by(Organisation.sort_order, Organisation.id)
    )
    return [BranchGrade(b, found.get(b.id)) for b in branches]


def mutual_summary_for(
    session: Session, actor: Actor, branch: Organisation, year: int, half: int
) -> list[tuple[Member, dict[str, int]]]:
    """The branch's mutual-evaluation counts per active member, for the secretary (who
    rated whom is never shown)."""
    if branch.kind != OrgKind.BRANCH.value:
        raise ValidationError("org_id", "互评汇总只能按党支部查看")
    require_manager(actor, branch, "只有本支部书记或街镇管理员可以查看互评汇总")
    counts = mutual_summary(session, branch, year, half)
    return [
        (m, counts.get(m.id, dict.fromkeys(MUTUAL_RATINGS, 0)))
        for m, _b in _members_under(session, branch)
    ]


# -- satisfaction rates ----------------------------------------------------------------------
