"""Reporting periods in local dates: a month ``2026-10``, a quarter ``2026Q3``, a half ``2026H1``.

Every period code is parsed and normalised here before it is used as a key (job runs, outbox keys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from infra.clock import local_tz
from services.errors import ValidationError


@dataclass(frozen=True)
class Period:
    """A reporting range in local dates: ``2026-10``, ``2026Q3`` or ``2026H1``."""

    code: str
    start: date
    end: date
    label: str

    @property
    def previous_end(self) -> date:
        return self.start - timedelta(days=1)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        lo = datetime.combine(self.start, time.min, local_tz()).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, local_tz()).astimezone(UTC)
        return lo, hi


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


# Every code is stripped of spaces (also full-width ones) and upper-cased before it is parsed:
# ``2026-1`` and `` 2026-01`` are the same month; ``2026-011`` and ``2026-13`` are refused.
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})Q(\d)")
_HALF = re.compile(r"(\d{4})H(\d)")
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
MIN_YEAR, MAX_YEAR = 2000, 2100


def _clean(code: object) -> str:
    return re.sub(r"\s+", "", str(code or "")).upper()


def _year(text: str, shape: str, code: object) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            "period", f"年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间，格式如 {shape}，收到“{code}”"
        )
    return year


def month(code: str) -> Period:
    """``2026-10`` (also ``2026-1``, `` 2026-01 ``); month 1–12, at most two digits."""
    found = _MONTH.fullmatch(_clean(code))
    mon = int(found.group(2)) if found else 0
    if found is None or not 1 <= mon <= 12:
        raise ValidationError("period", f"月份格式应为 2026-10（月份 1 到 12），收到“{code}”")
    year = _year(found.group(1), "2026-10", code)
    return Period(
        f"{year}-{mon:02d}", date(year, mon, 1), _month_end(year, mon), f"{year}年{mon}月"
    )


def quarter(code: str) -> Period:
    found = _QUARTER.fullmatch(_clean(code))
    if found is None or not 1 <= int(found.group(2)) <= 4:
        raise ValidationError("period", f"季度格式应为 2026Q3（第 1 到 4 季度），收到“{code}”")
    y, n = _year(found.group(1), "2026Q3", code), int(found.group(2))
    return Period(f"{y}Q{n}", date(y, 3 * n - 2, 1), _month_end(y, 3 * n), f"{y}年第{n}季度")


def half_year(code: str) -> Period:
    found = _HALF.fullmatch(_clean(code))
    if found is None or found.group(2) not in ("1", "2"):
        raise ValidationError("period", f"半年格式应为 2026H1（上半年）或 2026H2，收到“{code}”")
    y, n = _year(found.group(1), "2026H1", code), int(found.group(2))
    start = date(y, 1 if n == 1 else 7, 1)
    label = f"{y}年{'上' if n == 1 else '下'}半年"
    return Period(f"{y}H{n}", start, _month_end(y, 6 if n == 1 else 12), label)


def day(code: str) -> date:
    """A day ``2026-10-15`` (also ``2026-10-5``, surrounding spaces); refused otherwise."""
    found = _DAY.fullmatch(_clean(code))
    try:
        if found is None:
            raise ValueError(code)
        year = _year(found.group(1), "2026-10-15", code)
        return date(year, int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise ValidationError("period", f"日期格式应为 2026-10-15，收到“{code}”") from None


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def previous_quarter(today: date) -> str:
    q = (today.month - 1) // 3  # 0..3, the current quarter index
    return f"{today.year - 1}Q4" if q == 0 else f"{today.year}Q{q}"


def previous_half(today: date) -> str:
    return f"{today.year - 1}H2" if today.month <= 6 else f"{today.year}H1"
