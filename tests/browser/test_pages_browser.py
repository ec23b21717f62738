"""Public pages in a real headless Chromium at 375 px: no horizontal scroll, bars visible,
Chinese rendered. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from models import Commitment, Member, Organisation
from tests.browser.screen_support import ARGS, ARTIFACTS, CHROMIUM
from tests.conftest import Templates, make_config

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates
) -> Iterator[tuple[str, dict[str, str]]]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    tmp = tmp_path_factory.mktemp("browser")
    # a copy of the session's demo-township template (what demo.load() builds, built once)
    url = templates.sqlite_copy(tmp / "browser.db", {})
    app = create_app(make_config(url, tmp))
    with app.extensions["db"].session() as s:
        branch = s.scalar(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        )
        member = s.scalar(
            select(Member)
            .join(Commitment, Commitment.member_id == Member.id)
            .where(Commitment.status == "published")
            .order_by(Member.id)
        )
        codes = {"branch": branch.code, "member": member.public_code, "member_name": member.name}
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}", codes
    finally:
        srv.shutdown()
        thread.join()
        app.extensions["db"].dispose()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(
            viewport={"width": 375, "height": 812}, device_scale_factor=1, locale="zh-CN"
        )
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


def _check(page, url: str, shot: str, must_contain: str) -> None:
    resp = page.goto(url)
    assert resp is not None and resp.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert must_contain in page.inner_text("body")
    assert page.locator(".demo-banner").is_visible()
    # Chinese glyphs rendered: a CJK run is wider than a run of the same number of spaces
    # would be if the font had no glyphs (tofu boxes are also wide, so compare to Latin 'i').
    widths = page.evaluate("""() => {
        const probe = (t) => { const s = document.createElement('span'); s.textContent = t;
          s.style.fontSize = '20px'; document.body.appendChild(s);
          const w = s.getBoundingClientRect().width; s.remove(); return w; };
        return [probe('践诺进度'), probe('iiii')];
    }""")
    assert widths[0] > widths[1] * 2
    # ... and drawn with a real glyph, not the font's "missing glyph" box: on a canvas, a CJK
    # character must look different from a character no font has (a private-use code point).
    distinct = page.evaluate("""() => {
        const draw = (t) => { const c = document.createElement('canvas'); c.width = 40; c.height = 40;
          const x = c.getContext('2d'); x.font = '32px sans-serif'; x.fillText(t, 2, 32);
          return c.toDataURL(); };
        return draw('践') !== draw('\\u{10FFFD}') && draw('践') !== draw('诺');
    }""")
    assert distinct is True, "Chinese fonts missing: apt-get install fonts-noto-cjk"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)


def _bars_visible(page) -> int:
    bars = page.locator(".bar")
    n = bars.count()
    assert n > 0
    for i in range(min(n, 10)):
        box = bars.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] >= 8
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    return n


def test_wall_at_375(server, page):
    base, codes = server
    _check(page, f"{base}/o/{codes['branch']}/wall", "wall-375.png", "承诺墙")
    _bars_visible(page)


def test_board_at_375(server, page):
    base, codes = server
    _check(page, f"{base}/o/{codes['branch']}/board", "board-375.png", "践诺进度榜")
    _bars_visible(page)
    filled = page.locator(".board-row .bar span").first.bounding_box()
    assert filled is not None and filled["width"] >= 4  # the coloured part is drawn


def test_member_card_at_375(server, page):
    base, codes = server
    _check(page, f"{base}/m/{codes['member']}", "member-375.png", codes["member_name"])
    _bars_visible(page)
    assert page.get_by_role("link", name=f"找{codes['member_name']}办事 / 反映问题").is_visible()


def test_overview_at_375(server, page):
    base, _codes = server
    _check(page, f"{base}/", "overview-375.png", "践诺总览")
