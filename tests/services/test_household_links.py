"""Residents linked to their household (services.org.households / bindcodes) and 结对共建
(services.org.pairing, grades.is_served_by for partner pledges)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Account, BindCode, Commitment, CommitmentStatus
from services.actors import SYSTEM
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.evaluation.grades import is_served_by
from services.org import bindcodes, households, pairing
from tests import factories as f


@pytest.fixture
def ctx(session):
    t = f.tree(session)
    member = f.member(session, t["branch"], "张卫东")
    house = f.household(session, t["branch"], linked=[member], phone="13700001111")
    session.commit()
    return {**t, "member": member, "house": house}


def test_household_codes_share_the_namespace_and_survive_a_second_issue(session, ctx):
    code = bindcodes.issue_household(session, ctx["house"])
    assert len(code) == bindcodes.CODE_LENGTH and set(code) <= set(bindcodes.ALPHABET)
    assert bindcodes.household_for_code(session, f" {code.lower()[:4]}-{code[4:]} ") is ctx["house"]
    again = bindcodes.issue_for_households(session, ctx["branch"])
    assert again == [(ctx["house"], code)]  # printed cards stay valid
    reissued = bindcodes.issue_for_households(session, ctx["township"], reissue=True)
    assert reissued[0][1] != code and bindcodes.household_for_code(session, code) is None
    member_code = bindcodes.issue(session, ctx["member"]).code
    assert bindcodes.household_for_code(session, member_code) is None
    assert session.scalar(select(BindCode.id).where(BindCode.code == reissued[0][1])) is None


def test_link_is_idempotent_records_consent_and_unlink_clears_it(session, ctx):
    account = Account(oa_openid="o-1")
    households.link_account(session, account, ctx["house"], "code")
    first = account.household_consent_at
    assert account.household_id == ctx["house"].id and first is not None
    households.link_account(session, account, ctx["house"], "scan")
    assert account.household_linked_via == "code" and account.household_consent_at == first
    other = f.household(session, ctx["branch"])
    with pytest.raises(Conflict, match="解绑"):
        households.link_account(session, account, other, "code")
    assert households.unlink_account(session, account) is ctx["house"]
    assert account.household_id is None and account.household_consent_at is None
    with pytest.raises(Conflict):
        households.unlink_account(session, account)


def test_phone_match_rules(session, ctx):
    account = Account(oa_openid="o-2")
    with pytest.raises(ValidationError, match="同意"):
        households.link_by_phone(session, account, "13700001111", consent=False)
    with pytest.raises(NotFound):
        households.link_by_phone(session, account, "13900000000", consent=True)
    with pytest.raises(ValidationError):
        households.link_by_phone(session, account, "12345", consent=True)
    hh = households.link_by_phone(session, account, "+86 137-0000-１１１１", consent=True)
    assert hh is ctx["house"] and account.household_linked_via == "phone"
    assert account.phone == "13700001111"
    f.household(session, ctx["branch"], phone="13700002222")
    f.household(session, ctx["branch"], phone="13700002222")
    with pytest.raises(Conflict, match="多户"):
        households.link_by_phone(session, Account(oa_openid="o-3"), "13700002222", consent=True)


def test_pairing_rules_and_partner_pledge_sign_off(session, ctx):
    organ = f.org(session, "branch", "镇机关党支部", ctx["township"])
    other_village = f.org(session, "branch", "西村党支部", ctx["township"])
    secretary = f.member(session, ctx["branch"], "赵书记")
    f.grant(session, "secretary", ctx["branch"], member=secretary)
    with pytest.raises(PermissionDenied):
        pairing.pair(session, f.as_actor(session, secretary), organ, ctx["branch"])
    with pytest.raises(ValidationError):
        pairing.pair(session, SYSTEM, organ, organ)
    with pytest.raises(ValidationError):
        pairing.pair(session, SYSTEM, organ, ctx["group1"])
    row = pairing.pair(session, SYSTEM, organ, ctx["branch"])
    assert pairing.pair(session, SYSTEM, organ, ctx["branch"]) is row
    assert pairing.partners_of(session, ctx["branch"]) == [organ]
    pairing.end_pairing(session, SYSTEM, organ, ctx["branch"])
    assert pairing.partners_of(session, ctx["branch"]) == []
    assert pairing.pair(session, SYSTEM, organ, ctx["branch"]).id == row.id  # paired again

    organ_member = f.member(session, organ, "吴干部")
    pledge = Commitment(
        owner_kind="branch",
        org_id=organ.id,
        partner_org_id=ctx["branch"].id,
        title="每季度开展一次政策宣讲",
        target_kind="count",
        target_quantity=4,
        unit="次",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        status=CommitmentStatus.PUBLISHED.value,
    )
    session.add(pledge)
    session.flush()
    village_resident = f.account(session, household=f.household(session, ctx["branch"]))
    far_resident = f.account(session, household=f.household(session, other_village))
    unlinked = f.account(session)
    assert is_served_by(session, village_resident, organ_member.id, pledge)
    assert not is_served_by(session, far_resident, organ_member.id, pledge)
    assert not is_served_by(session, unlinked, organ_member.id, pledge)
    # a village member's own commitment still needs the 联户 link
    own = f.published(session, ctx["member"])
    assert not is_served_by(session, village_resident, ctx["member"].id, own)
    with pytest.raises(Conflict, match="结对"):
        pairing.create_partner_pledge(session, SYSTEM, organ.id, other_village.id, {"title": "x"})
