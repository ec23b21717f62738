"""The one visibility rule: published and content passed or not checked; the SQL conditions and
the Python predicate agree on every combination."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Commitment, CommitmentStatus, ContentStatus, FulfilmentLog
from services import visibility
from services.reads import public
from tests import factories as f


def test_sql_and_predicate_agree_on_every_status_combination(session: Session) -> None:
    tree = f.tree(session)
    m = f.member(session, tree["branch"])
    made = []
    for status, content in itertools.product(CommitmentStatus, ContentStatus):
        c = f.published(session, m, f"{status}-{content}")
        c.status, c.content_status = status.value, content.value
        for log_content in ContentStatus:
            session.add(
                FulfilmentLog(
                    commitment_id=c.id,
                    member_id=m.id,
                    quantity=1,
                    note=f"{c.title}/{log_content}",
                    happened_on=date(2026, 3, 1),
                    channel="web",
                    content_status=log_content.value,
                )
            )
        made.append(c)
    session.flush()
    expected = {
        c.id
        for c in made
        if c.status == "published" and c.content_status in ("pass", "not_checked")
    }
    assert {c.id for c in made if visibility.commitment_is_public(c)} == expected
    assert {c.id for c in public.public_commitments(session)} == expected
    logs = list(session.scalars(public.public_logs_query()))
    assert logs and all(visibility.log_is_public(e, e.commitment) for e in logs)
    all_logs = list(session.scalars(select(FulfilmentLog)))
    assert {e.id for e in logs} == {
        e.id
        for e in all_logs
        if visibility.log_is_public(e, session.get_one(Commitment, e.commitment_id))
    }
    assert {e.content_status for e in logs} == {"pass", "not_checked"}
