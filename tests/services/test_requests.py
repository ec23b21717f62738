"""Residents' requests: assignment, answering, resolution, confirmation, reopening, escalation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from infra.clock import now_utc
from models import Evaluation, OutboundMessage, TimelineEntry
from services import requests as reqs
from services.actors import SYSTEM
from services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from tests import factories as f


@pytest.fixture
def world(session):
    t = f.tree(session)
    linked = f.member(session, t["branch"], "陈电工")
    busy = f.member(session, t["branch"], "周师傅")
    secretary = f.member(session, t["branch"], "李书记")
    f.grant(session, "secretary", t["branch"], member=secretary)
    home = f.household(session, t["branch"], linked=[linked, busy])
    resident = f.account(session, household=home, name="王秀英")
    stranger = f.account(session, name="路人")
    session.commit()
    return {
        **t,
        "linked": linked,
        "busy": busy,
        "secretary": secretary,
        "resident": resident,
        "stranger": stranger,
    }


def test_request_goes_to_a_linked_member_and_gets_a_number(session, world):
    actor = f.as_actor(session, world["resident"])
    req = reqs.submit(session, actor, kind="problem", text="村东路灯坏了", location="村东小桥")
    session.commit()
    assert req.status == "assigned"
    assert req.assignee_member_id in (world["linked"].id, world["busy"].id)
    assert req.number.endswith(str(req.id)) and len(req.number) > 6
    assert reqs.by_number(session, req.number).id == req.id
    assert reqs.answerer_label(session, req).startswith("党员")
    # A second request from the same household goes to the other linked member (fewest open).
    second = reqs.submit(session, actor, kind="wish", text="想要一把轮椅")
    assert second.assignee_member_id != req.assignee_member_id


def test_request_without_household_goes_to_the_township(session, world):
    req = reqs.submit(
        session, f.as_actor(session, world["stranger"]), kind="suggestion", text="建议增加垃圾桶"
    )
    assert req.org_id == world["township"].id and req.status == "submitted"


def test_validation_names_the_field(session, world):
    actor = f.as_actor(session, world["resident"])
    with pytest.raises(ValidationError) as err:
        reqs.submit(session, actor, kind="rumour", text="路灯坏了")
    assert err.value.field == "kind"
    with pytest.raises(ValidationError) as err:
        reqs.submit(session, actor, kind="problem", text=" ")
    assert err.value.field == "text"


def test_full_cycle_with_reply_resolve_confirm_rate(session, world):
    resident = f.as_actor(session, world["resident"])
    req = reqs.submit(session, resident, kind="problem", text="村东路灯坏了")
    member = f.as_actor(session, session.get_one(type(world["linked"]), req.assignee_member_id))
    reqs.claim(session, member, req)
    reqs.reply(session, member, req, "明天上午带梯子去修")
    assert req.status == "in_progress" and req.first_answered_at is not None
    with pytest.raises(PermissionDenied):
        reqs.confirm(session, member, req)
    with pytest.raises(Conflict):
        reqs.confirm(session, resident, req)
    reqs.resolve(session, member, req, "done", "已更换灯泡")
    reqs.confirm(session, resident, req)
    reqs.rate(session, resident, req, "satisfied", "修得很快")
    session.commit()
    entries = session.scalars(
        select(TimelineEntry).where(TimelineEntry.request_id == req.id).order_by(TimelineEntry.id)
    ).all()
    actions = [e.action for e in entries]
    # The automatic assignment is the system's, never the resident's.
    assert entries[1].actor_label == "系统自动分派" and entries[1].actor_account_id is None
    assert actions == [
        "created",
        "assigned",
        "claimed",
        "replied",
        "resolved",
        "confirmed",
        "rated",
    ]
    ev = session.scalar(select(Evaluation).where(Evaluation.request_id == req.id))
    assert (
        ev is not None
        and ev.rating == "satisfied"
        and ev.subject_member_id == req.assignee_member_id
    )
    # The resident follows the account: answer and resolution were queued as messages.
    keys = session.scalars(select(OutboundMessage.idempotency_key)).all()
    assert any(":reply:" in k for k in keys) and any(":resolved:" in k for k in keys)


def test_closed_is_not_fixed_and_reopen_window(session, world):
    resident = f.as_actor(session, world["resident"])
    secretary = f.as_actor(session, world["secretary"])
    req = reqs.submit(session, resident, kind="problem", text="下水道堵了")
    with pytest.raises(ValidationError) as err:
        reqs.resolve(session, secretary, req, "not_feasible", "")
    assert err.value.field == "note"
    reqs.resolve(session, secretary, req, "referred", "已转交镇城建办")
    assert req.resolution == "referred"
    reqs.reopen(session, resident, req, "还是堵着", window_days=15)
    assert req.status == "assigned" and req.reopened_count == 1 and req.resolution is None
    reqs.resolve(session, secretary, req, "done", "已疏通")
    req.resolved_at = now_utc() - timedelta(days=16)
    with pytest.raises(Conflict):
        reqs.reopen(session, resident, req, "又堵了", window_days=15)


def test_other_residents_cannot_see_or_act(session, world):
    req = reqs.submit(
        session, f.as_actor(session, world["resident"]), kind="problem", text="路灯坏了"
    )
    stranger = f.as_actor(session, world["stranger"])
    assert not reqs.can_view(session, stranger, req)
    with pytest.raises(NotFound):
        reqs.visible_to(session, stranger, req)
    with pytest.raises(PermissionDenied):
        reqs.reply(session, stranger, req, "我来修")
    assert reqs.can_view(session, f.as_actor(session, world["secretary"]), req)


def test_unanswered_requests_escalate_once_per_due_time(session, world):
    req = reqs.submit(
        session, f.as_actor(session, world["resident"]), kind="problem", text="路灯坏了"
    )
    answered = reqs.submit(
        session, f.as_actor(session, world["resident"]), kind="wish", text="要轮椅"
    )
    reqs.reply(session, SYSTEM, answered, "已登记")
    later = now_utc() + timedelta(hours=49)
    assert [r.id for r in reqs.escalate_overdue(session, later)] == [req.id]
    assert req.escalation_level == 1
    assert reqs.escalate_overdue(session, later) == []  # due time moved on: not twice


def _notices(session, kind):
    import json

    rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    out = []
    for m in rows:
        notice = json.loads(m.payload).get("notice", {})
        if notice.get("kind") == kind:
            out.append((m.recipient, notice))
    return out


def test_assignment_tells_the_member_or_else_the_secretary(session, world):
    f.account(session, world["linked"], oa_openid="o-linked")
    f.account(session, world["secretary"], oa_openid="o-secretary")
    resident = f.as_actor(session, world["resident"])
    first = reqs.submit(session, resident, kind="problem", text="路灯坏了")
    second = reqs.submit(session, resident, kind="wish", text="要轮椅")
    holders = {first.assignee_member_id, second.assignee_member_id}
    assert holders == {world["linked"].id, world["busy"].id}
    sent = _notices(session, reqs.NOTICE_ASSIGNED)
    # 陈电工 has an official-account openid; 周师傅 has none, so his branch secretary is told.
    assert sorted(to for to, _ in sent) == ["o-linked", "o-secretary"]
    assert all(n["mp_path"].startswith("pages/request-detail/index?id=") for _, n in sent)
    # A transfer tells the new holder; the same holder again is not told twice.
    held_by_busy = first if first.assignee_member_id == world["busy"].id else second
    reqs.transfer(session, SYSTEM, held_by_busy, world["linked"].id)
    reqs.transfer(session, SYSTEM, held_by_busy, world["busy"].id)
    reqs.transfer(session, SYSTEM, held_by_busy, world["linked"].id)
    sent = _notices(session, reqs.NOTICE_ASSIGNED)
    assert sorted(to for to, _ in sent) == ["o-linked", "o-linked", "o-secretary"]


def test_answered_but_unresolved_request_escalates_after_resolve_days(session, world):
    f.account(session, world["secretary"], oa_openid="o-secretary")
    req = reqs.submit(
        session, f.as_actor(session, world["resident"]), kind="problem", text="路灯坏了"
    )
    reqs.reply(session, SYSTEM, req, "已登记，尽快处理")
    assert not reqs.is_overdue(req, now_utc() + timedelta(days=3), resolve_days=7)
    assert reqs.escalate_overdue(session, now_utc() + timedelta(days=6), 48, 7) == []
    later = now_utc() + timedelta(days=7, hours=1)
    assert reqs.is_overdue(req, later, resolve_days=7)
    assert [r.id for r in reqs.escalate_overdue(session, later, 48, 7)] == [req.id]
    note = session.scalars(
        select(TimelineEntry.note).where(
            TimelineEntry.request_id == req.id, TimelineEntry.action == "escalated"
        )
    ).one()
    assert note == "超过 7 天办结时限未办结，已上报至东村党支部书记"
    sent = _notices(session, reqs.NOTICE_ESCALATED)
    assert [(to, n["stage"], n["level"]) for to, n in sent] == [("o-secretary", "resolve", 1)]
    reqs.resolve(session, SYSTEM, req, "done")
    assert not reqs.is_overdue(req, later + timedelta(days=30))


def test_a_township_request_escalates_straight_to_the_township_admins(session, world):
    admin = f.account(session, oa_openid="o-admin")
    f.grant(session, "township_admin", world["township"], account=admin)
    req = reqs.submit(
        session, f.as_actor(session, world["stranger"]), kind="suggestion", text="建议增加垃圾桶"
    )
    assert req.org_id == world["township"].id
    later = now_utc() + timedelta(hours=49)
    assert [r.id for r in reqs.escalate_overdue(session, later)] == [req.id]
    assert req.escalation_level == 2
    sent = _notices(session, reqs.NOTICE_ESCALATED)
    assert [(to, n["level"]) for to, n in sent] == [("o-admin", 2)]
    assert reqs.escalate_overdue(session, later + timedelta(days=10)) == []


def test_voices_go_to_whoever_holds_the_request_on_the_official_account(session, world):
    """``notify.pass_on_voices``: each kept voice of a request, once per person, to the
    official account of whoever holds it and of whoever it escalates to; none for a voice
    WeChat could not give us."""
    from models import VoiceClip
    from services import chat
    from services.requests import notify

    f.account(session, world["linked"], oa_openid="o-linked")
    f.account(session, world["busy"], oa_openid=None, mp_openid="mp-busy")
    resident = f.as_actor(session, world["resident"])
    req = reqs.submit(session, resident, kind="problem", text="【语音留言】")
    if req.assignee_member_id != world["linked"].id:
        reqs.transfer(session, SYSTEM, req, world["linked"].id)
    clip = chat.keep_voice(
        session, account_id=world["resident"].id, openid="o-res", media_id="M1", msg_id="m1",
        request_id=req.id,
    )  # fmt: skip

    def voices() -> list[tuple[str, int]]:
        rows = session.scalars(select(OutboundMessage).where(OutboundMessage.channel == "oa_voice"))
        return sorted((r.recipient, json.loads(r.payload)["voice_id"]) for r in rows)

    assert voices() == [("o-linked", clip.id)]
    assert notify.pass_on_voices(session, req) == 1 and voices() == [("o-linked", clip.id)]
    # 周师傅 has only the mini-program, so his secretary would be told, who has no account here
    reqs.transfer(session, SYSTEM, req, world["busy"].id)
    assert voices() == [("o-linked", clip.id)]
    # overdue: the secretary it escalates to hears it too, once
    f.account(session, world["secretary"], oa_openid="o-secretary")
    assert [r.id for r in reqs.escalate_overdue(session, now_utc() + timedelta(hours=49))] == [
        req.id
    ]
    assert voices() == [("o-linked", clip.id), ("o-secretary", clip.id)]
    assert notify.pass_on_voices(session, req, level=1) == 1  # queued already: the same row
    assert voices() == [("o-linked", clip.id), ("o-secretary", clip.id)]
    gone = session.get_one(VoiceClip, clip.id)
    gone.status = "failed"
    reqs.transfer(session, SYSTEM, req, world["linked"].id)
    assert voices() == [("o-linked", clip.id), ("o-secretary", clip.id)]
