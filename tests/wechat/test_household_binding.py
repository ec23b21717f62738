"""Residents linked to their household through the bot: 绑定 户码, scanning the 连心卡's
parametric QR code, 解绑; a linked resident's 反映 goes to the household's 联户党员."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from models import Account, Request
from services.org import bindcodes
from tests import factories
from tests.fakes.wechat_api import FakeWechat

from .conftest import Wx


def test_bind_by_household_code_then_request_goes_to_linked_member(oa_app: Flask, wx: Wx) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        other = factories.member(s, orgs["branch"], "李书记")
        linked = factories.member(s, orgs["branch"], "张卫东")
        house = factories.household(s, orgs["branch"], linked=[linked], address="东村12号")
        code = bindcodes.issue_household(s, house)
        linked_id, other_id, house_id = linked.id, other.id, house.id
    assert other_id  # a second member of the branch: the assignee is not just "the only one"

    reply = wx.say("o-res-1", f"绑定 {code.lower()}")
    assert "绑定成功" in reply and "东村12号" in reply and "张卫东" in reply
    with db.session() as s:
        account = s.scalar(select(Account).where(Account.oa_openid == "o-res-1"))
        assert account is not None and account.household_id == house_id
        assert account.household_linked_via == "code" and account.household_consent_at
        assert account.member_id is None
    # the same code again changes nothing; a second resident of the household uses it too
    assert "绑定成功" in wx.say("o-res-1", f"绑定 {code}")
    assert "绑定成功" in wx.say("o-res-2", f"绑定 {code}")

    reply = wx.say("o-res-1", "反映 路灯坏了")
    assert "张卫东" in reply
    with db.session() as s:
        req = s.scalars(select(Request)).one()
        assert req.assignee_member_id == linked_id and req.household_id == house_id

    assert "已解除" in wx.say("o-res-1", "解绑")
    assert "还没有绑定" in wx.say("o-res-1", "解绑")
    with db.session() as s:
        account = s.scalar(select(Account).where(Account.oa_openid == "o-res-1"))
        assert account is not None and account.household_id is None
        assert account.household_consent_at is None


def test_reissued_household_code_replaces_the_old_one(oa_app: Flask, wx: Wx) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        house = factories.household(s, orgs["branch"])
        old = bindcodes.issue_household(s, house)
        new = bindcodes.issue_household(s, house)
    assert old != new
    assert "不存在" in wx.say("o-res-3", f"绑定 {old}")
    assert "绑定成功" in wx.say("o-res-3", f"绑定 {new}")


def test_linked_elsewhere_must_unlink_first(oa_app: Flask, wx: Wx) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        a = bindcodes.issue_household(s, factories.household(s, orgs["branch"]))
        b = bindcodes.issue_household(s, factories.household(s, orgs["branch"], address="西村3号"))
    assert "绑定成功" in wx.say("o-res-4", f"绑定 {a}")
    assert "解绑" in wx.say("o-res-4", f"绑定 {b}")
    wx.say("o-res-4", "解绑")
    assert "西村3号" in wx.say("o-res-4", f"绑定 {b}")


def test_scanning_household_and_member_codes_binds(oa_app: Flask, wx: Wx) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "赵一")
        house = factories.household(s, orgs["branch"], linked=[member], address="北村8号")
        house_code = bindcodes.issue_household(s, house)
        house_id = house.id
    reply = wx.event("o-scan-1", "subscribe", f"qrscene_bind:{house_code}")
    assert "欢迎关注" in reply and "北村8号" in reply and "赵一" in reply
    assert "北村8号" in wx.event("o-scan-2", "SCAN", f"bind:{house_code}")
    with db.session() as s:
        for openid in ("o-scan-1", "o-scan-2"):
            account = s.scalar(select(Account).where(Account.oa_openid == openid))
            assert account is not None and account.household_id == house_id
            assert account.household_linked_via == "scan"


def test_qr_dir_writes_wechat_parametric_codes_with_credentials(
    oa_app: Flask, fake_wechat: FakeWechat, tmp_path: Path
) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        orgs["branch"].code = "branch-qr"
        factories.household(s, orgs["branch"], code="DC-001")
        factories.member(s, orgs["branch"], "钱二", phone="13900000031")
    runner = oa_app.test_cli_runner()
    qr = tmp_path / "qr"
    result = runner.invoke(
        args=["households", "bind-codes", "--org", "branch-qr", "--qr-dir", str(qr)]
    )
    assert result.exit_code == 0, result.output
    with db.session() as s:
        code = s.scalar(select(factories.Household.bind_code))
    assert code and "DC-001\t东村" in result.output and code in result.output
    assert "带参数二维码" in result.output and "30 天内有效" in result.output
    calls = fake_wechat.calls_to("/cgi-bin/qrcode/create")
    assert [c.json["action_info"]["scene"]["scene_str"] for c in calls] == [f"bind:{code}"]
    assert calls[0].json["action_name"] == "QR_STR_SCENE"
    assert calls[0].json["expire_seconds"] == 30 * 24 * 3600
    import zxingcpp
    from PIL import Image

    png = next(qr.glob("DC-001-*.png"))
    assert [d.text for d in zxingcpp.read_barcodes(Image.open(png))] == [
        f"http://weixin.qq.com/q/bind:{code}"
    ]
    assert not (qr / "README.txt").exists()
    # a second run keeps the printed cards valid (same code)
    again = runner.invoke(args=["households", "bind-codes", "--org", "branch-qr"])
    assert code in again.output

    member_qr = tmp_path / "mqr"
    result = runner.invoke(
        args=["roster", "bind-codes", "--org", "branch-qr", "--ttl-hours", "48",
              "--qr-dir", str(member_qr)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last = fake_wechat.calls_to("/cgi-bin/qrcode/create")[-1]
    assert last.json["expire_seconds"] == 48 * 3600
    assert last.json["action_info"]["scene"]["scene_str"].startswith("bind:")
    assert "2 天内有效" in result.output
