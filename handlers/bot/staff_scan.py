"""扫码登录 from the chat side: a SCAN / subscribe event whose scene is ``login:<nonce>``
(the console's login page) signs the scanner in on that PC if they hold a console role.
The rule is ``services.org.staff_qr.scan``; this module only words the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.errors import DomainError
from services.org import staff_qr

if TYPE_CHECKING:
    from handlers.bot.context import BotContext


def is_login_scene(scene: str) -> bool:
    return scene.startswith(staff_qr.SCENE_PREFIX)


def reply(ctx: BotContext, scene: str) -> str:
    try:
        actor = staff_qr.scan(ctx.session, ctx.account, scene[len(staff_qr.SCENE_PREFIX) :])
    except DomainError as exc:
        return exc.message
    return (
        f"{actor.label}，您已在电脑上登录{ctx.settings.app.name}后台（8 小时内有效）。"
        "如果不是您本人在电脑前扫的码，请立即在后台首页点“退出我在所有电脑上的登录”，或联系街镇管理员。"
    )
