"""Sign-in: WeChat login (jscode2session) and the demo login of demo mode."""

from __future__ import annotations

from typing import Any

from handlers.api import limits, serialize, wx
from handlers.api.base import Blueprint, secret_key
from handlers.api.schemas import DemoLoginIn, LoginIn, TokenSchema
from handlers.context import db_session, settings
from services.actors import actor_for_account
from services.org import auth

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录")


def token_body(account: Any) -> dict[str, Any]:
    s = settings()
    session = db_session()
    issued = auth.issue_token(secret_key(), account, s.api.token_ttl_hours)
    actor = actor_for_account(session, account)
    return {
        "token": issued.token,
        "expires_at": issued.expires_at,
        "account": serialize.me(session, account, actor, s.demo),
    }


@bp.route("/login", methods=["POST"])
@bp.arguments(LoginIn)
@bp.response(200, TokenSchema)
def login(args: dict[str, Any]) -> dict[str, Any]:
    """用 wx.login 的 code 登录，得到令牌（jscode2session）。"""
    data = wx.code2session(args["code"])  # before any write (see handlers.api.wx)
    limits.count_login(str(data["openid"]))
    session = db_session()
    account = auth.account_for_openid(session, str(data["openid"]), data.get("unionid"))
    body = token_body(account)
    session.commit()
    return body


@bp.route("/demo-login", methods=["POST"])
@bp.arguments(DemoLoginIn)
@bp.response(200, TokenSchema)
def demo_login(args: dict[str, Any]) -> dict[str, Any]:
    """演示登录：仅演示模式（未配置任何微信凭据）可用，否则 403。"""
    session = db_session()
    account = auth.demo_account(
        session, demo=settings().demo, role=args.get("role"), member_id=args.get("member_id")
    )
    body = token_body(account)
    session.commit()
    return body
