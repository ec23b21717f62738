"""The official-account bot's commands (DESIGN §5), loaded in one place.

Each command module registers its keywords on ``bot`` (``handlers.bot.context``); importing
this module loads them all, in an order where the typed menu labels and typos below find
the keywords they stand for. Handlers only translate: they parse the message, call
``services`` and word the answer. Anything slow (downloading an image, follow-up messages)
is written to the outbox.
"""

from __future__ import annotations

from handlers.bot import binding, commitments, logs, requests  # noqa: F401
from handlers.bot import chat as _chat  # noqa: F401
from handlers.bot import civic as _civic  # noqa: F401
from handlers.bot import help as _help  # noqa: F401
from handlers.bot import inbox as _inbox  # noqa: F401
from handlers.bot import media as _media  # noqa: F401
from handlers.bot import practices as _practices  # noqa: F401
from handlers.bot.context import (
    MAX_LIST,
    BotContext,
    bot,
    my_commitments_list,
    normalise_text,
    parse_quantity,
    written,
)
from handlers.bot.help import help_text
from handlers.bot.logs import _LOG_ARGS_RE, cmd_log, fallback, log_reply, looks_like_log, save_log
from handlers.bot.requests import submit_request
from services import chat

__all__ = [
    "MAX_LIST",
    "_LOG_ARGS_RE",
    "BotContext",
    "bot",
    "cmd_log",
    "fallback",
    "help_text",
    "log_reply",
    "looks_like_log",
    "my_commitments_list",
    "normalise_text",
    "parse_quantity",
    "save_log",
    "submit_request",
    "written",
]

# Typed menu labels and typos work as the command words they stand for (registered as
# keywords: a message that matches one costs no more than a command).
for _word, _keyword in chat.LABELS.items():
    bot.alias(_word, _keyword, whole=True)
for _word, _keyword in chat.TYPOS.items():
    bot.alias(_word, _keyword)
