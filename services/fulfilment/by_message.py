"""A member's 践诺 sent as a message, the lean way (issue 20): the reads and the one insert of
the bot's happy path, as column selects and a Core insert, under the rules of ``logs.log``.

- ``sheet``: the account, its member and the numbered commitment list (我的承诺) in one query;
- ``facts``: the chosen commitment's logged quantity per day, and whether the same log was
  just sent (``corrections.same_log_again``), in one query;
- ``draft``: the checks of ``logs.log`` on those facts. ``access.may_log`` holds by
  construction (the list holds only the member's own commitments and their branch's, all
  published, of an open cycle year, so ``logs.check_day``'s closed-year lookup is moot);
- ``insert``: the log row, one INSERT, in the caller's write transaction;
- ``progress_after``: the commitment's progress with the new log added to the sums read
  before the write, so nothing is read inside the write transaction.

Anything off the happy path (no account, not a member, a text WeChat must check first)
gives ``None`` or raises a domain error, and the caller takes the ORM path (``logs.log``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from models import (
    Account,
    Commitment,
    CommitmentStatus,
    ContentStatus,
    FulfilmentLog,
    Member,
    OwnerKind,
)
from models.driver import DriverStatement
from services import content, progress
from services.commitments import cycle
from services.fulfilment.corrections import DUPLICATE_WINDOW, same_log_again
from services.fulfilment.logs import check_quantity, check_span, checked_note


def numbered(member_id: object, org_id: object) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The two halves of 我的承诺 for a member (values or columns): their own commitments,
    then their branch's. The list is published ones of the current cycle, own first, by id."""
    own = and_(Commitment.owner_kind == OwnerKind.MEMBER.value, Commitment.member_id == member_id)
    branch = and_(Commitment.owner_kind == OwnerKind.BRANCH.value, Commitment.org_id == org_id)
    return own, branch


@dataclass(frozen=True)
class Listed:
    """One line of the numbered list: what a log and its reply need."""

    id: int
    title: str
    unit: str
    owner_kind: str
    target: progress.Target


@dataclass(frozen=True)
class Sheet:
    """Who sent the message, and their numbered list (empty for a non-member)."""

    account_id: int
    member_id: int | None
    mp_openid: str
    items: tuple[Listed, ...]


@cache
def _sheet_query() -> Select[Any]:
    # Built once: the callback runs it for every message (statement building and its
    # cache key cost more than the query on SQLite).
    own, branch = numbered(Member.id, Member.org_id)
    columns = (
        Account.id, Account.member_id, Account.mp_openid,
        Commitment.id, Commitment.title, Commitment.unit, Commitment.owner_kind,
        Commitment.target_kind, Commitment.target_quantity, Commitment.start_date,
        Commitment.end_date, Commitment.frequency,
    )  # fmt: skip
    return (
        select(*columns)
        .select_from(Account)
        .outerjoin(Member, Member.id == Account.member_id)
        .outerjoin(
            Commitment,
            and_(
                own | branch,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
                cycle.current_sql(),
            ),
        )
        .where(Account.oa_openid == bindparam("openid"))
        .order_by(case((own, 0), else_=1), Commitment.id)
    )


@cache
def _sheet() -> DriverStatement:
    return DriverStatement(_sheet_query())


def sheet(session: Session | Connection, oa_openid: str) -> Sheet | None:
    """The account with this official-account openid, its member and the member's numbered
    list, in one query; ``None`` when there is no such account yet."""
    rows = _sheet().run(session, {"openid": oa_openid})
    if not rows:
        return None
    first = rows[0]
    day = progress.DayParser()  # the driver's dates: SQLite's text, PostgreSQL's date
    items = tuple(
        Listed(r[3], r[4], r[5], r[6], progress.Target(r[7], r[8], day(r[9]), day(r[10]), r[11]))
        for r in rows
        if r[3] is not None
    )
    return Sheet(first[0], first[1], first[2] or "", items)


@dataclass(frozen=True)
class Facts:
    sums: list[tuple[date, int]]  # logged quantity per day
    again: bool  # the same member sent the same log (text and quantity) just now


@cache
def _facts_query() -> Select[Any]:
    again = same_log_again(
        bindparam("mid"), bindparam("note"), bindparam("qty"), bindparam("since")
    )
    return (
        select(
            progress.raw_day_column(),
            func.sum(FulfilmentLog.quantity),
            func.max(case((again, 1), else_=0)),
        )
        .where(FulfilmentLog.commitment_id == bindparam("cid"))
        .group_by(FulfilmentLog.happened_on)
    )


@cache
def _facts() -> DriverStatement:
    return DriverStatement(_facts_query())


def facts(
    session: Session | Connection,
    c: Listed,
    member_id: int,
    note: str,
    quantity: int,
    now: datetime,
) -> Facts:
    """``progress.daily_sums`` of one commitment and ``corrections.recent_duplicate``, in
    one query (``note`` as it would be stored)."""
    params = {"cid": c.id, "mid": member_id, "note": note, "qty": quantity}
    rows = _facts().run(session, params | {"since": now - DUPLICATE_WINDOW})
    parse = progress.DayParser()
    return Facts([(parse(r[0]), int(r[1])) for r in rows], any(r[2] for r in rows))


@dataclass(frozen=True)
class Draft:
    """A checked log, ready to insert."""

    commitment: Listed
    account_id: int
    member_id: int
    quantity: int
    note: str
    happened_on: date
    content_status: str
    source_msg_id: str
    created_at: datetime


def draft(
    who: Sheet,
    c: Listed,
    *,
    quantity: int,
    note: str,
    today: date,
    backdate_days: int,
    source_msg_id: str,
    now: datetime,
) -> Draft | None:
    """``logs.log``'s checks (raising its errors); ``None`` when the note must wait for
    WeChat's content check or for a person's decision (``logs.log`` queues the one and tells
    the deciders of the other)."""
    assert who.member_id is not None and c in who.items
    check_quantity(quantity)
    note = checked_note(note)
    check_span(c.target.start, c.target.end, today, today, backdate_days)
    status = content.status_without_check(note, who.mp_openid)
    if status is None or status is ContentStatus.HELD:
        return None  # WeChat is to be asked, or a person must decide: ``logs.log`` does both
    return Draft(
        c, who.account_id, who.member_id, quantity, note, today, status.value, source_msg_id, now
    )


_LOG_TABLE = cast(Table, FulfilmentLog.__table__)
_LOG_COLUMNS = (
    "commitment_id", "member_id", "account_id", "quantity", "note", "happened_on", "channel",
    "source_msg_id", "content_status", "created_at", "updated_at", "verified_at",
    "verified_by_account_id",
)  # fmt: skip
_INSERT_LOG = DriverStatement(insert(_LOG_TABLE).returning(_LOG_TABLE.c.id), _LOG_COLUMNS)


def insert_log(session: Session | Connection, d: Draft) -> int:
    """The log row (one INSERT); its id."""
    row = {
        "commitment_id": d.commitment.id,
        "member_id": d.member_id,
        "account_id": d.account_id,
        "quantity": d.quantity,
        "note": d.note,
        "happened_on": d.happened_on,
        "channel": "bot",
        "source_msg_id": d.source_msg_id,
        "content_status": d.content_status,
        "created_at": d.created_at,
        "updated_at": d.created_at,
        "verified_at": None,
        "verified_by_account_id": None,
    }
    ((log_id,),) = _INSERT_LOG.run(session, row)
    return int(log_id)


def progress_after(c: Listed, before: Facts, d: Draft) -> progress.Progress:
    """The commitment's progress once ``d`` is saved: the sums read before, plus ``d``."""
    return progress.compute(c.target, [*before.sums, (d.happened_on, d.quantity)], d.happened_on)
