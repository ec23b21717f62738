"""Household (户) import from .xlsx / .csv, with each household's links to party members (联户),
and residents' WeChat accounts linked to their household (by 连心卡 code, by scanning it, or by
the phone number WeChat verified matched against the register, with the resident's consent).

Same rule as the roster: every row is validated first and a file with any bad row imports
nothing; a good file is an upsert keyed by 户编号. A non-empty 联系党员手机号 cell is the
truth for that household's links (links missing from it are removed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Account, Household, Member, MemberHousehold, Organisation
from services.errors import Conflict, NotFound, ValidationError
from services.org.phones import MOBILE_RE as PHONE_RE
from services.org.phones import normalise_phone
from services.org.roster_files import (
    HOUSEHOLD_COLUMNS,
    LANDLINE_RE,
    LIST_SPLIT_RE,
    Branches,
    ImportFailed,
    ImportResult,
    Problem,
    check_length,
    chunks,
    plain,
    read_rows,
    split_samples,
    to_records,
)


@dataclass
class _HouseholdRow:
    row: int
    code: str
    address: str
    head_name: str
    phone: str
    size: int
    branch: Organisation
    member_ids: list[int] | None  # None: the column is absent or empty → links untouched


def import_households(
    session: Session, path: str | Path, data: bytes | None = None
) -> ImportResult:
    """Validate the whole household file, then upsert it (links to members included)."""
    problems: list[Problem] = []
    records = to_records(read_rows(path, data), HOUSEHOLD_COLUMNS, problems)
    records, samples = split_samples(records, "code")
    branches = Branches(session)
    h = {c.key: c.header for c in HOUSEHOLD_COLUMNS}
    phones: set[str] = set()
    for _, rec in records:
        phones.update(normalise_phone(p) for p in LIST_SPLIT_RE.split(rec.get("members", "")) if p)
    members: dict[str, Member] = {}
    for chunk in chunks(sorted(phones)):
        for m in session.scalars(select(Member).where(Member.phone.in_(chunk))):
            members[m.phone] = m
    parsed: list[_HouseholdRow] = []
    first_row: dict[str, int] = {}
    for number, rec in records:
        before = len(problems)
        code = plain(rec.get("code", ""))  # a key: full-width letters and digits made plain
        if not code:
            problems.append(Problem(number, h["code"], "必填：请填写户编号"))
        elif not re.match(r"^[0-9A-Za-z\-_\u4e00-\u9fff]{1,32}$", code):
            problems.append(
                Problem(
                    number, h["code"], "户编号只能由字母、数字、汉字、- 和 _ 组成，最多 32 个字符"
                )
            )
        elif code in first_row:
            problems.append(
                Problem(number, h["code"], f"户编号 {code} 与第 {first_row[code]} 行重复")
            )
        else:
            first_row[code] = number
        address = rec.get("address", "")
        if not address:
            problems.append(Problem(number, h["address"], "必填：请填写住址，如 东村12号"))
        check_length(problems, number, h["address"], address, 200)
        head = check_length(problems, number, h["head_name"], rec.get("head_name", ""), 50)
        phone = normalise_phone(rec.get("phone", ""))
        if phone and not (PHONE_RE.match(phone) or LANDLINE_RE.match(phone)):
            problems.append(Problem(number, h["phone"], f"“{rec.get('phone')}”不是有效的电话号码"))
        size = 1
        size_text = plain(rec.get("size", "")).removesuffix("人").removesuffix("口")
        if size_text:
            if size_text.isdigit() and 1 <= int(size_text) <= 30:
                size = int(size_text)
            else:
                problems.append(
                    Problem(
                        number, h["size"], f"“{rec.get('size')}”不对：人口数应为 1 到 30 的整数"
                    )
                )
        branch, why = branches.find(rec.get("branch", ""))
        if branch is None:
            problems.append(Problem(number, h["branch"], why))
        member_ids: list[int] | None = None
        linked = [p for p in LIST_SPLIT_RE.split(rec.get("members", "")) if p]
        if linked:
            member_ids = []
            for raw in linked:
                p = normalise_phone(raw)
                linked_member = members.get(p)
                if linked_member is None:
                    problems.append(
                        Problem(
                            number,
                            h["members"],
                            f"找不到手机号为 {raw} 的党员：请先导入党员花名册或核对手机号",
                        )
                    )
                elif branch is not None and linked_member.org_id != branch.id:
                    problems.append(
                        Problem(
                            number,
                            h["members"],
                            f"党员{linked_member.name}（{raw}）不属于{branch.name}，联户党员须是本支部党员",
                        )
                    )
                elif linked_member.id not in member_ids:
                    member_ids.append(linked_member.id)
        if len(problems) == before and branch is not None:
            parsed.append(
                _HouseholdRow(number, code, address, head, phone, size, branch, member_ids)
            )
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.row))
    result = _apply_households(session, parsed)
    result.samples_skipped = samples
    return result


def _apply_households(session: Session, rows: list[_HouseholdRow]) -> ImportResult:
    result = ImportResult()
    existing: dict[str, Household] = {}
    for chunk in chunks([r.code for r in rows]):
        for hh in session.scalars(select(Household).where(Household.code.in_(chunk))):
            existing[hh.code] = hh
    for r in rows:
        values = {
            "address": r.address,
            "head_name": r.head_name,
            "phone": r.phone,
            "size": r.size,
            "org_id": r.branch.id,
        }
        found = existing.get(r.code)
        created = found is None
        changed = False
        if found is None:
            hh = Household(code=r.code, **values)
            session.add(hh)
            session.flush()
            existing[r.code] = hh
        else:
            hh = found
            for key, value in values.items():
                if getattr(hh, key) != value:
                    setattr(hh, key, value)
                    changed = True
        if r.member_ids is not None:
            links = {
                link.member_id: link
                for link in session.scalars(
                    select(MemberHousehold).where(MemberHousehold.household_id == hh.id)
                )
            }
            for mid in r.member_ids:
                if mid not in links:
                    session.add(MemberHousehold(member_id=mid, household_id=hh.id))
                    changed = True
            for mid, link in links.items():
                if mid not in r.member_ids:
                    session.delete(link)
                    changed = True
        if created:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


# -- residents linked to their household ----------------------------------------------------

LINK_VIA = ("code", "scan", "phone")


def link_account(
    session: Session,
    account: Account,
    household: Household,
    via: str,
    now: datetime | None = None,
) -> Household:
    """Link ``account`` to ``household`` (the resident's consent is the act of linking, recorded
    with how and when). Linking again to the same household changes nothing; an account already
    linked elsewhere must unlink first."""
    if via not in LINK_VIA:
        raise ValueError(f"unknown link route {via!r}")
    if account.id is None:
        session.add(account)
        session.flush()
    if account.household_id == household.id:
        return household
    if account.household_id is not None:
        current = session.get(Household, account.household_id)
        raise Conflict(
            f"您的微信已绑定到{current.address if current else '另一户'}，"
            "如需更换请先发送“解绑”解除原绑定",
            code="household_already_linked",
        )
    account.household_id = household.id
    account.household_linked_via = via
    account.household_consent_at = now or now_utc()
    if not account.name and household.head_name and via == "phone":
        account.name = household.head_name
    session.flush()
    return household


def check_consent(consent: bool) -> None:
    """Matching a phone number against the register needs the resident's explicit consent."""
    if consent is not True:
        raise ValidationError(
            "consent", "请先阅读并同意用手机号匹配户信息", code="household_consent_missing"
        )


def link_by_phone(
    session: Session, account: Account, phone: str, *, consent: bool, now: datetime | None = None
) -> Household:
    """Link to the household whose registered phone is the number WeChat verified (or, in demo
    mode, the number typed). Refused without the resident's explicit consent."""
    check_consent(consent)
    digits = normalise_phone(phone)
    if not PHONE_RE.match(digits):
        raise ValidationError("phone", "没有取得有效的手机号，请重新授权", code="phone_invalid")
    found = list(session.scalars(select(Household).where(Household.phone == digits).limit(2)))
    if not found:
        raise NotFound(
            "户信息中没有登记这个手机号，请用连心卡上的户码绑定（发送“绑定 户码”）",
            code="phone_not_in_households",
        )
    if len(found) > 1:
        raise Conflict(
            "这个手机号登记在多户名下，请用连心卡上的户码绑定（发送“绑定 户码”）",
            code="phone_in_many_households",
        )
    household = link_account(session, account, found[0], "phone", now)
    if not account.phone:
        account.phone = digits
    return household


def unlink_account(session: Session, account: Account) -> Household:
    """Unlink ``account`` from its household; the consent record is cleared with it."""
    if account.household_id is None:
        raise Conflict("您的微信还没有绑定到任何一户", code="household_not_linked")
    household = session.get_one(Household, account.household_id)
    account.household_id = None
    account.household_linked_via = ""
    account.household_consent_at = None
    session.flush()
    return household


def linked_members(session: Session, household: Household) -> list[Member]:
    """The active members linked to ``household`` (联户党员), in roster order."""
    return list(
        session.scalars(
            select(Member)
            .join(MemberHousehold, MemberHousehold.member_id == Member.id)
            .where(MemberHousehold.household_id == household.id, Member.active.is_(True))
            .order_by(Member.id)
        )
    )
