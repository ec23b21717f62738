"""The official-account menu: checked against WeChat's limits before it is sent.

Limits from https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html :
at most 3 top-level buttons, at most 5 sub-buttons each, a top-level name of at most
16 bytes and a sub-button name of at most 60 bytes, ``key`` ≤ 128 bytes, ``url`` ≤ 1024
bytes; ``click`` and the scan/photo/location types need ``key``, ``view`` needs ``url``,
``miniprogram`` needs ``url``, ``appid`` and ``pagepath``, ``media_id``/``view_limited``
need ``media_id``, ``article_id``/``article_view_limited`` need ``article_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_TOP = 3
MAX_SUB = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

KEY_TYPES = {
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
}
REQUIRED = {
    **{t: ("key",) for t in KEY_TYPES},
    "view": ("url",),
    "miniprogram": ("url", "appid", "pagepath"),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
}
FIELD_LABELS = {"key": "key", "url": "url（网址）", "appid": "appid（小程序）", "pagepath": "pagepath（小程序页面）",
                "media_id": "media_id", "article_id": "article_id"}  # fmt: skip


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _check_button(button: Any, where: str, max_name: int, problems: list[str]) -> None:
    if not isinstance(button, Mapping):
        problems.append(f"{where}：格式不对，每个按钮应是包含 name、type 等字段的映射")
        return
    name = str(button.get("name") or "")
    if not name:
        problems.append(f"{where}：缺少按钮名称 name")
    elif _nbytes(name) > max_name:
        problems.append(
            f"{where}“{name}”：名称太长（{_nbytes(name)} 字节，最多 {max_name} 字节，"
            f"约 {max_name // 3} 个汉字）"
        )
    subs = button.get("sub_button")
    if subs:
        return
    kind = str(button.get("type") or "")
    if kind not in REQUIRED:
        problems.append(f"{where}“{name}”：按钮类型 type “{kind}” 不是微信支持的类型")
        return
    for fieldname in REQUIRED[kind]:
        if not str(button.get(fieldname) or ""):
            problems.append(f"{where}“{name}”：{kind} 类型的按钮必须填写 {FIELD_LABELS[fieldname]}")
    key = str(button.get("key") or "")
    if key and _nbytes(key) > MAX_KEY_BYTES:
        problems.append(f"{where}“{name}”：key 太长（最多 {MAX_KEY_BYTES} 字节）")
    url = str(button.get("url") or "")
    if url and _nbytes(url) > MAX_URL_BYTES:
        problems.append(f"{where}“{name}”：url 太长（最多 {MAX_URL_BYTES} 字节）")


def validate(buttons: Sequence[Any]) -> list[str]:
    """Every problem with the menu, in Chinese; an empty list means it can be sent."""
    problems: list[str] = []
    if not isinstance(buttons, Sequence) or isinstance(buttons, str) or not buttons:
        return ["菜单为空：请在配置 wechat.menu 中至少设置一个按钮"]
    if len(buttons) > MAX_TOP:
        problems.append(
            f"一级菜单最多 {MAX_TOP} 个，现在有 {len(buttons)} 个，请删减或合并为子菜单"
        )
    for i, button in enumerate(buttons, 1):
        where = f"第 {i} 个一级菜单"
        _check_button(button, where, MAX_TOP_NAME_BYTES, problems)
        subs = button.get("sub_button") if isinstance(button, Mapping) else None
        if subs is None:
            continue
        if not isinstance(subs, Sequence) or isinstance(subs, str):
            problems.append(f"{where}：sub_button 应是按钮列表")
            continue
        if len(subs) > MAX_SUB:
            problems.append(f"{where}：子菜单最多 {MAX_SUB} 个，现在有 {len(subs)} 个")
        for j, sub in enumerate(subs, 1):
            _check_button(sub, f"{where}的第 {j} 个子菜单", MAX_SUB_NAME_BYTES, problems)
    return problems


def to_wechat(buttons: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The menu/create body."""
    return {"button": [dict(b) for b in buttons]}
