"""The official-account callback protocol: verification, decryption, parsing, replies.

Docs: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html
and (safe mode) https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html

wechatpy 1.8.18 does the AES work and the message parsing; this module guards it:
signatures are compared in constant time (wechatpy uses ``!=``), the timestamp must be
within five minutes, the body is capped, and XML carrying a DOCTYPE or entity declaration
is refused before any parser sees it. Every refusal is a ``CallbackRefused`` with the HTTP
status to answer.

The message mode (``wechat.official_account.mode``) is explicit: ``plain`` takes only
unencrypted bodies, ``compatible`` takes both and checks ``msg_signature`` whenever an
``<Encrypt>`` is present, ``safe`` refuses any body without ``<Encrypt>`` (the plain
signature covers only token, timestamp and nonce, so it proves nothing about the body).
Remembering each (timestamp, nonce) for the replay window is the caller's part
(``handlers.bot.inbound.claim_nonce``): it needs storage, which this package does not own.

Replies are built with ElementTree, never by string formatting: user text echoed in a
reply may contain ``]]>`` or ``</Content>``, and the library escapes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Literal
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto
from wechatpy.messages import BaseMessage, TextMessage

# Demo mode (no official-account credentials): the callback accepts messages signed with
# this token so that local trials, `flask bot say` and tests work without WeChat.
DEMO_TOKEN = "jiannuo-demo"  # noqa: S105 (documented public demo value)
MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_SKEW_SECONDS = 300
DEDUPE_KEY_MAX = 150  # inbound_message.dedupe_key
_FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Characters XML 1.0 cannot carry at all, even escaped; dropped from replies.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Mode = Literal["plain", "compatible", "safe"]
MODES: tuple[Mode, ...] = ("plain", "compatible", "safe")


class CallbackRefused(Exception):
    """The request is refused; nothing must be written."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Location:
    """A location message's fields as WeChat sent them (text; the caller checks them)."""

    latitude: str
    longitude: str
    scale: str
    label: str


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
    def recognition(self) -> str:
        """A voice message's recognised text (empty unless 接收语音识别结果 is switched on)."""
        return (self.raw.get("Recognition") or "").strip()

    @property
    def media_id(self) -> str:
        return self.raw.get("MediaId", "")

    @property
    def voice_format(self) -> str:
        return (self.raw.get("Format") or "amr").lower()[:16]

    @property
    def location(self) -> Location | None:
        """A location message's place: ``Location_X`` is the latitude, ``Location_Y`` the
        longitude (GCJ-02), ``Scale`` the map zoom and ``Label`` the place's name."""
        if self.msg_type != "location":
            return None
        return Location(
            latitude=self.raw.get("Location_X", ""),
            longitude=self.raw.get("Location_Y", ""),
            scale=self.raw.get("Scale", ""),
            label=(self.raw.get("Label") or "").strip(),
        )

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; for events WeChat advises sender + CreateTime, to which the
        event and its EventKey are added: two menu clicks in the same second are two
        events. A long EventKey (a VIEW URL) is hashed to fit the column."""
        msg_id = self.raw.get("MsgId")
        if msg_id:
            return f"msg:{msg_id}"
        head = f"evt:{self.openid[:64]}:{self.raw.get('CreateTime', '')[:12]}:{self.event[:20]}"
        event_key = self.raw.get("EventKey", "")
        key = f"{head}:{event_key}"
        if len(key) <= DEDUPE_KEY_MAX:
            return key
        return f"{head}:#{hashlib.sha256(event_key.encode('utf-8')).hexdigest()[:40]}"

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the message's fields: the same message, however it was encrypted."""
        canonical = json.dumps(sorted(self.raw.items()), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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


def render_xml(fields: list[tuple[str, str]]) -> str:
    """``<xml>`` with one child per field (the names are ours), its text escaped as
    ElementTree escapes element text (``&``, ``<``, ``>``), characters XML cannot hold
    removed. Built as a string: the callback renders two of these per reply."""
    return (
        "<xml>"
        + "".join(
            f"<{name}>{escape(_NOT_XML_CHARS.sub('', value))}</{name}>" for name, value in fields
        )
        + "</xml>"
    )


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

    def __init__(
        self,
        token: str,
        encoding_aes_key: str = "",
        app_id: str = "",
        mode: Mode | None = None,
    ) -> None:
        self.token = token
        self.app_id = app_id
        self._prp: PrpCrypto | None = None
        if encoding_aes_key:
            key = base64.b64decode(encoding_aes_key + "=")
            if len(key) != 32:
                raise ValueError("EncodingAESKey must decode to 32 bytes")
            self._prp = PrpCrypto(key)
        self.mode: Mode = mode or ("safe" if encoding_aes_key else "plain")
        if self.mode not in MODES:
            raise ValueError(f"unknown message mode {self.mode!r}")
        if self.mode != "plain" and self._prp is None:
            raise ValueError(f"{self.mode} mode needs an EncodingAESKey")

    def encrypt(self, xml: str) -> str:
        """The base64 ``<Encrypt>`` text for ``xml`` (replies, and ``flask bot say``)."""
        if self._prp is None:
            raise ValueError("no EncodingAESKey configured")
        encrypted: bytes = self._prp.encrypt(xml, self.app_id)
        return encrypted.decode("ascii")

    def decrypt(self, encrypt: str) -> str:
        if self._prp is None:
            raise ValueError("no EncodingAESKey configured")
        text: str = self._prp.decrypt(encrypt, self.app_id)
        return text

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
        # An <Encrypt> makes the body an encrypted one whatever the query says: in
        # compatible mode the plaintext fields beside it are not believed unchecked.
        encrypted = args.get("encrypt_type", "raw").lower() == "aes" or "Encrypt" in outer
        if self.mode == "safe" and not outer.get("Encrypt"):
            raise CallbackRefused(403, "safe mode: unencrypted body refused")
        if encrypted:
            if self.mode == "plain" or self._prp is None:
                raise CallbackRefused(400, "encrypted message but the mode is plain")
            encrypt = outer.get("Encrypt", "")
            if not encrypt:
                raise CallbackRefused(400, "no <Encrypt>")
            if not signature_ok(
                (self.token, timestamp, nonce, encrypt), args.get("msg_signature", "")
            ):
                raise CallbackRefused(403, "bad msg_signature")
            try:
                inner = self.decrypt(encrypt)
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
            # a text message from the fields already parsed (the hot path); others as wechatpy
            # parses them (events need its dispatch on Event / EventKey)
            message = TextMessage(dict(outer)) if outer["MsgType"] == "text" else None
            message = message or parse_message(text)
        except Exception:
            raise CallbackRefused(400, "unparseable message") from None
        return Inbound(message=message, raw=outer, encrypted=encrypted)

    def reply(
        self, inbound: Inbound, content: str, nonce: str, timestamp: str | None = None
    ) -> str:
        """Render a text reply (empty content → "success"), encrypted when the request was;
        the encrypted envelope wraps the plain reply XML."""
        if not content:
            return "success"
        timestamp = timestamp or str(int(time.time()))
        xml = render_xml(
            [
                ("ToUserName", inbound.openid),
                ("FromUserName", inbound.raw.get("ToUserName", "")),
                ("CreateTime", timestamp),
                ("MsgType", "text"),
                ("Content", content),
            ]
        )
        if not inbound.encrypted or self._prp is None:
            return xml
        encrypt = self.encrypt(xml)
        signature = sha1_signature(self.token, timestamp, nonce, encrypt)
        return render_xml(
            [
                ("Encrypt", encrypt),
                ("MsgSignature", signature),
                ("TimeStamp", timestamp),
                ("Nonce", nonce),
            ]
        )
