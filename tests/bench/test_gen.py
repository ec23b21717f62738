"""The district generator builds a consistent, deterministic district on each backend."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.gen import generate
from models import Commitment, FulfilmentLog, Member, Organisation, Request
from models.db import make_engine


def test_small_district_on_each_backend(db_url):
    counts = generate(db_url, scale=0.005, seed=7)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Member)) == counts["members"]
            assert conn.scalar(select(func.count()).select_from(FulfilmentLog)) == counts["logs"]
            assert conn.scalar(select(func.count()).select_from(Request)) == counts["requests"]
            branches = conn.scalar(
                select(func.count()).select_from(Organisation).where(Organisation.kind == "branch")
            )
            assert branches == counts["branches"]
            # Every log points at an existing commitment; every member at a branch.
            orphans = conn.scalar(
                select(func.count())
                .select_from(FulfilmentLog)
                .outerjoin(Commitment, Commitment.id == FulfilmentLog.commitment_id)
                .where(Commitment.id.is_(None))
            )
            assert orphans == 0
            first_titles = conn.scalars(select(Member.name).order_by(Member.id).limit(5)).all()
    finally:
        engine.dispose()
    assert len(first_titles) == 5
