"""The organisation tree, roles and going live (services.org.orgs, orgs_import, setup)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import Account, Member, Organisation, OrgEvent, RoleGrant
from services.actors import SYSTEM, actor_for_account
from services.errors import Conflict, PermissionDenied, ValidationError
from services.org import orgs, orgs_import, roles, roster, setup
from services.org.roster_files import ImportFailed
from tests import factories as f

HEADERS = ["组织名称", "组织形式", "上级组织", "支部类型", "编码"]


def xlsx(rows: list[list[str]], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _township(session):
    result = setup.setup_township(session, "青山镇")
    session.commit()
    return result


def _events(session, action: str) -> list[OrgEvent]:
    return list(
        session.scalars(select(OrgEvent).where(OrgEvent.action == action).order_by(OrgEvent.id))
    )


def test_setup_township_twice_changes_nothing(session):
    first = _township(session)
    assert first.created and first.admin_created
    assert first.township.path == f"/{first.township.id}/" and first.township.kind == "township"
    actor = actor_for_account(session, first.account)
    assert [g.role for g in actor.grants] == ["township_admin"]
    counts = (
        session.scalar(select(func.count(Organisation.id))),
        session.scalar(select(func.count(Account.id))),
        session.scalar(select(func.count(RoleGrant.id))),
        session.scalar(select(func.count(OrgEvent.id))),
    )
    again = setup.setup_township(session, "青山镇")
    session.commit()
    assert not again.created and not again.admin_created
    assert again.account.id == first.account.id
    assert counts == (
        session.scalar(select(func.count(Organisation.id))),
        session.scalar(select(func.count(Account.id))),
        session.scalar(select(func.count(RoleGrant.id))),
        session.scalar(select(func.count(OrgEvent.id))),
    )
    with pytest.raises(Conflict, match="已经设置过乡镇“青山镇”"):
        setup.setup_township(session, "白水镇")


def test_add_rename_move_close_keep_history(session):
    t = _township(session).township
    total = orgs.add(
        session, SYSTEM, t, "东村党总支", kind="branch", form="党总支", org_type="农村"
    )
    east = orgs.add(
        session, SYSTEM, total, "东村第一党支部", kind="branch", form="党支部", org_type="农村"
    )
    west = orgs.add(session, SYSTEM, t, "西村党支部", kind="branch", form="党支部", org_type="农村")
    group = orgs.add(session, SYSTEM, east, "第一党小组", kind="group")
    assert east.path == f"{total.path}{east.id}/" and group.path == f"{east.path}{group.id}/"
    assert (total.code, east.code, west.code, group.code) == (
        "branch-1",
        "branch-2",
        "branch-3",
        "branch-2-g1",
    )
    with pytest.raises(ValidationError, match="党支部、党总支的上级应为乡镇或党总支"):
        orgs.add(session, SYSTEM, west, "下级", kind="branch", form="党支部", org_type="农村")
    with pytest.raises(ValidationError, match="支部类型请选择"):
        orgs.add(session, SYSTEM, t, "南村党支部", kind="branch", form="党支部", org_type="乡村")
    with pytest.raises(Conflict, match="已有“西村党支部”"):
        orgs.add(session, SYSTEM, t, "西村党支部", kind="branch", form="党支部", org_type="社区")

    assert orgs.edit(session, SYSTEM, west, name="西村社区党支部", org_type="社区") == [
        "name",
        "type",
    ]
    assert orgs.edit(session, SYSTEM, west, name="西村社区党支部") == []

    # a branch moves with its groups: their paths follow
    orgs.move(session, SYSTEM, east, t)
    session.refresh(group)
    assert east.parent_id == t.id and group.path == f"{t.path}{east.id}/{group.id}/"
    with pytest.raises(ValidationError, match="不能把组织移到它自己或它的下级下面"):
        orgs.move(session, SYSTEM, total, total)

    # a group with members stays; an empty one moves
    member = f.member(session, east, "王建国", group=group)
    with pytest.raises(Conflict, match="还有 1 名党员"):
        orgs.move(session, SYSTEM, group, west)
    with pytest.raises(Conflict, match="还有 1 名党员"):
        orgs.close(session, SYSTEM, group)
    member.group_id = None
    session.flush()
    orgs.move(session, SYSTEM, group, west)
    with pytest.raises(Conflict, match="还有 1 名党员"):
        orgs.close(session, SYSTEM, east)
    member.active = False
    session.flush()
    orgs.close(session, SYSTEM, east, "并村")
    session.commit()
    assert east.closed_at is not None
    assert session.get(Organisation, east.id) is not None  # never deleted
    with pytest.raises(Conflict, match="已撤销"):
        orgs.add(session, SYSTEM, east, "第二党小组", kind="group")
    actions = [e.action for e in session.scalars(select(OrgEvent).order_by(OrgEvent.id))]
    assert actions.count("moved") == 2 and "closed" in actions and "renamed" in actions


def test_only_the_township_admin_changes_the_tree(session):
    t = _township(session).township
    branch = orgs.add(
        session, SYSTEM, t, "东村党支部", kind="branch", form="党支部", org_type="农村"
    )
    secretary = f.member(session, branch, "赵书记")
    roles.grant_role(session, SYSTEM, secretary, "secretary", branch)
    session.commit()
    actor = f.as_actor(session, secretary)
    with pytest.raises(PermissionDenied):
        orgs.add(session, actor, branch, "第一党小组", kind="group")
    with pytest.raises(PermissionDenied):
        roles.grant_role(session, actor, secretary, "deputy_secretary", branch)


def test_roles_granted_and_revoked_with_who_did_it(session):
    made = _township(session)
    admin = actor_for_account(session, made.account)
    t = made.township
    branch = orgs.add(
        session, admin, t, "东村党支部", kind="branch", form="党支部", org_type="农村"
    )
    group = orgs.add(session, admin, branch, "第一党小组", kind="group")
    li = f.member(session, branch, "李明", group=group)
    other = f.member(
        session,
        orgs.add(session, admin, t, "西村党支部", kind="branch", form="党支部", org_type="农村"),
        "外支部",
    )
    grant = roles.grant_role(session, admin, li, "group_leader", group)
    assert grant is not None
    assert roles.grant_role(session, admin, li, "group_leader", group) is None  # held already
    roles.grant_role(session, admin, li, "organiser", branch)
    with pytest.raises(ValidationError, match="党小组长应授予在党小组上"):
        roles.grant_role(session, admin, li, "group_leader", branch)
    with pytest.raises(ValidationError, match="外支部不是东村党支部的党员"):
        roles.grant_role(session, admin, other, "secretary", branch)
    session.commit()
    assert {g.role for g in f.as_actor(session, li).grants} == {"group_leader", "organiser"}
    roles.revoke_role(session, admin, grant.id, "换届")
    session.commit()
    assert {g.role for g in f.as_actor(session, li).grants} == {"organiser"}
    granted = [e for e in _events(session, "role_granted") if e.member_id == li.id]
    revoked = _events(session, "role_revoked")
    assert [e.note for e in granted] == ["李明任党小组长", "李明任组织委员"]
    assert [e.note for e in revoked] == ["李明不再任党小组长：换届"]
    assert revoked[0].actor_label == setup.SETUP_ACCOUNT_NAME
    assert revoked[0].actor_account_id == made.account.id
    assert [n for _, n in [(g.role, m.name) for g, m in roles.grants(session, t)]] == ["李明"]


def test_import_all_or_nothing_then_again_unchanged(session):
    t = _township(session).township
    bad = xlsx(
        [
            ["东村党支部", "党支部", "", "农村", "dc"],
            ["第一党小组", "党小组", "东村党支部", "", ""],
            ["西村党支部", "支部", "", "农村", ""],  # row 4: form
            ["第一党小组", "党小组", "", "", ""],  # row 5: parent missing
            ["南村党支部", "党支部", "", "", ""],  # row 6: type missing
            ["第二党小组", "党小组", "北村党支部", "", ""],  # row 7: unknown parent
        ]
    )
    with pytest.raises(ImportFailed) as failed:
        orgs_import.import_orgs(session, SYSTEM, t, "o.xlsx", bad)
    assert [str(p).split("】")[0] for p in failed.value.problems] == [
        "第 4 行【组织形式",
        "第 5 行【上级组织",
        "第 6 行【支部类型",
        "第 7 行【上级组织",
    ]
    assert "请填 党支部、党总支、党小组" in str(failed.value.problems[0])
    session.rollback()
    assert session.scalar(select(func.count(Organisation.id))) == 1

    good = xlsx(
        [
            ["示例东村党总支", "党总支", "", "农村", ""],
            ["东村党支部", "党支部", "", "农村", "dc"],
            ["第一党小组", "党小组", "东村党支部", "", ""],
            ["第二党小组", "党小组", "dc", "", ""],
            ["西村党支部", "党支部", "", "社区", ""],
            ["第一党小组", "党小组", "西村党支部", "", ""],
        ]
    )
    try:
        result = orgs_import.import_orgs(session, SYSTEM, t, "o.xlsx", good)
    except ImportFailed as exc:
        raise AssertionError([str(p) for p in exc.problems]) from None
    session.commit()
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert result.samples_skipped == [2]
    dc = session.scalar(select(Organisation).where(Organisation.code == "dc"))
    assert dc.org_type == "农村" and dc.form == "党支部"
    names = sorted(
        o.name for o in session.scalars(select(Organisation).where(Organisation.parent_id == dc.id))
    )
    assert names == ["第一党小组", "第二党小组"]
    again = orgs_import.import_orgs(session, SYSTEM, t, "o.xlsx", good)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    changed = xlsx([["西村党支部", "党支部", "", "农村", ""]])
    assert orgs_import.import_orgs(session, SYSTEM, t, "o.xlsx", changed).updated == 1


def test_template_has_the_columns_and_examples_that_import_to_nothing(session):
    t = _township(session).township
    data = orgs_import.template()
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in ws[1]] == ["组织名称*", "组织形式*", "上级组织", "支部类型", "编码"]
    assert [ws.cell(row=r, column=1).value for r in (2, 3, 4)] == [
        "示例东村党总支",
        "示例东村第一党支部",
        "示例第一党小组",
    ]
    with pytest.raises(ImportFailed, match="未导入任何数据"):  # a header without rows
        orgs_import.import_orgs(session, SYSTEM, t, "t.xlsx", xlsx([]))
    result = orgs_import.import_orgs(session, SYSTEM, t, "t.xlsx", data)
    assert result.total == 0 and result.samples_skipped == [2, 3, 4]


def test_hand_over_to_a_roster_person(session):
    made = _township(session)
    t = made.township
    branch = orgs.add(
        session, SYSTEM, t, "东村党支部", kind="branch", form="党支部", org_type="农村"
    )
    wang = f.member(session, branch, "王组织", phone="13907310099")
    session.commit()
    first = setup.hand_over(session, "139 0731 0099")
    session.commit()
    assert first.granted and first.account is None and first.retired == []
    assert setup.township(session) is not None
    # not bound yet: the setup account keeps the role
    assert actor_for_account(session, made.account).grants
    account = f.account(session, wang, oa_openid="oa-wang")
    session.commit()
    second = setup.hand_over(session, "13907310099")
    session.commit()
    assert not second.granted and second.account.id == account.id
    assert second.retired == [made.account.id]
    assert not actor_for_account(session, made.account).grants
    assert [g.role for g in actor_for_account(session, account).grants] == ["township_admin"]
    # setting up again finds the new administrator and creates nobody
    again = setup.setup_township(session, "青山镇")
    assert not again.admin_created and again.account.id == account.id


def test_progress_steps(session):
    assert [s.done for s in setup.progress(session, None)] == [False] * 5
    t = _township(session).township
    assert [s.key for s in setup.progress(session, t) if s.done] == []
    branch = orgs.add(
        session, SYSTEM, t, "东村党支部", kind="branch", form="党支部", org_type="农村"
    )
    assert [s.key for s in setup.progress(session, t) if s.done] == ["orgs"]
    m = f.member(session, branch, "王建国")
    f.household(session, branch, [m])
    f.account(session, m)
    assert [s.key for s in setup.progress(session, t) if s.done] == [
        "orgs",
        "roster",
        "households",
        "binding",
    ]
    f.published(session, m)
    assert all(s.done for s in setup.progress(session, t))


def test_the_roster_refuses_a_closed_branch_and_takes_its_successor(session):
    t = _township(session).township
    old = orgs.add(session, SYSTEM, t, "东村党支部", kind="branch", form="党支部", org_type="农村")
    orgs.close(session, SYSTEM, old, "并村")
    rows = [["王建国", "13907310001", old.code]]
    with pytest.raises(ImportFailed) as failed:
        roster.import_members(session, "r.xlsx", xlsx(rows, ["姓名", "手机号", "所属支部"]))
    assert str(failed.value.problems[0]) == (
        f"第 2 行【所属支部】支部“{old.code}”已撤销：请填现在所属的支部"
    )
    new = orgs.add(session, SYSTEM, t, "东村党支部", kind="branch", form="党支部", org_type="农村")
    by_name = [["王建国", "13907310001", "东村党支部", "", "支部书记"]]
    result = roster.import_members(
        session, "r.xlsx", xlsx(by_name, ["姓名", "手机号", "所属支部", "党小组", "职务"])
    )
    assert result.created == 1 and result.grants_created == 1
    member = session.scalar(select(Member).where(Member.phone == "13907310001"))
    assert member.org_id == new.id
