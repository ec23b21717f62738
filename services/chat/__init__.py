"""The chat as people really talk: what a message means (intents), the short conversation
waiting for its "1"/"2" (conversation) and voice messages kept with what they led to (voice).

Import from this package rather than from its modules."""

from .conversation import Pending, clear, pending, remember
from .intents import ALIASES, LABELS, TYPOS, Intent, classify, is_answer, resolve_alias
from .voice import keep_voice, made_by_message, voice_file, voices_for, voices_of_request

__all__ = [
    "ALIASES",
    "LABELS",
    "TYPOS",
    "Intent",
    "Pending",
    "classify",
    "clear",
    "is_answer",
    "keep_voice",
    "made_by_message",
    "pending",
    "remember",
    "resolve_alias",
    "voice_file",
    "voices_for",
    "voices_of_request",
]
