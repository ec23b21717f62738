"""What the public may see of residents: masked phones and names, and signed links.

Residents' phone numbers and names never appear in full on public pages, public exports or
group pushes (``138****1234``, ``张*``). Members' cards show what the member agreed to show.
"""

from __future__ import annotations

import re

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# A mainland mobile number in free text, however it is written: ``13612345670``,
# ``136 1234 5670``, ``136-1234-5670``, ``+86 136 1234 5670``, ``+86-136…``, ``86136…``,
# ``0086 136…``. The country prefix is dropped when masking.
_SEP = r"[ \t\u00a0\u3000.\-－]?"
_PHONE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86" + _SEP + r")?"
    r"(1[3-9]\d)" + _SEP + r"(\d{4})" + _SEP + r"(\d{4})(?!\d)"
)


def mask_phone(phone: str | None) -> str:
    """``13812341234`` → ``138****1234``; short or odd values keep at most their last 4 digits."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    for prefix in ("0086", "86"):  # +86 136 1234 5670 → 136****5670
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; an empty name becomes ``群众``."""
    name = (name or "").strip()
    if not name:
        return "群众"
    return name[0] + "*" * max(1, len(name) - 1)


def scrub(text: str | None) -> str:
    """Mask every mobile-phone number found in free text that becomes public
    (``+86 136 1234 5670`` → ``136****5670``)."""
    return _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text or "")


# -- signed tokens for links that replace a login (request page, staff downloads) ---------


def sign(secret: str, purpose: str, value: str | int) -> str:
    return URLSafeTimedSerializer(secret, salt=f"jiannuo:{purpose}").dumps(str(value))


def check(
    secret: str,
    purpose: str,
    token: str | None,
    value: str | int,
    max_age_seconds: int | None = None,
) -> bool:
    """True when ``token`` was made by :func:`sign` for this purpose and value (and is fresh)."""
    if not token:
        return False
    try:
        got = URLSafeTimedSerializer(secret, salt=f"jiannuo:{purpose}").loads(
            token, max_age=max_age_seconds
        )
    except (BadSignature, SignatureExpired):
        return False
    return bool(got == str(value))


def unsign(
    secret: str, purpose: str, token: str | None, max_age_seconds: int | None = None
) -> str | None:
    """The value inside a token made by :func:`sign` for this purpose, or ``None``."""
    if not token:
        return None
    try:
        got = URLSafeTimedSerializer(secret, salt=f"jiannuo:{purpose}").loads(
            token, max_age=max_age_seconds
        )
    except (BadSignature, SignatureExpired):
        return None
    return str(got)
