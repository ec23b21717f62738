"""Demo login: a demo resident login always gives a resident account (no member, no role)."""

from __future__ import annotations

from models import Account, RoleGrant
from services.org import auth
from tests import factories as f


def _resident(session) -> Account:
    return auth.demo_account(session, demo=True, role="resident", member_id=None)


def test_a_demo_resident_is_never_a_member(session):
    t = f.tree(session)
    member = f.member(session, t["branch"], "郑春梅")
    first = _resident(session)
    assert first.member_id is None and _resident(session).id == first.id  # reused while unbound
    first.member_id = member.id  # what POST /me/bind does
    session.flush()
    second = _resident(session)
    assert second.id != first.id and second.member_id is None
    assert _resident(session).id == second.id
    session.add(RoleGrant(account_id=second.id, role="township_admin", org_id=t["township"].id))
    session.flush()
    third = _resident(session)
    assert third.id not in (first.id, second.id) and third.member_id is None
    assert len({first.mp_openid, second.mp_openid, third.mp_openid}) == 3
