"""Time: stored in UTC, reasoned about in the township's local calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime | None = None) -> date:
    return (moment or now_utc()).astimezone(LOCAL_TZ).date()


def local_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(LOCAL_TZ).strftime(fmt) if moment else ""
