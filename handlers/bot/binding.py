"""Who the sender is: 绑定 (a member's bind code or a household's 连心卡 code), 解绑, and the
subscribe / scan / unsubscribe events (a scanned QR's scene binds, signs a console in, or
signs in to the party day)."""

from __future__ import annotations

from handlers.bot import staff_scan
from handlers.bot.context import BotContext, bot, my_commitments_list
from handlers.bot.help import help_text
from models import Household, Organisation
from services.errors import DomainError
from services.org import bindcodes, households


def bind_with_code(ctx: BotContext, code: str, via: str = "code") -> str:
    """A household's 连心卡 code links the resident to the household; any other code is a
    member's bind code (``bindcodes.redeem`` words the unknown-code answer)."""
    household = bindcodes.household_for_code(ctx.session, code)
    if household is not None:
        return _link_household(ctx, household, via)
    member = bindcodes.redeem(ctx.session, ctx.account, code, now=ctx.now)
    ctx.refresh_actor()
    org = ctx.session.get_one(Organisation, member.org_id)
    n = len(my_commitments_list(ctx.session, member))
    tail = f"您有 {n} 条已公开的承诺，发送“我的承诺”查看。" if n else "您还没有已公开的承诺。"
    return f"绑定成功！{member.name}同志，您好（{org.name}）。\n{tail}\n发送“帮助”查看全部指令。"


def _link_household(ctx: BotContext, household: Household, via: str) -> str:
    households.link_account(ctx.session, ctx.account, household, via, now=ctx.now)
    ctx.refresh_actor()
    org = ctx.session.get_one(Organisation, household.org_id)
    linked = households.linked_members(ctx.session, household)
    who = (
        f"您的联户党员是{'、'.join(m.name for m in linked)}，"
        "发送“反映 内容”提出的问题和心愿会直接交给联户党员办理。"
        if linked
        else "发送“反映 内容”提出的问题和心愿会交给支部办理。"
    )
    return (
        f"绑定成功！您的微信已绑定到{org.name} {household.address}。\n{who}\n如需解除，发送“解绑”。"
    )


@bot.text("绑定")
def cmd_bind(ctx: BotContext, args: str) -> str:
    return bind_with_code(ctx, args)


@bot.text("解绑", "解除绑定")
def cmd_unbind(ctx: BotContext, _args: str) -> str:
    household = households.unlink_account(ctx.session, ctx.account)
    ctx.refresh_actor()
    return f"已解除您的微信与 {household.address} 的绑定。需要时可再发送“绑定 户码”重新绑定。"


def _scene_bind(ctx: BotContext, scene: str) -> str | None:
    # WeChat prefixes the scene of a subscribe-by-scan event with "qrscene_".
    scene = scene.removeprefix("qrscene_")
    if staff_scan.is_login_scene(scene):  # 扫码登录 on a console PC
        return staff_scan.reply(ctx, scene)
    if scene.startswith("bind:"):
        return bind_with_code(ctx, scene[len("bind:") :], via="scan")
    if scene.startswith("partyday:"):  # 主题党日 sign-in QR (handlers/bot/practices.py)
        from handlers.bot.practices import scan_sign_in

        return scan_sign_in(ctx, scene)
    return None


@bot.event("subscribe", "subscribe_scan")
def on_subscribe(ctx: BotContext) -> str:
    ctx.account.subscribed = True
    welcome = f"欢迎关注{ctx.settings.app.township_name}践诺！"
    scene = getattr(ctx.inbound.message, "scene_id", "") or ""
    if scene:
        try:
            bound = _scene_bind(ctx, scene)
        except DomainError as exc:
            return f"{welcome}\n{exc.message}"
        if bound:
            return f"{welcome}\n{bound}"
    return f"{welcome}\n{help_text(ctx)}"


@bot.event("scan")
def on_scan(ctx: BotContext) -> str:
    scene = getattr(ctx.inbound.message, "scene_id", "") or ""
    return _scene_bind(ctx, scene) or help_text(ctx)


@bot.event("unsubscribe")
def on_unsubscribe(ctx: BotContext) -> str:
    ctx.account.subscribed = False
    return ""
