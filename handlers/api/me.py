"""My profile and roles; binding this WeChat user to a roster entry or to a household."""

from __future__ import annotations

from typing import Any

from handlers.api import serialize, wx
from handlers.api.base import SECURED, Blueprint, current_account
from handlers.api.schemas import BindCodeIn, BindPhoneIn, HouseholdLinkIn, MeSchema
from handlers.context import db_session, read_session, settings
from services.actors import actor_for_account
from services.errors import NotFound, ValidationError
from services.org import auth, bindcodes, households

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


@bp.route("/household", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(HouseholdLinkIn)
@bp.response(200, MeSchema)
def link_household(args: dict[str, Any]) -> dict[str, Any]:
    """群众绑定自家户：连心卡户码，或经本人同意用微信验证的手机号与户信息登记的电话比对。"""
    given = [k for k in ("phone_code", "bind_code", "phone") if args.get(k)]
    if len(given) != 1:
        raise ValidationError("phone_code", "请提供手机号授权 code 或连心卡户码（二选一）")
    if given[0] == "phone" and not settings().demo:
        raise ValidationError("phone", "直接填写手机号只在演示模式下可用，请使用手机号授权")
    if given[0] != "bind_code":
        households.check_consent(args["consent"])  # before spending a WeChat call
    current_account(read_session())  # 401 before spending a WeChat call
    phone = wx.phone_number(args["phone_code"]) if given[0] == "phone_code" else args.get("phone")
    session = db_session()
    account = current_account(session)
    if given[0] == "bind_code":
        household = bindcodes.household_for_code(session, args["bind_code"])
        if household is None:
            raise NotFound("没有这个户码，请核对连心卡上的户码", code="household_code_unknown")
        households.link_account(session, account, household, "code")
    else:
        households.link_by_phone(session, account, phone or "", consent=args["consent"])
    body = serialize.me(session, account, actor_for_account(session, account), settings().demo)
    session.commit()
    return body


@bp.route("/household", methods=["DELETE"])
@bp.doc(**SECURED)
@bp.response(200, MeSchema)
def unlink_household() -> dict[str, Any]:
    """解除微信与户的绑定。"""
    session = db_session()
    account = current_account(session)
    households.unlink_account(session, account)
    body = serialize.me(session, account, actor_for_account(session, account), settings().demo)
    session.commit()
    return body
