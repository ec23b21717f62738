"""Thin adapters between the outside world and ``services``.

Each module exposes ``init_app(app)``; the list below is the one place that wires them.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MODULES = (
    "handlers.context",
    "handlers.errors",
    "handlers.health",
    "handlers.cli.core",
    "handlers.cli.ops",
    "handlers.cli.roster",
    "handlers.cli.setup",
    "handlers.wechat_callback",
    "handlers.cli.bot",
    "handlers.pages",
    "handlers.pages_civic",
    "handlers.cli.civic",
    "handlers.staff",
    "handlers.cli.reports",
    "handlers.cli.cycle",
    "handlers.api",
)


MAX_ID = 2_147_483_647  # the integer primary-key range on PostgreSQL


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ids beyond the key range cannot exist, so such a URL
    matches no route (404) instead of reaching the database and failing there."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    for name in MODULES:
        import_module(name).init_app(app)
