"""The one content gate (services/content.py): the local word list, WeChat's check (an
in-request answer or a queued one), re-checks on edit, and the secretary's approval."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.config import ConfigError, load_settings
from models import ContentStatus, OutboundMessage, TimelineEntry
from services import commitments, content, fulfilment, visibility
from services.errors import Conflict, PermissionDenied, ValidationError
from tests import factories as f

WORDS = ["坏词", "Spam"]


@pytest.fixture
def gate_policy() -> Iterator[None]:
    """The gate as the app factory sets it: the local words, WeChat's check available."""
    before = content.policy()
    content.configure(WORDS, wechat=True)
    yield
    content.configure(before.blocked_words, wechat=before.wechat)


@pytest.fixture
def world(session: Session, gate_policy: None) -> dict:
    t = f.tree(session)
    oa_member = f.member(session, t["branch"], "张大爷")  # official-account user only
    mp_member = f.member(session, t["branch"], "王建国")
    secretary = f.member(session, t["branch"], "赵书记")
    f.grant(session, "secretary", t["branch"], member=secretary)
    other_branch = f.org(session, "branch", "西村党支部", t["township"])
    other_secretary = f.member(session, other_branch, "钱书记")
    f.grant(session, "secretary", other_branch, member=other_secretary)
    accounts = {
        "oa": f.account(session, oa_member),
        "mp": f.account(session, mp_member, mp_openid="mp-wang"),
        "secretary": f.account(session, secretary),
        "other_secretary": f.account(session, other_secretary),
    }
    today = date.today()
    span = {"start_date": today - timedelta(days=30), "end_date": today + timedelta(days=60)}
    out = {
        **t,
        "c_oa": f.published(session, oa_member, **span),
        "c_mp": f.published(session, mp_member, **span),
        "actors": {k: f.as_actor(session, a) for k, a in accounts.items()},
        "secretary": secretary,
    }
    session.commit()
    return out


def _checks(session: Session) -> list[dict]:
    rows = session.scalars(
        select(OutboundMessage).where(OutboundMessage.channel == "content_check")
    ).all()
    return [json.loads(r.payload) for r in rows]


def test_public_statuses_are_pass_and_not_checked() -> None:
    assert set(visibility.PUBLIC_CONTENT) == {"pass", "not_checked"}
    assert ContentStatus.HELD.value not in visibility.PUBLIC_CONTENT


def test_a_listed_word_holds_the_text_whoever_writes_it(session: Session, world: dict) -> None:
    oa = fulfilment.log(session, world["actors"]["oa"], world["c_oa"], note="今天 坏 词 一句")
    assert oa.content_status == "held"  # spaces and punctuation do not hide a word
    mp = fulfilment.log(session, world["actors"]["mp"], world["c_mp"], note="含 SPAM 的话")
    assert mp.content_status == "held"  # case-folded; no WeChat call needed for held text
    assert _checks(session) == []
    clean = fulfilment.log(session, world["actors"]["oa"], world["c_oa"], note="清扫村道")
    assert clean.content_status == "not_checked"  # no openid: only the word list applies


def test_a_mini_program_author_waits_for_wechat(session: Session, world: dict) -> None:
    entry = fulfilment.log(session, world["actors"]["mp"], world["c_mp"], note="浇水三次")
    assert entry.content_status == "pending"
    [check] = _checks(session)
    assert check == {
        "kind": "log",
        "id": entry.id,
        "content": "浇水三次",
        "openid": "mp-wang",
        "scene": 4,
    }
    assert content.apply_wechat_answer(session, "log", entry.id, "浇水三次", "risky") == "rejected"
    assert entry.content_status == "rejected"
    # a late answer for a decided text changes nothing
    assert content.apply_wechat_answer(session, "log", entry.id, "浇水三次", "pass") is None
    assert entry.content_status == "rejected"


@pytest.mark.parametrize(("suggest", "status"), [("pass", "pass"), ("review", "held")])
def test_wechat_answers_pass_and_review(
    session: Session, world: dict, suggest: str, status: str
) -> None:
    entry = fulfilment.log(session, world["actors"]["mp"], world["c_mp"], note="浇水")
    assert content.apply_wechat_answer(session, "log", entry.id, "浇水", suggest) == status


def test_an_in_request_answer_counts_only_for_the_same_text(session: Session, world: dict) -> None:
    actor, c = world["actors"]["mp"], world["c_mp"]
    ok = fulfilment.log(
        session, actor, c, note="浇水 一次", content_answer=content.WechatAnswer("浇水一次", "pass")
    )
    assert ok.content_status == "pass" and _checks(session) == []
    with pytest.raises(ValidationError) as err:
        fulfilment.log(
            session, actor, c, note="坏话", content_answer=content.WechatAnswer("坏话", "risky")
        )
    assert err.value.code == "content_risky" and err.value.field == "note"
    session.rollback()
    other = fulfilment.log(
        session, actor, c, note="另一句", content_answer=content.WechatAnswer("别的", "pass")
    )
    assert other.content_status == "pending" and len(_checks(session)) == 1


def test_editing_text_runs_the_gate_again(session: Session, world: dict) -> None:
    actor = world["actors"]["oa"]
    entry = fulfilment.log(session, actor, world["c_oa"], note="清扫村道")
    fulfilment.edit_log(session, actor, entry, 24, note="清扫村道 坏词")
    assert entry.content_status == "held"
    content.decide(session, world["actors"]["secretary"], "log", entry.id, True)
    fulfilment.edit_log(session, actor, entry, 24, quantity=2, note="清扫村道 坏词")
    assert entry.content_status == "pass"  # same text: the approval stands
    fulfilment.edit_log(session, actor, entry, 24, note="清扫村道")
    assert entry.content_status == "not_checked"
    # a mini-program author's edit queues a check of the new text; the old answer is stale
    mp = fulfilment.log(session, world["actors"]["mp"], world["c_mp"], note="浇水")
    fulfilment.edit_log(session, world["actors"]["mp"], mp, 24, note="浇水两次")
    assert [c["content"] for c in _checks(session)] == ["浇水", "浇水两次"]
    assert content.apply_wechat_answer(session, "log", mp.id, "浇水", "pass") is None
    assert content.apply_wechat_answer(session, "log", mp.id, "浇水两次", "pass") == "pass"


def test_commitment_text_passes_the_gate(session: Session, world: dict) -> None:
    actor = world["actors"]["oa"]
    data = {"title": "每月给村东生产路树木浇水一次", "description": "顺便 坏词"}
    c = commitments.create(session, actor, data)
    assert c.content_status == "held"
    commitments.update_draft(session, actor, c, {"description": "夏季每月至少浇水一次"})
    assert c.content_status == "not_checked"
    mp = commitments.create(session, world["actors"]["mp"], {"title": data["title"]})
    assert mp.content_status == "pending"
    assert _checks(session)[-1]["scene"] == 3 and _checks(session)[-1]["kind"] == "commitment"


def test_held_items_are_scoped_to_what_the_actor_manages(session: Session, world: dict) -> None:
    actors = world["actors"]
    entry = fulfilment.log(session, actors["oa"], world["c_oa"], note="坏词")
    c = commitments.create(session, actors["oa"], {"title": "每月浇水一次 坏词"})
    mine = fulfilment.log(
        session,
        actors["secretary"],
        f.published(session, world["secretary"], start_date=date.today()),
        note="书记自己的坏词",
    )
    items = content.held_items(session, actors["secretary"])
    assert [(i.kind, i.id) for i in items] == [("log", entry.id), ("commitment", c.id)]
    assert items[0].author_name == "张大爷" and items[0].org_name == "东村党支部"
    assert mine.id not in [i.id for i in items if i.kind == "log"]  # never one's own
    assert content.held_items(session, actors["other_secretary"]) == []
    assert content.held_items(session, actors["oa"]) == []


def test_decide_approves_or_rejects_with_a_timeline_entry(session: Session, world: dict) -> None:
    actors = world["actors"]
    entry = fulfilment.log(session, actors["oa"], world["c_oa"], note="坏词一")
    other = fulfilment.log(session, actors["oa"], world["c_oa"], note="坏词二")
    with pytest.raises(PermissionDenied):
        content.decide(session, actors["other_secretary"], "log", entry.id, True)
    with pytest.raises(PermissionDenied):
        content.decide(session, actors["oa"], "log", entry.id, True)
    with pytest.raises(ValidationError):
        content.decide(session, actors["secretary"], "log", entry.id, False, "")
    content.decide(session, actors["secretary"], "log", entry.id, True)
    content.decide(session, actors["secretary"], "log", other.id, False, "含不当用语")
    assert (entry.content_status, other.content_status) == ("pass", "rejected")
    with pytest.raises(Conflict):
        content.decide(session, actors["secretary"], "log", entry.id, False, "改主意")
    notes = session.scalars(
        select(TimelineEntry.note).where(
            TimelineEntry.commitment_id == world["c_oa"].id,
            TimelineEntry.action.in_(["content_approved", "content_rejected"]),
        )
    ).all()
    assert notes == ["践诺记录准予公开", "践诺记录不予公开：含不当用语"]


def test_word_list_config(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# 本地词表\n甲词\n\n乙词  # 注释\n", encoding="utf-8")
    s = load_settings(
        overrides={"content": {"blocked_words": ["丙词"], "word_list_file": str(words)}},
        environ={},
    )
    assert s.content.words() == ["丙词", "甲词", "乙词"]
    assert "法轮功" in load_settings(environ={}).content.words()  # a few defaults
    with pytest.raises(ConfigError) as err:
        load_settings(overrides={"content": {"word_list_file": "nope.txt"}}, environ={})
    assert err.value.key == "content.word_list_file"
