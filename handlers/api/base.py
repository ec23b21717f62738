"""Shared machinery of the mini-program API: the smorest Api and Blueprint with our error
shape, the request parser, common fields, pagination and the bearer-token actor."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import g, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser

from handlers.context import settings
from infra.clock import local_tz
from models import Account
from services.actors import Actor, actor_for_account
from services.errors import MultiValidationError, NotFound
from services.org import auth

MAX_ID = 2_147_483_647
FORBIDDEN_FIELDS = {
    "status",
    "owner_id",
    "member_id",
    "org_id",
    "points",
    "reviewer",
    "owner_kind",
    "content_status",
    "assignee",
    "assignee_member_id",
    "submitter_account_id",
    "created_by_account_id",
    "reviewer_member_id",
    "reviewer_account_id",
    "verified_at",
    "resolution",
    "rating",
}
SECURED: dict[str, Any] = {"security": [{"bearerAuth": []}]}

# -- errors ---------------------------------------------------------------------------

_MESSAGES = (
    (re.compile(r"^Missing data for required field\.$"), "必填，请填写"),
    (re.compile(r"^Field may not be null\.$"), "不能为空"),
    (re.compile(r"^Not a valid integer\.$"), "应为整数"),
    (re.compile(r"^Not a valid number\.$"), "应为数字"),
    (re.compile(r"^Not a valid string\.$"), "应为文字"),
    (re.compile(r"^Not a valid boolean\.$"), "应为 true 或 false"),
    (re.compile(r"^Not a valid date\.$"), "日期格式应为 YYYY-MM-DD，例如 2026-12-31"),
    (re.compile(r"^Not a valid list\.$"), "应为列表"),
    (re.compile(r"^Not a valid mapping type\.$"), "应为对象"),
    (re.compile(r"^Invalid input type\.$"), "请求内容应为 JSON 对象"),
    (re.compile(r"^Number too large\.$"), "数字太大"),
    (re.compile(r"^Invalid value\.$"), "取值不正确"),
    (re.compile(r"^Unknown field\.$"), "不接受这个字段，请删除"),
)
_UNKNOWN_FIELD = "不接受这个字段，请删除"


def _translate(message: str) -> str:
    for pattern, chinese in _MESSAGES:
        if pattern.match(message):
            return chinese
    if re.search(r"[\u4e00-\u9fff]", message):
        return message
    return "内容有误，请检查"


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow nested messages → {"field" or "list.0": "中文"}."""
    out: dict[str, str] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
    elif isinstance(messages, (list, tuple)):
        if messages and all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = _translate(str(messages[0]))
        else:
            for item in messages:
                out.update(flatten_messages(item, prefix))
    elif isinstance(messages, str):
        out[prefix or "_schema"] = _translate(messages)
    return out


class RequestValidationError(MultiValidationError):
    code = "invalid"


def validation_error(messages: Any) -> RequestValidationError:
    # Drop the webargs location level ("json", "query", "files").
    if isinstance(messages, Mapping) and set(messages) <= {
        "json",
        "query",
        "files",
        "form",
        "view_args",
        "headers",
    }:
        merged: dict[str, Any] = {}
        for value in messages.values():
            if isinstance(value, Mapping):
                merged.update(value)
            else:
                merged.setdefault("_schema", value)
        messages = merged
    fields = flatten_messages(messages)
    for name in list(fields):
        # Only an unknown (refused) field gets this message; a schema that accepts "rating"
        # keeps its own message for a bad value.
        if name.split(".")[0] in FORBIDDEN_FIELDS and fields[name] == _UNKNOWN_FIELD:
            fields[name] = f"不能设置“{name}”，这一项由系统决定"
    return RequestValidationError(fields or {"_schema": "请求内容有误，请检查"})


class ApiParser(FlaskParser):
    """webargs parser answering 400 in our error shape, with Chinese field messages."""

    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(
        self,
        error: ma.ValidationError,
        req: Any,
        schema: ma.Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> Any:
        raise validation_error(error.messages)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ApiParser()


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "机器可读的错误代码"})
    message = ma.fields.String(
        required=True, metadata={"description": "中文说明，告诉用户怎样改正"}
    )
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "每个出错字段的中文说明（仅 400）"},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class Api(flask_smorest.Api):
    """flask-smorest with our error envelope; errors are rendered by handlers.errors."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # handlers.errors already answers every error in the {"error": {...}} shape.
        return None


# -- fields ---------------------------------------------------------------------------

_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Text(ma.fields.String):
    """A string without NUL, control characters or lone surrogates (they break databases)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _BAD_CHARS.search(text):
            raise ma.ValidationError("包含无法识别的字符，请删除后重试")
        return text


def text_field(max_len: int, *, required: bool = False, min_len: int = 0, **kw: Any) -> Text:
    msg = f"最多 {max_len} 个字" if not min_len else f"请填写 {min_len} 到 {max_len} 个字"
    return Text(
        required=required,
        validate=ma.validate.Length(min=min_len, max=max_len, error=msg),
        error_messages={"required": "必填，请填写", "invalid": "应为文字", "null": "不能为空"},
        **kw,
    )


def an_id(**kw: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(1, MAX_ID, error="编号不正确"),
        error_messages={"invalid": "应为整数编号", "required": "必填，请填写", "null": "不能为空"},
        **kw,
    )


def one_of(choices: Sequence[str], labels: str, **kw: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.OneOf(list(choices), error=f"只能是：{labels}"),
        error_messages={"required": "必填，请选择", "invalid": "应为文字", "null": "不能为空"},
        **kw,
    )


def a_date(**kw: Any) -> ma.fields.Date:
    return ma.fields.Date(
        validate=ma.validate.Range(
            date(2000, 1, 1), date(2100, 12, 31), error="日期应在 2000-01-01 到 2100-12-31 之间"
        ),
        error_messages={
            "invalid": "日期格式应为 YYYY-MM-DD，例如 2026-12-31",
            "required": "必填，请填写日期",
            "null": "不能为空",
        },
        **kw,
    )


class LocalDateTime(ma.fields.DateTime):
    """Aware datetimes shown in the township's time zone (ISO 8601 with +08:00)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(local_tz())
        return super()._serialize(value, attr, obj, **kwargs)


class Schema(ma.Schema):
    """Input schemas refuse unknown fields (status, owner_id, points …) with a 400."""

    class Meta:
        unknown = ma.RAISE


# -- pagination -----------------------------------------------------------------------


class PageArgs(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    page = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(1, 10_000, error="页码应在 1 到 10000 之间"),
        error_messages={"invalid": "页码应为整数"},
    )
    per_page = ma.fields.Integer(
        load_default=20,
        validate=ma.validate.Range(1, 100, error="每页条数应在 1 到 100 之间"),
        error_messages={"invalid": "每页条数应为整数"},
    )


_page_schemas: dict[str, type[ma.Schema]] = {}


def page_of(item: type[ma.Schema]) -> type[ma.Schema]:
    """A ``{items, page, per_page, total}`` schema for ``item`` (one class per item type)."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item), required=True),
                "page": ma.fields.Integer(required=True),
                "per_page": ma.fields.Integer(required=True),
                "total": ma.fields.Integer(required=True),
            },
        )
    return _page_schemas[name]


def paginate(session: Session, stmt: Select[Any], args: Mapping[str, int]) -> tuple[list[Any], int]:
    page, per_page = args["page"], args["per_page"]
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return items, int(total)


def page_body(items: list[Any], total: int, args: Mapping[str, int]) -> dict[str, Any]:
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def page_list(items: list[Any], args: Mapping[str, int]) -> dict[str, Any]:
    """Paginate an already-filtered Python list (for queues decided by object rules)."""
    start = (args["page"] - 1) * args["per_page"]
    return page_body(items[start : start + args["per_page"]], len(items), args)


def check_id(value: int) -> int:
    """Path ids beyond the integer column range cannot exist: 404 instead of a DB error."""
    if not 1 <= value <= MAX_ID:
        raise NotFound("找不到这个对象，请刷新后重试")
    return value


# -- who is calling -------------------------------------------------------------------


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_account_id() -> int | None:
    """The account id of a valid bearer token (cached per request), else None."""
    if "api_account_id" not in g:
        token = bearer_token()
        account_id: int | None = None
        if token:
            s = settings()
            try:
                account_id = auth.read_token(_secret(), token, s.api.token_ttl_hours)
            except auth.Unauthenticated:
                account_id = None
        g.api_account_id = account_id
    value: int | None = g.api_account_id
    return value


def _secret() -> str:
    from flask import current_app

    return str(current_app.config["SECRET_KEY"])


def current_account(session: Session) -> Account:
    """The caller's account, or 401 ``unauthorized``."""
    token = bearer_token()
    if token is None:
        raise auth.Unauthenticated("请先登录")
    account_id = auth.read_token(_secret(), token, settings().api.token_ttl_hours)
    return auth.account_by_id(session, account_id)


def current_actor(session: Session) -> tuple[Account, Actor]:
    account = current_account(session)
    return account, actor_for_account(session, account)


def optional_actor(session: Session) -> Actor | None:
    account_id = token_account_id()
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    return actor_for_account(session, account) if account else None


def secret_key() -> str:
    return _secret()
