"""`flask bot say …` (try the bot without WeChat) and `flask wechat menu push`."""

from __future__ import annotations

import secrets
import sys
import time
from xml.sax.saxutils import escape

import click
import xmltodict
from flask import Flask, current_app
from flask.cli import AppGroup

from handlers.context import database, settings
from wechat import menu as wx_menu
from wechat.callback import render_xml, sha1_signature
from wechat.client import clients_from_settings
from wechat.errors import WechatError

bot_cli = AppGroup("bot", help="公众号机器人")
wechat_cli = AppGroup("wechat", help="微信公众号设置")
menu_cli = AppGroup("menu", help="公众号菜单")
wechat_cli.add_command(menu_cli)


def _message_xml(openid: str, msg_type: str, fields: str, msg_id: int, create_time: int) -> str:
    return (
        "<xml>"
        "<ToUserName><![CDATA[gh_jiannuo]]></ToUserName>"
        f"<FromUserName><![CDATA[{escape(openid)}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"{fields}"
        f"<MsgId>{msg_id}</MsgId>"
        "</xml>"
    )


def text_message_xml(openid: str, text: str, msg_id: int, create_time: int) -> str:
    return _message_xml(openid, "text", f"<Content>{escape(text)}</Content>", msg_id, create_time)


def voice_message_xml(openid: str, recognition: str, msg_id: int, create_time: int) -> str:
    """A voice as WeChat sends it with 接收语音识别结果 on; an empty ``recognition`` is a voice
    WeChat could not read (the element is then left out, as WeChat does)."""
    rec = f"<Recognition>{escape(recognition)}</Recognition>" if recognition else ""
    fields = f"<MediaId>cli-voice-{msg_id}</MediaId><Format>amr</Format>{rec}"
    return _message_xml(openid, "voice", fields, msg_id, create_time)


def location_message_xml(
    openid: str, lat: str, lng: str, label: str, msg_id: int, create_time: int
) -> str:
    fields = (
        f"<Location_X>{escape(lat)}</Location_X><Location_Y>{escape(lng)}</Location_Y>"
        f"<Scale>15</Scale><Label>{escape(label)}</Label>"
    )
    return _message_xml(openid, "location", fields, msg_id, create_time)


def _parse_location(value: str) -> tuple[str, str, str]:
    parts = [p.strip() for p in value.replace("，", ",").split(",", 2)]
    if len(parts) < 2 or not all(parts[:2]):
        raise click.BadParameter(
            "请写成“纬度,经度,地名”，例如：28.2,112.9,村口小桥", param_hint="--location"
        )
    return parts[0], parts[1], parts[2] if len(parts) > 2 else ""


@bot_cli.command("say")
@click.option("--openid", required=True, help="模拟的微信用户 openid")
@click.option(
    "--voice", default=None, help="改发一条语音，值为微信识别出的文字（空字符串：没能识别）"
)
@click.option(
    "--location", default=None, help="改发一条位置：纬度,经度,地名，例如 28.2,112.9,村口小桥"
)
@click.argument("text", required=False, default="")
def say(openid: str, voice: str | None, location: str | None, text: str) -> None:
    """像真实消息一样把 TEXT（或 --voice 语音、--location 位置）发给公众号回调（签名、去重、指令），并打印回复。"""
    from handlers.wechat_callback import protocol

    chosen = [
        kind
        for kind, v in (("TEXT", text or None), ("--voice", voice), ("--location", location))
        if v is not None
    ]
    if len(chosen) != 1:
        raise click.UsageError("请只给出一种消息：文字 TEXT，或 --voice，或 --location")
    with current_app.test_request_context():
        proto = protocol()
    if proto is None:
        raise click.ClickException(
            "公众号未配置 token，无法模拟消息（演示模式下使用 jiannuo-demo）"
        )
    now = int(time.time())
    nonce = secrets.token_hex(4)
    msg_id = int(time.time() * 1000) * 1000 + secrets.randbelow(1000)
    signature = sha1_signature(proto.token, str(now), nonce)
    path = settings().wechat.callback_path
    if voice is not None:
        xml = voice_message_xml(openid, voice, msg_id, now)
    elif location is not None:
        lat, lng, label = _parse_location(location)
        xml = location_message_xml(openid, lat, lng, label, msg_id, now)
    else:
        xml = text_message_xml(openid, text, msg_id, now)
    query = {"signature": signature, "timestamp": str(now), "nonce": nonce, "openid": openid}
    if proto.mode != "plain":  # encrypted like WeChat does in compatible and safe mode
        encrypt = proto.encrypt(xml)
        xml = render_xml([("ToUserName", "gh_jiannuo"), ("Encrypt", encrypt)])
        msg_signature = sha1_signature(proto.token, str(now), nonce, encrypt)
        query |= {"encrypt_type": "aes", "msg_signature": msg_signature}
    client = current_app.test_client()
    resp = client.post(
        path, query_string=query, data=xml.encode("utf-8"), content_type="application/xml"
    )
    answer = resp.get_data(as_text=True)
    if resp.status_code != 200:
        raise click.ClickException(f"回调拒绝了消息：HTTP {resp.status_code} {answer}")
    if answer == "success":
        click.echo("（无回复）")
        return
    reply = xmltodict.parse(answer)["xml"]
    if "Encrypt" in reply:
        reply = xmltodict.parse(proto.decrypt(reply["Encrypt"]))["xml"]
    click.echo(reply.get("Content", ""))


@menu_cli.command("push")
@click.option("--dry-run", is_flag=True, help="只检查，不发送")
def menu_push(dry_run: bool) -> None:
    """检查配置 wechat.menu 是否符合微信限制，然后创建公众号菜单。"""
    buttons = settings().wechat.menu
    problems = wx_menu.validate(buttons)
    if problems:
        click.echo("菜单不符合微信的限制，没有发送：", err=True)
        for p in problems:
            click.echo(f"  · {p}", err=True)
        click.echo("请修改配置 wechat.menu 后重试。", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("菜单检查通过（未发送）")
        return
    clients = clients_from_settings(settings(), database().session_factory)
    try:
        clients.official_account.create_menu(wx_menu.to_wechat(buttons))
    except WechatError as exc:
        raise click.ClickException(f"微信拒绝了菜单：{exc}") from exc
    click.echo(f"菜单已发送（{len(buttons)} 个一级菜单）")


def init_app(app: Flask) -> None:
    app.cli.add_command(bot_cli)
    app.cli.add_command(wechat_cli)
