"""The application factory: configuration, extensions, blueprints, CLI. No business rules."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, Rule

from infra import clock, redact
from infra.config import Settings, load_settings
from infra.paths import ROOT
from models.db import Database

log = logging.getLogger("jiannuo")


class _Rule(Rule):
    """A werkzeug rule that parses its text and compiles its URL builders once per process.

    Parsing each rule (a regular expression per part, the converters) and generating and
    compiling its two ``url_for`` builders is most of what registering the ~190 routes costs,
    and it comes out the same for every app this process makes (the tests make one per test).
    A parse depends on the text and the map's converters; what it leaves in the rule (parts,
    trace, the variables) is replayed, with converters of the rule's own map. A builder
    depends on the rule's text and trace; rules with ``defaults`` (resolved into the builder
    through the converters) are compiled as usual.
    """

    _parsed: dict[tuple[Any, ...], tuple[list[Any], list[Any], list[Any]]] = {}
    _builders: dict[tuple[Any, ...], Any] = {}
    _recording: list[Any] | None = None

    def _parse_rule(self, rule: str) -> Any:
        assert self.map is not None
        key = (rule, tuple(self.map.converters.items()))
        cached = self._parsed.get(key)
        if cached is None:
            start = len(self._trace)
            self._recording = calls = []
            try:
                parts = list(super()._parse_rule(rule))
            finally:
                self._recording = None
            cached = self._parsed[key] = (parts, self._trace[start:], calls)
            return parts
        parts, trace, calls = cached
        self._trace.extend(trace)
        for variable, converter, args, kwargs in calls:
            self._converters[variable] = self.get_converter(variable, converter, args, kwargs)
            self.arguments.add(variable)
        return list(parts)

    def get_converter(
        self, variable_name: str, converter_name: str, args: Any, kwargs: Any
    ) -> BaseConverter:
        if self._recording is not None:
            self._recording.append((variable_name, converter_name, args, kwargs))
        return super().get_converter(variable_name, converter_name, args, kwargs)

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        if self.defaults:
            return super()._compile_builder(append_unknown)
        key = (append_unknown, self.rule, tuple(self._trace))
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` is a nested mapping applied over every other source."""
    settings = load_settings(overrides=test_config)
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    app.url_rule_class = _Rule
    app.config["SETTINGS"] = settings
    app.config["SECRET_KEY"] = settings.app.secret_key or "demo-mode-secret-not-for-production"
    app.config["MAX_CONTENT_LENGTH"] = settings.uploads.max_bytes + 64 * 1024
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    _configure_logging(settings)
    if settings.app.trusted_proxies:
        # The client address and scheme as the nearest N proxies saw them (X-Forwarded-For,
        # X-Forwarded-Proto); the rate limits key on that address.
        n = settings.app.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    clock.configure(settings.scheduler.timezone)
    from services import content

    content.configure(settings.content.words(), wechat=settings.wechat.mini_program.enabled)
    app.extensions["db"] = Database(
        settings.database.url,
        echo=settings.database.echo,
        root=ROOT,
        pool_recycle=settings.database.pool_recycle_seconds,
        pre_ping=settings.database.pool_pre_ping,
    )
    if settings.demo:
        log.warning("演示模式 (demo mode): 未配置微信凭据，演示登录等捷径已开启")

    from handlers import register

    register(app)
    return app


def _configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=settings.app.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    logging.getLogger("jiannuo").setLevel(settings.app.log_level)
    redact.install(root)  # secrets and tokens are masked in every record written out
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
