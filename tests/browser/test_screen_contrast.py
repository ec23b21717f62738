"""An automated contrast check (computed styles, WCAG 2 formula) over the public pages, the big
screen, the print layouts and every page of the staff console: each visible run of text has a
contrast of at least 4.5:1 against the backgrounds it is drawn on (opacity included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import Request
from services import privacy
from tests.browser.screen_support import Served, launch, serve_demo
from tests.conftest import Templates

pytestmark = pytest.mark.browser

MINIMUM = 4.5

# For every visible text node: its colour (alpha times the opacity of the element and its
# ancestors) composed over the backgrounds of its ancestors, from the page down.
CHECK = """(minimum) => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom, alpha) => [0, 1, 2].map((i) => top[i] * alpha + bottom[i] * (1 - alpha));
  const lum = (rgb) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (el.closest('script, style, noscript, title, option')) continue;
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible') continue;
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = [255, 255, 255];
    let opacity = 1;
    for (const e of chain) {
      const s = getComputedStyle(e);
      opacity *= parseFloat(s.opacity);
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) bg = over(c, bg, c[3]);
    }
    const fg = parse(style.color);
    const drawn = over(fg, bg, fg[3] * opacity);
    const [a, b] = [lum(drawn), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < minimum) {
      bad.push(`${ratio.toFixed(2)}:1 ${el.tagName.toLowerCase()}.${el.className} “${node.textContent.trim().slice(0, 24)}” ${style.color} on rgb(${bg.map(Math.round)})`);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Served]:
    yield from serve_demo(Path(tmp_path_factory.mktemp("contrast")), templates)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    yield from launch()


def _violations(page: Any, url: str) -> list[str]:
    resp = page.goto(url)
    assert resp is not None and resp.ok, url
    return [f"{url}: {v}" for v in page.evaluate(CHECK, MINIMUM)]


def _request_link(served: Served) -> str:
    with served.app.extensions["db"].session() as s:
        number = s.scalars(select(Request.number).order_by(Request.id)).first()
    assert number
    token = privacy.sign(str(served.app.config["SECRET_KEY"]), "request", number)
    return f"/r/{number}?t={token}"


def test_the_check_finds_low_contrast(served: Served, browser: Any):
    page = browser.new_page()
    page.set_content(
        '<body style="background:#f6f2ee"><p style="color:#999">页脚</p>'
        '<p style="color:#222">正文</p><p style="color:#fff;opacity:.5;background:#c62828">淡</p>'
    )
    found = page.evaluate(CHECK, MINIMUM)
    assert len(found) == 2 and "页脚" in found[0] and "淡" in found[1]
    page.close()


def test_public_pages_and_screen_have_no_contrast_violations(served: Served, browser: Any):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = context.new_page()
    paths = [
        "/",
        f"/o/{served.branch}/wall",
        f"/o/{served.branch}/board",
        f"/m/{served.overdue}",
        f"/m/{served.overdue}/ask",
        _request_link(served),
        f"/o/{served.branch}/qr-sheet",
        f"/o/{served.branch}/print/pledges",
        f"/o/{served.branch}/print/double",
    ]
    bad = [v for p in paths for v in _violations(page, served.base + p)]
    page.set_viewport_size({"width": 1920, "height": 1080})
    for p in (f"/o/{served.branch}/screen", f"/o/{served.township}/screen"):
        bad += _violations(page, served.base + p)
    context.close()
    assert bad == []


def test_console_pages_have_no_contrast_violations(served: Served, browser: Any):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{served.base}/staff/demo-login")
    links = page.eval_on_selector_all(".console-nav a", "els => els.map(e => e.href)")
    assert len(links) >= 5
    bad = [v for url in links for v in _violations(page, url)]
    page.goto(f"{served.base}/staff/print")
    layouts = page.eval_on_selector_all(  # the console's print layouts (HTML pages)
        ".print-branch a[href$='/cards'], .print-branch a[href*='/ledger/']",
        "els => els.map(e => e.href)",
    )
    assert len(layouts) >= 2
    bad += [v for url in layouts[:3] for v in _violations(page, url)]
    context.close()
    assert bad == []
