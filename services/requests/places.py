"""Where a request is: a location message sent in the chat (WeChat's coordinates and the
place's label) attached to the sender's request, and the link that opens it in a phone's map.

Coordinates are WeChat's (GCJ-02, as Tencent Maps uses them); no map tiles are bundled, the
link opens Tencent's marker page (https://lbs.qq.com/webApi/uriV1/uriGuide/uriWebMarker)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Request
from services import timeline
from services.actors import Actor
from services.errors import ValidationError
from services.text import as_written

ATTACH_WINDOW = timedelta(minutes=10)
MAP_URL = (
    "https://apis.map.qq.com/uri/v1/marker?marker=coord:{lat},{lng};title:{title}&referer=jiannuo"
)
MAX_LABEL = 200


def parse_coordinates(lat: str | float, lng: str | float) -> tuple[float, float]:
    """Latitude and longitude as numbers within range, else a ``ValidationError``."""
    try:
        la, lo = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationError("location", "位置坐标无法识别，请重新发送位置") from None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise ValidationError("location", "位置坐标超出范围，请重新发送位置")
    return round(la, 6), round(lo, 6)


def recent_own_request(
    session: Session, account_id: int, now: datetime | None = None
) -> Request | None:
    """The account's request submitted less than ``ATTACH_WINDOW`` ago, the latest."""
    since = (now or now_utc()) - ATTACH_WINDOW
    return session.scalar(
        select(Request)
        .where(Request.submitter_account_id == account_id, Request.created_at >= since)
        .order_by(Request.created_at.desc(), Request.id.desc())
        .limit(1)
    )


def attach_location(
    session: Session, actor: Actor, req: Request, lat: str | float, lng: str | float, label: str
) -> Request:
    """Put the coordinates and label on the submitter's own request (timeline noted)."""
    if actor.account_id is None or req.submitter_account_id != actor.account_id:
        raise ValidationError("location", "只能给自己提出的诉求补充位置")
    req.latitude, req.longitude = parse_coordinates(lat, lng)
    req.location_label = as_written(label)[:MAX_LABEL]
    timeline.record(
        session, req, actor, "location_added", req.status, req.status,
        f"补充位置：{req.location_label or '（无地名）'}",
    )  # fmt: skip
    session.flush()
    return req


def map_url(req: Request) -> str | None:
    """The link that opens the request's place in the phone's map, if it has coordinates."""
    if req.latitude is None or req.longitude is None:
        return None
    title = quote(req.location_label or "诉求位置", safe="")
    return MAP_URL.format(lat=req.latitude, lng=req.longitude, title=title)
