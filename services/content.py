"""The content gate: the one place that decides whether user text may become public.

Every service that stores text shown to the public (a fulfilment log's note, a commitment's
title, description and beneficiary) calls :func:`gate` in its own transaction, so no channel
(bot, mini-program API, web form, console, demo) can skip it. The decision, stored as the
object's ``content_status`` (``models.ContentStatus``):

1. A word of the local list (``content.blocked_words`` / ``content.word_list_file``) →
   ``held``: the text waits for the branch secretary's (or township staff's) :func:`decide`.
2. Otherwise, when the author has a mini-program openid and mini-program credentials exist,
   WeChat's msg_sec_check v2 decides. A channel may have asked WeChat within the request and
   pass the answer in (:class:`WechatAnswer`): ``pass`` → ``pass``, ``review`` → ``held``,
   ``risky`` → refused with ``content_risky``. Without an answer the status is ``pending`` and a
   ``content_check`` outbox message is queued in the same transaction; the dispatcher's sender
   asks WeChat and feeds the answer to :func:`apply_wechat_answer` (``risky`` → ``rejected``).
3. Otherwise (official-account users have no mini-program openid; demo mode has no
   credentials) only the word list applies: ``not_checked``.

Public outputs show ``pass`` and ``not_checked`` only (``services.visibility``). Nothing here
talks to WeChat: that stays in ``handlers/`` and ``delivery/``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import (
    Account,
    Commitment,
    ContentStatus,
    FulfilmentLog,
    Member,
    Organisation,
    OutboundChannel,
    Role,
    StrEnum,
)
from services import outbox, timeline
from services.actors import Actor, holders, township_of
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError


class Kind(StrEnum):
    """Objects whose text passes the gate."""

    LOG = "log"
    COMMITMENT = "commitment"


# msg_sec_check v2 scenes: 1 profile, 2 comment, 3 forum, 4 social log
SCENES = {Kind.LOG: 4, Kind.COMMITMENT: 3}
# A reply to a resident is private (never public): only a risky answer refuses it.
REPLY_SCENE = 2
# The input field an in-request refusal names.
FIELDS = {Kind.LOG: "note", Kind.COMMITMENT: "title"}
COMMITMENT_TEXT_FIELDS = ("title", "description", "beneficiary")
DECIDER_ROLES = (Role.SECRETARY.value, Role.TOWNSHIP_ADMIN.value)
_MODELS: dict[Kind, type[Any]] = {Kind.LOG: FulfilmentLog, Kind.COMMITMENT: Commitment}
_NOISE = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Policy:
    """What the gate may use: the local words, and whether WeChat's check can be asked."""

    blocked_words: tuple[str, ...] = ()
    wechat: bool = False


_policy = Policy()


def configure(blocked_words: Iterable[str], *, wechat: bool) -> Policy:
    """Set the process's policy; the app factory calls this once at start-up (from
    ``content.*`` and whether ``wechat.mini_program`` credentials exist)."""
    global _policy
    words = tuple(dict.fromkeys(w for w in (_squash(x) for x in blocked_words) if w))
    _policy = Policy(blocked_words=words, wechat=wechat)
    return _policy


def policy() -> Policy:
    return _policy


def _squash(text: str) -> str:
    """Compare forms: NFKC, case-folded, without spaces and punctuation (so 法 轮-功 matches)."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def blocked_words_in(text: str) -> list[str]:
    """The listed words found in ``text`` (empty when none)."""
    squashed = _squash(text)
    return [w for w in _policy.blocked_words if w in squashed]


@dataclass(frozen=True)
class WechatAnswer:
    """msg_sec_check's ``suggest`` (pass | review | risky) for ``text``, asked by a channel
    within its request. It counts only if it was given for the text being stored."""

    text: str
    suggest: str


def refuse_risky(answer: WechatAnswer | None, field: str) -> None:
    """Refuse text WeChat called risky within the request (``content_risky``)."""
    if answer is not None and answer.suggest not in ("pass", "review"):
        raise ValidationError(
            field, "内容含有不适宜公开的信息，请修改后再提交", code="content_risky"
        )


def text_of(kind: Kind | str, obj: Any) -> str:
    """The public text of an object, as the gate checks it."""
    if Kind(kind) is Kind.LOG:
        return str(obj.note or "")
    return "\n".join(str(getattr(obj, k)) for k in COMMITMENT_TEXT_FIELDS if getattr(obj, k, None))


def _openid(session: Session, account_id: int | None) -> str:
    if account_id is None:
        return ""
    account = session.get(Account, account_id)
    return (account.mp_openid or "") if account is not None else ""


def gate(
    session: Session,
    kind: Kind | str,
    obj: Any,
    *,
    author_account_id: int | None,
    answer: WechatAnswer | None = None,
) -> str:
    """Decide and store ``obj.content_status`` for its current text; returns the status.

    Call it after ``obj`` is flushed (the queued check names its id) whenever its text is
    new or has changed. Raises ``ValidationError`` (``content_risky``) when an in-request
    answer says the text is risky; the caller's transaction is then rolled back.
    """
    kind = Kind(kind)
    text = text_of(kind, obj)
    openid = _openid(session, author_account_id)
    quick = status_without_check(text, openid)
    if quick is not None:
        status = quick
    elif answer is not None and _squash(answer.text) == _squash(text):
        refuse_risky(answer, FIELDS[kind])
        status = ContentStatus.PASS if answer.suggest == "pass" else ContentStatus.HELD
    else:
        status = ContentStatus.PENDING
        _queue_check(session, kind, obj.id, text, openid)
    obj.content_status = status.value
    if status is ContentStatus.HELD:
        _tell_deciders(session, kind, obj, text)
    return status.value


NOTICE_HELD = "content_held"
REVIEW_PAGE = "pages/content-review/index"  # the mini-program's 内容审核


def _tell_deciders(session: Session, kind: Kind, obj: Any, text: str) -> None:
    """A held text waits for a person: tell the branch's secretaries (else the township's
    admins) through the outbox, once per text (a changed text held again is told again)."""
    c = obj if kind is Kind.COMMITMENT else session.get_one(Commitment, obj.commitment_id)
    org = session.get_one(Organisation, c.org_id)
    author_account = _author_account(obj)
    reach = {"mini_program_too": True}  # a mini-program-only decider: a subscription message
    who = holders(session, Role.SECRETARY.value, org.id, **reach) if org.kind == "branch" else []
    who = [a for a in who if a != author_account]  # nobody decides their own text
    if not who:  # no secretary (or the secretary wrote it): the township decides
        township = township_of(session, org)
        who = holders(session, Role.TOWNSHIP_ADMIN.value, township.id, **reach) if township else []
        who = [a for a in who if a != author_account]
    author = session.get(Member, obj.member_id) if obj.member_id else None
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]  # noqa: S324 (a key)
    fields = {
        "what": kind.value,
        "author": author.name if author else "",
        "org_name": org.name,
        "text": text[:60],
        # a template or subscription message shows a number and opens the review page
        "number": f"{'记录' if kind is Kind.LOG else '承诺'}{obj.id}",
        "mp_path": REVIEW_PAGE,
    }
    for account_id in who:
        outbox.notice_account(
            session,
            account_id,
            NOTICE_HELD,
            fields,
            f"content-held:{kind.value}:{obj.id}:{digest}:{account_id}",
        )


def _author_account(obj: Any) -> int | None:
    return getattr(obj, "account_id", None) or getattr(obj, "created_by_account_id", None)


def status_without_check(text: str, mp_openid: str) -> ContentStatus | None:
    """The gate's decision when no msg_sec_check is involved; ``None`` when WeChat is to
    be asked (the author has a mini-program openid and the check is on: use ``gate``)."""
    if not _squash(text):
        return ContentStatus.NOT_CHECKED
    if blocked_words_in(text):
        return ContentStatus.HELD
    if mp_openid and _policy.wechat:
        return None
    return ContentStatus.NOT_CHECKED


def _queue_check(session: Session, kind: Kind, obj_id: int, text: str, openid: str) -> None:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    outbox.enqueue(
        session,
        OutboundChannel.CONTENT_CHECK,
        {
            "kind": kind.value,
            "id": obj_id,
            "content": text,
            "openid": openid,
            "scene": SCENES[kind],
        },
        f"content_check:{kind.value}:{obj_id}:{digest}",
        recipient=openid,
    )


def awaiting_check(session: Session, kind: Kind | str, obj_id: int, text: str) -> bool:
    """Whether a queued check of ``text`` still matters: the object exists, is ``pending``
    and still carries that text (an edit queues its own check)."""
    obj = session.get(_MODELS[Kind(kind)], obj_id)
    return (
        obj is not None
        and obj.content_status == ContentStatus.PENDING.value
        and text_of(kind, obj) == text
    )


def apply_wechat_answer(
    session: Session, kind: Kind | str, obj_id: int, text: str, suggest: str | None
) -> str | None:
    """The dispatcher's msg_sec_check answer for a queued check; ``None`` when WeChat cannot
    be asked any more (credentials removed: only the word list, already applied, counts).

    ``pass`` → ``pass``, ``review`` → ``held`` (a person decides), anything else →
    ``rejected``. A stale answer (the text changed, or someone decided already) changes
    nothing; returns the status set, or ``None``.
    """
    if not awaiting_check(session, kind, obj_id, text):
        return None
    obj = session.get_one(_MODELS[Kind(kind)], obj_id)
    if suggest is None:
        status = ContentStatus.NOT_CHECKED
    else:
        status = {"pass": ContentStatus.PASS, "review": ContentStatus.HELD}.get(
            suggest, ContentStatus.REJECTED
        )
    obj.content_status = status.value
    session.flush()
    if status is ContentStatus.HELD:
        _tell_deciders(session, Kind(kind), obj, text)
    return status.value


# -- approval of held text ---------------------------------------------------------------


@dataclass(frozen=True)
class HeldItem:
    """A held text waiting for approval, with what the decider needs to judge it."""

    kind: str
    id: int
    text: str
    org_id: int
    org_name: str
    author_name: str
    commitment_id: int
    commitment_title: str
    created_at: datetime


def _scope(actor: Actor, stmt: Any) -> Any:
    """Limit ``stmt`` (joined to ``Organisation``) to the subtrees the actor manages."""
    if actor.system:
        return stmt
    prefixes = sorted({g.org_path for g in actor.grants if g.role in DECIDER_ROLES})
    if not prefixes:
        return None
    return stmt.where(or_(*(Organisation.path.startswith(p) for p in prefixes)))


def _item(
    kind: Kind, obj_id: int, text: str, org: Organisation, author: str, c: Commitment, obj: Any
) -> HeldItem:
    return HeldItem(
        kind=kind.value,
        id=obj_id,
        text=text,
        org_id=org.id,
        org_name=org.name,
        author_name=author,
        commitment_id=c.id,
        commitment_title=c.title,
        created_at=obj.created_at,
    )


def held_items(session: Session, actor: Actor) -> list[HeldItem]:
    """Held logs and commitments in the organisations the actor manages (a secretary's
    branch, a township admin's township), oldest first, never the actor's own."""
    held = ContentStatus.HELD.value
    items: list[HeldItem] = []
    logs = _scope(
        actor,
        select(FulfilmentLog, Commitment, Organisation, Member.name)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .join(Organisation, Organisation.id == Commitment.org_id)
        .outerjoin(Member, Member.id == FulfilmentLog.member_id)
        .where(FulfilmentLog.content_status == held),
    )
    commitments = _scope(
        actor,
        select(Commitment, Organisation, Member.name)
        .join(Organisation, Organisation.id == Commitment.org_id)
        .outerjoin(Member, Member.id == Commitment.member_id)
        .where(Commitment.content_status == held),
    )
    if logs is None or commitments is None:
        return []
    for entry, c, org, name in session.execute(logs):
        if actor.member_id is None or entry.member_id != actor.member_id:
            items.append(_item(Kind.LOG, entry.id, entry.note, org, name or "", c, entry))
    for c, org, name in session.execute(commitments):
        if actor.member_id is None or c.member_id != actor.member_id:
            text = text_of(Kind.COMMITMENT, c)
            items.append(_item(Kind.COMMITMENT, c.id, text, org, name or org.name, c, c))
    return sorted(items, key=lambda i: (i.created_at, i.kind, i.id))


def reviews_content(actor: Actor) -> bool:
    """Whether the actor decides held texts anywhere (a branch secretary, a township admin)."""
    return any(g.role in DECIDER_ROLES for g in actor.grants)


def held_count(session: Session, actor: Actor) -> int:
    """How many held texts wait for the actor's decision (the console dashboard's count)."""
    return len(held_items(session, actor))


def decide(
    session: Session, actor: Actor, kind: Kind | str, obj_id: int, approve: bool, reason: str = ""
) -> Any:
    """Approve (``pass``: the text becomes public) or reject (``rejected``: it stays hidden;
    a reason is required) a held text; recorded on the commitment's timeline."""
    try:
        kind = Kind(kind)
    except ValueError:
        raise NotFound("没有这种待审内容") from None
    obj = session.get(_MODELS[kind], obj_id)
    if obj is None:
        raise NotFound("找不到这条待审内容")
    c = obj if kind is Kind.COMMITMENT else session.get_one(Commitment, obj.commitment_id)
    if not actor.manages(session.get_one(Organisation, c.org_id)):
        raise PermissionDenied("只有支部书记或街镇管理员可以审核待公开的内容")
    if actor.member_id is not None and obj.member_id == actor.member_id:
        raise PermissionDenied("不能审核自己写的内容")
    if obj.content_status != ContentStatus.HELD.value:
        raise Conflict("这条内容不在待审核状态")
    reason = (reason or "").strip()
    if not approve and len(reason) < 2:
        raise ValidationError("reason", "不予公开时请写明理由（至少两个字）")
    before = obj.content_status
    obj.content_status = (ContentStatus.PASS if approve else ContentStatus.REJECTED).value
    what = "践诺记录" if kind is Kind.LOG else "承诺内容"
    note = f"{what}{'准予公开' if approve else '不予公开'}" + (f"：{reason}" if reason else "")
    action = "content_approved" if approve else "content_rejected"
    timeline.record(session, c, actor, action, before, obj.content_status, note[:500])
    session.flush()
    return obj
