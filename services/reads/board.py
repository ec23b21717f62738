"""The progress board of one branch (进度榜), read lean: what ``branch_view`` gives the board,
without the wall's text (titles, descriptions, targets, all masked and worded) that the board
never shows, in three statements run on the driver's cursor (issue 20: an uncached board is a
public read that every QR scan and every screen in a 党群服务中心 asks for).

- the organisation with its parent (the branch when a party group is asked; the township, for
  the flags, and the parent's name);
- its members' current public commitments, each with its tally (done, done in time, periods met,
  the current period met) from one grouped statement (``progress_sql.tally_on_query``);
- the active members, in the wall's order, each row also saying whether organ branches pledged
  to the branch (结对共建: most villages have none; those that do get the wall's rows,
  ``wall.partner_rows``, and a village without active members asks on its own).

Percent and state are ``progress_sql.standing``'s and the next due date ``progress_sql.next_due``'s
(both ``progress.compute``'s figures, ``tests/services/test_progress_sql.py``); a row's figures
are the wall's own (``wall.mean_percent`` …), so the board and the wall cannot disagree
(``tests/services/test_board_lean.py`` compares them on every branch of the demo township).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from models import Commitment, Organisation, OrgKind, OwnerKind
from models.driver import DriverStatement
from services import progress, progress_sql, visibility
from services.commitments import cycle
from services.errors import NotFound
from services.progress import Progress
from services.progress_sql import core

from . import wall
from .items import exempt_category
from .lookup import township_id_above


@dataclass(frozen=True)
class OrgHead:
    """The organisation a board is of: the fields its heading shows."""

    id: int
    kind: str
    name: str
    code: str
    parent_id: int | None
    parent_name: str | None
    township_id: int | None


@dataclass(frozen=True)
class BoardRow:
    """One member (or one organ branch under 结对共建) on the board."""

    name: str
    public_code: str | None
    progresses: tuple[Progress, ...]
    exempt: bool = False
    exempt_reason: str = ""  # its category (``items.exempt_category``)

    @property
    def percent(self) -> int:
        return wall.mean_percent(self.progresses)

    @property
    def state(self) -> str | None:
        return wall.worst_state(self.progresses)

    @property
    def completed(self) -> int:
        return wall.fulfilled(self.progresses)

    @property
    def next_due(self) -> date | None:
        return wall.next_due_of(self.progresses)


@dataclass(frozen=True)
class Board:
    org: OrgHead
    rows: list[BoardRow]
    partners: list[BoardRow]


@cache
def _head() -> DriverStatement:
    parent = aliased(Organisation)
    o = Organisation
    return DriverStatement(
        select(o.id, o.kind, o.name, o.code, o.parent_id, o.path, parent.kind, parent.name)
        .outerjoin(parent, parent.id == o.parent_id)
        .where(o.id == bindparam("org_id"))
    )


def lines_query(in_orgs: ColumnElement[bool]) -> Select[Any]:
    """The current public commitments of the members of the organisations ``in_orgs`` selects
    (on ``Commitment.org_id``), each with its tally on the day bound as ``on``
    (``progress_sql.tally_on_params``): the board's and the township screen's lines."""
    c = Commitment
    where = (
        *visibility.public_commitment(),
        cycle.current_sql(),
        in_orgs,
        c.owner_kind == OwnerKind.MEMBER.value,
    )
    tally = progress_sql.tally_on_query(*where).subquery()
    t = tally.c
    return (
        select(
            c.id,
            c.member_id,
            c.target_kind,
            c.target_quantity,
            c.start_date,
            c.end_date,
            c.frequency,
            *(t[k] for k in list(t.keys())[1:]),
        )
        .outerjoin(tally, t.cid == c.id)
        .where(*where)
        .order_by(c.id)
    )


@cache
def _lines() -> DriverStatement:
    return DriverStatement(lines_query(Commitment.org_id == bindparam("branch_id")))


def progress_by_member(rows: Iterable[Sequence[Any]], on: date) -> dict[int | None, list[Progress]]:
    """The rows of ``lines_query`` as each member's commitments' progress on ``on``."""
    day = progress.DayParser()  # the driver's dates: SQLite's text, PostgreSQL's date
    by_member: dict[int | None, list[Progress]] = defaultdict(list)
    for _cid, member_id, kind, qty, start, end, freq, *tally in rows:
        target = progress.Target(kind, qty, day(start), day(end), freq)
        by_member[member_id].append(_progress(target, tally, on))
    return by_member


@cache
def _members() -> DriverStatement:
    # and, on every row, whether organ branches pledged to the branch (结对共建): a subquery on
    # a bound value, which the partner index answers once (correlated to a row, SQLite's
    # planner scanned every commitment instead)
    paired = wall.paired_query().scalar_subquery()
    return DriverStatement(wall.members_query().add_columns(paired.label("paired")))


@cache
def _paired() -> DriverStatement:
    return DriverStatement(wall.paired_query())


def _org(conn: Connection, org_id: int) -> tuple[Any, ...]:
    rows = _head().run(conn, {"org_id": org_id})
    if not rows:
        raise NotFound("找不到这个村（社区）党组织")
    return tuple(rows[0])


def head(session: Session, org_id: int) -> OrgHead:
    """The organisation of a board: a party group's board is its branch's (``lookup.branch_of``)."""
    conn = core(session)
    oid, kind, name, code, parent_id, path, parent_kind, parent_name = _org(conn, org_id)
    if kind == OrgKind.GROUP.value and parent_id:
        oid, kind, name, code, parent_id, path, parent_kind, parent_name = _org(conn, parent_id)
    if kind == OrgKind.TOWNSHIP.value:
        township: int | None = oid
    elif parent_kind == OrgKind.TOWNSHIP.value:
        township = parent_id
    else:
        township = township_id_above(session, path, oid)
    return OrgHead(oid, kind, name, code, parent_id, parent_name, township)


def _progress(target: progress.Target, tally: list[Any], on: date) -> Progress:
    """What the board shows of ``progress.compute``'s figures — percent, state, next due date —
    from the commitment's tally (``services.progress_sql``; none for a commitment without logs).
    The counts the board never shows (done, target, periods, completed on) are left at zero."""
    numbers = (0, *(int(x or 0) for x in tally))
    percent, state = progress_sql.standing(target, numbers, on, 1)
    due = progress_sql.next_due(target, state, numbers, on, 1)
    return Progress(percent, state, 0, 0, 0, due, None)


def board(session: Session, org_id: int, on: date) -> Board:
    """The board of ``org_id`` (a branch, or a party group: its branch) as it stands on ``on``:
    every active member in the wall's order, with their current public commitments' progress."""
    org = head(session, org_id)
    conn = core(session)  # one checkout for the statements below
    params = {"branch_id": org.id, **progress_sql.tally_on_params(on)}
    by_member = progress_by_member(_lines().run(conn, params), on)
    members = _members().run(conn, {"branch_id": org.id, "village_id": org.id})
    rows = [
        BoardRow(
            m[1],
            m[4],
            tuple(by_member.get(m[0], ())),
            bool(m[7]),
            exempt_category(m[8] or "") if m[7] else "",
        )
        for m in members
    ]
    paired = members[0][9] is not None if members else _paired().run(conn, {"village_id": org.id})
    partners: list[BoardRow] = []
    if paired:
        village = session.get_one(Organisation, org.id)
        partners = [
            BoardRow(r.name, None, tuple(i.progress for i in r.items))
            for r in wall.partner_rows(session, village, on, "")
        ]
    return Board(org, rows, partners)
