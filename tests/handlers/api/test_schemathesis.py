"""Property-based run of schemathesis against /api/v1/openapi.json (WSGI, in-process).

Bounded and deterministic: a fixed number of examples per operation, derandomized. Checks:
no 5xx, every status code documented, every body and content type as the schema says; and,
with data generated to violate the document (negative mode), that every invalid input is
refused (no accepted invalid bodies). Calls are made as a bound member (the author), a
resident and the branch secretary, so that every kind of caller's code paths run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from models import Member
from tests import factories as f
from tests.conftest import BACKENDS

from .conftest import build_app, make_world, token_for

# Bounded so that all runs together stay well under a minute in CI.
MAX_EXAMPLES = {"author": 6, "resident": 3, "secretary": 3}
NEGATIVE_EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def fuzz_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(db_url, tmp_path, api={"write_rate_limit": "100000 per minute"})
    world = make_world(app)
    with app.extensions["db"].session() as s:
        author = s.get(Member, world.author.id)
        f.published(s, author)
    app.config["FUZZ_HEADERS"] = {
        "author": token_for(app, world.author_account),
        "resident": token_for(app, world.resident_a),
        "secretary": token_for(app, world.secretary_account),
    }
    yield app
    app.extensions["db"].dispose()


def _run(
    app: Flask, who: str, mode: GenerationMode, examples: int, checks: list[Any]
) -> tuple[int, dict[int, int], list[str]]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = dict(app.config["FUZZ_HEADERS"][who])
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            run()
        except Unsatisfiable:
            # nothing can be generated that breaks this operation's document (a lone free
            # string path parameter): there is no invalid input to refuse
            continue
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{who} {mode.value} {operation.label}: {exc}")
    return operations, statuses, failures


# The author (a bound member with a published commitment) reaches every write the API has;
# that run goes to every backend, where PostgreSQL-only refusals (a NUL byte, an integer out
# of range) would show. The resident's and the secretary's runs differ from it in who may do
# what, which is decided in Python the same way on either backend: SQLite only, to keep the
# suite within its three minutes.
@pytest.mark.parametrize(
    ("db_url", "who"),
    [(backend, "author") for backend in BACKENDS]
    + [("sqlite", "resident"), ("sqlite", "secretary")],
    indirect=["db_url"],
)
def test_api_conforms_to_its_openapi_document(fuzz_app: Flask, who: str) -> None:
    operations, statuses, failures = _run(
        fuzz_app, who, GenerationMode.POSITIVE, MAX_EXAMPLES[who], CHECKS
    )
    assert operations >= 25
    # the run really exercised the API, including successful authorised calls
    assert sum(statuses.values()) >= operations * 3, statuses
    assert statuses.get(200, 0) + statuses.get(201, 0) >= operations // 2, statuses
    print(who, "schemathesis statuses:", dict(sorted(statuses.items())))
    assert not failures, "\n\n".join(failures)


# On SQLite only: data that breaks the document is refused by the schema layer before any
# statement runs, so the second backend would repeat the same Python (≈ 14 s of the suite).
# The positive runs above, whose data does reach the database, run on every backend.
@pytest.mark.parametrize(
    ("db_url", "who"), [("sqlite", "resident"), ("sqlite", "secretary")], indirect=["db_url"]
)
def test_api_refuses_what_its_document_forbids(fuzz_app: Flask, who: str) -> None:
    """Negative mode: bodies and parameters that break the document are all refused (4xx),
    none is accepted and none breaks the server."""
    operations, statuses, failures = _run(
        fuzz_app, who, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, NEGATIVE_CHECKS
    )
    assert operations >= 25 and sum(statuses.values()) >= operations, statuses
    print(who, "negative statuses:", dict(sorted(statuses.items())))
    assert not failures, "\n\n".join(failures)
