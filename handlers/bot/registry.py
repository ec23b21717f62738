"""A small decorator registry for bot commands (in the spirit of WeRoBot).

    bot = Bot()

    @bot.text("践诺")
    def log_fulfilment(ctx, args): ...

    @bot.key_click("MY_COMMITMENTS")
    def my_commitments(ctx): ...

    @bot.event("subscribe")
    def welcome(ctx): ...

Text handlers match on a leading keyword (longest first) and get the rest of the text,
stripped of spaces and Chinese or ASCII separators. Every handler returns the reply text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TextHandler = Callable[[Any, str], str]
Handler = Callable[[Any], str]
SEPARATORS = " \t\r\n:：,，、;；.。"


class Bot:
    def __init__(self) -> None:
        self.texts: list[tuple[str, TextHandler]] = []
        self.keys: dict[str, Handler] = {}
        self.events: dict[str, Handler] = {}
        self.images: list[Handler] = []
        self.fallbacks: list[TextHandler] = []
        self.messages: dict[str, Handler] = {}
        self.exact: dict[str, tuple[str, TextHandler]] = {}
        self.canonical: dict[str, str] = {}  # a typo → the keyword it stands for

    def text(self, *keywords: str) -> Callable[[TextHandler], TextHandler]:
        def register(fn: TextHandler) -> TextHandler:
            for kw in keywords:
                self.texts.append((kw, fn))
            self.texts.sort(key=lambda item: len(item[0]), reverse=True)
            return fn

        return register

    def key_click(self, *keys: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for key in keys:
                self.keys[key] = fn
            return fn

        return register

    def event(self, *names: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                self.events[name.lower()] = fn
            return fn

        return register

    def image(self, fn: Handler) -> Handler:
        self.images.append(fn)
        return fn

    def alias(self, word: str, keyword: str, whole: bool = False) -> None:
        """``word`` works as ``keyword`` does: as the whole message (a typed menu label) or,
        not ``whole``, in the keyword's place (a typo). Unknown keywords are ignored."""
        fn = next((f for kw, f in self.texts if kw == keyword), None)
        if fn is None:
            return
        if whole:
            self.exact[word.lower()] = (keyword, fn)
            return
        self.texts.append((word, fn))
        self.texts.sort(key=lambda item: len(item[0]), reverse=True)
        self.canonical[word] = keyword

    def message(self, *msg_types: str) -> Callable[[Handler], Handler]:
        """A handler for another message type ("voice", "location")."""

        def register(fn: Handler) -> Handler:
            for msg_type in msg_types:
                self.messages[msg_type] = fn
            return fn

        return register

    def fallback(self, fn: TextHandler) -> TextHandler:
        self.fallbacks.append(fn)
        return fn

    def match_text(self, text: str) -> tuple[TextHandler, str] | None:
        matched = self.match(text)
        return None if matched is None else (matched[1], matched[2])

    def match(self, text: str) -> tuple[str, TextHandler, str] | None:
        """(keyword, handler, rest). Chinese keywords need no space after them ("践诺1浇水",
        "反映路灯坏了"); ASCII keywords ("help") must stand alone or be followed by a
        separator."""
        whole = self.exact.get(text.strip(SEPARATORS + "!?！？").lower())
        if whole is not None:
            return whole[0], whole[1], ""
        lowered = text.lower()
        for keyword, fn in self.texts:
            if not lowered.startswith(keyword.lower()):
                continue
            rest = text[len(keyword) :]
            if rest and keyword.isascii() and rest[0] not in SEPARATORS:
                continue
            return self.canonical.get(keyword, keyword), fn, rest.strip(SEPARATORS)
        return None

    @property
    def keywords(self) -> list[str]:
        return [kw for kw, _ in self.texts]
