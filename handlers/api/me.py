"""My profile and roles; binding this WeChat user to a roster entry."""

from __future__ import annotations

from typing import Any

from handlers.api import serialize, wx
from handlers.api.base import SECURED, Blueprint, current_account
from handlers.api.schemas import BindCodeIn, BindPhoneIn, MeSchema
from handlers.context import db_session, read_session, settings
from services.actors import actor_for_account
from services.org import auth

bp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="我的")


@bp.route("", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, MeSchema)
def me() -> dict[str, Any]:
    """我的资料与角色。"""
    session = read_session()
    account = current_account(session)
    return serialize.me(session, account, actor_for_account(session, account), settings().demo)


@bp.route("/bind", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(BindCodeIn)
@bp.response(200, MeSchema)
def bind(args: dict[str, Any]) -> dict[str, Any]:
    """用支部发放的绑定码绑定党员身份。"""
    session = db_session()
    account = current_account(session)
    auth.bind_by_code(session, account, args["bind_code"])
    body = serialize.me(session, account, actor_for_account(session, account), settings().demo)
    session.commit()
    return body


@bp.route("/bind-phone", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(BindPhoneIn)
@bp.response(200, MeSchema)
def bind_phone(args: dict[str, Any]) -> dict[str, Any]:
    """用微信验证过的手机号（与花名册比对）绑定党员身份。"""
    current_account(read_session())  # 401 before spending a WeChat call
    phone = wx.phone_number(args["code"])  # before any write (see handlers.api.wx)
    session = db_session()
    account = current_account(session)
    auth.bind_by_phone(session, account, phone)
    body = serialize.me(session, account, actor_for_account(session, account), settings().demo)
    session.commit()
    return body
