"""Voice and location messages.

A voice with WeChat's recognised text (``Recognition``, when 接收语音识别结果 is switched on)
is handled exactly as that text would be, and the reply quotes what was understood so that
a misheard number can be caught. Without it the voice becomes a request for the branch to
listen to. Either way the audio is kept and fetched by the outbox worker.

A location within 10 minutes of the sender's request is attached to it; alone, it starts a
request draft waiting for the words ("请说一下这里有什么问题").
"""

from __future__ import annotations

from handlers.bot.chat import answer_text
from handlers.bot.context import BotContext, bot, normalise_text
from handlers.bot.requests import attach_pending_place, submit_request
from services import chat, requests
from services.errors import DomainError
from services.requests.places import parse_coordinates

VOICE_REQUEST_TEXT = (
    "【语音留言】群众发来一段语音，没有识别出文字。语音会发到办理人的公众号（后台也能下载），"
    "请收听后联系群众办理"
)


@bot.message("voice")
def on_voice(ctx: BotContext) -> str:
    inbound = ctx.inbound
    said = inbound.recognition
    if said:
        try:
            with ctx.session.begin_nested():  # a refusal undoes the command, not the voice
                reply = answer_text(ctx, normalise_text(said))
        except DomainError as exc:
            reply = exc.message
        entry, req = chat.made_by_message(ctx.session, ctx.msg_id)
        _keep(ctx, said, log_id=entry.id if entry else None, request_id=req.id if req else None)
        return f"您说的是：{said}\n{reply}"
    req, _ = submit_request(ctx, "problem", VOICE_REQUEST_TEXT)
    _keep(ctx, "", request_id=req.id)
    attach_pending_place(ctx, req)  # the place was sent first
    who = requests.answerer_label(ctx.session, req)
    return (
        f"收到您的语音（没能识别出文字），已作为诉求保存，编号 {req.number}，"
        f"由{who}收听后联系您。\n也可以打字发送“反映 内容”，说得更清楚；"
        f"发送“查询 {req.number}”查看进展。"
    )


def _keep(
    ctx: BotContext, said: str, *, log_id: int | None = None, request_id: int | None = None
) -> None:
    chat.keep_voice(
        ctx.session,
        account_id=ctx.account.id,
        openid=ctx.account.oa_openid or ctx.inbound.openid,
        media_id=ctx.inbound.media_id,
        msg_id=ctx.msg_id,
        recognition=said,
        audio_format=ctx.inbound.voice_format,
        log_id=log_id,
        request_id=request_id,
        now=ctx.now,
    )


@bot.message("location")
def on_location(ctx: BotContext) -> str:
    place = ctx.inbound.location
    assert place is not None
    label = place.label or "（未命名位置）"
    req = requests.recent_own_request(ctx.session, ctx.account.id, ctx.now)
    if req is not None:
        requests.attach_location(
            ctx.session, ctx.actor, req, place.latitude, place.longitude, place.label
        )
        return (
            f"位置已附在您反映的诉求（编号 {req.number}）上：{label}。\n"
            f"发送“查询 {req.number}”查看进展。"
        )
    lat, lng = parse_coordinates(place.latitude, place.longitude)
    chat.remember(ctx.session, ctx.account.id, "place",
                  {"lat": lat, "lng": lng, "label": place.label}, ctx.now)  # fmt: skip
    return (
        f"收到位置：{label}。\n请说一下这里有什么问题，例如“这里的路灯坏了”"
        "（直接打字或发语音，不用加“反映”），会连同位置一起交给支部；回复 2 不用了。"
    )
