"""The practices' journeys use the bot's signed, encrypted callback (``tests/wechat``) and the
mini-program API on the same app."""

from tests.wechat.conftest import oa_app, wx

__all__ = ["oa_app", "wx"]
