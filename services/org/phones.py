"""The one phone-number rule: how a number someone typed, pasted or WeChat returned is
reduced to the digits we store and look up (sign-in, roster, households).

Full-width digits and signs become plain (a copy is NFKC-normalised, the caller's text is
untouched); spaces, hyphens, dots and brackets are separators; a leading country code
(+86, 0086, or 86 before an 11-digit mobile) is dropped. Anything else is kept, so that a
typo such as "1380000abc" stays visible and the roster can refuse it.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―−.·()（）\[\]【】]+")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(text: str | None) -> str:
    """'+86 139-0731-0001' → '13907310001'; '１３９０７３１０００１' → '13907310001'."""
    digits = _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", text or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13 and MOBILE_RE.match(digits[2:]):
        digits = digits[2:]
    return digits
