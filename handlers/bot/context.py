"""What every bot command shares: the registry ``bot``, the context of one inbound message,
the sender's numbered list of commitments and the reading of what was written.

The commands themselves live by job: ``binding`` (绑定, 解绑, subscribe, scan), ``commitments``
(我的承诺, 进度), ``logs`` (践诺, 照片, 撤销, 修改), ``requests`` (反映 … 重开), ``help`` (帮助),
``chat`` (plain words, 承诺, 更多), ``media`` (voice, location), ``inbox``, ``civic`` and
``practices``; ``handlers.bot.commands`` loads them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from handlers.bot.registry import SEPARATORS, Bot
from models import Account, Commitment, CommitmentStatus, Member, Note
from services import fulfilment, progress
from services.actors import Actor, actor_for_account
from services.commitments import cycle, quantify
from wechat.callback import Inbound

bot = Bot()

MAX_LIST = 10
REPLY_LIMIT = 2048  # bytes: WeChat's limit for a text reply
MORE_FOOTER = "\n（回复 更多 看下一页）"
_TIMES_RE = re.compile(r"(?:[×xX*]\s*(\d{1,5}))(?!\d)")
_UNIT_QTY_RE = re.compile(rf"({quantify.NUM})\s*({quantify.UNIT_RE})")


@dataclass
class BotContext:
    """One inbound message being handled."""

    session: Session
    settings: Any  # services.config.Settings
    inbound: Inbound
    account: Account
    now: datetime
    _actor: Actor | None = field(default=None, repr=False)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            self._actor = actor_for_account(self.session, self.account)
        return self._actor

    def refresh_actor(self) -> None:
        self._actor = None

    def written(self, part: str) -> str:
        """What the sender actually wrote for ``part``, a tail of the normalised message.

        Commands are read from a normalised copy (full-width digits and punctuation made
        half-width); what is stored and shown is the sender's own text ("三天了，晚上")."""
        return written(self.inbound, part)

    @property
    def member(self) -> Member | None:
        return self.session.get(Member, self.account.member_id) if self.account.member_id else None

    @property
    def msg_id(self) -> str:
        return self.inbound.dedupe_key

    @property
    def base_url(self) -> str:
        return str(self.settings.app.base_url).rstrip("/")


def written(inbound: Inbound, part: str) -> str:
    """``BotContext.written`` for a message not (yet) given a context."""
    raw = inbound.raw
    said = raw.get("Content") or raw.get("Recognition") or ""  # a voice's recognised text
    original = re.sub(r"\s+", " ", str(said)).strip()
    part = part.strip()
    if not part:
        return part
    for i in range(len(original)):
        if normalise_text(original[i:]).strip(SEPARATORS) == part:
            return original[i:].strip().lstrip(SEPARATORS)
    return part


def normalise_text(text: str) -> str:
    """Full-width → half-width (digits, letters, "，" → ","), runs of spaces collapsed."""
    return re.sub(r"\s+", " ", quantify.normalise(text)).strip()


def parse_quantity(text: str, unit: str = "") -> tuple[int, str]:
    """ "浇水 3次" → (3, "浇水 3次"); "×3", "x3" count too; no quantity → 1."""
    m = _TIMES_RE.search(text)
    if m:
        return int(m.group(1)), (text[: m.start()] + text[m.end() :]).strip()
    matches = list(_UNIT_QTY_RE.finditer(text))
    for m in [m for m in matches if m.group(2) == unit] or matches:
        n = quantify.cn_number(m.group(1))
        if n:
            return n, text
    return 1, text


# ------------------------------------------------------------------ lists


def my_commitments_list(session: Session, member: Member) -> list[Commitment]:
    """The member's published commitments of the current cycle year, then their branch's: the
    numbering of 我的承诺 (a closed year's commitments are off the list). One query."""
    own, branch = fulfilment.by_message.numbered(member.id, member.org_id)
    return list(
        session.scalars(
            select(Commitment)
            .where(
                own | branch,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
                cycle.current_sql(),
            )
            .order_by(case((own, 0), else_=1), Commitment.id)
        )
    )


def _progress_line(_c: Commitment | None, p: progress.Progress) -> str:
    return f"{p.percent}%（{p.label}，{p.done}/{p.target}）"


def _not_member_reply() -> str:
    return (
        "您还没有绑定党员身份。党员请发送“绑定 绑定码”（绑定码向支部书记领取），"
        "例如：绑定 K7M2Q9XA。\n群众可以发送“反映 内容”提出问题或心愿。"
    )


def _keep_note(ctx: BotContext, text: str, reason: str) -> None:
    ctx.session.add(
        Note(
            account_id=ctx.account.id,
            member_id=ctx.account.member_id,
            channel="bot",
            text=text[:2000],
            reason=reason[:200],
            created_at=ctx.now,
        )
    )
    ctx.session.flush()
