"""Mini-program subscription messages (订阅消息): which templates the app offers, and each
user's answer to ``wx.requestSubscribeMessage`` recorded so that delivery may send one
message per accepted grant to a user who only uses the mini-program."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import SubscriptionDecision, SubscriptionGrant
from services.errors import ValidationError

SCENES = {"request": "提交诉求时", "inbox": "第一次打开待办时"}
MAX_GRANTS = 3  # WeChat asks for at most three templates at a time


@dataclass(frozen=True)
class Template:
    template_id: str
    scenes: tuple[str, ...]
    title: str


def offered(answer_template_id: str, inbox_template_id: str) -> list[Template]:
    """The templates configured (``requests.answer_subscribe_template_id`` /
    ``inbox_subscribe_template_id``); none when they are empty."""
    out: list[Template] = []
    if answer_template_id:
        out.append(Template(answer_template_id, ("request",), "诉求办理结果通知"))
    if inbox_template_id:
        out.append(Template(inbox_template_id, ("inbox",), "新待办提醒"))
    return out


def record(
    session: Session,
    account_id: int,
    scene: str,
    grants: Sequence[Mapping[str, str]],
    templates: Sequence[Template],
) -> list[SubscriptionGrant]:
    """Record each answer (template, accept/reject/ban/filter, time) for the account. All or
    nothing: an unknown template or decision refuses the lot, naming the field."""
    if scene not in SCENES:
        raise ValidationError("scene", "只能是 request（提交诉求时）或 inbox（打开待办时）")
    if not grants:
        raise ValidationError("grants", "请至少提供一个订阅结果")
    if len(grants) > MAX_GRANTS:
        raise ValidationError("grants", f"一次最多 {MAX_GRANTS} 个订阅结果")
    known = {t.template_id for t in templates}
    decisions = set(SubscriptionDecision.values())
    rows: list[SubscriptionGrant] = []
    now = now_utc()
    for g in grants:
        template_id = str(g.get("template_id") or "")
        decision = str(g.get("decision") or "")
        if template_id not in known:
            raise ValidationError("template_id", "不是本小程序提供的订阅消息模板")
        if decision not in decisions:
            raise ValidationError("decision", "只能是 accept、reject、ban 或 filter")
        rows.append(
            SubscriptionGrant(
                account_id=account_id,
                template_id=template_id,
                scene=scene,
                decision=decision,
                created_at=now,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def _open_grant(session: Session, account_id: int, template_id: str) -> SubscriptionGrant | None:
    return session.scalar(
        select(SubscriptionGrant)
        .where(
            SubscriptionGrant.account_id == account_id,
            SubscriptionGrant.template_id == template_id,
            SubscriptionGrant.decision == SubscriptionDecision.ACCEPT.value,
            SubscriptionGrant.used_at.is_(None),
        )
        .order_by(SubscriptionGrant.id)
        .limit(1)
    )


def may_send(session: Session, account_id: int, template_id: str) -> bool:
    """An accepted grant not yet spent: one subscription message may go to this user."""
    return bool(template_id) and _open_grant(session, account_id, template_id) is not None


def spend(session: Session, account_id: int, template_id: str) -> bool:
    """Use one accepted grant (when a subscription message is queued); ``False``: none left."""
    grant = _open_grant(session, account_id, template_id) if template_id else None
    if grant is None:
        return False
    grant.used_at = now_utc()
    return True


def take(session: Session, account_id: int, scene: str) -> str | None:
    """Spend the oldest accepted, unspent grant the account gave in ``scene`` (one message
    may go out with it); its template id, or ``None`` when there is none."""
    grant = session.scalar(
        select(SubscriptionGrant)
        .where(
            SubscriptionGrant.account_id == account_id,
            SubscriptionGrant.scene == scene,
            SubscriptionGrant.decision == SubscriptionDecision.ACCEPT.value,
            SubscriptionGrant.used_at.is_(None),
        )
        .order_by(SubscriptionGrant.id)
        .limit(1)
    )
    if grant is None:
        return None
    grant.used_at = now_utc()
    return grant.template_id
