"""``create_app`` keeps what is the same for every app of a process (app.py ``_Rule``: werkzeug's
parsed rules and URL builders; handlers/api ``_Api``: the OpenAPI document written on first use).
An app built with them routes, builds URLs and documents the API exactly as one built with plain
werkzeug rules and a plain flask-smorest ``Api``: every rule, every URL built for it, every match,
and the whole ``openapi.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

import app as app_module
import handlers.api as api_module
from app import create_app
from handlers.api.base import Api
from tests.conftest import make_config


class PlainApi(Api):
    """The project's ``Api`` as it was: the document written at once, the scheme added to it."""

    def security_scheme(self, name: str, component: dict[str, Any]) -> None:
        self.spec.components.security_scheme(name, component)


SAMPLES = {"int": 7, "IdConverter": 5, "path": "a/b.png", "UnicodeConverter": "abc-1"}


def _sample(converter: Any) -> Any:
    name = type(converter).__name__
    return SAMPLES.get(name, SAMPLES["int"] if "Int" in name else "abc-1")


def _routes(app: Flask) -> list[tuple[Any, ...]]:
    """Every rule with what it builds for sample values and what that URL matches back to."""
    adapter = app.url_map.bind("jn.test", url_scheme="https")
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        values = {name: _sample(conv) for name, conv in rule._converters.items()}
        built = adapter.build(rule.endpoint, values, method=next(iter(rule.methods or {"GET"})))
        method = sorted(rule.methods or {"GET"})[0]
        try:
            matched: Any = adapter.match(built.split("?")[0], method=method)
        except Exception as exc:  # a rule shadowed by another one: the same either way
            matched = type(exc).__name__
        out.append((rule.rule, rule.endpoint, sorted(rule.methods or ()), built, matched))
    return out


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> dict[str, Any]:
    return make_config(db_url, tmp_path)


def test_the_cached_rules_and_the_deferred_document_change_nothing(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_app(config)  # the process's caches are warm from here on
    cached = create_app(config)
    with monkeypatch.context() as m:
        m.setattr(app_module, "_Rule", Rule)
        m.setattr(api_module, "_Api", PlainApi)
        plain = create_app(config)
    assert len(cached.url_map._rules) == len(plain.url_map._rules) > 150
    assert _routes(cached) == _routes(plain)
    doc = cached.test_client().get("/api/v1/openapi.json")
    assert doc.status_code == 200
    assert doc.get_json() == plain.test_client().get("/api/v1/openapi.json").get_json()
