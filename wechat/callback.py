"""The official-account callback protocol: verification, decryption, parsing, replies.

Docs: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html
and (safe mode) https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html

wechatpy 1.8.18 does the AES work, the XML parsing and the reply rendering; this module
guards it: signatures are compared in constant time (wechatpy uses ``!=``), the timestamp
must be within five minutes, the body is capped, and XML carrying a DOCTYPE or entity
declaration is refused before any parser sees it. Every refusal is a ``CallbackRefused``
with the HTTP status to answer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

# Demo mode (no official-account credentials): the callback accepts messages signed with
# this token so that local trials, `flask bot say` and tests work without WeChat.
DEMO_TOKEN = "jiannuo-demo"  # noqa: S105 (documented public demo value)
MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_SKEW_SECONDS = 300
_FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class CallbackRefused(Exception):
    """The request is refused; nothing must be written."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Inbound:
    """A verified, decrypted and parsed delivery."""

    message: BaseMessage
    raw: dict[str, str]
    encrypted: bool

    @property
    def openid(self) -> str:
        return self.raw.get("FromUserName", "")

    @property
    def msg_type(self) -> str:
        return self.raw.get("MsgType", "").lower()

    @property
    def event(self) -> str:
        return self.raw.get("Event", "").lower()

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; sender + CreateTime + event for events (WeChat's own advice)."""
        msg_id = self.raw.get("MsgId")
        if msg_id:
            return f"msg:{msg_id}"
        return f"evt:{self.openid}:{self.raw.get('CreateTime', '')}:{self.event}"


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: SHA1 of the lexicographically sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324


def signature_ok(expected_parts: tuple[str, ...], given: str) -> bool:
    return hmac.compare_digest(sha1_signature(*expected_parts).encode(), (given or "").encode())


def check_timestamp(timestamp: str, now: float | None = None) -> None:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise CallbackRefused(400, "bad timestamp") from None
    if abs((now if now is not None else time.time()) - ts) > MAX_CLOCK_SKEW_SECONDS:
        raise CallbackRefused(403, "stale timestamp")


def guard_xml(body: bytes) -> None:
    """Refuse a DOCTYPE or an entity declaration before any parser sees the XML."""
    if _FORBIDDEN_XML.search(body):
        raise CallbackRefused(400, "DOCTYPE/ENTITY refused")


def _parse_xml(text: str) -> dict[str, str]:
    try:
        data = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise CallbackRefused(400, f"malformed XML: {exc}") from None
    node = data.get("xml") if isinstance(data, dict) else None
    if not isinstance(node, dict):
        raise CallbackRefused(400, "no <xml> root")
    return {k: v for k, v in node.items() if isinstance(v, str)} | {
        k: "" for k, v in node.items() if v is None
    }


class CallbackProtocol:
    """Verification and (de)cryption for one official account."""

    def __init__(self, token: str, encoding_aes_key: str = "", app_id: str = "") -> None:
        self.token = token
        self.app_id = app_id
        self._prp: PrpCrypto | None = None
        if encoding_aes_key:
            import base64

            key = base64.b64decode(encoding_aes_key + "=")
            if len(key) != 32:
                raise ValueError("EncodingAESKey must decode to 32 bytes")
            self._prp = PrpCrypto(key)

    def verify_url(self, signature: str, timestamp: str, nonce: str) -> bool:
        """GET verification: the plain signature over token, timestamp and nonce."""
        return signature_ok((self.token, timestamp, nonce), signature)

    def open(self, body: bytes, args: dict[str, str], now: float | None = None) -> Inbound:
        """Verify and decode a POST; raises ``CallbackRefused``."""
        if len(body) > MAX_BODY_BYTES:
            raise CallbackRefused(413, "body too large")
        timestamp = args.get("timestamp", "")
        nonce = args.get("nonce", "")
        if not self.verify_url(args.get("signature", ""), timestamp, nonce):
            raise CallbackRefused(403, "bad signature")
        check_timestamp(timestamp, now)
        guard_xml(body)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRefused(400, "body is not UTF-8") from None
        outer = _parse_xml(text)
        encrypted = args.get("encrypt_type", "raw").lower() == "aes"
        if encrypted:
            if self._prp is None:
                raise CallbackRefused(400, "encrypted message but no EncodingAESKey configured")
            encrypt = outer.get("Encrypt", "")
            if not encrypt:
                raise CallbackRefused(400, "no <Encrypt>")
            if not signature_ok(
                (self.token, timestamp, nonce, encrypt), args.get("msg_signature", "")
            ):
                raise CallbackRefused(403, "bad msg_signature")
            try:
                inner = self._prp.decrypt(encrypt, self.app_id)
            except Exception:  # wrong key, bad padding, bad base64, wrong app id
                raise CallbackRefused(400, "cannot decrypt") from None
            inner_bytes = inner.encode("utf-8")
            if len(inner_bytes) > MAX_BODY_BYTES:
                raise CallbackRefused(413, "body too large")
            guard_xml(inner_bytes)
            text = inner
            outer = _parse_xml(text)
        if not outer.get("MsgType") or not outer.get("FromUserName"):
            raise CallbackRefused(400, "missing MsgType/FromUserName")
        try:
            message = parse_message(text)
        except Exception:
            raise CallbackRefused(400, "unparseable message") from None
        return Inbound(message=message, raw=outer, encrypted=encrypted)

    def reply(
        self, inbound: Inbound, content: str, nonce: str, timestamp: str | None = None
    ) -> str:
        """Render a text reply (empty content → "success"), encrypted when the request was."""
        if not content:
            return "success"
        xml = TextReply(content=content, message=inbound.message).render()
        if not inbound.encrypted or self._prp is None:
            return xml
        timestamp = timestamp or str(int(time.time()))
        encrypt = self._prp.encrypt(xml, self.app_id).decode("ascii")
        signature = sha1_signature(self.token, timestamp, nonce, encrypt)
        return (
            "<xml>\n"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
            f"<TimeStamp>{timestamp}</TimeStamp>\n"
            f"<Nonce><![CDATA[{nonce}]]></Nonce>\n"
            "</xml>"
        )
