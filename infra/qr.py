"""QR codes for member cards and branch pages: PNG at print resolution and SVG.

When mini-program credentials exist, the handlers ask WeChat for a mini-program code
(``getwxacodeunlimit``) through ``wechat/client.py`` instead; this module is the plain QR
fallback and the print-sheet helper.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

MIN_PNG_PX = 1000
BORDER = 4


def member_url(base_url: str, public_code: str) -> str:
    return f"{base_url.rstrip('/')}/m/{public_code}"


def org_url(base_url: str, org_code: str) -> str:
    return f"{base_url.rstrip('/')}/o/{org_code}/wall"


def _code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def png(data: str, min_px: int = MIN_PNG_PX) -> bytes:
    """A PNG of at least ``min_px`` pixels a side (print resolution, crisp module edges)."""
    qr = _code(data)
    modules = qr.modules_count + 2 * BORDER
    qr.box_size = max(1, math.ceil(min_px / modules))
    img = qr.make_image(fill_color="black", back_color="white")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def svg(data: str) -> bytes:
    """A scalable SVG (one path), sized in millimetres for print."""
    qr = _code(data)
    img = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def chunk(items: list, per_page: int) -> list[list]:  # type: ignore[type-arg]
    """Split print cards into A4 pages so that page breaks fall between cards."""
    if per_page < 1:
        raise ValueError("per_page must be positive")
    return [items[i : i + per_page] for i in range(0, len(items), per_page)]


# -- mini-program codes (小程序码) -------------------------------------------------------------
# The one place that decides which mini-program page a printed code opens and with which
# scene: a member's brick opens the member card, a branch's code its progress board. The
# pages read the scene back (``m=<code>`` / ``o=<code>``); tests check the pages exist in
# miniprogram/app.json.

MEMBER_PAGE = "pages/member/index"
BOARD_PAGE = "pages/board/index"
SCENE_MAX = 32  # WeChat's limit for getwxacodeunlimit's scene


@dataclass(frozen=True)
class MiniProgramTarget:
    page: str
    scene: str


def _target(page: str, key: str, code: str) -> MiniProgramTarget | None:
    """``None`` when the scene would be too long for WeChat (the caller prints a plain QR)."""
    scene = f"{key}={code}"
    if len(scene) > SCENE_MAX:
        return None
    return MiniProgramTarget(page=page, scene=scene)


def member_target(public_code: str) -> MiniProgramTarget | None:
    """A member's code: ``pages/member/index`` with scene ``m=<public code>``."""
    return _target(MEMBER_PAGE, "m", public_code)


def org_target(org_code: str) -> MiniProgramTarget | None:
    """A branch's code: ``pages/board/index`` with scene ``o=<org code>``."""
    return _target(BOARD_PAGE, "o", org_code)
