"""诉求办理 in the console (/staff/requests): the township's inbox, dispatch (派单) to a branch
and the answer there; and a web-form request confirmed and rated from its private link."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from models import Member, Organisation, Request, RequestStatus, TimelineEntry
from services import requests as request_service
from services.actors import Actor
from tests import factories as f


def _setup(runner: FlaskCliRunner, client: FlaskClient) -> None:
    out = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    assert out.exit_code == 0, out.output
    link = re.search(r"(/staff/login\?t=\S+)", out.output)
    assert link and client.get(link.group(1)).status_code == 303


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _db(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["db"].session()


def _branch_with_member(app: Flask) -> tuple[int, int, int, str]:
    """东村党支部 and 西村党支部 under the township; a member of 东村 (id, public code)."""
    with _db(app) as s:
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        east = f.org(s, "branch", "东村党支部", township)
        f.org(s, "branch", "西村党支部", township)
        m = f.member(s, east, "王建国")
        s.commit()
        return township.id, east.id, m.id, m.public_code


def test_township_inbox_is_dispatched_from_the_console_and_answered_there(app, client, runner):
    _setup(runner, client)
    township_id, east_id, member_id, _ = _branch_with_member(app)
    with _db(app) as s:
        resident = f.account(s)  # unlinked: no household, no member
        req = request_service.submit(
            s, f.as_actor(s, resident), kind="problem", text="村口路灯坏了三天了"
        )
        s.commit()
        req_id, number = req.id, req.number
        assert req.org_id == township_id  # nobody could place it: the township's inbox

    inbox = client.get("/staff/requests", query_string={"org": township_id})
    html = inbox.get_data(as_text=True)
    assert inbox.status_code == 200 and number in html and "（待派单）" in html
    assert "派单" in html
    token = _csrf(html)

    # no CSRF token: refused, nothing changes
    refused = client.post(f"/staff/requests/{req_id}/dispatch", data={"branch": east_id})
    assert refused.status_code == 400
    with _db(app) as s:
        assert s.get_one(Request, req_id).org_id == township_id

    r = client.post(
        f"/staff/requests/{req_id}/dispatch", data={"csrf_token": token, "branch": east_id}
    )
    assert r.status_code == 303
    with _db(app) as s:
        req = s.get_one(Request, req_id)
        assert req.org_id == east_id and req.status == RequestStatus.ASSIGNED.value
    # a second dispatch of the same request is refused: it is at a branch now
    again = client.post(
        f"/staff/requests/{req_id}/dispatch", data={"csrf_token": token, "branch": east_id}
    )
    assert again.status_code == 409 and "已在东村党支部办理" in again.get_data(as_text=True)

    # the branch's member claims and answers it
    with _db(app) as s:
        wang = f.as_actor(s, s.get_one(Member, member_id))
        req = s.get_one(Request, req_id)
        request_service.claim(s, wang, req)
        request_service.reply(s, wang, req, "已联系电工，明天上午修好")
        s.commit()

    listed = client.get("/staff/requests", query_string={"org": east_id, "q": number})
    html = listed.get_data(as_text=True)
    assert number in html and "王建国" in html
    assert "派单：由青山镇派至东村党支部" in html and "已联系电工" in html
    with _db(app) as s:
        hops = s.execute(
            select(TimelineEntry.action, TimelineEntry.actor_label)
            .where(TimelineEntry.request_id == req_id)
            .order_by(TimelineEntry.id)
        ).all()
    actions = [a for a, _ in hops]
    assert actions == ["created", "assigned", "claimed", "replied"]
    assert hops[1][1] not in ("", "群众")  # the dispatch is the staff member's, not the resident's
    assert hops[3][1] == "王建国"

    # filters: the township's inbox is empty now; the branch filter and the search find it
    empty = client.get("/staff/requests", query_string={"org": township_id}).get_data(as_text=True)
    assert number not in empty
    other = client.get("/staff/requests", query_string={"q": "不存在的内容"}).get_data(as_text=True)
    assert number not in other


def test_console_assigns_a_branch_request_to_a_member(app, client, runner):
    _setup(runner, client)
    _, east_id, member_id, _ = _branch_with_member(app)
    with _db(app) as s:
        req = request_service.submit(
            s, Actor(name="群众"), kind="wish", text="想要一个篮球架", org_id=east_id
        )
        s.commit()
        req_id = req.id
    token = _csrf(client.get("/staff/requests").get_data(as_text=True))
    r = client.post(
        f"/staff/requests/{req_id}/transfer",
        data={"csrf_token": token, "member": member_id, "reason": "王建国负责文体"},
    )
    assert r.status_code == 303
    with _db(app) as s:
        assert s.get_one(Request, req_id).assignee_member_id == member_id
    overdue = client.get("/staff/requests", query_string={"overdue": "1"}).get_data(as_text=True)
    assert "想要一个篮球架" not in overdue  # not past its limit


def test_web_form_request_is_confirmed_reopened_and_rated_from_its_private_link(
    app, client, runner
):
    _setup(runner, client)
    _, _, member_id, code = _branch_with_member(app)
    form = client.get(f"/m/{code}/ask").get_data(as_text=True)
    bad = client.post(
        f"/m/{code}/ask",
        data={
            "kind": "problem",
            "text": "楼道灯不亮",
            "callback_phone": "12345",
            "csrf_token": _csrf(form),
        },
    )
    assert bad.status_code == 400 and "11 位手机号码" in bad.get_data(as_text=True)
    sent = client.post(
        f"/m/{code}/ask",
        data={
            "kind": "problem",
            "text": "楼道灯不亮",
            "callback_phone": "+86 139-0731-0099",
            "csrf_token": _csrf(bad.get_data(as_text=True)),
        },
    )
    assert sent.status_code == 303
    link = sent.headers["Location"].replace("&new=1", "")
    number = re.search(r"/r/(\w+)\?", link).group(1)
    token = link.split("t=", 1)[1]
    with _db(app) as s:
        assert request_service.by_number(s, number).callback_phone == "13907310099"
    page = client.get(link).get_data(as_text=True)
    assert "139****0099" in page and "13907310099" not in page  # masked on the public link
    console = client.get("/staff/requests", query_string={"q": number}).get_data(as_text=True)
    assert "回访电话：13907310099" in console  # staff call back

    def resolve() -> None:
        with _db(app) as s:
            req = request_service.by_number(s, number)
            assert req.submitter_account_id is None
            wang = f.as_actor(s, s.get_one(Member, member_id))
            request_service.reply(s, wang, req, "换了灯泡")
            request_service.resolve(s, wang, req, "done", "已更换")
            s.commit()

    page = client.get(link).get_data(as_text=True)
    assert "confirm-form" not in page  # still open: nothing to confirm yet
    resolve()
    page = client.get(link).get_data(as_text=True)
    assert "confirm-form" in page and "reopen-form" in page and "rate-form" in page

    # a forged token gets nothing (same answer as an unknown number)
    assert client.post(f"/r/{number}/confirm?t=forged").status_code == 404
    assert (
        client.post(f"/r/{number}/rate?t=forged", data={"rating": "satisfied"}).status_code == 404
    )

    # not solved after all: reopened from the link, back to the same member
    short = client.post(f"/r/{number}/reopen?t={token}", data={"reason": ""})
    assert short.status_code == 400 and "请说明为什么没有解决" in short.get_data(as_text=True)
    assert (
        client.post(f"/r/{number}/reopen?t={token}", data={"reason": "还是不亮"}).status_code == 303
    )
    with _db(app) as s:
        req = request_service.by_number(s, number)
        assert req.status == RequestStatus.ASSIGNED.value and req.assignee_member_id == member_id
    resolve()

    assert client.post(f"/r/{number}/confirm?t={token}").status_code == 303
    rated = client.post(
        f"/r/{number}/rate?t={token}", data={"rating": "satisfied", "comment": "很及时"}
    )
    assert rated.status_code == 303
    with _db(app) as s:
        req = request_service.by_number(s, number)
        assert req.status == RequestStatus.CONFIRMED.value
        assert req.rating == "satisfied" and req.reopened_count == 1
        labels = s.scalars(
            select(TimelineEntry.actor_label).where(
                TimelineEntry.request_id == req.id,
                TimelineEntry.action.in_(("confirmed", "rated", "reopened")),
            )
        ).all()
        assert labels and set(labels) == {"群众（本人链接）"}
    page = client.get(link).get_data(as_text=True)
    assert "<dd>满意</dd>" in page and "confirm-form" not in page
    # confirmed once: a second confirmation is refused on the page
    twice = client.post(f"/r/{number}/confirm?t={token}")
    assert twice.status_code == 409 and "已经确认解决" in twice.get_data(as_text=True)


def test_a_link_holder_acts_only_for_a_request_without_an_account(session):
    t = f.tree(session)
    resident = f.account(session)
    own = request_service.submit(
        session,
        f.as_actor(session, resident),
        kind="problem",
        text="路面坑洼",
        org_id=t["branch"].id,
    )
    anon = request_service.submit(session, Actor(name="群众"), kind="problem", text="井盖松动")
    other = request_service.submit(session, Actor(name="群众"), kind="problem", text="垃圾没清")
    assert request_service.link_holder(own) is None  # its submitter acts from their account
    holder = request_service.link_holder(anon)
    assert holder is not None
    assert request_service.is_submitter(holder, anon)
    assert not request_service.is_submitter(holder, other)  # another request's link
    assert not request_service.can_view(session, holder, other)
