"""Public pages on the demo township: QR round trip, tokens, privacy, progress from services."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from app import create_app
from infra.clock import local_date
from models import (
    Account,
    Household,
    Member,
    Organisation,
)
from services import privacy, progress
from services.reads import public
from tests.conftest import make_config

# Every test's database starts as a copy of the demo township (built once per session).
pytestmark = pytest.mark.demo_township


@pytest.fixture
def loaded(app):
    return app


@pytest.fixture
def web(loaded):
    return loaded.test_client()


def _session(app):
    return app.extensions["db"].session_factory()


def _branch(app) -> Organisation:
    with _session(app) as s:
        return s.scalar(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        )


def _member_with_commitments(app) -> Member:
    from models import Commitment

    with _session(app) as s:
        return s.scalar(
            select(Member)
            .join(Commitment, Commitment.member_id == Member.id)
            .where(Commitment.status == "published")
            .order_by(Member.id)
        )


def test_member_qr_png_decodes_to_the_card_url_which_renders_the_member(loaded, web):
    m = _member_with_commitments(loaded)
    resp = web.get(f"/m/{m.public_code}/qr.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    img = Image.open(io.BytesIO(resp.data))
    assert min(img.size) >= 1000
    (result,) = zxingcpp.read_barcodes(img)
    url = result.text
    assert url == f"{loaded.config['SETTINGS'].app.base_url.rstrip('/')}/m/{m.public_code}"
    page = web.get(urlsplit(url).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"<h1>{m.name}</h1>" in html and "连心卡" in html


def test_branch_qr_and_svg(loaded, web):
    b = _branch(loaded)
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(web.get(f"/o/{b.code}/qr.png").data)))
    assert result.text.endswith(f"/o/{b.code}/wall")
    m = _member_with_commitments(loaded)
    svg = web.get(f"/m/{m.public_code}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_qr_sheet_pages_of_twelve(loaded, web):
    b = _branch(loaded)
    with _session(loaded) as s:
        n = len(public.members_for_sheet(s, b))
    html = web.get(f"/o/{b.code}/qr-sheet").get_data(as_text=True)
    assert html.count('class="card brick qr-card"') == n
    assert html.count('<section class="a4 sheet">') == -(-n // 12)
    with web.get("/static/print.css") as resp:
        css = resp.get_data(as_text=True)
    assert "@page { size: A4" in css and "break-inside: avoid" in css


def test_board_shows_progress_from_the_progress_service(loaded, web):
    b = _branch(loaded)
    html = web.get(f"/o/{b.code}/board").get_data(as_text=True)
    with _session(loaded) as s:
        view = public.branch_view(s, b, local_date())
        from models import Commitment

        cs = list(
            s.scalars(
                select(Commitment).where(
                    Commitment.org_id == b.id, Commitment.status == "published"
                )
            )
        )
        prog = progress.progress_of(s, cs, local_date())
    assert html.index(view.branch_row.name) < html.index(view.member_rows[0].name)  # branch first
    for row in view.member_rows:
        if row.items:
            expected = sum(prog[i.id].percent for i in row.items) // len(row.items)
            assert row.percent == expected
            assert f'aria-valuenow="{expected}"' in html
    assert "bar-" in html and "演示模式" in html


def test_wall_search(loaded, web):
    b = _branch(loaded)
    everything = web.get(f"/o/{b.code}/wall").get_data(as_text=True)
    found = web.get(f"/o/{b.code}/wall", query_string={"q": "浇水"}).get_data(as_text=True)
    assert found.count('class="commitment') < everything.count('class="commitment')
    assert found.count('class="commitment') >= 1 and "浇水" in found
    none = web.get(f"/o/{b.code}/wall", query_string={"q": "不存在的承诺xyz"}).get_data(
        as_text=True
    )
    assert "没有找到相关承诺" in none


def test_unknown_codes_are_404_pages(web):
    assert web.get("/m/nosuchcode").status_code == 404
    assert web.get("/o/nosuch/wall").status_code == 404


def _ask_token(web, code: str) -> str:
    """The signed token from the 找他办事 form, as a browser would send it back."""
    html = web.get(f"/m/{code}/ask").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _request_count(app) -> int:
    from sqlalchemy import func

    from models import Request

    with _session(app) as s:
        return s.scalar(select(func.count(Request.id)))


def test_ask_creates_a_request_for_the_member_and_the_link_shows_it(loaded, web):
    m = _member_with_commitments(loaded)
    token = _ask_token(web, m.public_code)
    bad = web.post(
        f"/m/{m.public_code}/ask", data={"kind": "problem", "text": "x", "csrf_token": token}
    )
    assert bad.status_code == 400 and "请写明要反映的事情" in bad.get_data(as_text=True)
    resp = web.post(
        f"/m/{m.public_code}/ask",
        data={
            "kind": "problem",
            "text": "村口路灯坏了三天",
            "location": "村口",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 303
    link = resp.headers["Location"]
    number = re.search(r"/r/(\w+)\?", link).group(1)
    page = web.get(link).get_data(as_text=True)
    assert "村口路灯坏了三天" in page and f"党员{m.name}" in page
    assert web.get(f"/r/{number}").status_code == 404  # no token
    assert web.get(f"/r/{number}?t=forged").status_code == 404
    other = privacy.sign(loaded.config["SECRET_KEY"], "request", "999")
    assert web.get(f"/r/{number}?t={other}").status_code == 404  # a token for another number


def test_ask_without_a_good_token_writes_nothing_and_shows_the_form_again(loaded, web):
    m = _member_with_commitments(loaded)
    before = _request_count(loaded)
    data = {"kind": "problem", "text": "村口路灯坏了三天", "location": "村口"}
    secret = loaded.config["SECRET_KEY"]
    with _session(loaded) as s:
        other = s.scalar(select(Member).where(Member.id != m.id).order_by(Member.id))
    for token in (
        None,  # missing
        "",
        "forged",
        privacy.sign("another-secret", "ask", m.public_code),  # not signed by us
        privacy.sign(secret, "ask", other.public_code),  # another member's form
        privacy.sign(secret, "request", m.public_code),  # another purpose
    ):
        body = dict(data) if token is None else {**data, "csrf_token": token}
        resp = web.post(f"/m/{m.public_code}/ask", data=body)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400, token
        assert "页面已过期或不完整" in html and 'role="alert"' in html
        assert "村口路灯坏了三天" in html  # what they wrote is kept
        assert re.search(r'name="csrf_token" value="[^"]+"', html)  # a fresh token to retry
    assert _request_count(loaded) == before
    # The fresh token in the re-shown form works.
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    ok = web.post(f"/m/{m.public_code}/ask", data={**data, "csrf_token": token})
    assert ok.status_code == 303 and _request_count(loaded) == before + 1


def test_ask_token_expires(loaded, web, monkeypatch):
    m = _member_with_commitments(loaded)
    token = _ask_token(web, m.public_code)
    minutes = loaded.config["SETTINGS"].requests.web_form_token_minutes
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + minutes * 60 + 5)
    before = _request_count(loaded)
    resp = web.post(f"/m/{m.public_code}/ask",
                    data={"kind": "problem", "text": "村口路灯坏了三天", "csrf_token": token})  # fmt: skip
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    assert _request_count(loaded) == before


def test_ask_is_rate_limited_per_address_by_the_apps_limiter(db_url, tmp_path):
    app = create_app(
        make_config(db_url, tmp_path, requests={"web_form_rate_limit": "2 per minute"})
    )
    app.config["TESTING"] = True
    try:
        web = app.test_client()
        m = _member_with_commitments(app)
        token = _ask_token(web, m.public_code)
        data = {"kind": "problem", "text": "村口路灯坏了三天", "csrf_token": token}
        before = _request_count(app)
        addr = {"REMOTE_ADDR": "10.0.0.7"}
        for _ in range(2):
            assert (
                web.post(f"/m/{m.public_code}/ask", data=data, environ_base=addr).status_code == 303
            )
        over = web.post(f"/m/{m.public_code}/ask", data=data, environ_base=addr)
        html = over.get_data(as_text=True)
        assert over.status_code == 429 and "提交太频繁" in html and "村口路灯坏了三天" in html
        assert _request_count(app) == before + 2
        # Counted per address: another address may still submit.
        other = web.post(f"/m/{m.public_code}/ask", data=data,
                         environ_base={"REMOTE_ADDR": "10.0.0.8"})  # fmt: skip
        assert other.status_code == 303
        # Pages and API share one limiter instance, no second one.
        assert app.extensions["limiter"] == {app.extensions["jiannuo.api.limiter"]}
    finally:
        app.extensions["db"].dispose()


def test_staff_downloads_need_a_signed_token(loaded, web):
    with _session(loaded) as s:
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
    assert web.get(f"/reports/{township.code}/year-end.xlsx").status_code == 403
    token = privacy.sign(loaded.config["SECRET_KEY"], "report", township.id)
    resp = web.get(f"/reports/{township.code}/year-end.xlsx?year=2026&t={token}")
    assert resp.status_code == 200
    assert "汇总" in load_workbook(io.BytesIO(resp.data)).sheetnames
    csv = web.get(f"/reports/{township.code}/year-end.csv?year=2026&t={token}")
    assert csv.status_code == 200 and "合计" in csv.get_data(as_text=True)


def test_no_public_page_shows_a_residents_full_phone_or_name(loaded, web):
    with _session(loaded) as s:
        member_names = set(s.scalars(select(Member.name)))
        secrets = set()
        for name, phone in s.execute(
            select(Account.name, Account.phone).where(Account.member_id.is_(None))
        ):
            secrets |= {name, phone}
        for name, phone in s.execute(select(Household.head_name, Household.phone)):
            secrets |= {name, phone}
        secrets = {x for x in secrets if x and len(x) >= 2 and x not in member_names}
        orgs = list(
            s.scalars(select(Organisation.code).where(Organisation.kind.in_(("branch", "group"))))
        )
        members = list(s.scalars(select(Member.public_code)))
        from models import Request

        numbers = list(s.scalars(select(Request.number)))
    assert secrets and numbers
    secret = loaded.config["SECRET_KEY"]
    paths = ["/"] + [f"/o/{c}/{p}" for c in orgs for p in ("wall", "board", "qr-sheet")]
    paths += [f"/m/{c}" for c in members]
    paths += [f"/r/{n}?t={privacy.sign(secret, 'request', n)}" for n in numbers]
    seen = 0
    for path in paths:
        resp = web.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        seen += len(html)
        for x in secrets:
            assert x not in html, (path, x)
    assert seen > 0


def test_request_page_masks_the_resident_in_the_timeline(loaded, web):
    from models import Request

    with _session(loaded) as s:
        req = s.scalar(
            select(Request).where(Request.submitter_account_id.is_not(None)).order_by(Request.id)
        )
        resident = s.get(Account, req.submitter_account_id)
    html = web.get(
        f"/r/{req.number}?t={privacy.sign(loaded.config['SECRET_KEY'], 'request', req.number)}"
    )
    text = html.get_data(as_text=True)
    assert resident.name not in text
    assert privacy.mask_name(resident.name) in text


def test_no_demo_banner_with_credentials(db_url, tmp_path):
    cfg = make_config(
        db_url,
        tmp_path,
        app={"secret_key": "x" * 32},
        wechat={"mini_program": {"app_id": "wx123", "secret": "s"}},
    )
    application = create_app(cfg)
    try:
        html = application.test_client().get("/").get_data(as_text=True)
        assert "演示模式" not in html and "践诺总览" in html
    finally:
        application.extensions["db"].dispose()


def test_masking():
    assert privacy.mask_phone("13812341234") == "138****1234"
    assert privacy.mask_name("张三") == "张*"
    assert privacy.mask_name("") == "群众"
    assert privacy.scrub("电话13812341234，找我") == "电话138****1234，找我"


def test_township_wall_and_board_lead_to_its_branch_overview(loaded, web):
    for path in ("/o/township/board", "/o/township/wall"):
        r = web.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith("/?t=township")
    page = web.get("/?t=township").get_data(as_text=True)
    for branch in ("东村党支部", "西村党支部", "南湖社区党支部"):
        assert branch in page
    assert web.get("/?t=no-such-township").status_code == 404
