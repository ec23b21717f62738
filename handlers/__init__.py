"""Thin adapters between the outside world and ``services``.

Each module exposes ``init_app(app)``; the list below is the one place that wires them.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask

MODULES = (
    "handlers.context",
    "handlers.errors",
    "handlers.cli.core",
    "handlers.cli.ops",
    "handlers.cli.roster",
    "handlers.wechat_callback",
    "handlers.cli.bot",
    "handlers.pages",
    "handlers.cli.reports",
    "handlers.api",
)


def register(app: Flask) -> None:
    for name in MODULES:
        import_module(name).init_app(app)
