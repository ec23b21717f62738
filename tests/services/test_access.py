"""The one capability/visibility rule per aggregate, for every kind of caller: the owner,
another member of the branch, the party-group leader, the secretary, township staff, a
resident and an anonymous visitor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Commitment, FulfilmentLog, Request
from services import commitments, fulfilment, requests, timeline
from services.actors import Actor
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests import factories as f

WHO = ("owner", "other", "leader", "secretary", "admin", "resident", "anonymous")


class World:
    def __init__(self, session: Session) -> None:
        t = f.tree(session)
        self.branch = t["branch"]
        owner = f.member(session, t["branch"], "王建国", group=t["group1"])
        other = f.member(session, t["branch"], "钱二", group=t["group2"])
        leader = f.member(session, t["branch"], "李小组", group=t["group1"])
        secretary = f.member(session, t["branch"], "赵书记")
        f.grant(session, "group_leader", t["group1"], member=leader)
        f.grant(session, "secretary", t["branch"], member=secretary)
        admin_account = f.account(session, name="镇干部")
        f.grant(session, "township_admin", t["township"], account=admin_account)
        self.members = {"owner": owner, "other": other, "leader": leader, "secretary": secretary}
        self.resident_account = f.account(session, name="居民甲")
        self.stranger_account = f.account(session, name="居民乙")
        self.actors: dict[str, Actor | None] = {
            name: f.as_actor(session, f.account(session, m)) for name, m in self.members.items()
        }
        self.actors["admin"] = f.as_actor(session, admin_account)
        self.actors["resident"] = f.as_actor(session, self.resident_account)
        self.actors["anonymous"] = None

    def pledge(self, session: Session) -> Commitment:
        """A published branch commitment (no owning member)."""
        c = self.commitment(session, "published")
        c.owner_kind, c.member_id = "branch", None
        session.flush()
        return c

    def commitment(self, session: Session, status: str, **kw: object) -> Commitment:
        c = f.published(session, self.members["owner"], **kw)
        c.status = status
        session.flush()
        return c


@pytest.fixture
def w(session: Session) -> World:
    return World(session)


def _who(w: World, rule, obj) -> set[str]:  # type: ignore[no-untyped-def]
    return {name for name in WHO if rule(w.actors[name], obj)}


# -- commitments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "content", "expected"),
    [
        ("published", "pass", set(WHO)),
        ("published", "not_checked", set(WHO)),
        ("published", "rejected", {"owner", "secretary", "admin"}),
        ("published", "pending", {"owner", "secretary", "admin"}),
        ("draft", "not_checked", {"owner", "secretary", "admin"}),
        ("pending_group", "not_checked", {"owner", "leader", "secretary", "admin"}),
        ("withdrawn", "pass", {"owner", "secretary", "admin"}),
    ],
)
def test_who_sees_a_commitment(
    session: Session, w: World, status: str, content: str, expected: set[str]
) -> None:
    c = w.commitment(session, status, content_status=content)
    assert _who(w, lambda a, c: commitments.can_see(session, a, c), c) == expected
    for name in set(WHO) - expected:
        with pytest.raises(NotFound):
            commitments.visible(session, w.actors[name], c.id)
    for name in expected:
        assert commitments.visible(session, w.actors[name], c.id) is c


def test_only_the_owner_edits_and_submits_a_members_draft(session: Session, w: World) -> None:
    draft = w.commitment(session, "draft")
    assert _who(w, lambda a, c: commitments.can_edit(session, a, c), draft) == {"owner"}
    assert _who(w, lambda a, c: commitments.can_submit(session, a, c), draft) == {"owner"}
    published = w.commitment(session, "published")
    assert _who(w, lambda a, c: commitments.can_edit(session, a, c), published) == set()


def test_owner_and_managers_withdraw(session: Session, w: World) -> None:
    c = w.commitment(session, "published")
    expected = {"owner", "secretary", "admin"}
    assert _who(w, lambda a, c: commitments.can_withdraw(session, a, c), c) == expected
    gone = w.commitment(session, "withdrawn")
    assert _who(w, lambda a, c: commitments.can_withdraw(session, a, c), gone) == set()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", set()),
        ("pending_group", {"leader"}),
        ("pending_branch", {"secretary"}),
        ("pending_township", {"admin"}),
        ("published", set()),
    ],
)
def test_who_reviews_at_each_level(
    session: Session, w: World, status: str, expected: set[str]
) -> None:
    c = w.commitment(session, status)
    assert _who(w, lambda a, c: commitments.can_review(session, a, c), c) == expected
    caps = {n: commitments.capabilities(session, w.actors[n], c).review for n in WHO}
    assert {n for n, v in caps.items() if v} == expected


def test_nobody_reviews_their_own_commitment(session: Session, w: World) -> None:
    c = f.published(session, w.members["secretary"])
    c.status = "pending_branch"
    assert not commitments.can_review(session, w.actors["secretary"], c)


# -- requests -------------------------------------------------------------------------------


def _request(session: Session, w: World, status: str = "assigned") -> Request:
    req = requests.submit(
        session,
        f.as_actor(session, w.resident_account),
        kind="problem",
        text="村东路灯坏了",
        member_code=w.members["owner"].public_code,
    )
    req.status = status
    if status in ("resolved", "confirmed"):
        req.resolved_at = now_utc()
    session.flush()
    return req


def test_who_sees_a_request(session: Session, w: World) -> None:
    req = _request(session, w)
    # "owner" is the member the request is assigned to; "resident" submitted it.
    expected = {"owner", "secretary", "admin", "resident"}
    assert _who(w, lambda a, r: requests.can_view(session, a, r), req) == expected
    stranger = f.as_actor(session, w.stranger_account)
    assert not requests.can_view(session, stranger, req)
    with pytest.raises(NotFound):
        requests.visible(session, stranger, req.id)
    # a member of the branch may load it to claim it (it is on the branch's demand list)
    assert requests.visible(session, w.actors["other"], req.id, for_claim=True) is req
    with pytest.raises(NotFound):
        requests.visible(session, w.actors["other"], req.id)


def test_who_handles_an_open_request(session: Session, w: World) -> None:
    req = _request(session, w)
    handlers = {"owner", "secretary", "admin"}
    assert _who(w, lambda a, r: requests.can_handle(session, a, r), req) == handlers
    assert _who(w, lambda a, r: requests.can_reply(session, a, r), req) == handlers
    assert _who(w, lambda a, r: requests.can_resolve(session, a, r), req) == handlers
    # assigned to "owner": only they may claim it (anyone else needs a transfer)
    assert _who(w, lambda a, r: requests.can_claim(session, a, r), req) == {"owner"}
    assert _who(w, lambda a, r: requests.can_transfer(session, a, r), req) == handlers
    for rule in (requests.can_confirm, requests.can_reopen, requests.can_rate):
        assert _who(w, rule, req) == set()


def test_an_unassigned_request_is_claimable_by_the_branch(session: Session, w: World) -> None:
    req = _request(session, w)
    req.assignee_member_id = None
    # the township admin here has no member identity: they assign, they do not claim
    claimers = {"owner", "other", "leader", "secretary"}
    assert _who(w, lambda a, r: requests.can_claim(session, a, r), req) == claimers


@pytest.mark.parametrize("status", ["claimed", "in_progress"])
def test_a_held_request_is_claimable_by_nobody(session: Session, w: World, status: str) -> None:
    """Issue 12: a request in progress with someone else cannot be taken over by a claim."""
    req = _request(session, w, status)
    assert _who(w, lambda a, r: requests.can_claim(session, a, r), req) == set()
    for name in ("other", "leader", "secretary"):
        with pytest.raises(Conflict) as err:
            requests.claim(session, w.actors[name], req)
        assert "不能认领" in err.value.message and "转交" in err.value.message
        assert req.assignee_member_id == w.members["owner"].id and req.status == status


def test_a_request_held_by_the_secretary_is_not_claimable(session: Session, w: World) -> None:
    req = _request(session, w)
    requests.transfer(session, w.actors["owner"], req, w.members["secretary"].id, "书记来办")
    requests.claim(session, w.actors["secretary"], req)
    assert _who(w, lambda a, r: requests.can_claim(session, a, r), req) == set()
    with pytest.raises(Conflict):
        requests.claim(session, w.actors["other"], req)


def test_transfer_is_for_the_holder_the_secretary_and_the_township(
    session: Session, w: World
) -> None:
    req = _request(session, w, "in_progress")
    for name in ("other", "leader", "resident"):
        with pytest.raises(PermissionDenied):
            requests.transfer(session, w.actors[name], req, None)
    # the holder hands it back to the branch's list; then any member may claim it
    requests.transfer(session, w.actors["owner"], req, None, "这几天不在村里")
    assert req.assignee_member_id is None and req.status == "assigned"
    claimers = {"owner", "other", "leader", "secretary"}
    assert _who(w, lambda a, r: requests.can_claim(session, a, r), req) == claimers
    requests.claim(session, w.actors["other"], req)
    assert req.assignee_member_id == w.members["other"].id
    # the township gives it to the leader directly
    requests.transfer(session, w.actors["admin"], req, w.members["leader"].id)
    assert req.assignee_member_id == w.members["leader"].id
    with pytest.raises(ValidationError):
        requests.transfer(session, w.actors["secretary"], req, 10_000)
    notes = [
        (e.action, e.note)
        for e in timeline.entries_for(session, req)
        if e.action in ("transferred", "claimed")
    ]
    assert notes == [
        ("transferred", "由党员王建国转回东村党支部，本支部党员均可认领：这几天不在村里"),
        ("claimed", "钱二认领"),
        ("transferred", "由党员钱二转交给党员李小组"),
    ]


def test_only_the_submitter_confirms_reopens_and_rates(session: Session, w: World) -> None:
    req = _request(session, w, "resolved")
    for rule in (requests.can_confirm, requests.can_reopen, requests.can_rate):
        assert _who(w, rule, req) == {"resident"}
    assert _who(w, lambda a, r: requests.can_reply(session, a, r), req) == set()
    caps = requests.capabilities(session, w.actors["resident"], req, reopen_window_days=7)
    assert caps.as_dict() == {
        "confirm": True,
        "reopen": True,
        "rate": True,
        "claim": False,
        "reply": False,
        "resolve": False,
    }
    req.resolved_at = now_utc() - timedelta(days=8)
    assert not requests.can_reopen(w.actors["resident"], req, 7)
    assert requests.can_reopen(w.actors["resident"], req)  # no window given: state only
    req.status = "confirmed"
    assert _who(w, requests.can_confirm, req) == set()
    assert _who(w, requests.can_rate, req) == {"resident"}


# -- fulfilment -----------------------------------------------------------------------------


def _log(session: Session, w: World, c: Commitment, who: str = "owner", **kw) -> FulfilmentLog:  # type: ignore[no-untyped-def]
    entry = FulfilmentLog(
        commitment_id=c.id,
        member_id=w.members[who].id,
        quantity=1,
        note="浇水",
        channel="web",
        happened_on=c.start_date,
        created_at=kw.pop("created_at", now_utc()),
        **kw,
    )
    session.add(entry)
    session.flush()
    return entry


def test_who_logs(session: Session, w: World) -> None:
    c = w.commitment(session, "published")
    assert _who(w, lambda a, c: fulfilment.can_log(session, a, c), c) == {"owner"}
    draft = w.commitment(session, "draft")
    assert _who(w, lambda a, c: fulfilment.can_log(session, a, c), draft) == set()
    branch_pledge = w.pledge(session)
    members = {"owner", "other", "leader", "secretary"}
    assert _who(w, lambda a, c: fulfilment.can_log(session, a, c), branch_pledge) == members


def test_who_edits_deletes_and_verifies_a_log(session: Session, w: World) -> None:
    c = w.commitment(session, "published")
    entry = _log(session, w, c)
    assert _who(w, lambda a, e: fulfilment.can_edit_log(a, e, 24), entry) == {"owner"}
    assert _who(w, lambda a, e: fulfilment.can_delete_log(a, e, 24), entry) == {"owner"}
    assert _who(w, lambda a, e: fulfilment.can_verify(session, a, e), entry) == {
        "secretary",
        "admin",
    }
    old = _log(session, w, c, created_at=now_utc() - timedelta(hours=25))
    assert _who(w, lambda a, e: fulfilment.can_edit_log(a, e, 24), old) == set()
    entry.verified_at = now_utc()
    assert _who(w, lambda a, e: fulfilment.can_edit_log(a, e, 24), entry) == set()
    assert _who(w, lambda a, e: fulfilment.can_verify(session, a, e), entry) == set()
    # a secretary's own log of a branch pledge is verified by someone else
    pledge = w.pledge(session)
    own = _log(session, w, pledge, "secretary")
    assert _who(w, lambda a, e: fulfilment.can_verify(session, a, e), own) == {"admin"}


def test_a_log_held_by_the_content_check_is_seen_only_by_owner_and_managers(
    session: Session, w: World
) -> None:
    c = w.commitment(session, "published")
    shown = _log(session, w, c, content_status="pass")
    held = _log(session, w, c, content_status="rejected")
    assert _who(w, lambda a, e: fulfilment.can_see_log(session, a, e), shown) == set(WHO)
    expected = {"owner", "secretary", "admin"}
    assert _who(w, lambda a, e: fulfilment.can_see_log(session, a, e), held) == expected
    for name in WHO:
        ids = {e.id for e in session.scalars(fulfilment.visible_logs(session, w.actors[name], c))}
        assert ids == ({shown.id, held.id} if name in expected else {shown.id}), name
    with pytest.raises(NotFound):
        fulfilment.visible_log(session, w.actors["resident"], held.id)
    # a log on a commitment the caller may not see is not found either
    c.status = "draft"
    with pytest.raises(NotFound):
        fulfilment.visible_log(session, None, shown.id)
