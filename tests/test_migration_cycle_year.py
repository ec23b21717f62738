"""The cycle-year revision backfills ``commitment.cycle_year`` from the year of its start."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from infra import migrate
from models.db import make_engine

REVISION = "d3e8a1c5f7b2"


@pytest.mark.empty_database
def test_cycle_year_is_backfilled_from_the_start_date(db_url):
    before = ScriptDirectory.from_config(migrate.alembic_config(db_url)).get_revision(REVISION)
    assert before is not None and isinstance(before.down_revision, str)
    migrate.upgrade(db_url, before.down_revision)
    engine = make_engine(db_url)
    try:
        org_columns = {c["name"] for c in inspect(engine).get_columns("organisation")}
        extra = [c for c in ("org_type", "form") if c in org_columns]  # NOT NULL, no default
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisation (id, kind, name, code, path, sort_order, created_at"
                    + "".join(f", {c}" for c in extra)
                    + ") VALUES (1, 'branch', '东村党支部', 'b1', '/1/', 0, '2026-01-01 00:00:00'"
                    + ", ''" * len(extra)
                    + ")"
                )
            )
            for cid, start in ((1, "2025-12-20"), (2, "2026-01-05")):
                conn.execute(
                    text(
                        "INSERT INTO commitment (id, owner_kind, org_id, category, title, "
                        "description, target_quantity, unit, target_kind, start_date, end_date, "
                        "beneficiary, status, last_rejection_reason, content_status, revision, "
                        "created_at, updated_at) VALUES (:id, 'branch', 1, '', '每月走访一次', "
                        "'', 1, '次', 'deadline', :start, '2026-12-31', '', 'published', '', "
                        "'pass', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                    ),
                    {"id": cid, "start": start},
                )
    finally:
        engine.dispose()
    migrate.upgrade(db_url, REVISION)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, cycle_year FROM commitment ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 2025), (2, 2026)]
    finally:
        engine.dispose()
    migrate.downgrade(db_url, before.down_revision)
