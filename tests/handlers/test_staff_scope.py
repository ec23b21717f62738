"""后台 scope: a secretary sees their branch, a group leader their group, and neither can open
or act on another branch — tested for every console route (403 page, nothing changed, an
audit row for each refused POST)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from handlers.staff import AUDITED_GETS
from models import (
    Account,
    AgendaItem,
    AgendaMeeting,
    Base,
    CivicCounter,
    CivicGood,
    Commitment,
    FulfilmentLog,
    GroupRobot,
    Member,
    Organisation,
    OutboundMessage,
    PartyDay,
    Request,
    RoleGrant,
    StaffAudit,
    Survey,
    VoiceClip,
)

pytestmark = pytest.mark.demo_township

# Reached before signing in: the login flow itself.
PUBLIC = {
    "staff.need_login",
    "staff.login",
    "staff.demo_login",
    "staff.logout",
    "staff.login_qr_state",
    "staff.login_qr_continue",
    "staff.static",
}
# Tables a refused request may write to: the session and the audit trail.
BOOKKEEPING = {"staff_audit", "staff_session", "staff_login", "staff_qr_login"}


def _db(app):
    return app.extensions["db"].session_factory()


def _secretary(app, branch: Organisation | None = None) -> tuple[int, Organisation]:
    with _db(app) as s:
        q = (
            select(Account.id, Organisation)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .join(Organisation, Organisation.id == RoleGrant.org_id)
            .where(RoleGrant.role == "secretary")
            .order_by(Organisation.id)
        )
        account_id, org = s.execute(q).first()
        s.expunge(org)
        return account_id, org


def login_as(app, client, account_id: int) -> None:
    result = app.test_cli_runner().invoke(args=["staff", "link", "--account", str(account_id)])
    assert result.exit_code == 0, result.output
    url = re.search(r"(/staff/login\?t=\S+)", result.output).group(1)
    assert client.get(url).status_code == 303


def csrf(client, path: str = "/staff/") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def snapshot(app) -> str:
    """A digest of every row of every table but the console's own bookkeeping."""
    digest = hashlib.sha256()
    with _db(app) as s:
        for table in Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _other_branch_objects(app, mine: Organisation) -> dict[str, int]:
    """One object of each kind in a branch that is not ``mine``."""
    with _db(app) as s:
        other = s.scalar(
            select(Organisation)
            .where(Organisation.kind == "branch", Organisation.id != mine.id)
            .order_by(Organisation.id)
        )
        robot = GroupRobot(org_id=other.id, name="他村党员群", webhook_env="ROBOT_OTHER")
        s.add(robot)
        s.flush()
        member = s.scalar(select(Member).where(Member.org_id == other.id).order_by(Member.id))
        commitment = s.scalar(
            select(Commitment).where(Commitment.org_id == other.id).order_by(Commitment.id)
        )
        log = s.scalar(
            select(FulfilmentLog)
            .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
            .where(Commitment.org_id == other.id, FulfilmentLog.verified_at.is_(None))
            .order_by(FulfilmentLog.id)
        )
        req = s.scalar(select(Request).where(Request.org_id == other.id).order_by(Request.id))
        grant = s.scalar(select(RoleGrant).where(RoleGrant.org_id == other.id))
        message = OutboundMessage(
            channel="robot", robot_id=robot.id, payload="{}", idempotency_key="scope-test"
        )
        s.add(message)
        clip = VoiceClip(wechat_media_id="m-scope", request_id=req.id, status="ready")
        s.add(clip)
        now = datetime.now(UTC)
        meeting = AgendaMeeting(org_id=other.id, held_at=now, place="他村议事亭")
        s.add(meeting)
        s.flush()
        item = AgendaItem(
            number="YS-SCOPE", org_id=other.id, text="他村的议事", status="scheduled",
            meeting_id=meeting.id,
        )  # fmt: skip
        counter = CivicCounter(org_id=other.id, name="他村便民服务中心")
        s.add_all([item, counter])
        s.flush()
        good = CivicGood(counter_id=counter.id, name="洗衣粉", price=10, stock=3)
        day = PartyDay(
            org_id=other.id, month=now.strftime("%Y-%m"), held_on=now.date(), topic="他村党日"
        )
        poll = Survey(org_id=other.id, quarter="2026Q4")
        s.add_all([good, day, poll])
        s.commit()
        return {
            "org_id": other.id,
            "member_id": member.id,
            "commitment_id": commitment.id,
            "log_id": log.id,
            "request_id": req.id,
            "robot_id": robot.id,
            "grant_id": grant.id,
            "message_id": message.id,
            "kind": "members",
            "clip_id": clip.id,
            "agenda_id": item.id,
            "meeting_id": meeting.id,
            "counter_id": counter.id,
            "good_id": good.id,
            "party_day_id": day.id,
            "survey_id": poll.id,
        }


def console_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every console route behind the login."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, rule.rule))
    return out


def test_a_secretary_cannot_open_or_act_on_another_branch_on_any_console_page(app):
    account_id, mine = _secretary(app)
    ids = _other_branch_objects(app, mine)
    web = app.test_client()
    login_as(app, web, account_id)
    token = csrf(web)
    routes = console_routes(app)
    assert len(routes) >= 35, routes  # every page of the console is in the loop
    before = snapshot(app)
    with _db(app) as s:
        audits = s.scalar(select(func.count()).select_from(StaffAudit))
    posts = 0
    for endpoint, method, rule in routes:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)
        other = {
            "org": ids["org_id"],
            "member": ids["member_id"],
            "log": ids["log_id"],
            "branch": ids["org_id"],
        }
        if method == "GET":
            resp = web.get(path, query_string=other)
            posts += endpoint in AUDITED_GETS  # refused downloads are audited too
        else:
            posts += 1
            resp = web.post(path, data={"csrf_token": token, **other, "reason": "越权测试"})
        assert resp.status_code == 403, (endpoint, method, path, resp.status_code)
        html = resp.get_data(as_text=True)
        assert "没有权限" in html and "没有做任何修改" in html, (endpoint, html[:300])
    assert snapshot(app) == before  # nothing changed anywhere
    with _db(app) as s:
        refused = s.scalar(
            select(func.count()).select_from(StaffAudit).where(StaffAudit.status == 403)
        )
        assert s.scalar(select(func.count()).select_from(StaffAudit)) - audits == posts
        assert refused == posts


def test_a_secretary_sees_only_their_branch(app):
    account_id, mine = _secretary(app)
    web = app.test_client()
    login_as(app, web, account_id)
    with _db(app) as s:
        own = set(s.scalars(select(Member.name).where(Member.org_id == mine.id, Member.active)))
        others = set(s.scalars(select(Member.name).where(Member.org_id != mine.id))) - own
    app.config["SETTINGS"].staff.page_size = 200
    html = web.get("/staff/members").get_data(as_text=True)
    assert all(name in html for name in own)
    assert not [name for name in others if f">{name}<" in html]
    for page in ("/staff/", "/staff/commitments", "/staff/verify", "/staff/requests",
                 "/staff/groups", "/staff/summaries", "/staff/reports", "/staff/civic/agenda",
                 "/staff/civic/points", "/staff/practices", "/staff/practices/templates",
                 "/staff/drafts"):  # fmt: skip
        assert web.get(page).status_code == 200, page
    for page in ("/staff/orgs", "/staff/roster", "/staff/outbox", "/staff/audit"):
        resp = web.get(page)
        assert resp.status_code == 403 and "只对街镇管理员开放" in resp.get_data(as_text=True)


def test_a_group_leader_sees_only_their_group(app):
    with _db(app) as s:
        account_id, group = s.execute(
            select(Account.id, Organisation)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .join(Organisation, Organisation.id == RoleGrant.org_id)
            .where(RoleGrant.role == "group_leader")
            .order_by(Organisation.id)
        ).first()
        in_group = set(s.scalars(select(Member.name).where(Member.group_id == group.id)))
        same_branch = set(
            s.scalars(
                select(Member.name).where(
                    Member.org_id == group.parent_id, Member.group_id != group.id
                )
            )
        )
        outsider = s.scalar(
            select(Member.id).where(Member.org_id == group.parent_id, Member.group_id != group.id)
        )
    web = app.test_client()
    login_as(app, web, account_id)
    html = web.get("/staff/members").get_data(as_text=True)
    assert in_group and all(f">{n}<" in html for n in in_group)
    assert not [n for n in same_branch - in_group if f">{n}<" in html]
    assert web.get(f"/staff/members/{outsider}").status_code == 403
    for page in ("/staff/verify", "/staff/requests", "/staff/groups", "/staff/reports",
                 "/staff/civic/agenda", "/staff/civic/points", "/staff/practices",
                 "/staff/drafts"):  # fmt: skip
        assert web.get(page).status_code == 403, page
    assert web.get("/staff/commitments").status_code == 200
    assert web.get("/staff/practices/templates").status_code == 200
