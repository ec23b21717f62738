"""Support for the screen and print browser tests: the demo township served on a loopback port
with one member's commitment made overdue, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from infra.clock import local_date
from models import Commitment, Member, Organisation, Photo
from tests import factories
from tests.conftest import Templates, make_config

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OVERDUE_TITLE = "昨天之前修好村口水渠"


@dataclass
class Served:
    base: str
    app: Flask
    branch: str  # the demo branch's code
    township: str
    overdue: str  # public code of the member with an overdue commitment
    photo: str  # public code of a member with a roster photo
    busy: str  # public code of a member with four commitments


def serve_demo(tmp: Path, templates: Templates) -> Iterator[Served]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    # a copy of the session's demo-township template (what demo.load() builds, built once)
    url = templates.sqlite_copy(tmp / "screen.db", {})
    app = create_app(make_config(url, tmp))
    with app.extensions["db"].session() as s:
        branch = s.scalars(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        ).first()
        township = s.scalars(select(Organisation).where(Organisation.kind == "township")).first()
        assert branch is not None and township is not None
        # A member whose commitments are all on track gets one that is past its deadline.
        on_track = [
            m
            for m in s.scalars(
                select(Member).where(Member.org_id == branch.id, Member.exempt.is_(False))
            )
            if s.scalar(
                select(Commitment.id).where(
                    Commitment.member_id == m.id, Commitment.status == "published"
                )
            )
        ]
        who = on_track[-1]
        factories.published(
            s,
            who,
            OVERDUE_TITLE,
            target_kind="deadline",
            frequency=None,
            target_quantity=1,
            unit="处",
            start_date=local_date() - timedelta(days=60),
            end_date=local_date() - timedelta(days=1),
        )
        # A member with a full sheet of commitments (four fill one 公开承诺书 page).
        busy = on_track[1]
        while (
            len(s.scalars(select(Commitment.id).where(Commitment.member_id == busy.id)).all()) < 4
        ):
            factories.published(
                s,
                busy,
                "每月入户走访联系户并帮助解决实际困难，记录走访情况和群众意见建议",
                description="走访时了解家庭生产生活情况，帮助申请惠民政策，协调解决用水用电等实际问题，"
                "重大事项及时向支部报告，每季度在支部会议上汇报。",
                beneficiary="第一村民小组全体联系户",
            )
        pictured = on_track[0]
        pictured.photo_key = _photo(s, tmp / "uploads")
        s.commit()
        served = (
            branch.code,
            township.code,
            who.public_code,
            pictured.public_code,
            busy.public_code,
        )
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{srv.server_port}", app, *served)
    finally:
        srv.shutdown()
        thread.join()
        app.extensions["db"].dispose()


def _photo(session: Any, uploads: Path) -> str:
    """A stored, ready photo (a red square) for a roster entry; its key."""
    key = "roster/screen-test.png"
    (uploads / "roster").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (240, 240), (198, 40, 40)).save(uploads / key)
    session.add(Photo(storage_key=key, content_type="image/png", status="ready"))
    return key


def launch() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
