"""The monthly summary's civic lines (issue 19, must-show 4): 议事 raised / decided / done and
文明存折 awards and exchanges, per village and rolled up to the township, in the group push."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from infra.config import CivicSection
from models import GroupRobot, OutboundMessage
from scheduler import civic_lines, pushes
from services.civic import agenda, book, exchange, outcome
from services.civic.summary import CivicFigures, CivicMonth
from services.reads import periods
from tests import factories as f

SETTINGS = CivicSection()


def test_civic_lines_of_the_month(session: Session) -> None:
    t = f.tree(session)
    li = f.member(session, t["branch"], "李书记")
    f.grant(session, "secretary", t["branch"], member=li)
    officer = f.as_actor(session, li)
    house = f.household(session, t["branch"], head_name="张三")
    resident = f.account(session, household=house, name="张三")
    who = f.as_actor(session, resident)
    items = [
        agenda.raise_item(session, who, resident, text, channel="bot")
        for text in ("村口垃圾点太近，建议挪走", "修一条便道到小学", "办一场广场舞比赛")
    ]
    soon = now_utc() + timedelta(hours=2)
    agenda.schedule(session, officer, t["branch"], [i.number for i in items[:2]],
                    held_at=soon, place="四邻议事亭")  # fmt: skip
    outcome.decide(session, officer, items[0], "垃圾点挪到路东空地", "rule",
                   rule_text="垃圾统一投放到路东垃圾点")  # fmt: skip
    outcome.decide(session, officer, items[1], "支部牵头修便道", "commitment",
                   commitment={"title": "年底前修通到小学的便道一条", "target_quantity": 1,
                               "unit": "条", "target_kind": "deadline",
                               "end_date": local_date() + timedelta(days=40)})  # fmt: skip
    b = book.book_of_household(session, house)
    book.award(session, officer, SETTINGS, b, "rescue", "暴雨夜抢收稻谷")
    book.award(session, officer, SETTINGS, b, "neighbour", "照顾独居老人")
    counter = exchange.add_counter(session, officer, t["branch"], "便民服务中心")
    good = exchange.add_good(session, officer, counter, "洗衣粉", price=8, stock=3)
    exchange.redeem(session, officer, exchange.issue_token(session, SETTINGS, resident).token,
                    good.id)  # fmt: skip
    session.add(GroupRobot(org_id=t["branch"].id, name="东村群", webhook_env="R_EAST"))
    session.add(GroupRobot(org_id=t["township"].id, name="镇群", webhook_env="R_TOWN"))
    session.commit()

    today = local_date()
    period = periods.month(f"{today.year}-{today.month}")
    figures = CivicFigures(session, period)
    expected = CivicMonth(raised=3, decided=2, done=1, awards=2, points_awarded=15,
                          exchanges=1, points_exchanged=8)  # fmt: skip
    assert figures.of(t["branch"]) == expected
    assert figures.of(t["township"]) == expected  # the township's villages summed
    assert figures.of(t["group1"]) == CivicMonth()
    assert civic_lines.render(expected) == [
        "**议事**：新提出 3 件，议决 2 件，累计落实 1 件",
        "**文明存折**：记分 2 次共 15 分，兑换 1 次共 8 分",
    ]
    assert civic_lines.render(CivicMonth()) == []

    pushes.monthly_summary(session, period.code, "http://jn.test")
    session.commit()
    pushed = [
        json.loads(m.payload)["markdown"]["content"]
        for m in session.scalars(
            select(OutboundMessage).where(OutboundMessage.robot_id.is_not(None))
        )
    ]
    assert len(pushed) == 2
    assert all("**议事**：新提出 3 件，议决 2 件，累计落实 1 件" in text for text in pushed)
