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


def text_message_xml(openid: str, text: str, msg_id: int, create_time: int) -> str:
    return (
        "<xml>"
        "<ToUserName><![CDATA[gh_jiannuo]]></ToUserName>"
        f"<FromUserName><![CDATA[{escape(openid)}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{escape(text)}</Content>"
        f"<MsgId>{msg_id}</MsgId>"
        "</xml>"
    )


@bot_cli.command("say")
@click.option("--openid", required=True, help="模拟的微信用户 openid")
@click.argument("text")
def say(openid: str, text: str) -> None:
    """像真实消息一样把 TEXT 发给公众号回调（签名、去重、指令），并打印回复。"""
    from handlers.wechat_callback import protocol

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
