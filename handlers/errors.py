"""The one place that turns errors into responses: JSON for the API, HTML for pages."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from services.errors import DomainError

log = logging.getLogger("jiannuo.errors")

HTTP_MESSAGES = {
    400: "请求有误，请检查后重试",
    401: "请先登录",
    403: "没有权限",
    404: "找不到这个页面或对象",
    405: "不支持这种请求方式",
    413: "内容太大，请压缩后重试",
    415: "不支持这种内容格式",
    422: "内容有误，请检查后重试",
    429: "操作太频繁，请稍后再试",
    500: "系统出了点问题，请稍后再试",
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/site.css"></head><body><main class="page">
<h1>{{ title }}</h1><p>{{ message }}</p><p><a href="/">返回首页</a></p></main></body></html>"""


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> Response:
    if wants_json():
        body: dict[str, object] = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        resp = jsonify({"error": body})
    else:
        resp = Response(
            render_template_string(
                PAGE, title=HTTP_MESSAGES.get(status, "出错了"), message=message
            ),
            mimetype="text/html",
        )
    resp.status_code = status
    return resp


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.fields or None)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.description or "出错了")
        return error_response(status, CODES.get(status, "error"), message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "server_error", HTTP_MESSAGES[500])
