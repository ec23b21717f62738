"""The member card's lean read (``services.reads.card.public_card``, the JSON card that a QR scan
and the mini-program ask for, issue 20) shows what the web card's read (``member_card``) shows
of the current cycle: the same member, branch, contact line, commitments with the same masked
text and progress, and the same latest public logs with their ready photos — for every member of
the demo township, on several days, and with a log's text or photos changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import FulfilmentLog, Member, Photo
from services.errors import NotFound
from services.reads import public


def _web(session: Session, member: Member, on, n: int) -> tuple[object, ...]:
    c = public.member_card(session, member, on, n)
    return (
        c.member.name,
        c.member.public_code,
        c.member.duties,
        c.member.speciality,
        c.member.photo_key,
        c.branch.name,
        c.contact_line,
        [(i.id, i.title, i.description, i.target, i.beneficiary, i.progress) for i in c.items],
        c.logs,
    )


def _lean(session: Session, member: Member, on, n: int) -> tuple[object, ...]:
    c = public.public_card(session, member.public_code, on, n)
    return (
        c.name,
        c.public_code,
        c.duties,
        c.speciality,
        c.photo_key,
        c.branch_name,
        c.contact_line,
        [(i.id, i.title, i.description, i.target, i.beneficiary, i.progress) for i in c.items],
        c.logs,
    )


@pytest.mark.demo_township
def test_the_lean_card_shows_what_the_web_card_shows(session: Session) -> None:
    members = list(session.scalars(select(Member).where(Member.active.is_(True))))
    today = local_date()
    shown_logs = shown_items = 0
    for m in members:
        for on, n in (
            (today, 10),
            (today - timedelta(days=30), 3),
            (today + timedelta(days=60), 0),
        ):
            lean = _lean(session, m, on, n)
            assert lean == _web(session, m, on, n), (m.name, on, n)
            shown_items += len(lean[7])  # type: ignore[arg-type]
            shown_logs += len(lean[8])  # type: ignore[arg-type]
    assert len(members) > 10 and shown_items > 0 and shown_logs > 0


@pytest.mark.demo_township
def test_hidden_texts_and_unready_photos_stay_off_the_lean_card(session: Session) -> None:
    entry = session.scalars(select(FulfilmentLog).order_by(FulfilmentLog.id)).first()
    assert entry is not None and entry.member_id is not None
    member = session.get_one(Member, entry.member_id)
    session.add(Photo(storage_key="k-ready", status="ready", log_id=entry.id))
    session.add(Photo(storage_key="k-downloading", status="downloading", log_id=entry.id))
    session.flush()
    card = public.public_card(session, member.public_code, local_date(), 50)
    shown = {v.id: v for v in card.logs}
    assert entry.id in shown and "k-ready" in shown[entry.id].photo_keys
    assert "k-downloading" not in shown[entry.id].photo_keys
    session.execute(
        update(FulfilmentLog).where(FulfilmentLog.id == entry.id).values(content_status="pending")
    )
    card = public.public_card(session, member.public_code, local_date(), 50)
    assert entry.id not in {v.id for v in card.logs}
    assert _lean(session, member, local_date(), 50) == _web(session, member, local_date(), 50)


@pytest.mark.demo_township
def test_an_unknown_or_inactive_code_has_no_lean_card(session: Session) -> None:
    member = session.scalars(select(Member)).first()
    assert member is not None
    for code in ("nobody", "../../x", ""):
        with pytest.raises(NotFound):
            public.public_card(session, code, local_date(), 5)
    member.active = False
    session.flush()
    with pytest.raises(NotFound):
        public.public_card(session, member.public_code, local_date(), 5)
