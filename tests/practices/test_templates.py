"""Must show 4: drafting from a 卫生院 branch offers 卫生院 templates first (bot and API), the
member's 特长 first among them; every shipped template passes the 四化 check unchanged."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from flask import Flask

from infra.config import PracticesSection
from models import ORG_TYPES
from services.commitments import quantify
from services.practices import templates
from tests import factories as f
from tests.handlers.api.conftest import token_for
from tests.wechat.conftest import Wx

PATH = PracticesSection().templates_path()
SHIPPED = [(t.org_type, t.text) for t in templates.catalogue(PATH)]


@pytest.mark.parametrize(("org_type", "text"), SHIPPED)
def test_every_shipped_template_passes_the_four_checks_unchanged(org_type: str, text: str) -> None:
    out = quantify.check({"title": text}, date(2026, 12, 1))
    assert out["title"] == text  # unchanged: nothing had to be added or rewritten
    assert out["target_quantity"] and out["unit"] and out["target_kind"] == "periodic"
    assert out["frequency"]


def test_ten_or_more_templates_per_type() -> None:
    raw = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    for kind in ("农村", "社区", "卫生院", "学校", "机关", "非公企业", "流动党员"):
        assert len(raw[kind]) >= 10, kind
    assert {t for t, _ in SHIPPED} <= set(ORG_TYPES)
    assert templates.normalise_type("流动党支部") == "流动党员"


def test_health_centre_first_and_speciality_first_among_them() -> None:
    offered = templates.offer(PATH, "卫生院", "护士")
    kinds = [t.org_type for t in offered]
    n = kinds.count("卫生院")
    assert kinds[:n] == ["卫生院"] * n and "卫生院" not in kinds[n:]
    first = offered[0]
    assert "护士" in first.tags  # the 特长 match comes first
    assert templates.offer(PATH, "卫生院", "", only_type=True)[0].text == (
        "每月为辖区65岁以上老人上门测血压一次"
    )


def _health_centre_member(app: Flask) -> tuple[int, object]:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        t["branch"].org_type = "卫生院"
        doctor = f.member(s, t["branch"], "周医生", speciality="医生")
        acc = f.account(s, doctor, oa_openid="o-doctor", mp_openid="mp-doctor")
        return doctor.id, acc


def test_bot_and_api_offer_health_centre_templates_first(oa_app: Flask, wx: Wx) -> None:
    _mid, acc = _health_centre_member(oa_app)
    health = [t.text for t in templates.offer(PATH, "卫生院", "医生", only_type=True)]
    reply = wx.say("o-doctor", "承诺 模板")
    assert reply.startswith("卫生院党支部的承诺模板")
    assert f"1. {health[0]}" in reply
    lines = [ln for ln in reply.splitlines() if ln[:2].rstrip(".").isdigit()]
    assert all(ln.split(". ", 1)[1] in health for ln in lines)
    assert wx.say("o-doctor", "承诺模板").startswith("卫生院党支部的承诺模板")
    assert wx.say("o-doctor", "承诺模板 学校").startswith("学校党支部的承诺模板")

    body = (
        oa_app.test_client()
        .get("/api/v1/pledge-templates?per_page=100", headers=token_for(oa_app, acc))
        .get_json()
    )
    assert body["org_type"] == "卫生院"
    kinds = [t["org_type"] for t in body["items"]]
    n = kinds.count("卫生院")
    assert n >= 10 and kinds[:n] == ["卫生院"] * n
    assert body["items"][0]["matches_speciality"] is True
