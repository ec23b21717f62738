"""Bind codes: issue (single use, expiring, unambiguous alphabet) and redeem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Account, BindCode
from services.errors import Conflict, ValidationError
from services.org import bindcodes
from tests import factories as f

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def ctx(session):
    t = f.tree(session)
    zhang = f.member(session, t["branch"], "张建国", group=t["group1"])
    li = f.member(session, t["branch"], "李秀英", group=t["group2"])
    session.commit()
    return {**t, "zhang": zhang, "li": li}


def test_issue_gives_eight_unambiguous_characters(session, ctx):
    codes = {bindcodes.issue(session, ctx["zhang"], now=NOW).code for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == 8
        assert not set(code) & set("0O1I")
        assert set(code) <= set(bindcodes.ALPHABET)


def test_issue_sets_expiry_and_supersedes_older_unused_codes(session, ctx):
    first = bindcodes.issue(session, ctx["zhang"], ttl_hours=72, now=NOW)
    assert first.expires_at == NOW + timedelta(hours=72)
    second = bindcodes.issue(session, ctx["zhang"], ttl_hours=24, now=NOW + timedelta(hours=1))
    session.commit()
    account = f.account(session)
    with pytest.raises(Conflict) as err:
        bindcodes.redeem(session, account, first.code, now=NOW + timedelta(hours=2))
    assert err.value.code == "bind_code_expired"
    assert (
        bindcodes.redeem(session, account, second.code, now=NOW + timedelta(hours=2)).id
        == ctx["zhang"].id
    )


def test_bad_ttl_is_refused(session, ctx):
    with pytest.raises(ValidationError) as err:
        bindcodes.issue(session, ctx["zhang"], ttl_hours=0)
    assert err.value.field == "ttl_hours"


def test_redeem_binds_account_and_uses_the_code(session, ctx):
    bc = bindcodes.issue(session, ctx["zhang"], now=NOW)
    account = f.account(session)
    member = bindcodes.redeem(session, account, bc.code, now=NOW + timedelta(hours=1))
    session.commit()
    assert member.id == ctx["zhang"].id
    assert account.member_id == ctx["zhang"].id
    assert account.name == "张建国"
    stored = session.scalar(select(BindCode).where(BindCode.id == bc.id))
    assert stored.used_at == NOW + timedelta(hours=1)
    assert stored.used_by_account_id == account.id


def test_redeem_normalises_full_width_case_and_spaces(session, ctx):
    bc = bindcodes.issue(session, ctx["zhang"], now=NOW)
    typed = " " + "".join(chr(ord(ch) + 0xFEE0) for ch in bc.code[:4].lower()) + " " + bc.code[4:]
    account = f.account(session)
    assert bindcodes.redeem(session, account, typed, now=NOW).id == ctx["zhang"].id


def test_redeem_same_code_twice_from_same_account_is_harmless(session, ctx):
    bc = bindcodes.issue(session, ctx["zhang"], now=NOW)
    account = f.account(session)
    bindcodes.redeem(session, account, bc.code, now=NOW)
    assert bindcodes.redeem(session, account, bc.code, now=NOW).id == ctx["zhang"].id


def test_unknown_code(session, ctx):
    account = f.account(session)
    with pytest.raises(ValidationError) as err:
        bindcodes.redeem(session, account, "ZZZZZZZZ", now=NOW)
    assert err.value.code == "bind_code_unknown"
    assert "不存在" in err.value.message
    with pytest.raises(ValidationError) as err:
        bindcodes.redeem(session, account, "  ", now=NOW)
    assert err.value.code == "bind_code_missing"


def test_used_code_by_someone_else(session, ctx):
    bc = bindcodes.issue(session, ctx["zhang"], now=NOW)
    bindcodes.redeem(session, f.account(session), bc.code, now=NOW)
    with pytest.raises(Conflict) as err:
        bindcodes.redeem(session, f.account(session), bc.code, now=NOW)
    assert err.value.code == "bind_code_used"
    assert "已经使用过" in err.value.message


def test_expired_code(session, ctx):
    bc = bindcodes.issue(session, ctx["zhang"], ttl_hours=1, now=NOW)
    account = f.account(session)
    with pytest.raises(Conflict) as err:
        bindcodes.redeem(session, account, bc.code, now=NOW + timedelta(hours=1))
    assert err.value.code == "bind_code_expired"
    assert "过期" in err.value.message
    assert account.member_id is None


def test_account_already_bound_to_another_member(session, ctx):
    account = f.account(session)
    bindcodes.redeem(
        session, account, bindcodes.issue(session, ctx["zhang"], now=NOW).code, now=NOW
    )
    other = bindcodes.issue(session, ctx["li"], now=NOW)
    with pytest.raises(Conflict) as err:
        bindcodes.redeem(session, account, other.code, now=NOW)
    assert err.value.code == "account_already_bound"
    assert "张建国" in err.value.message
    assert session.get(BindCode, other.id).used_at is None


def test_member_already_bound_to_another_account(session, ctx):
    bindcodes.redeem(
        session, f.account(session), bindcodes.issue(session, ctx["zhang"], now=NOW).code, now=NOW
    )
    again = bindcodes.issue(session, ctx["zhang"], now=NOW)
    second = f.account(session)
    with pytest.raises(Conflict) as err:
        bindcodes.redeem(session, second, again.code, now=NOW)
    assert err.value.code == "member_already_bound"
    assert second.member_id is None


def test_issue_for_org_skips_bound_members(session, ctx):
    extra_branch = f.org(session, "branch", "西村党支部", ctx["township"])
    f.member(session, extra_branch, "外村人")
    f.account(session, member=ctx["li"])
    pairs = bindcodes.issue_for_org(session, ctx["branch"], now=NOW)
    assert [m.name for m, _ in pairs] == ["张建国"]
    everyone = bindcodes.issue_for_org(session, ctx["township"], now=NOW, include_bound=True)
    assert sorted(m.name for m, _ in everyone) == ["外村人", "张建国", "李秀英"]
    assert session.scalar(select(Account).where(Account.member_id == ctx["zhang"].id)) is None
