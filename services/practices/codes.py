"""Month and quarter codes of the practices (``2026-11``, ``2026Q4``), normalised before they
are used as keys. (The same shapes as ``services.reads.periods``, which the read side owns; the
practices are read by it, so they do not import it.)"""

from __future__ import annotations

import re

from services.errors import ValidationError

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")


def _clean(code: object) -> str:
    return re.sub(r"\s+", "", str(code or "")).upper()


def month(code: str, field: str = "month") -> str:
    found = _MONTH.fullmatch(_clean(code))
    if (
        found is None
        or not 1 <= int(found.group(2)) <= 12
        or not 2000 <= int(found.group(1)) <= 2100
    ):
        raise ValidationError(field, f"月份格式应为 2026-11（月份 1 到 12），收到“{code}”")
    return f"{found.group(1)}-{int(found.group(2)):02d}"


def quarter(code: str, field: str = "quarter") -> str:
    found = _QUARTER.fullmatch(_clean(code))
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise ValidationError(field, f"季度格式应为 2026Q4（第 1 到 4 季度），收到“{code}”")
    return f"{found.group(1)}Q{found.group(2)}"
