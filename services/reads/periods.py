"""Reporting periods in local dates: a month ``2026-10``, a quarter ``2026Q3``, a half ``2026H1``.

Every period code is parsed and normalised here before it is used as a key (job runs, outbox keys).
"""

from __future__ import annotations

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


def month(code: str) -> Period:
    try:
        year, mon = (int(x) for x in code.split("-"))
        start = date(year, mon, 1)
    except ValueError:
        raise ValidationError("period", f"月份格式应为 2026-10，收到“{code}”") from None
    return Period(f"{year}-{mon:02d}", start, _month_end(year, mon), f"{year}年{mon}月")


def quarter(code: str) -> Period:
    try:
        year, q = code.upper().split("Q")
        y, n = int(year), int(q)
        assert 1 <= n <= 4
    except (ValueError, AssertionError):
        raise ValidationError("period", f"季度格式应为 2026Q3，收到“{code}”") from None
    return Period(f"{y}Q{n}", date(y, 3 * n - 2, 1), _month_end(y, 3 * n), f"{y}年第{n}季度")


def half_year(code: str) -> Period:
    try:
        year, h = code.upper().split("H")
        y, n = int(year), int(h)
        assert n in (1, 2)
    except (ValueError, AssertionError):
        raise ValidationError("period", f"半年格式应为 2026H1，收到“{code}”") from None
    start = date(y, 1 if n == 1 else 7, 1)
    label = f"{y}年{'上' if n == 1 else '下'}半年"
    return Period(f"{y}H{n}", start, _month_end(y, 6 if n == 1 else 12), label)


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def previous_quarter(today: date) -> str:
    q = (today.month - 1) // 3  # 0..3, the current quarter index
    return f"{today.year - 1}Q4" if q == 0 else f"{today.year}Q{q}"


def previous_half(today: date) -> str:
    return f"{today.year - 1}H2" if today.month <= 6 else f"{today.year}H1"
