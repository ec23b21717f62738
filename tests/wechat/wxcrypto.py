"""WeChat's message signing and encryption, implemented here from the documentation
(independently of wechatpy, which the app uses) so that tests check one against the other.

https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html

- signature = SHA1 of the lexicographically sorted [token, timestamp, nonce(, encrypt)]
  joined without separator, hex;
- AESKey = base64decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC, IV = AESKey[:16];
- plaintext = random(16 bytes) + len(xml) as 4-byte big-endian + xml + appid,
  PKCS#7-padded to a multiple of 32 bytes; the ciphertext is base64-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
from dataclasses import dataclass
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def pkcs7_pad(data: bytes, block: int = BLOCK) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block: int = BLOCK) -> bytes:
    n = data[-1]
    if not 1 <= n <= block or data[-n:] != bytes([n]) * n:
        raise ValueError("bad PKCS#7 padding")
    return data[:-n]


@dataclass
class WxCrypto:
    token: str
    encoding_aes_key: str
    app_id: str

    @property
    def key(self) -> bytes:
        key = base64.b64decode(self.encoding_aes_key + "=")
        assert len(key) == 32
        return key

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str, random16: bytes | None = None) -> str:
        body = xml.encode()
        plain = (
            (random16 or os.urandom(16))
            + struct.pack(">I", len(body))
            + body
            + self.app_id.encode()
        )
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(pkcs7_pad(plain)) + enc.finalize()).decode()

    def decrypt(self, encrypt: str) -> tuple[str, str]:
        """Returns (xml, appid)."""
        dec = self._cipher().decryptor()
        plain = pkcs7_unpad(dec.update(base64.b64decode(encrypt)) + dec.finalize())
        (length,) = struct.unpack(">I", plain[16:20])
        return plain[20 : 20 + length].decode(), plain[20 + length :].decode()

    def envelope(
        self, xml: str, timestamp: str, nonce: str, to_user: str = "gh_test"
    ) -> tuple[bytes, str]:
        """The safe-mode POST body and its msg_signature."""
        encrypt = self.encrypt(xml)
        body = f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return body.encode(), signature(self.token, timestamp, nonce, encrypt)


def text_xml(openid: str, content: str, msg_id: int, create_time: int | None = None) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def image_xml(openid: str, media_id: str, msg_id: int) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        f"<PicUrl><![CDATA[http://mmbiz.example/{media_id}]]></PicUrl>"
        f"<MediaId><![CDATA[{media_id}]]></MediaId><MsgId>{msg_id}</MsgId></xml>"
    )


def voice_xml(openid: str, media_id: str, msg_id: int, recognition: str | None = "") -> str:
    """A voice message; ``recognition=None`` leaves the field out (recognition switched off)."""
    rec = "" if recognition is None else f"<Recognition><![CDATA[{recognition}]]></Recognition>"
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
        f"<MediaId><![CDATA[{media_id}]]></MediaId><Format><![CDATA[amr]]></Format>"
        f"{rec}<MsgId>{msg_id}</MsgId></xml>"
    )


def location_xml(openid: str, lat: str, lng: str, label: str, msg_id: int) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[location]]></MsgType>"
        f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y><Scale>15</Scale>"
        f"<Label><![CDATA[{label}]]></Label><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, key: str = "", create_time: int | None = None) -> str:
    key_node = f"<EventKey><![CDATA[{escape(key)}]]></EventKey>" if key else ""
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key_node}</xml>"
    )


def signed_query(token: str, timestamp: str | None = None, nonce: str = "n0nce") -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    return {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce}
