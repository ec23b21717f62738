"""Every print layout printed to PDF by Debian's Chromium: A4 pages, the expected page count for
the demo branch, no element crossing a page or a card's cut line (from the layout's boxes in
print media), and the QR code on each printed page decoding to that page's card."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import func, select

from infra import qr
from models import Commitment, Household, Member
from tests.browser.screen_support import ARTIFACTS, Served, launch, serve_demo
from tests.conftest import Templates

pytestmark = pytest.mark.browser

A4_PT = (595.28, 841.89)
A4_PX_HEIGHT = 297 / 25.4 * 96

BOXES = """() => {
  const bad = [];
  const inside = (b, o) => b.left >= o.left - 0.5 && b.right <= o.right + 0.5
      && b.top >= o.top - 0.5 && b.bottom <= o.bottom + 0.5;
  const name = (e) => e.tagName + '.' + e.className + ' "' + (e.textContent || '').trim().slice(0, 20) + '"';
  for (const sheet of document.querySelectorAll('.a4')) {
    const s = sheet.getBoundingClientRect();
    if (s.height > __PAGE__) bad.push('sheet taller than A4: ' + s.height);
    for (const e of sheet.querySelectorAll('*')) {
      const b = e.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      if (!inside(b, s)) bad.push('crosses the page: ' + name(e));
    }
    for (const list of sheet.querySelectorAll('.pledge-items')) {
      const l = list.getBoundingClientRect();
      for (const e of list.children) {
        if (!inside(e.getBoundingClientRect(), l)) bad.push('clipped: ' + name(e));
      }
    }
    for (const card of sheet.querySelectorAll('.card')) {
      const c = card.getBoundingClientRect();
      for (const e of card.querySelectorAll('*')) {
        const b = e.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue;
        if (!inside(b, c)) bad.push('crosses the cut line: ' + name(e));
      }
    }
  }
  return bad;
}""".replace("__PAGE__", f"{A4_PX_HEIGHT:.2f}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Served]:
    yield from serve_demo(Path(tmp_path_factory.mktemp("print")), templates)


@pytest.fixture(scope="module")
def page(served: Served) -> Iterator[Any]:
    for browser in launch():
        context = browser.new_context(locale="zh-CN")
        pg = context.new_page()
        assert pg.goto(f"{served.base}/staff/demo-login").ok  # the console's layouts
        yield pg
        context.close()


def _print(page: Any, url: str, shot: str) -> tuple[pdfium.PdfDocument, list[str | None]]:
    """Open ``url``, check the boxes in print media, print it; the PDF and each sheet's card."""
    resp = page.goto(url)
    assert resp is not None and resp.status == 200
    page.emulate_media(media="print")
    assert page.evaluate(BOXES) == []
    cards = page.eval_on_selector_all(".a4", "els => els.map(e => e.dataset.card || null)")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == len(cards)  # one printed page per sheet: none spilled over
    for k in range(len(doc)):
        w, h = doc[k].get_size()
        assert abs(w - A4_PT[0]) < 1.5 and abs(h - A4_PT[1]) < 1.5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc[0].render(scale=1).to_pil().save(ARTIFACTS / shot)
    return doc, cards


def _codes(doc: pdfium.PdfDocument, k: int) -> set[str]:
    image = doc[k].render(scale=3).to_pil()
    return {r.text for r in zxingcpp.read_barcodes(image)}


def _base(served: Served) -> str:
    return served.app.config["SETTINGS"].app.base_url


def _members_with_commitments(served: Served) -> int:
    with served.app.extensions["db"].session() as s:
        branch_id = s.scalar(select(Member.org_id).where(Member.public_code == served.overdue))
        return int(
            s.scalar(
                select(func.count(func.distinct(Commitment.member_id)))
                .join(Member, Member.id == Commitment.member_id)
                .where(
                    Commitment.org_id == branch_id,
                    Commitment.status == "published",
                    Member.active.is_(True),
                )
            )
            or 0
        )


def test_pledges_one_page_per_member_with_their_qr(served: Served, page: Any):
    doc, cards = _print(page, f"{served.base}/o/{served.branch}/print/pledges", "print-pledge.png")
    assert len(doc) == _members_with_commitments(served) >= 10
    for k, code in enumerate(cards):
        assert _codes(doc, k) == {qr.member_url(_base(served), code)}
    one, cards = _print(page, f"{served.base}/m/{served.overdue}/print/pledge", "print-one.png")
    assert len(one) == 1 and _codes(one, 0) == {qr.member_url(_base(served), served.overdue)}
    html = page.content()
    assert "签字" in html and "审核" in html and "扫码查看践诺进度" in html
    four, _ = _print(page, f"{served.base}/m/{served.busy}/print/pledge", "print-four.png")
    assert len(four) == 1 and page.locator(".pledge-item").count() == 4  # all on one page


def test_double_pledge_sheet(served: Served, page: Any):
    doc, _ = _print(page, f"{served.base}/o/{served.branch}/print/double", "print-double.png")
    assert len(doc) >= 1
    assert _codes(doc, 0) == {qr.org_url(_base(served), served.branch)}
    page.goto(f"{served.base}/o/{served.branch}/print/double")
    rows = page.locator("table.rows tr").count()
    assert "党支部承诺" in page.inner_text("body") and rows > 10


def test_brick_cards_every_qr_on_its_sheet_with_the_commitment(served: Served, page: Any):
    doc, _cards = _print(page, f"{served.base}/o/{served.branch}/qr-sheet", "print-bricks.png")
    for k in range(len(doc)):
        on_sheet = page.eval_on_selector_all(
            f".a4:nth-of-type({k + 1}) .card", "els => els.map(e => e.dataset.card)"
        )
        assert 0 < len(on_sheet) <= 12
        assert _codes(doc, k) == {qr.member_url(_base(served), c) for c in on_sheet}
    short = page.locator(".brick .short").first.inner_text()
    assert short and short != "承诺审核公开后显示"


def test_household_cards_after_issuing_codes(served: Served, page: Any):
    page.goto(f"{served.base}/staff/print")
    page.locator(f'form[action="/staff/print/{served.branch}/bind-codes"] button').click()
    assert "新发户码" in page.inner_text(".notice")
    doc, _ = _print(page, f"{served.base}/staff/print/{served.branch}/cards", "print-cards.png")
    with served.app.extensions["db"].session() as s:
        branch_id = s.scalar(select(Member.org_id).where(Member.public_code == served.overdue))
        n = s.scalar(
            select(func.count(Household.id)).where(
                Household.org_id == branch_id, Household.bind_code.is_not(None)
            )
        )
    assert n and len(doc) == -(-n // 8)
    for k in range(len(doc)):
        on_sheet = page.eval_on_selector_all(
            f".a4:nth-of-type({k + 1}) .card", "els => els.map(e => e.dataset.card)"
        )
        assert _codes(doc, k) == {f"绑定 {c}" for c in on_sheet}


def test_ledger_for_a_year(served: Served, page: Any):
    url = f"{served.base}/staff/print/{served.branch}/ledger/{served.overdue}"
    doc, _ = _print(page, url, "print-ledger.png")
    assert len(doc) >= 3  # cover, the logs, the reviews and the grade
    assert _codes(doc, 0) == {qr.member_url(_base(served), served.overdue)}
    text = page.inner_text("body")
    for words in ("记实手册", "季度讲评", "群众销账", "年度等次", "核实"):
        assert words in text


def test_console_layouts_need_a_login(served: Served, page: Any):
    fresh = page.context.browser.new_context()
    anon = fresh.new_page()
    anon.goto(f"{served.base}/staff/print/{served.branch}/cards")
    assert "/staff/need-login" in anon.url
    fresh.close()
