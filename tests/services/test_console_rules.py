"""The console's rules against a real database: scopes, the scope refusal, 扫码登录 nonces,
roster edits, robot registration, and the quarterly workbook's figures."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from infra.clock import now_utc
from models import Account, Member, Organisation, RoleGrant
from services.actors import SYSTEM, actor_for_account
from services.errors import Conflict, DomainError, PermissionDenied, ValidationError
from services.org import members, robots, staff, staff_qr
from services.org.staff import LoginRefused
from services.reads import period_reports, summaries

pytestmark = pytest.mark.demo_township


def _account(session, role: str) -> Account:
    return session.scalar(
        select(Account)
        .join(RoleGrant, RoleGrant.member_id == Account.member_id)
        .where(RoleGrant.role == role)
        .order_by(Account.id)
    )


def _admin(session) -> Account:
    return session.scalar(select(Account).where(Account.oa_openid == "demo-oa-admin"))


def test_scopes_by_level(session):
    admin = staff.scope_of(session, actor_for_account(session, _admin(session)))
    secretary = staff.scope_of(session, actor_for_account(session, _account(session, "secretary")))
    leader = staff.scope_of(session, actor_for_account(session, _account(session, "group_leader")))
    assert (admin.level, secretary.level, leader.level) == ("township", "branch", "group")
    assert [o.kind for o in admin.roots] == ["township"]
    assert [o.kind for o in secretary.roots] == ["branch"]
    assert [o.kind for o in leader.roots] == ["group"]
    resident = session.scalar(select(Account).where(Account.oa_openid == "demo-oa-resident-01"))
    assert staff.scope_of(session, actor_for_account(session, resident)) is None
    assert staff.staff_actor(session, resident.id) is None


def test_refusal_names_another_branch_and_hides_another_township(session):
    from tests import factories as f

    secretary = actor_for_account(session, _account(session, "secretary"))
    scope = staff.scope_of(session, secretary)
    mine = scope.roots[0]
    other = session.scalar(
        select(Organisation).where(Organisation.kind == "branch", Organisation.id != mine.id)
    )
    own_member = session.scalar(select(Member).where(Member.org_id == mine.id))
    assert staff.refusal(session, scope, "member", own_member.id) is None
    denied = staff.refusal(session, scope, "org", other.id)
    assert isinstance(denied, PermissionDenied) and other.name in denied.message
    elsewhere = f.tree(session)
    c = f.published(session, f.member(session, elsewhere["branch"]))
    session.flush()
    hidden = staff.refusal(session, scope, "commitment", c.id)
    assert (
        hidden is not None
        and hidden.status == 404
        and elsewhere["branch"].name not in hidden.message
    )
    assert staff.refusal(session, scope, "log", 10**8).status == 404


def test_a_login_nonce_signs_in_once_and_only_before_it_expires(session):
    nonce = staff_qr.start(session, 300)
    assert staff_qr.claim(session, nonce).state == "waiting"
    secretary = _account(session, "secretary")
    resident = session.scalar(select(Account).where(Account.oa_openid == "demo-oa-resident-01"))
    with pytest.raises(LoginRefused):
        staff_qr.scan(session, resident, nonce)
    assert staff_qr.peek(session, nonce).state == "waiting"
    staff_qr.scan(session, secretary, nonce)
    assert staff_qr.peek(session, nonce).state == "ready"
    ready = staff_qr.claim(session, nonce)
    assert ready.state == "ready" and ready.account_id == secretary.id
    assert staff_qr.claim(session, nonce).state == "expired"  # once
    with pytest.raises(LoginRefused):
        staff_qr.scan(session, secretary, nonce)
    late = staff_qr.start(session, 300)
    with pytest.raises(LoginRefused):
        staff_qr.scan(session, secretary, late, now=now_utc() + timedelta(seconds=301))
    assert staff_qr.claim(session, late, now=now_utc() + timedelta(seconds=301)).state == "expired"
    assert staff_qr.claim(session, None).state == "expired"


def test_member_edits_are_checked_and_recorded(session):
    secretary = actor_for_account(session, _account(session, "secretary"))
    branch_id = staff.scope_of(session, secretary).roots[0].id
    people = list(
        session.scalars(select(Member).where(Member.org_id == branch_id).order_by(Member.id))
    )
    target, other = [m for m in people if m.id != secretary.member_id][:2]
    kw = {"name": target.name, "phone": target.phone, "duties": target.duties,
          "speciality": target.speciality, "group_id": target.group_id}  # fmt: skip
    assert members.update(session, secretary, target, **kw) == []
    with pytest.raises(ValidationError) as bad:
        members.update(session, secretary, target, **{**kw, "phone": "1390731"})
    assert "phone" in bad.value.fields
    with pytest.raises(Conflict):
        members.update(session, secretary, target, **{**kw, "phone": other.phone})
    assert members.update(session, secretary, target, **{**kw, "phone": "+86 139-0000-1111"}) == [
        "手机号"
    ]
    assert target.phone == "13900001111"
    with pytest.raises(ValidationError):
        members.set_active(session, secretary, target, False, "")
    assert members.set_active(session, secretary, target, False, "组织关系转出") is True
    assert members.set_active(session, secretary, target, False, "组织关系转出") is False
    me = session.get(Member, secretary.member_id)
    with pytest.raises(Conflict):
        members.set_active(session, secretary, me, False, "试试停用自己")
    foreign = session.scalar(select(Member).where(Member.org_id != branch_id))
    with pytest.raises(PermissionDenied):
        members.update(session, secretary, foreign, name="x", phone=foreign.phone)


def test_robots_store_only_an_env_var_name(session):
    secretary = actor_for_account(session, _account(session, "secretary"))
    branch = staff.scope_of(session, secretary).roots[0]
    with pytest.raises(ValidationError):
        robots.add(session, secretary, branch, "东村党员群", "693a91f6-7782-4b8a-key")
    robot = robots.add(session, secretary, branch, " 东村党员群 ", "ROBOT_EAST")
    assert (robot.name, robot.webhook_env) == ("东村党员群", "ROBOT_EAST")
    with pytest.raises(Conflict):
        robots.add(session, secretary, branch, "又一个", "ROBOT_EAST")
    other = session.scalar(
        select(Organisation).where(Organisation.kind == "branch", Organisation.id != branch.id)
    )
    with pytest.raises(PermissionDenied):
        robots.add(session, secretary, other, "西村党员群", "ROBOT_WEST")
    assert robots.add(session, SYSTEM, other, "西村党员群", "ROBOT_WEST").org_id == other.id


def test_quarterly_workbook_has_the_push_figures(session):
    township = session.scalar(select(Organisation).where(Organisation.kind == "township"))
    code = f"{now_utc().year}Q{(now_utc().month - 1) // 3 + 1}"
    figures = summaries.compute(session, summaries.quarter(code))
    book = openpyxl.load_workbook(
        io.BytesIO(period_reports.quarterly_workbook(session, township, code))
    )
    rows = list(book.active.iter_rows(values_only=True))
    by_name = {r[0]: r for r in rows[2:]}
    t = figures.townships[township.id]
    assert by_name[t.name][1:4] == (t.members, t.members_committed, t.logs)
    for b in t.branches:
        assert by_name[b.name][3] == b.logs
    with pytest.raises(DomainError):
        period_reports.quarterly_workbook(session, township, "2026Q5")
