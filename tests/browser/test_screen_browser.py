"""The big screen (/o/<code>/screen) in Debian's Chromium at 1920×1080 and at 4K: one page of
members without scrolling, every member on some page, the overdue member on the first page,
a new log picked up by the refresh without a reload, and the first page without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import Commitment, Member
from services.actors import actor_for_member
from services.fulfilment import logs
from tests.browser.screen_support import ARTIFACTS, OVERDUE_TITLE, Served, launch, serve_demo
from tests.conftest import Templates

pytestmark = pytest.mark.browser

VISIBLE = ".sc-page:not([hidden])"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Served]:
    yield from serve_demo(Path(tmp_path_factory.mktemp("screen")), templates)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    yield from launch()


def _page(browser: Any, width: int = 1920, height: int = 1080, js: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", java_script_enabled=js
    )
    return context.new_page()


def _fits(page: Any, width: int, height: int) -> list[str]:
    """The visible page fits the viewport: no scrolling, every card inside it; its codes."""
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    cards = page.locator(f"{VISIBLE} .sc-card")
    codes = []
    for i in range(cards.count()):
        box = cards.nth(i).bounding_box()
        assert box is not None and box["height"] > 40
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
        codes.append(cards.nth(i).get_attribute("data-code"))
    return codes


def _all_codes(page: Any, served: Served) -> list[str]:
    data = page.request.get(f"{served.base}/o/{served.branch}/screen.json").json()
    return [r["code"] for r in data["rows"]]


# Records every page the screen shows, as it is shown (a MutationObserver on the pages'
# ``hidden`` attributes): its number, its cards and whether they all lie inside the viewport.
RECORD = """() => {
  const snap = () => {
    const shown = document.querySelectorAll('.sc-page:not([hidden])');
    const cards = shown.length === 1 ? [...shown[0].querySelectorAll('.sc-card')] : [];
    const fits = cards.every((c) => { const b = c.getBoundingClientRect();
      return b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth; });
    window.__seen.push({ shown: shown.length, page: shown.length ? shown[0].dataset.page : null,
      codes: cards.map((c) => c.dataset.code), fits,
      scroll: document.documentElement.scrollHeight <= innerHeight });
  };
  window.__seen = [];
  snap();
  new MutationObserver(snap).observe(document.getElementById('sc-pages'),
    { attributes: true, attributeFilter: ['hidden'], subtree: true });
}"""


def test_screen_pages_through_every_member_one_page_at_a_time(served: Served, browser: Any):
    page = _page(browser)
    page.goto(f"{served.base}/o/{served.branch}/screen?every=1&refresh=600")
    everyone = _all_codes(page, served)
    size = int(page.locator("#screen").get_attribute("data-size"))
    pages = -(-len(everyone) // size)
    assert pages >= 2  # the demo branch needs more than one page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screen-1920.png"))
    page.evaluate(RECORD)  # every check below reads what was recorded as each page showed
    page.wait_for_function(f"() => window.__seen.length > {pages}", timeout=30_000)
    seen = page.evaluate("window.__seen")
    start = int(seen[0]["page"])
    for k, snap in enumerate(seen[: pages + 1]):
        assert snap["shown"] == 1 and snap["fits"] and snap["scroll"], snap
        assert int(snap["page"]) == (start + k) % pages  # page after page, round again
        assert 0 < len(snap["codes"]) <= size
    codes = [c for snap in seen[:pages] for c in snap["codes"]]
    assert sorted(codes) == sorted(everyone)  # every member once, none twice
    page.context.close()


def test_overdue_member_is_first_with_a_surname_placeholder(served: Served, browser: Any):
    page = _page(browser)
    page.goto(f"{served.base}/o/{served.branch}/screen?every=600")
    first = page.locator(f"{VISIBLE} .sc-card").first
    assert first.get_attribute("data-code") == served.overdue
    assert "sc-overdue" in (first.get_attribute("class") or "")
    assert "已逾期" in first.inner_text()
    name = first.locator(".sc-name").inner_text()
    assert first.locator(".sc-avatar").inner_text() == name[:1]  # no photo: the surname
    corner = page.locator(".sc-corner").inner_text()
    for label in ("红旗", "黄旗", "响应率", "办结率", "解决率", "满意率"):
        assert label in corner
    page.context.close()


def test_a_new_log_shows_within_the_refresh_without_a_reload(served: Served, browser: Any):
    page = _page(browser)
    page.goto(f"{served.base}/o/{served.branch}/screen?every=600&refresh=1")
    card = page.locator(f'{VISIBLE} .sc-card[data-code="{served.overdue}"]')
    before = card.locator(".sc-logs").inner_text()
    page.evaluate("window.__not_reloaded = 42")
    with served.app.extensions["db"].session() as s:
        m = s.scalars(select(Member).where(Member.public_code == served.overdue)).one()
        c = s.scalars(
            select(Commitment).where(
                Commitment.member_id == m.id,
                Commitment.status == "published",
                Commitment.title != OVERDUE_TITLE,
            )
        ).first()
        assert c is not None
        logs.log(s, actor_for_member(s, m), c, channel="bot")
        s.commit()
    count = int(before.split()[1])
    page.wait_for_function(
        f"""() => {{ const c = document.querySelector('{VISIBLE} .sc-card[data-code="{served.overdue}"]');
            return c && c.querySelector('.sc-logs').textContent === '本月践诺 {count + 1} 次'; }}""",
        timeout=20_000,
    )
    assert page.evaluate("window.__not_reloaded") == 42
    assert m.name in page.locator("#sc-latest li").first.inner_text()
    page.context.close()


def test_4k_tv_fills_the_screen(served: Served, browser: Any):
    page = _page(browser, 3840, 2160)
    page.goto(f"{served.base}/o/{served.branch}/screen?every=600")
    codes = _fits(page, 3840, 2160)
    assert len(codes) == int(page.locator("#screen").get_attribute("data-size"))
    name = page.locator(f"{VISIBLE} .sc-name").first
    assert float(name.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 80
    page.context.close()


def test_township_screen_and_first_page_without_javascript(served: Served, browser: Any):
    page = _page(browser, js=False)
    resp = page.goto(f"{served.base}/o/{served.township}/screen")
    assert resp is not None and resp.status == 200
    assert page.locator(VISIBLE).count() == 1
    assert page.locator(VISIBLE).get_attribute("data-page") == "0"
    codes = _fits(page, 1920, 1080)
    assert served.overdue == codes[0]
    assert "党支部" in page.locator(f"{VISIBLE} .sc-sub").first.inner_text()  # branch named
    assert page.locator("noscript").count() == 1  # turns the page by a meta refresh
    page.goto(f"{served.base}/o/{served.township}/screen?page=2")
    assert page.locator(VISIBLE).get_attribute("data-page") == "1"
    page.context.close()


def test_roster_photo_shows_on_the_screen(served: Served, browser: Any):
    page = _page(browser)
    page.goto(f"{served.base}/o/{served.branch}/screen?every=600")
    size = int(page.locator("#screen").get_attribute("data-size"))
    where = _all_codes(page, served).index(served.photo) // size + 1
    page.goto(f"{served.base}/o/{served.branch}/screen?every=600&page={where}")
    avatar = page.locator(f'{VISIBLE} .sc-card[data-code="{served.photo}"] img.sc-avatar')
    assert avatar.count() == 1
    page.wait_for_function("e => e.complete", arg=avatar.element_handle(), timeout=10_000)
    assert avatar.evaluate("e => e.naturalWidth") == 240  # the roster photo, loaded
    page.context.close()
