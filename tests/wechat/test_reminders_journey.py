"""Personal reminders, end to end: the daily job (run as the scheduler's CLI runs it) finds the
members whose week ends within ``scheduler.reminder_days_ahead`` days with nothing logged, queues a
template message under the field keys of the template the township chose, the dispatcher sends
it to the fake WeChat, and running the job again the same day sends nothing twice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app import create_app
from delivery.dispatcher import Dispatcher
from models import FulfilmentLog, OutboundMessage
from tests import factories as f
from tests.fakes.wechat_api import FakeWechat

from .conftest import oa_config

SEND = "/cgi-bin/message/template/send"


def test_a_member_whose_week_ends_soon_gets_one_reminder_in_the_chosen_template(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    config = oa_config(db_url, tmp_path, fake_wechat.base_url)
    config["scheduler"] = {
        "reminder_template_id": "TPL-REMIND",
        "reminder_days_ahead": 3,
        "reminder_fields": {"item": "thing5", "due": "time7", "hint": "thing9"},
    }
    app = create_app(config)
    app.config["TESTING"] = True
    db = app.extensions["db"]
    weekly = {"target_kind": "periodic", "frequency": "weekly", "target_quantity": 1}
    try:
        with db.session() as s:
            t = f.tree(s)
            wang = f.member(s, t["branch"], "王建国")  # nothing logged this week: reminded
            li = f.member(s, t["branch"], "李秀英")  # logged this week: not reminded
            zhao = f.member(s, t["branch"], "赵长海")  # not bound to WeChat: not reachable
            f.account(s, wang, oa_openid="o-wang")
            f.account(s, li, oa_openid="o-li")
            commitments = {
                m.name: f.published(s, m, "每周走访联系户一次", **weekly) for m in (wang, li, zhao)
            }
            s.add(
                FulfilmentLog(
                    commitment_id=commitments["李秀英"].id,
                    member_id=li.id,
                    quantity=1,
                    note="走访了三户",
                    happened_on=date(2026, 11, 30),  # Monday of that week
                    channel="bot",
                    content_status="not_checked",
                )
            )
        runner = app.test_cli_runner()
        # Thursday 3 December 2026: the week (Monday to Sunday) ends on the 6th
        result = runner.invoke(
            args=["scheduler", "run-job", "daily_reminders", "--period", "2026-12-03"]
        )
        assert result.exit_code == 0, result.output
        Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()
        calls = fake_wechat.calls_to(SEND)
        assert [c.json["touser"] for c in calls] == ["o-wang"]
        (call,) = calls
        assert call.json["template_id"] == "TPL-REMIND"
        assert set(call.json["data"]) == {"thing5", "time7", "thing9"}
        assert call.json["data"]["thing5"]["value"] == "每周走访联系户一次"
        assert call.json["data"]["time7"]["value"] == "2026-12-06"
        # the same day again: nothing new is queued or sent
        again = runner.invoke(
            args=["scheduler", "run-job", "daily_reminders", "--period", "2026-12-03"]
        )
        assert again.exit_code == 0, again.output
        Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()
        assert len(fake_wechat.calls_to(SEND)) == 1
        with db.session() as s:
            n = s.scalar(
                select(func.count(OutboundMessage.id)).where(
                    OutboundMessage.idempotency_key.like("reminder:%")
                )
            )
        assert n == 1
    finally:
        db.dispose()
