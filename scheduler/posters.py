"""The monthly poster of a branch (issue 21): most village groups are personal WeChat groups
that accept no robot, so the branch secretary gets the month's summary and board as one image
(PNG, a phone's width, Chinese drawn with the Noto CJK font) to forward by hand.

Drawn with Pillow from ``services.reads.posters`` (the same figures as the group summary);
``render`` returns the image and every line of text it drew, in order, so tests can compare
the poster with the markdown summary without OCR. ``enqueue_monthly`` stores each poster under
``uploads.dir/posters/`` and queues, per secretary, an official-account image message (the
sender uploads the media first) and the line "长按转发到村民群"; branch group robots get the
poster as a WeCom image message.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra import qr
from infra.config import Settings
from infra.paths import ROOT
from models import Organisation, OrgKind, OutboundChannel
from scheduler import pushes
from services import outbox
from services.errors import ValidationError
from services.reads import audience
from services.reads.posters import PosterFacts, poster_facts, secretaries

POSTER_DIR = "posters"
FORWARD_LINE = "长按转发到村民群"
RED = (183, 28, 28)
DARK = (34, 34, 34)
GREY = (85, 85, 85)
PAPER = (255, 248, 240)
TRACK = (230, 224, 219)
BARS = {
    "on_track": (46, 125, 50),
    "behind": (249, 168, 37),
    "overdue": (198, 40, 40),
    "completed": (21, 101, 192),
    "none": (158, 158, 158),
}
STATE_WORDS = {
    "overdue": "已逾期",
    "behind": "进度落后",
    "on_track": "正常推进",
    "completed": "已完成",
    "none": "暂无公开承诺",
}


@dataclass
class Poster:
    png: bytes
    width: int
    height: int
    lines: list[str] = field(default_factory=list)  # every text drawn, top to bottom


@lru_cache(maxsize=4)
def font_file(configured: str, bold: bool) -> tuple[str, int]:
    """The CJK font: ``screen.font_path`` if set, else what fontconfig finds for Noto Sans
    CJK SC (Debian's fonts-noto-cjk); (path, index within a .ttc)."""
    if configured:
        path = Path(configured) if Path(configured).is_absolute() else ROOT / configured
        if not path.is_file():
            raise ValidationError("screen.font_path", f"找不到字体文件 {path}")
        return str(path), 0
    fc = shutil.which("fc-match")
    if fc:
        style = "Noto Sans CJK SC:bold" if bold else "Noto Sans CJK SC"
        out = subprocess.run(
            [fc, "-f", "%{file}|%{index}", style], capture_output=True, text=True, check=False
        ).stdout
        path, _, index = out.partition("|")
        if "CJK" in path and Path(path).is_file():
            return path, int(index or 0)
    raise ValidationError(
        "screen.font_path", "找不到中文字体：请安装 fonts-noto-cjk，或在配置中填写 screen.font_path"
    )


class _Canvas:
    """Drawing helpers that remember every line drawn."""

    def __init__(self, width: int, height: int, font_path: str) -> None:
        self.image = Image.new("RGB", (width, height), PAPER)
        self.draw = ImageDraw.Draw(self.image)
        self.width = width
        self.font_path = font_path
        self.lines: list[str] = []

    def font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        path, index = font_file(self.font_path, bold)
        return ImageFont.truetype(path, size, index=index)

    def text(
        self,
        xy: tuple[float, float],
        words: str,
        size: int,
        fill: tuple[int, int, int] = DARK,
        *,
        bold: bool = False,
        anchor: str = "la",
    ) -> float:
        font = self.font(size, bold)
        self.draw.text(xy, words, font=font, fill=fill, anchor=anchor)
        self.lines.append(words)
        return float(self.draw.textlength(words, font=font))

    def flag(self, x: float, y: float, h: int) -> None:
        self.draw.line([(x, y), (x, y + h)], fill=(93, 64, 55), width=3)
        self.draw.polygon(
            [(x + 2, y), (x + 2 + h * 0.7, y + h * 0.25), (x + 2, y + h * 0.5)], fill=RED
        )


def _pct(value: int | None) -> str:
    return "暂无" if value is None else f"{value}%"


ROW_H = 64
HEAD_H = 190


def render(facts: PosterFacts, *, width: int, font_path: str, board_url: str) -> Poster:
    s, rows = facts.summary, facts.rows
    height = HEAD_H + 420 + 70 + ROW_H * max(1, len(rows)) + 230
    c = _Canvas(width, height, font_path)
    pad = 36
    # header
    c.draw.rectangle([0, 0, width, HEAD_H], fill=RED)
    c.text((pad, 34), facts.branch.name, 46, (255, 255, 255), bold=True)
    c.text((pad, 108), f"{facts.period.label}践诺月报", 30, (255, 255, 255))
    if facts.flag:
        label = "红旗支部" if facts.flag == "red" else "黄旗（进度滞后）"
        colour = (255, 214, 0) if facts.flag == "red" else (249, 168, 37)
        c.draw.rounded_rectangle([width - pad - 230, 110, width - pad, 150], 8, fill=colour)
        c.text((width - pad - 115, 130), label, 24, (62, 39, 0), bold=True, anchor="mm")
    # figures
    y = HEAD_H + 28
    boxes = [
        ("完成率", _pct(s.completion)),
        ("本期践诺", f"{s.logs} 条"),
        ("党员", f"{s.members} 人"),
        ("作出承诺", f"{s.members_committed} 人"),
    ]
    box_w = (width - 2 * pad - 3 * 16) / 4
    for i, (label, value) in enumerate(boxes):
        x = pad + i * (box_w + 16)
        c.draw.rounded_rectangle([x, y, x + box_w, y + 120], 12, fill=(255, 255, 255))
        c.text((x + box_w / 2, y + 50), value, 34, RED, bold=True, anchor="mm")
        c.text((x + box_w / 2, y + 96), label, 22, GREY, anchor="mm")
    y += 150
    r = s.rates
    c.text((pad, y), f"群众诉求：收到 {s.requests_received} 件，办结 {s.requests_resolved} 件", 24)
    y += 44
    rates = [
        ("响应率", r.response),
        ("办结率", r.completion),
        ("解决率", r.solution),
        ("满意率", r.satisfaction),
    ]
    for i, (label, value) in enumerate(rates):
        x = pad + i * (box_w + 16)
        c.draw.rounded_rectangle([x, y, x + box_w, y + 96], 12, fill=(255, 255, 255))
        c.text((x + box_w / 2, y + 38), _pct(value), 30, RED, bold=True, anchor="mm")
        c.text((x + box_w / 2, y + 76), label, 22, GREY, anchor="mm")
    y += 122
    stars = "、".join(f"{n}（{k} 条）" for n, k in s.top) if s.top else "暂无"
    c.text((pad, y), f"践诺之星：{stars}", 24)
    y += 56
    # the board
    c.draw.line([(pad, y), (width - pad, y)], fill=RED, width=3)
    c.text((pad, y + 14), "践诺进度榜（进度落后的排在前面）", 28, RED, bold=True)
    y += 70
    bar_x, bar_w = pad + 250, width - 2 * pad - 250 - 90
    for m in rows:
        cy = y + ROW_H / 2
        c.draw.ellipse([pad, cy - 22, pad + 44, cy + 22], fill=(255, 205, 210))
        c.text((pad + 22, cy), m.name[:1], 24, RED, bold=True, anchor="mm")
        c.text((pad + 58, cy - 12), m.name, 24, DARK, bold=True, anchor="lm")
        state = f"免于承诺（{m.exempt_reason}）" if m.exempt else STATE_WORDS[m.bar]
        c.text((pad + 58, cy + 16), state, 18, GREY, anchor="lm")
        c.draw.rounded_rectangle([bar_x, cy - 9, bar_x + bar_w, cy + 9], 9, fill=TRACK)
        if m.commitments:
            filled = max(10, bar_w * m.percent / 100)
            c.draw.rounded_rectangle([bar_x, cy - 9, bar_x + filled, cy + 9], 9, fill=BARS[m.bar])
            c.text((width - pad, cy), f"{m.percent}%", 22, DARK, anchor="rm")
        for k in range(min(m.flags, 5)):
            c.flag(bar_x + k * 22, cy - 30, 18)
        y += ROW_H
    # footer with the board's QR code
    y += 24
    code = Image.open(io.BytesIO(qr.png(board_url, min_px=180))).convert("RGB").resize((170, 170))
    c.image.paste(code, (width - pad - 170, int(y)))
    c.text((pad, y + 30), FORWARD_LINE, 34, RED, bold=True)
    c.text((pad, y + 90), "扫码查看本支部践诺进度榜", 22, GREY)
    c.text((pad, y + 126), f"统计至 {facts.on.isoformat()}", 22, GREY)
    buf = io.BytesIO()
    c.image.save(buf, format="PNG", compress_level=6)  # optimize=True is 4× slower for ~3%
    return Poster(buf.getvalue(), width, height, c.lines)


def branch_poster(
    session: Session, org: Organisation, period_code: str, settings: Settings
) -> Poster:
    cfg = settings.reports
    facts = poster_facts(
        session,
        org,
        period_code,
        red_count=cfg.red_flag_count,
        yellow_below=cfg.yellow_flag_below_percent,
    )
    return render(
        facts,
        width=settings.screen.poster_width,
        font_path=settings.screen.font_path,
        board_url=pushes.board_url(settings.app.base_url, facts.branch.code),
    )


def uploads_dir(settings: Settings) -> Path:
    path = Path(settings.uploads.dir)
    return path if path.is_absolute() else ROOT / path


def enqueue_monthly(session: Session, period_code: str, settings: Settings) -> str:
    """Every branch's poster for the month: stored, then queued to its secretaries (image,
    then the forwarding line) and its group robots (WeCom image); a detail line."""
    branches = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.BRANCH.value, Organisation.closed_at.is_(None))
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    robots = {}
    for robot in audience.robots(session):
        robots.setdefault(robot.org_id, []).append(robot.id)
    sent = images = 0
    for branch in branches:
        people = secretaries(session, branch)
        groups = robots.get(branch.id, [])
        if not people and not groups:
            continue
        poster = branch_poster(session, branch, period_code, settings)
        key = f"{POSTER_DIR}/{branch.code}-{period_code}.png"
        target = uploads_dir(settings) / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(poster.png)
        images += 1
        messages = []
        for account in people:
            prefix = f"poster:{period_code}:{branch.id}:oa:{account.id}"
            recipient = account.oa_openid or ""
            messages += [
                outbox.Outgoing(
                    OutboundChannel.OA_IMAGE.value, {"image": key}, prefix, recipient=recipient
                ),
                outbox.Outgoing(
                    OutboundChannel.CUSTOMER_SERVICE.value,
                    {"msgtype": "text", "text": {"content": FORWARD_LINE}},
                    prefix + ":line",
                    recipient=recipient,
                ),
            ]
        if groups:
            body = {
                "msgtype": "image",
                "image": {
                    "base64": base64.b64encode(poster.png).decode(),
                    "md5": hashlib.md5(poster.png).hexdigest(),  # noqa: S324 (WeCom asks md5)
                },
            }
            messages += [
                outbox.Outgoing(
                    OutboundChannel.ROBOT.value,
                    body,
                    f"poster:{period_code}:{branch.id}:robot:{rid}",
                    robot_id=rid,
                )
                for rid in groups
            ]
        sent += outbox.enqueue_many(session, messages)
    return f"{images} 张海报，{sent} 条消息"
