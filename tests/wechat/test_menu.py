"""`flask wechat menu push`: validated against WeChat's limits before anything is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import create_app
from tests.fakes.wechat_api import FakeWechat
from wechat import menu

from .conftest import oa_config


def _push(db_url: str, tmp_path: Path, fake: FakeWechat, buttons: list[dict[str, Any]] | None):
    config = oa_config(db_url, tmp_path, fake.base_url)
    if buttons is not None:
        config["wechat"]["menu"] = buttons
    app = create_app(config)
    try:
        return app.test_cli_runner().invoke(args=["wechat", "menu", "push"])
    finally:
        app.extensions["db"].dispose()


def test_default_menu_is_pushed(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> None:
    result = _push(db_url, tmp_path, fake_wechat, None)
    assert result.exit_code == 0, result.output
    sent = fake_wechat.calls_to("/cgi-bin/menu/create")
    assert len(sent) == 1
    assert [b["key"] for b in sent[0].json["button"]] == [
        "MY_COMMITMENTS",
        "MY_REQUESTS",
        "PROGRESS",
    ]
    assert sent[0].json["button"][0]["name"] == "我的承诺"  # UTF-8, not \\u escapes


def test_invalid_menu_refused_before_sending(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    buttons = [
        {"type": "click", "name": "我的承诺", "key": "MY_COMMITMENTS"},
        {"type": "click", "name": "我的诉求", "key": "MY_REQUESTS"},
        {"type": "click", "name": "践诺进度", "key": "PROGRESS"},
        {"type": "click", "name": "这是一个非常长的菜单名称", "key": "X"},
    ]
    result = _push(db_url, tmp_path, fake_wechat, buttons)
    assert result.exit_code == 1
    assert "一级菜单最多 3 个，现在有 4 个" in result.output
    assert "名称太长" in result.output and "最多 16 字节" in result.output
    assert "没有发送" in result.output
    assert fake_wechat.calls == []  # not even a token was fetched


def test_validate_rules() -> None:
    assert menu.validate([{"type": "click", "name": "承诺", "key": "K"}]) == []
    assert menu.validate([]) != []
    problems = menu.validate(
        [
            {"type": "view", "name": "网页"},
            {"type": "miniprogram", "name": "小程序", "url": "http://x"},
            {
                "name": "更多",
                "sub_button": [
                    {"type": "click", "name": f"子{i}", "key": f"K{i}"} for i in range(6)
                ],
            },
        ]
    )
    text = "\n".join(problems)
    assert "view 类型的按钮必须填写 url" in text
    assert "必须填写 appid" in text and "必须填写 pagepath" in text
    assert "子菜单最多 5 个，现在有 6 个" in text
    long_sub = [{"name": "更多", "sub_button": [{"type": "click", "name": "长" * 21, "key": "K"}]}]
    assert "最多 60 字节" in "".join(menu.validate(long_sub))
    assert (
        menu.validate(
            [{"name": "更多", "sub_button": [{"type": "click", "name": "长" * 20, "key": "K"}]}]
        )
        == []
    )
    assert "不是微信支持的类型" in "".join(menu.validate([{"type": "bogus", "name": "x"}]))
