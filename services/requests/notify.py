"""Who must act on a request, told through the outbox in the caller's transaction.

Facts only (a notice ``kind`` and its fields); ``delivery.notices`` words them. The one place
that picks the recipient: the member who holds the request (their official-account openid),
else the branch's secretary; on escalation the people at the level reached (level 1: the
branch secretary, level 2: the township's admins). Each notice carries the request's number
and its mini-program page (``MP_PATH``), which members open from the official account.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Organisation, OrgKind, OutboundChannel, Request, Role, VoiceClip
from services import outbox
from services.actors import holders, township_of

NOTICE_ASSIGNED = "request_assigned"
NOTICE_ESCALATED = "request_escalated"
LEVEL_SECRETARY = 1
LEVEL_TOWNSHIP = 2
MP_PATH = "pages/request-detail/index?id={id}"


def _member_account(session: Session, member_id: int | None) -> int | None:
    if member_id is None:
        return None
    return session.scalar(
        select(Account.id).where(Account.member_id == member_id, Account.oa_openid.is_not(None))
    )


def people_at(session: Session, req: Request, level: int) -> list[int]:
    """Accounts to tell at escalation ``level`` (0: the holder, 1: secretary, 2: township)."""
    org = session.get_one(Organisation, req.org_id)
    if level <= 0:
        holder = _member_account(session, req.assignee_member_id)
        if holder is not None:
            return [holder]
        level = LEVEL_SECRETARY
    if level == LEVEL_SECRETARY and org.kind == OrgKind.BRANCH.value:
        found = holders(session, Role.SECRETARY.value, org.id)
        if found:
            return found
    township = township_of(session, org)
    return holders(session, Role.TOWNSHIP_ADMIN.value, township.id) if township else []


def _fields(session: Session, req: Request) -> dict[str, object]:
    org = session.get_one(Organisation, req.org_id)
    return {
        "number": req.number,
        "text": req.text[:60],
        "org_name": org.name,
        "mp_path": MP_PATH.format(id=req.id),
    }


def assigned(session: Session, req: Request) -> int:
    """Tell whoever now holds ``req`` (once per holder and round), and pass on the resident's
    voice messages kept with it (``pass_on_voices``); returns messages queued."""
    holder = f"m{req.assignee_member_id}" if req.assignee_member_id else f"o{req.org_id}"
    fields = {**_fields(session, req), "to_member": req.assignee_member_id is not None}
    sent = 0
    for account_id in people_at(session, req, 0):
        key = f"request:{req.id}:assigned:{holder}:{req.reopened_count}:{account_id}"
        if outbox.notice_account(session, account_id, NOTICE_ASSIGNED, fields, key):
            sent += 1
    return sent + pass_on_voices(session, req)


def pass_on_voices(
    session: Session, req: Request, clips: list[VoiceClip] | None = None, level: int = 0
) -> int:
    """Send the voice messages of ``req`` (``clips``, else all kept with it) to the people at
    ``level`` (``people_at``: 0, whoever holds it; on escalation the secretary, the township),
    as voice messages in their official account, so that whoever must answer hears the
    resident in WeChat, on any phone (the mini-program cannot play WeChat's AMR on an iPhone).
    Once per clip and person; the sender waits for the clip's download. Only people who follow
    the official account can get them (a voice cannot go as a subscription message): the
    others hear it in the console."""
    if clips is None:
        clips = list(
            session.scalars(
                select(VoiceClip).where(VoiceClip.request_id == req.id).order_by(VoiceClip.id)
            )
        )
    clips = [c for c in clips if c.status != "failed"]
    if not clips:
        return 0
    sent = 0
    for account_id in people_at(session, req, level):
        openid = session.scalar(select(Account.oa_openid).where(Account.id == account_id))
        if not openid:
            continue
        for clip in clips:
            key = f"request:{req.id}:voice:{clip.id}:{account_id}"
            outbox.enqueue(
                session, OutboundChannel.OA_VOICE, {"voice_id": clip.id}, key, recipient=openid
            )
            sent += 1
    return sent


def escalated(session: Session, req: Request, level: int, stage: str) -> int:
    """Tell the people at ``level`` that ``req`` is overdue (``stage``: ``answer`` or
    ``resolve``), once per (request, round, level, person), and pass on its voices."""
    fields = {**_fields(session, req), "level": level, "stage": stage}
    sent = 0
    for account_id in people_at(session, req, level):
        key = f"request:{req.id}:escalated:{req.reopened_count}:{level}:{account_id}"
        if outbox.notice_account(session, account_id, NOTICE_ESCALATED, fields, key):
            sent += 1
    return sent + pass_on_voices(session, req, level=level)
