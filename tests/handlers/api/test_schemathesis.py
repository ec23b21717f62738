"""Property-based run of schemathesis against /api/v1/openapi.json (WSGI, in-process).

Bounded and deterministic: a fixed number of examples per operation, derandomized. Checks:
no 5xx, every status code documented, every body and content type as the schema says.
Calls are made as a bound member (demo-style token) so that authorised code paths run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from models import Member
from tests import factories as f

from .conftest import build_app, make_world, token_for

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(db_url, tmp_path, api={"write_rate_limit": "100000 per minute"})
    world = make_world(app)
    with app.extensions["db"].session() as s:
        author = s.get(Member, world.author.id)
        f.published(s, author)
    app.config["FUZZ_HEADERS"] = token_for(app, world.author_account)
    yield app
    app.extensions["db"].dispose()


def test_api_conforms_to_its_openapi_document(fuzz_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    headers = dict(fuzz_app.config["FUZZ_HEADERS"])
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 25
    # the run really exercised the API, including successful authorised calls
    assert sum(statuses.values()) >= operations * 3, statuses
    assert statuses.get(200, 0) + statuses.get(201, 0) >= operations, statuses
    print("schemathesis statuses:", dict(sorted(statuses.items())))
    assert not failures, "\n\n".join(failures)
