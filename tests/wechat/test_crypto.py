"""Our independent implementation of WeChat's algorithm agrees with wechatpy both ways."""

from __future__ import annotations

import xmltodict
from wechatpy.crypto import WeChatCrypto

from .conftest import AES_KEY, APP_ID, TOKEN
from .wxcrypto import WxCrypto, pkcs7_pad, signature, text_xml


def test_signature_is_sha1_of_sorted_parts() -> None:
    # From WeChat's documentation example: sorted, concatenated, sha1 hex.
    import hashlib

    parts = ["token", "1409304348", "xxxxxx"]
    assert signature(*parts) == hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()
    assert signature("b", "a", "c") == signature("c", "b", "a")


def test_padding_is_to_32_byte_blocks() -> None:
    assert len(pkcs7_pad(b"x" * 31)) == 32
    assert pkcs7_pad(b"x" * 32)[-1] == 32 and len(pkcs7_pad(b"x" * 32)) == 64


def test_ours_encrypts_wechatpy_decrypts() -> None:
    ours = WxCrypto(TOKEN, AES_KEY, APP_ID)
    xml = text_xml("o-user", "践诺 1 浇水 3次", 123456789)
    body, msg_sig = ours.envelope(xml, "1700000000", "nonce1")
    theirs = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    assert theirs.decrypt_message(body.decode(), msg_sig, "1700000000", "nonce1") == xml


def test_wechatpy_encrypts_ours_decrypts() -> None:
    theirs = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    xml = text_xml("o-user", "已收到，编号 2501011", 1)
    envelope = xmltodict.parse(theirs.encrypt_message(xml, "nonce2", "1700000001"))["xml"]
    assert envelope["MsgSignature"] == signature(TOKEN, "1700000001", "nonce2", envelope["Encrypt"])
    plain, appid = WxCrypto(TOKEN, AES_KEY, APP_ID).decrypt(envelope["Encrypt"])
    assert (plain, appid) == (xml, APP_ID)


def test_random_prefix_and_length_layout() -> None:
    ours = WxCrypto(TOKEN, AES_KEY, APP_ID)
    enc = ours.encrypt("<xml/>", random16=b"R" * 16)
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(AES_KEY + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = dec.update(base64.b64decode(enc)) + dec.finalize()
    assert raw[:16] == b"R" * 16
    assert raw[16:20] == (6).to_bytes(4, "big")
    assert raw[20:26] == b"<xml/>"
    assert raw[26 : 26 + len(APP_ID)] == APP_ID.encode()
    assert len(raw) % 32 == 0
