"""Text as people wrote it.

What a member, resident or secretary types is stored and shown exactly as written (only the
surrounding whitespace is trimmed): "三天了，晚上" stays "三天了，晚上". Parsers work on their
own normalised copy (``services.commitments.quantify.normalise``: NFKC, full-width → plain),
never on what is stored.
"""

from __future__ import annotations


def as_written(text: str | None) -> str:
    """The text to store: as written, surrounding whitespace trimmed."""
    return (text or "").strip()
