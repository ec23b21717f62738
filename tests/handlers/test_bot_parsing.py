"""The bot's text parsing: quantities, full-width digits, Chinese punctuation, the registry."""

from __future__ import annotations

import pytest

from handlers.bot.commands import bot, looks_like_log, normalise_text, parse_quantity


@pytest.mark.parametrize(
    ("text", "qty"),
    [
        ("浇水 3次", 3),
        ("浇水×3", 3),
        ("浇水 x3", 3),
        ("浇水 X 3", 3),
        ("浇水 三次", 3),
        ("浇水", 1),
        ("走访 5户", 5),
    ],
)
def test_quantities(text: str, qty: int) -> None:
    assert parse_quantity(normalise_text(text), "次")[0] == qty


def test_prefers_the_commitments_unit() -> None:
    assert parse_quantity("走访 2户 共 6次", "次")[0] == 6
    assert parse_quantity("走访 2户 共 6次", "户")[0] == 2


def test_full_width_and_chinese_punctuation() -> None:
    assert normalise_text("践诺１，浇水３次。") == "践诺1,浇水3次。"
    fn, args = bot.match_text(normalise_text("践诺：１、浇水３次"))
    assert fn.__name__ == "cmd_log" and args == "1、浇水3次"
    from handlers.bot.commands import _LOG_ARGS_RE

    m = _LOG_ARGS_RE.match(args)
    assert m is not None and (m.group(1), m.group(2)) == ("1", "浇水3次")


def test_registry_matching() -> None:
    assert bot.match_text("反映路灯坏了")[1] == "路灯坏了"
    assert bot.match_text("查询 2501011")[1] == "2501011"
    assert bot.match_text("helpme") is None
    assert bot.match_text("help")[0].__name__ == "cmd_help"
    assert bot.match_text("今天天气不错") is None
    assert {"MY_COMMITMENTS", "MY_REQUESTS", "PROGRESS"} <= set(bot.keys)
    assert {"subscribe", "subscribe_scan", "scan"} <= set(bot.events)


def test_looks_like_log() -> None:
    assert looks_like_log("今天帮李奶奶打扫了院子")
    assert looks_like_log("修了 2盏 路灯")
    assert not looks_like_log("你好")
