"""One client wrapper for every call to WeChat's servers.

Every request goes through ``WechatClient._call``: the base URL comes from
``wechat.api_base_url``, every HTTP call has a timeout (``wechat.timeout_seconds``), the
access token comes from the ``stable_token`` endpoint and is shared through Redis when
``redis.url`` is set (the ``wechat_token`` table otherwise), a token error (40001 / 42001 /
40014) refreshes the token and retries exactly once, and every ``errcode`` becomes one of the
exceptions in ``wechat.errors``.

One instance per app id / secret: the official account and the mini-program each get their
own (``clients_from_settings``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra import redact
from models import WechatToken
from wechat.errors import (
    TOKEN_ERRORS,
    WechatError,
    WechatNotConfigured,
    WechatPermanentError,
    WechatTokenError,
    WechatTransientError,
    from_errcode,
)

redact.guard_url_loggers()  # our request URLs carry secrets (key=, access_token=, secret=)

log = logging.getLogger("jiannuo.wechat")

# Refresh a token this long before WeChat says it expires.
TOKEN_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        return self.expires_at - TOKEN_MARGIN > now


class TokenStore(Protocol):
    def get(self, app_id: str) -> CachedToken | None: ...
    def put(self, app_id: str, token: CachedToken) -> None: ...
    def forget(self, app_id: str, access_token: str) -> None: ...


class MemoryTokenStore:
    """Per-process store (tests, one-off scripts)."""

    def __init__(self) -> None:
        self._tokens: dict[str, CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, app_id: str) -> CachedToken | None:
        with self._lock:
            return self._tokens.get(app_id)

    def put(self, app_id: str, token: CachedToken) -> None:
        with self._lock:
            self._tokens[app_id] = token

    def forget(self, app_id: str, access_token: str) -> None:
        with self._lock:
            current = self._tokens.get(app_id)
            if current and current.access_token == access_token:
                del self._tokens[app_id]


class RedisTokenStore:
    """Tokens shared by every worker and machine through Redis (key expires with the token)."""

    PREFIX = "jiannuo:wechat_token:"

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, app_id: str) -> CachedToken | None:
        raw = self._redis.get(self.PREFIX + app_id)
        if not raw:
            return None
        data = json.loads(raw)
        return CachedToken(data["t"], datetime.fromtimestamp(data["e"], UTC))

    def put(self, app_id: str, token: CachedToken) -> None:
        ttl = max(1, int((token.expires_at - datetime.now(UTC)).total_seconds()))
        payload = json.dumps({"t": token.access_token, "e": token.expires_at.timestamp()})
        self._redis.set(self.PREFIX + app_id, payload, ex=ttl)

    def forget(self, app_id: str, access_token: str) -> None:
        current = self.get(app_id)
        if current and current.access_token == access_token:
            self._redis.delete(self.PREFIX + app_id)


class DatabaseTokenStore:
    """Tokens shared through the ``wechat_token`` table, each access in its own short session."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._factory = session_factory

    def get(self, app_id: str) -> CachedToken | None:
        with self._factory() as s:
            row = s.scalar(select(WechatToken).where(WechatToken.app_id == app_id))
            return CachedToken(row.access_token, row.expires_at) if row else None

    def put(self, app_id: str, token: CachedToken) -> None:
        for _ in range(2):
            with self._factory() as s:
                row = s.scalar(select(WechatToken).where(WechatToken.app_id == app_id))
                now = datetime.now(UTC)
                if row is None:
                    s.add(
                        WechatToken(
                            app_id=app_id,
                            access_token=token.access_token,
                            expires_at=token.expires_at,
                            updated_at=now,
                            version=1,
                        )
                    )
                else:
                    row.access_token = token.access_token
                    row.expires_at = token.expires_at
                    row.updated_at = now
                    row.version = (row.version or 0) + 1
                try:
                    s.commit()
                    return
                except IntegrityError:  # another worker inserted first: update instead
                    s.rollback()

    def forget(self, app_id: str, access_token: str) -> None:
        with self._factory() as s:
            row = s.scalar(select(WechatToken).where(WechatToken.app_id == app_id))
            if row is not None and row.access_token == access_token:
                row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
                s.commit()


class SessionTokenStore:
    """Tokens in the ``wechat_token`` table through the caller's own session.

    For callers that already hold a write transaction (the outbox dispatcher on SQLite
    holds ``BEGIN IMMEDIATE`` across the send): a second connection would wait on the
    caller's own lock. The token is committed with the caller's transaction; if that rolls
    back, the next call fetches it again (``stable_token`` returns the same token).
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, app_id: str) -> WechatToken | None:
        return self._session.scalar(select(WechatToken).where(WechatToken.app_id == app_id))

    def get(self, app_id: str) -> CachedToken | None:
        row = self._row(app_id)
        return CachedToken(row.access_token, row.expires_at) if row else None

    def put(self, app_id: str, token: CachedToken) -> None:
        now = datetime.now(UTC)
        try:
            with self._session.begin_nested():
                row = self._row(app_id)
                if row is None:
                    row = WechatToken(app_id=app_id, version=0)
                    self._session.add(row)
                row.access_token = token.access_token
                row.expires_at = token.expires_at
                row.updated_at = now
                row.version = (row.version or 0) + 1
        except IntegrityError:  # another process inserted it first; theirs is as good
            log.info("wechat token row for %s inserted concurrently", app_id)

    def forget(self, app_id: str, access_token: str) -> None:
        row = self._row(app_id)
        if row is not None and row.access_token == access_token:
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
            self._session.flush()


class WechatClient:
    """Calls WeChat's server APIs for one app (official account or mini-program).

    Official docs: https://developers.weixin.qq.com/doc/offiaccount/ and
    https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/
    """

    def __init__(
        self,
        app_id: str,
        secret: str,
        *,
        base_url: str = "https://api.weixin.qq.com",
        timeout: float = 4.0,
        store: TokenStore | None = None,
        http: requests.Session | None = None,
    ) -> None:
        self.app_id = app_id
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.store: TokenStore = store or MemoryTokenStore()
        self.http = http or requests.Session()

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.secret)

    # ------------------------------------------------------------------ plumbing

    def _http(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> requests.Response:
        url = self.base_url + path
        data = None
        headers = {}
        if body is not None:
            # WeChat wants raw UTF-8, not \\u escapes (customer-service text would arrive escaped).
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            resp = self.http.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                files=files,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise WechatTransientError(
                f"连接微信服务器失败：{type(exc).__name__}", path=path
            ) from exc
        if resp.status_code >= 500:
            raise WechatTransientError(f"微信服务器错误 HTTP {resp.status_code}", path=path)
        if resp.status_code >= 400:
            raise WechatPermanentError(f"微信服务器拒绝请求 HTTP {resp.status_code}", path=path)
        return resp

    @staticmethod
    def _json(resp: requests.Response, path: str) -> dict[str, Any]:
        try:
            data = resp.json()
        except ValueError as exc:
            raise WechatTransientError("微信服务器返回了无法解析的内容", path=path) from exc
        if not isinstance(data, dict):
            raise WechatTransientError("微信服务器返回了无法解析的内容", path=path)
        return data

    def _fetch_token(self, force_refresh: bool) -> CachedToken:
        """POST /cgi-bin/stable_token.

        https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
        """
        if not self.configured:
            raise WechatNotConfigured("未配置微信 app_id / secret（演示模式），无法调用微信接口")
        path = "/cgi-bin/stable_token"
        body = {
            "grant_type": "client_credential",
            "appid": self.app_id,
            "secret": self.secret,
            "force_refresh": force_refresh,
        }
        data = self._json(self._http("POST", path, body=body), path)
        errcode = int(data.get("errcode") or 0)
        if errcode:
            err = from_errcode(errcode, str(data.get("errmsg", "")), path)
            if isinstance(err, WechatTransientError):
                raise err
            raise WechatTokenError(str(err), errcode, str(data.get("errmsg", "")), path)
        token = CachedToken(
            str(data["access_token"]),
            datetime.now(UTC) + timedelta(seconds=int(data.get("expires_in", 7200))),
        )
        self.store.put(self.app_id, token)
        return token

    def access_token(self) -> str:
        cached = self.store.get(self.app_id)
        if cached and cached.fresh(datetime.now(UTC)):
            return cached.access_token
        return self._fetch_token(force_refresh=False).access_token

    def _refresh_after_rejection(self, rejected: str) -> str:
        self.store.forget(self.app_id, rejected)
        token = self._fetch_token(force_refresh=False)
        if token.access_token == rejected:
            token = self._fetch_token(force_refresh=True)
        return token.access_token

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        raw: bool = False,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        """The one choke point: token, timeout, one retry on token errors, errcode mapping.

        With ``raw=True`` a non-JSON answer (an image) is returned as bytes.
        """
        token = self.access_token()
        for attempt in range(2):
            query = {**(params or {}), "access_token": token}
            resp = self._http(method, path, params=query, body=body, files=files)
            ctype = resp.headers.get("Content-Type", "")
            if raw and "json" not in ctype and "text/plain" not in ctype:
                return resp.content
            data = self._json(resp, path)
            errcode = int(data.get("errcode") or 0)
            if errcode in TOKEN_ERRORS and attempt == 0:
                log.info("wechat token rejected (%s) on %s, refreshing once", errcode, path)
                token = self._refresh_after_rejection(token)
                continue
            if errcode:
                raise from_errcode(errcode, str(data.get("errmsg", "")), path)
            return data
        raise WechatError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------- official account

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Create the custom menu.

        https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
        """
        self._call("POST", "/cgi-bin/menu/create", body=menu)

    def send_customer_message(self, openid: str, payload: dict[str, Any]) -> None:
        """Send a customer-service message (within 48 h of the user's last interaction).

        ``payload`` is the message body without ``touser``, e.g.
        ``{"msgtype": "text", "text": {"content": "..."}}``.
        https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
        """
        self._call("POST", "/cgi-bin/message/custom/send", body={"touser": openid, **payload})

    def upload_media(self, kind: str, filename: str, content: bytes, content_type: str) -> str:
        """Upload a temporary media file (3 days); returns its ``media_id``.

        https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html
        """
        path = "/cgi-bin/media/upload"
        files = {"media": (filename, content, content_type)}
        data = self._call("POST", path, params={"type": kind}, files=files)
        media_id = str(data.get("media_id") or "")
        if not media_id:
            raise WechatPermanentError("微信没有返回 media_id", path=path)
        return media_id

    def get_media(self, media_id: str) -> bytes:
        """Download a temporary media file (the image a user sent).

        https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html
        """
        data = self._call("GET", "/cgi-bin/media/get", params={"media_id": media_id}, raw=True)
        if not isinstance(data, bytes):
            raise WechatPermanentError("微信没有返回图片内容", path="/cgi-bin/media/get")
        return data

    def create_temp_qrcode(self, scene_str: str, expire_seconds: int = 2592000) -> dict[str, Any]:
        """A temporary QR code with a string scene; returns ``ticket``, ``url``, ``image_url``.

        https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
        """
        data = self._call(
            "POST",
            "/cgi-bin/qrcode/create",
            body={
                "expire_seconds": expire_seconds,
                "action_name": "QR_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene_str}},
            },
        )
        ticket = str(data["ticket"])
        return {
            "ticket": ticket,
            "url": data.get("url", ""),
            "expire_seconds": data.get("expire_seconds", expire_seconds),
            "image_url": "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="
            + requests.utils.quote(ticket, safe=""),
        }

    def create_limit_qrcode(self, scene_str: str) -> str:
        """A permanent QR code with a string scene (for printed cards); returns its URL, to be
        drawn as a QR code. Scanning it follows the account with ``qrscene_<scene>``.

        https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
        """
        data = self._call(
            "POST",
            "/cgi-bin/qrcode/create",
            body={
                "action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene_str}},
            },
        )
        url = str(data.get("url") or "")
        if not url:
            raise WechatPermanentError("微信没有返回二维码地址", path="/cgi-bin/qrcode/create")
        return url

    def send_template(
        self,
        openid: str,
        template_id: str,
        data: dict[str, Any],
        url: str = "",
        miniprogram: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send a template message.

        https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
        """
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        if miniprogram:
            body["miniprogram"] = miniprogram
        result: dict[str, Any] = self._call("POST", "/cgi-bin/message/template/send", body=body)
        return result

    # ----------------------------------------------------------------- mini-program

    def jscode2session(self, code: str) -> dict[str, Any]:
        """Exchange a ``wx.login`` code for ``openid`` / ``session_key`` / ``unionid``.

        No access token: the app secret is sent directly.
        https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
        """
        if not self.configured:
            raise WechatNotConfigured("未配置小程序 app_id / secret（演示模式）")
        path = "/sns/jscode2session"
        params = {
            "appid": self.app_id,
            "secret": self.secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        data = self._json(self._http("GET", path, params=params), path)
        errcode = int(data.get("errcode") or 0)
        if errcode:
            raise from_errcode(errcode, str(data.get("errmsg", "")), path)
        return data

    def get_phone_number(self, code: str) -> dict[str, Any]:
        """Phone number from a ``getPhoneNumber`` button code; returns ``phone_info``.

        https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html
        """
        data = self._call("POST", "/wxa/business/getuserphonenumber", body={"code": code})
        info: dict[str, Any] = data.get("phone_info") or {}
        return info

    def msg_sec_check(self, openid: str, content: str, scene: int = 2) -> dict[str, Any]:
        """Text content-security check (v2). Returns ``result`` with ``suggest`` pass/review/risky.

        Scenes: 1 profile, 2 comment, 3 forum, 4 social log.
        https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/msgSecCheck.html
        """
        data = self._call(
            "POST",
            "/wxa/msg_sec_check",
            body={"content": content, "version": 2, "scene": scene, "openid": openid},
        )
        result: dict[str, Any] = data.get("result") or {"suggest": "pass", "label": 100}
        return result

    def send_subscribe(
        self,
        openid: str,
        template_id: str,
        data: dict[str, Any],
        page: str = "",
        miniprogram_state: str = "formal",
    ) -> None:
        """Send a mini-program subscription message.

        https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
        """
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": data,
            "miniprogram_state": miniprogram_state,
            "lang": "zh_CN",
        }
        if page:
            body["page"] = page
        self._call("POST", "/cgi-bin/message/subscribe/send", body=body)

    def get_wxacode_unlimit(
        self,
        scene: str,
        page: str = "",
        check_path: bool = False,
        env_version: str = "",
    ) -> bytes:
        """An unlimited mini-program code (PNG bytes) for ``scene`` (≤ 32 visible chars)
        opening ``page``; ``check_path`` false for pages not yet released (trial/develop).

        https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
        """
        body: dict[str, Any] = {"scene": scene, "check_path": check_path}
        if page:
            body["page"] = page
        if env_version:
            body["env_version"] = env_version
        data = self._call("POST", "/wxa/getwxacodeunlimit", body=body, raw=True)
        if not isinstance(data, bytes):
            raise WechatPermanentError("微信没有返回小程序码图片", path="/wxa/getwxacodeunlimit")
        return data


@dataclass
class Clients:
    """The two WeChat clients of the app."""

    official_account: WechatClient
    mini_program: WechatClient


def token_store(
    settings: Any,
    session_factory: Callable[[], Session] | None = None,
    session: Session | None = None,
) -> TokenStore:
    """Redis when ``redis.url`` is set, else the database (the caller's ``session`` if
    given, else short sessions of ``session_factory``), else per-process memory."""
    if settings.redis.url:
        return RedisTokenStore(settings.redis.url)
    if session is not None:
        return SessionTokenStore(session)
    if session_factory is not None:
        return DatabaseTokenStore(session_factory)
    return MemoryTokenStore()


def clients_from_settings(
    settings: Any,
    session_factory: Callable[[], Session] | None = None,
    session: Session | None = None,
) -> Clients:
    """Build both clients from ``services.config.Settings``."""
    store = token_store(settings, session_factory, session)
    wx = settings.wechat
    common = {"base_url": wx.api_base_url, "timeout": wx.timeout_seconds, "store": store}
    return Clients(
        official_account=WechatClient(
            wx.official_account.app_id, wx.official_account.secret, **common
        ),
        mini_program=WechatClient(wx.mini_program.app_id, wx.mini_program.secret, **common),
    )
