"""Serialising a public read's body in its schema's shape without marshmallow's per-field
machinery: a board or a wall has hundreds of rows, and marshmallow's ``dump`` walks every
field of every row through several calls (a third of an uncached board's CPU).

``dump(Schema, body)`` gives what ``Schema().dump(body)`` gives for the plain bodies the
public views build (dicts holding exactly the values the fields name): for each field of the
schema, the key when present in the body, converted like marshmallow converts it. A field
kind not handled here makes the whole schema fall back to marshmallow. The views keep their
``@bp.response(200, Schema)``, so the OpenAPI document is unchanged; they return the JSON
response themselves (``response``), which flask-smorest passes through.
``tests/handlers/api/test_fast_dump.py`` checks the two agree on the demo township.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import marshmallow as ma
from flask import Response, current_app
from marshmallow import fields as F

Convert = Callable[[Any], Any]


def _date(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _int(value: Any) -> Any:
    return None if value is None else int(value)


def _str(value: Any) -> Any:
    return None if value is None else str(value)


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


LEAVES: dict[type[F.Field], Convert] = {
    F.Date: _date,
    F.DateTime: _date,
    F.Boolean: _bool,
    F.Integer: _int,
    F.String: _str,
}


def _field(field: F.Field) -> Convert | None:
    if field.dump_default is not ma.missing or field.load_only:
        return None
    kind = type(field)
    if kind in LEAVES:
        if getattr(field, "format", None) not in (None, "iso") or getattr(field, "strict", False):
            return None
        return LEAVES[kind]
    if isinstance(field, tuple(LEAVES)):  # a project subclass (e.g. local date-times)
        return lambda v: field._serialize(v, None, None)
    if isinstance(field, F.Nested):
        inner = _plan(type(field.schema)) if isinstance(field.schema, ma.Schema) else None
        if inner is None or field.many:
            return None
        return lambda v: None if v is None else _apply(inner, v)
    if isinstance(field, F.List):
        item = _field(field.inner)
        if item is None:
            return None
        return lambda v: None if v is None else [item(x) for x in v]
    if isinstance(field, F.Dict):
        keys = _field(field.key_field) if field.key_field else (lambda k: k)
        values = _field(field.value_field) if field.value_field else (lambda x: x)
        if keys is None or values is None:
            return None
        return lambda v: None if v is None else {keys(k): values(x) for k, x in v.items()}
    return None


Plan = tuple[tuple[str, str, Convert], ...]


@cache
def _plan(schema: type[ma.Schema]) -> Plan | None:
    out = []
    for name, field in schema().dump_fields.items():
        convert = _field(field)
        if convert is None:
            return None
        out.append((field.attribute or name, field.data_key or name, convert))
    return tuple(out)


def _apply(plan: Plan, body: Any) -> dict[str, Any]:
    return {key: convert(body[attr]) for attr, key, convert in plan if attr in body}


def dump(schema: type[ma.Schema], body: dict[str, Any]) -> Any:
    plan = _plan(schema)
    return schema().dump(body) if plan is None else _apply(plan, body)


def response(schema: type[ma.Schema], body: dict[str, Any]) -> Response:
    """The 200 JSON response flask-smorest would have made of ``body``."""
    return current_app.json.response(dump(schema, body))
