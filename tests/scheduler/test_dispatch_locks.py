"""The dispatcher holds no database lock while it talks to WeChat or WeCom.

On SQLite a write transaction holds the database's only write lock: a dispatcher that kept
one across a slow HTTP call would stall every web request that writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from delivery.dispatcher import Dispatcher
from delivery.senders import SENDERS, SendContext
from infra.config import load_settings
from models import GroupRobot, OutboundMessage, Photo
from models.db import Database
from services import outbox
from tests import factories
from tests.fakes.wechat_api import FakeWechat
from tests.wechat.conftest import oa_config


class WritingSender:
    """A robot sender that, mid-send, makes another connection write and commit."""

    def __init__(self, url: str) -> None:
        self.other = Database(url)
        self.writes = 0

    def send(self, msg: OutboundMessage, robot: GroupRobot) -> None:
        with self.other.engine.connect() as conn:
            # Fail fast if the dispatcher still holds a lock.
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA busy_timeout=200")
            else:
                conn.exec_driver_sql("SET lock_timeout = '200ms'")
            conn.execute(text("UPDATE group_robot SET name = name WHERE id = :i"), {"i": robot.id})
            conn.commit()
        self.writes += 1


def test_other_writers_proceed_during_a_robot_send(database: Database, db_url: str) -> None:
    with database.session() as session:
        tree = factories.tree(session)
        robot = GroupRobot(org_id=tree["branch"].id, name="群", webhook_env="X")
        session.add(robot)
        session.flush()
        outbox.enqueue(session, "robot", {"msgtype": "text"}, "lock:1", robot_id=robot.id)
    sender = WritingSender(db_url)
    try:
        stats = Dispatcher(database.session_factory, sender, senders={}).run_once()
    finally:
        sender.other.dispose()
    assert (stats.sent, sender.writes) == (1, 1)


def test_failed_image_download_marks_the_photo_failed(
    database: Database, db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    settings = load_settings(oa_config(db_url, tmp_path, fake_wechat.base_url))
    with database.session() as session:
        photo = Photo(status="downloading", wechat_media_id="NOPE")
        session.add(photo)
        session.flush()
        photo_id = photo.id
        outbox.enqueue(session, "media_download", {"photo_id": photo_id, "media_id": "NOPE"},
                       "media:nope")  # fmt: skip
    d = Dispatcher(database.session_factory, None, senders=SENDERS,  # type: ignore[arg-type]
                   context_factory=lambda s: SendContext.build(settings, s))  # fmt: skip
    stats = d.run_once()
    assert stats.failed == 1
    with database.session() as session:
        assert session.get_one(Photo, photo_id).status == "failed"
        row = session.scalars(select(OutboundMessage)).one()
        assert row.status == "failed"


@pytest.fixture(autouse=True)
def _sqlite_or_pg(db_url: str) -> None:
    """Runs on every configured backend (the lock matters most on SQLite)."""
