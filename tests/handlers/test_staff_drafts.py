"""起草支部承诺 in the console (/staff/drafts): a secretary drafts the branch's commitment from
a template of the branch's 支部类型, saves and submits it; the township files it from its
承诺审核 and it shows on the public wall. A slogan is refused with the 四化 error by its
field and nothing saved; another branch is out of reach (403, nothing saved); every POST
leaves an audit row."""

from __future__ import annotations

import html as html_lib
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Commitment, StaffAudit
from tests import factories as f
from tests.handlers.staff_login import staff_login


def _db(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["db"].session()


def _world(app: Flask) -> dict:
    """示范镇 with 东村 (农村) and 西村; a secretary of each and a township admin."""
    with _db(app) as s:
        t = f.tree(s)
        east = t["branch"]
        east.org_type = "农村"
        west = f.org(s, "branch", "西村党支部", t["township"])
        west.org_type = "农村"
        secretary = f.member(s, east, "李书记")
        f.grant(s, "secretary", east, member=secretary)
        west_secretary = f.member(s, west, "赵书记")
        f.grant(s, "secretary", west, member=west_secretary)
        admin = f.account(s, name="镇组织委员")
        f.grant(s, "township_admin", t["township"], account=admin)
        s.commit()
        return {
            "east": east.id,
            "east_code": east.code,
            "west": west.id,
            "secretary": f.account(s, member=secretary, name="李书记").id,
            "admin": admin.id,
        }


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return html_lib.unescape(found.group(1)) if found else ""


def _selected(html: str, name: str) -> str:
    block = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert block, name
    found = re.search(r'<option value="([^"]*)" selected>', block.group(1))
    return found.group(1) if found else ""


def _form(html: str) -> dict[str, str]:
    """What the browser would send from the page's draft form."""
    out = {k: _value(html, k) for k in ("title", "target_quantity", "unit", "start_date")}
    out |= {k: _value(html, k) for k in ("end_date", "beneficiary")}
    out |= {k: _selected(html, k) for k in ("category", "target_kind", "frequency")}
    out["description"] = ""
    return out


def _branch_commitments(app: Flask, org_id: int) -> list[Commitment]:
    with _db(app) as s:
        return list(
            s.scalars(
                select(Commitment).where(
                    Commitment.org_id == org_id, Commitment.owner_kind == "branch"
                )
            )
        )


def _audits(app: Flask) -> list[tuple[str, int]]:
    with _db(app) as s:
        return [
            (a, st)
            for a, st in s.execute(
                select(StaffAudit.action, StaffAudit.status).order_by(StaffAudit.id)
            )
        ]


def test_a_secretary_drafts_from_a_template_submits_and_the_township_files_it(
    app: Flask, client: FlaskClient
) -> None:
    w = _world(app)
    token = staff_login(app, client, w["secretary"])
    page = client.get("/staff/drafts").get_data(as_text=True)
    assert "起草支部承诺" in page and "东村党支部" in page
    assert "每月给村东生产路树木浇水一次" in page and "用这个模板" in page
    assert "西村党支部" not in page  # a secretary's branch is fixed
    assert "还没有支部承诺" in page

    filled = client.get(f"/staff/drafts?org={w['east']}&template=1").get_data(as_text=True)
    form = _form(filled)
    assert form["title"] == "每月给村东生产路树木浇水一次"
    assert (form["target_kind"], form["frequency"]) == ("periodic", "monthly")
    assert (form["target_quantity"], form["unit"]) == ("1", "次")

    form |= {"category": "环境整治", "beneficiary": "村东生产路两侧树木"}
    saved = client.post(
        "/staff/drafts", data={**form, "org": w["east"], "action": "save", "csrf_token": token}
    )
    assert saved.status_code == 303
    (draft,) = _branch_commitments(app, w["east"])
    assert (draft.owner_kind, draft.member_id, draft.status) == ("branch", None, "draft")
    assert (draft.frequency, draft.target_quantity, draft.category) == ("monthly", 1, "环境整治")
    listed = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "已保存草稿" in listed and f'id="c-{draft.id}"' in listed and "提交审核" in listed

    # The edit form is the same form, filled; a changed beneficiary is saved.
    edit = client.get(f"/staff/drafts/{draft.id}").get_data(as_text=True)
    assert _value(edit, "title") == draft.title and "修改草稿" in edit
    form = _form(edit) | {"beneficiary": "村东生产路120棵树木"}
    resp = client.post(
        f"/staff/drafts/{draft.id}", data={**form, "action": "save", "csrf_token": token}
    )
    assert resp.status_code == 303
    resp = client.post(f"/staff/drafts/{draft.id}/submit", data={"csrf_token": token})
    assert resp.status_code == 303
    (sent,) = _branch_commitments(app, w["east"])
    assert (sent.status, sent.beneficiary) == ("pending_township", "村东生产路120棵树木")
    assert "待街镇备案" in client.get(resp.headers["Location"]).get_data(as_text=True)

    admin = app.test_client()
    admin_token = staff_login(app, admin, w["admin"])
    queue = admin.get("/staff/commitments").get_data(as_text=True)
    assert f'id="c-{sent.id}"' in queue and "支部承诺" in queue
    resp = admin.post(
        f"/staff/commitments/{sent.id}/review",
        data={"decision": "approve", "next": "commitments", "csrf_token": admin_token},
    )
    assert resp.status_code == 303
    (filed,) = _branch_commitments(app, w["east"])
    assert filed.status == "published"
    wall = client.get(f"/o/{w['east_code']}/wall").get_data(as_text=True)
    assert "每月给村东生产路树木浇水一次" in wall

    actions = [a for a in _audits(app) if a[0].startswith("staff.drafts")]
    assert actions == [
        ("staff.drafts_create", 303),
        ("staff.drafts_update", 303),
        ("staff.drafts_submit", 303),
    ]


def test_a_slogan_is_refused_with_the_four_rules_error_by_its_field(
    app: Flask, client: FlaskClient
) -> None:
    w = _world(app)
    token = staff_login(app, client, w["secretary"])
    form = _form(client.get("/staff/drafts").get_data(as_text=True))
    form |= {"title": "积极为群众服务", "beneficiary": "全村群众"}
    resp = client.post(
        "/staff/drafts", data={**form, "org": w["east"], "action": "submit", "csrf_token": token}
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "像一句口号" in html and 'id="err-title"' in html
    assert re.search(r'id="err-title"[^>]*>[^<]*像一句口号', html)  # the message by its field
    assert 'id="err-target_quantity"' in html and "缺少可衡量的目标" in html
    assert _value(html, "title") == "积极为群众服务"  # what was typed is kept
    assert _value(html, "beneficiary") == "全村群众"
    assert _branch_commitments(app, w["east"]) == []
    assert ("staff.drafts_create", 400) in _audits(app)


def test_a_secretary_cannot_draft_for_another_branch(app: Flask, client: FlaskClient) -> None:
    w = _world(app)
    token = staff_login(app, client, w["secretary"])
    form = {"title": "每月给西村道路两侧树木浇水一次", "action": "save", "csrf_token": token}
    resp = client.post("/staff/drafts", data={**form, "org": w["west"]})
    assert resp.status_code == 403 and "没有权限" in resp.get_data(as_text=True)
    assert client.get(f"/staff/drafts?org={w['west']}").status_code == 403
    assert _branch_commitments(app, w["west"]) == []
    assert _branch_commitments(app, w["east"]) == []
    assert ("staff.drafts_create", 403) in _audits(app)


def test_a_township_admin_chooses_the_branch(app: Flask, client: FlaskClient) -> None:
    w = _world(app)
    token = staff_login(app, client, w["admin"])
    page = client.get(f"/staff/drafts?org={w['west']}").get_data(as_text=True)
    assert "换支部" in page and "东村党支部" in page and "西村党支部" in page
    form = {"title": "每季度组织党员清理西村河道垃圾一次", "org": w["west"], "csrf_token": token}
    resp = client.post("/staff/drafts", data={**form, "action": "save"})
    assert resp.status_code == 303 and f"org={w['west']}" in resp.headers["Location"]
    (draft,) = _branch_commitments(app, w["west"])
    assert (draft.target_kind, draft.frequency, draft.target_quantity) == (
        "periodic",
        "quarterly",
        1,
    )


def test_bad_fields_are_named_and_a_sent_draft_is_not_sent_twice(
    app: Flask, client: FlaskClient
) -> None:
    w = _world(app)
    token = staff_login(app, client, w["secretary"])
    base = {"title": "每月组织党员打扫村文化广场一次", "org": w["east"], "csrf_token": token}
    resp = client.post("/staff/drafts", data={**base, "target_quantity": "三", "action": "save"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="err-target_quantity"' in html and "正整数" in html
    assert _value(html, "title") == base["title"] and _value(html, "target_quantity") == "三"
    resp = client.post("/staff/drafts", data={**base, "end_date": "2020-01-31", "action": "save"})
    assert resp.status_code == 400 and 'id="err-end_date"' in resp.get_data(as_text=True)
    assert _branch_commitments(app, w["east"]) == []

    resp = client.post("/staff/drafts", data={**base, "action": "submit"})
    assert resp.status_code == 303
    (sent,) = _branch_commitments(app, w["east"])
    assert sent.status == "pending_township"
    again = client.post(f"/staff/drafts/{sent.id}/submit", data={"csrf_token": token})
    assert again.status_code == 409 and "不能再次提交" in again.get_data(as_text=True)
    edit = client.get(f"/staff/drafts/{sent.id}")
    assert edit.status_code == 409 and "只有草稿" in edit.get_data(as_text=True)
    assert _branch_commitments(app, w["east"])[0].status == "pending_township"
