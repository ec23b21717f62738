"""The lean 践诺 by message (``services.fulfilment.by_message``) keeps the rules of the ORM
path: the same numbered list, the same duplicate rule, the same checks and progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import CommitmentStatus, CycleClose
from services import content, fulfilment, progress
from services.errors import ValidationError
from tests import factories as f

by_message = fulfilment.by_message


def _fields(**kw: object) -> dict[str, object]:
    today = date.today()
    return {
        "target_kind": "count",
        "frequency": None,
        "target_quantity": 10,
        "start_date": today - timedelta(days=20),
        "end_date": today + timedelta(days=200),
        "cycle_year": today.year,
    } | kw


@pytest.fixture
def world(session: Session) -> dict:
    orgs = f.tree(session)
    wang = f.member(session, orgs["branch"], "王建国")
    li = f.member(session, orgs["branch"], "李红")
    branch_c = f.published(session, wang, "支部打扫村口", **_fields())
    branch_c.owner_kind, branch_c.member_id = "branch", None
    own = f.published(session, wang, "给树浇水", **_fields())
    draft = f.published(session, wang, "还在起草", **_fields())
    draft.status = CommitmentStatus.DRAFT.value
    f.published(session, li, "李红的承诺", **_fields())
    old = f.published(session, wang, "去年的承诺", **_fields(cycle_year=date.today().year - 1))
    account = f.account(session, wang, oa_openid="oa-wang")
    session.flush()
    return {"wang": wang, "own": own, "branch": branch_c, "old": old, "account": account}


def test_the_sheet_is_the_numbered_list_own_first(session: Session, world: dict) -> None:
    sheet = by_message.sheet(session, "oa-wang")
    assert sheet is not None and sheet.member_id == world["wang"].id
    assert sheet.account_id == world["account"].id
    # published only, own before the branch's, another member's never; an open year's
    assert [c.id for c in sheet.items] == [world["own"].id, world["old"].id, world["branch"].id]
    session.add(CycleClose(year=date.today().year - 1, closed_on=date.today()))
    session.flush()
    sheet = by_message.sheet(session, "oa-wang")
    assert sheet is not None
    assert [c.id for c in sheet.items] == [world["own"].id, world["branch"].id]
    assert by_message.sheet(session, "oa-nobody") is None


def test_a_resident_has_a_sheet_without_a_list(session: Session, world: dict) -> None:
    f.account(session, oa_openid="oa-resident")
    sheet = by_message.sheet(session, "oa-resident")
    assert sheet is not None and sheet.member_id is None and sheet.items == ()


def test_facts_are_the_daily_sums_and_the_duplicate_rule(session: Session, world: dict) -> None:
    wang, own = world["wang"], world["own"]
    actor = f.as_actor(session, wang)
    today = local_date()
    for qty, note, back in ((2, "浇水", 3), (1, "浇水", 0)):
        fulfilment.log(session, actor, own, quantity=qty, note=note,
                       happened_on=today - timedelta(days=back), today=today)  # fmt: skip
    session.flush()
    sheet = by_message.sheet(session, "oa-wang")
    assert sheet is not None
    item = sheet.items[0]
    now = now_utc()
    facts = by_message.facts(session, item, wang.id, "浇水", 1, now)
    assert sorted(facts.sums) == sorted(progress.daily_sums(session, [own.id])[own.id])
    for note, qty in (("浇水", 1), ("浇水", 2), ("扫地", 1)):
        again = by_message.facts(session, item, wang.id, note, qty, now).again
        found = fulfilment.recent_duplicate(session, wang.id, own.id, note, qty, now)
        assert again == (found is not None)
    assert (
        by_message.facts(session, item, wang.id, "浇水", 1, now + timedelta(hours=1)).again is False
    )


def test_draft_checks_and_progress_after(session: Session, world: dict) -> None:
    sheet = by_message.sheet(session, "oa-wang")
    assert sheet is not None
    item, today, now = sheet.items[0], local_date(), now_utc()
    kw = {"today": today, "backdate_days": 7, "source_msg_id": "msg:1", "now": now}
    with pytest.raises(ValidationError) as err:
        by_message.draft(sheet, item, quantity=0, note="浇水", **kw)
    assert err.value.field == "quantity"
    with pytest.raises(ValidationError):
        by_message.draft(sheet, item, quantity=1, note="长" * 1001, **kw)
    d = by_message.draft(sheet, item, quantity=3, note=" 浇水 ", **kw)
    assert d is not None and d.note == "浇水" and d.content_status == "not_checked"
    before = by_message.facts(session, item, sheet.member_id or 0, d.note, 3, now)
    new_id = by_message.insert_log(session, d)
    after = progress.progress_of(session, [world["own"]], today)[world["own"].id]
    assert by_message.progress_after(item, before, d) == after and after.done == 3
    entry = fulfilment.get_log(session, new_id)
    assert (entry.channel, entry.source_msg_id, entry.member_id) == (
        "bot",
        "msg:1",
        world["wang"].id,
    )


@pytest.fixture
def wechat_check() -> Iterator[None]:
    before = content.policy()
    content.configure(["坏词"], wechat=True)
    yield
    content.configure(before.blocked_words, wechat=before.wechat)


def test_a_text_for_wechat_to_check_is_left_to_the_orm_path(
    session: Session, world: dict, wechat_check: None
) -> None:
    world["account"].mp_openid = "mp-wang"
    session.flush()
    sheet = by_message.sheet(session, "oa-wang")
    assert sheet is not None
    kw = {"today": local_date(), "backdate_days": 7, "source_msg_id": "msg:2", "now": now_utc()}
    assert by_message.draft(sheet, sheet.items[0], quantity=1, note="浇水", **kw) is None
    # a word on the list: a person decides, and ``logs.log`` tells the deciders
    assert by_message.draft(sheet, sheet.items[0], quantity=1, note="坏词", **kw) is None
