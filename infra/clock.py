"""Time: stored in UTC, reasoned about in the township's local calendar.

The township's time zone is ``scheduler.timezone`` in the configuration; the app factory and the
scheduler process call :func:`configure` once at start-up, before any rule asks for a local date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"
_tz: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)


def configure(timezone: str) -> None:
    """Use this IANA time zone for every local date and time in the process."""
    global _tz
    _tz = ZoneInfo(timezone)


def local_tz() -> tzinfo:
    return _tz


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime | None = None) -> date:
    return (moment or now_utc()).astimezone(_tz).date()


def local_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(_tz).strftime(fmt) if moment else ""
