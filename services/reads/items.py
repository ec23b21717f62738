"""The pieces every public view is built from: a public commitment with its progress and a
public fulfilment log, their text already masked (``services.privacy.scrub``) so that no channel
can show a resident's phone number in full."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import selectinload

from models import Commitment, FulfilmentLog
from services import privacy, visibility
from services.commitments import quantify
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

# What the public sees of why a member is exempt (免于承诺): a category, never the roster's own
# words, which may name an illness.
EXEMPT_CATEGORIES = (
    ("高龄", re.compile(r"\d+\s*周?岁|高龄|年迈|年老|老龄|年事已高")),
    ("身体原因", re.compile(r"病|残|伤|卧床|住院|体弱|身体|失能|失智|瘫")),
    ("外出务工", re.compile(r"外出|务工|在外|外地|异地|流动|出国")),
)


def exempt_category(reason: str) -> str:
    """The category of a 免诺原因 shown in public: 高龄, 身体原因, 外出务工 or 其他原因."""
    return next(
        (label for label, pattern in EXEMPT_CATEGORIES if pattern.search(reason)), "其他原因"
    )


@dataclass(frozen=True)
class Item:
    """One public commitment with its progress, ready for display."""

    id: int
    title: str
    description: str
    target: str
    beneficiary: str
    category: str
    progress: Progress
    bar: str
    done: bool
    # The row itself, for the fields a channel shows as they are (dates, units, kinds).
    commitment: Commitment = field(compare=False, repr=False)
    rejection_reason: str = ""

    @property
    def next_due(self) -> str:
        return self.progress.next_due.isoformat() if self.progress.next_due else ""


def item_of(c: Commitment, p: Progress) -> Item:
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
        commitment=c,
        rejection_reason=privacy.scrub(c.last_rejection_reason),
    )


@dataclass(frozen=True)
class PhotoView:
    id: int
    key: str


@dataclass(frozen=True)
class LogView:
    id: int
    commitment_id: int
    day: str
    happened_on: date
    created_at: datetime
    title: str
    quantity: int
    unit: str
    note: str
    verified: bool
    content_status: str
    photos: tuple[PhotoView, ...]

    @property
    def photo_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.photos)


def public_logs_query(*conditions: ColumnElement[bool]) -> Select[tuple[FulfilmentLog]]:
    """Public logs (newest first) with their photos and commitment loaded in the same round."""
    return (
        select(FulfilmentLog)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(*visibility.public_log(), *conditions)
        .options(selectinload(FulfilmentLog.photos), selectinload(FulfilmentLog.commitment))
        .order_by(FulfilmentLog.happened_on.desc(), FulfilmentLog.id.desc())
    )


def log_views(entries: Sequence[FulfilmentLog]) -> list[LogView]:
    return [
        log_view(
            e.id,
            e.commitment_id,
            e.happened_on,
            e.created_at,
            e.commitment.title,
            e.quantity,
            e.commitment.unit,
            e.note,
            e.verified_at is not None,
            e.content_status,
            [(p.id, p.storage_key, p.status) for p in e.photos],
        )
        for e in entries
    ]


def log_view(
    log_id: int,
    commitment_id: int,
    happened_on: date,
    created_at: datetime,
    title: str,
    quantity: int,
    unit: str,
    note: str,
    verified: bool,
    content_status: str,
    photos: Sequence[tuple[int, str | None, str]],
) -> LogView:
    """A public log as every channel shows it: text masked (``privacy.scrub``), only its ready
    photos (``photos``: id, storage key, status), in the order they were added."""
    return LogView(
        id=log_id,
        commitment_id=commitment_id,
        day=happened_on.isoformat(),
        happened_on=happened_on,
        created_at=created_at,
        title=privacy.scrub(title),
        quantity=quantity,
        unit=unit,
        note=privacy.scrub(note),
        verified=verified,
        content_status=content_status,
        photos=tuple(
            PhotoView(pid, key) for pid, key, status in sorted(photos) if key and status == "ready"
        ),
    )
