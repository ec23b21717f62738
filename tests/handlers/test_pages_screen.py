"""The big screen's JSON and the four request rates on the board and the screen, on the demo
township: rows lagging first and every member on them; rates as counted by direct SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from infra.clock import local_date
from models import Member, Organisation

pytestmark = pytest.mark.demo_township

ORDER = {"overdue": 0, "behind": 1, "on_track": 2, "none": 3, "completed": 4, "exempt": 5}


def _org(app, kind: str) -> Organisation:
    with app.extensions["db"].session_factory() as s:
        return s.scalars(
            select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id)
        ).first()


def _pct(n: int, d: int) -> str:
    return f"{round(100 * n / d)}%" if d else "暂无"


def _direct_rates(app, org: Organisation) -> dict[str, str]:
    """办结率, 解决率, 满意率 and the count received this year, straight from the table."""
    year = local_date().year
    with app.extensions["db"].engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*),"
                " sum(CASE WHEN r.status IN ('resolved','confirmed') THEN 1 ELSE 0 END),"
                " sum(CASE WHEN r.status IN ('resolved','confirmed') AND r.resolution = 'done'"
                "  THEN 1 ELSE 0 END),"
                " sum(CASE WHEN r.status IN ('resolved','confirmed') AND r.rating IS NOT NULL"
                "  THEN 1 ELSE 0 END),"
                " sum(CASE WHEN r.status IN ('resolved','confirmed')"
                "  AND r.rating IN ('satisfied','basically_satisfied') THEN 1 ELSE 0 END)"
                " FROM request r JOIN organisation o ON o.id = r.org_id"
                " WHERE o.path LIKE :path AND r.created_at >= :lo"
            ),
            {"path": org.path + "%", "lo": f"{year - 1}-12-31 16:00:00"},
        ).one()
    received, resolved, solved, rated, good = (int(v or 0) for v in row)
    assert received > 0  # the demo township has requests
    return {
        "received": str(received),
        "办结率": _pct(resolved, received),
        "解决率": _pct(solved, resolved),
        "满意率": _pct(good, rated),
    }


def test_board_and_screen_show_the_four_rates(app):
    web = app.test_client()
    for kind in ("branch", "township"):
        org = _org(app, kind)
        want = _direct_rates(app, org)
        data = web.get(f"/o/{org.code}/screen.json").get_json()
        shown = {r["label"]: r["value"] for r in data["rates"]}
        assert str(data["received"]) == want["received"]
        for label in ("办结率", "解决率", "满意率"):
            assert shown[label] == want[label], (kind, label)
        assert shown["响应率"].endswith("%") or shown["响应率"] == "暂无"
        if kind == "branch":
            html = web.get(f"/o/{org.code}/board").get_data(as_text=True)
            assert f"收到 {want['received']} 件" in html
            for label in ("响应率", "办结率", "解决率", "满意率"):
                assert f"{label} {shown[label]}" in html


def test_screen_rows_put_lagging_first_and_hold_every_member(app):
    web = app.test_client()
    branch = _org(app, "branch")
    data = web.get(f"/o/{branch.code}/screen.json").get_json()
    states = [ORDER[r["state"]] for r in data["rows"]]
    assert states == sorted(states)
    assert states[0] < ORDER["on_track"]  # the demo branch has members behind
    with app.extensions["db"].session_factory() as s:
        codes = set(
            s.scalars(
                select(Member.public_code).where(
                    Member.org_id == branch.id, Member.active.is_(True)
                )
            )
        )
    assert {r["code"] for r in data["rows"]} == codes
    township = _org(app, "township")
    everyone = web.get(f"/o/{township.code}/screen.json").get_json()["rows"]
    assert codes < {r["code"] for r in everyone}
    assert len({r["branch"] for r in everyone}) >= 2


def test_screen_first_page_and_unknown_org(app):
    web = app.test_client()
    branch = _org(app, "branch")
    html = web.get(f"/o/{branch.code}/screen").get_data(as_text=True)
    assert html.count('class="sc-page"') >= 2
    assert html.count("hidden>") == html.count('class="sc-page"') - 1  # one page shown
    assert web.get("/o/nope/screen").status_code == 404
    assert web.get("/o/nope/screen.json").status_code == 404


def test_township_prints_every_branch_and_refuses_a_township_double_sheet(app):
    from sqlalchemy import distinct, func

    from models import Commitment

    web = app.test_client()
    township = _org(app, "township")
    with app.extensions["db"].session_factory() as s:
        expected = s.scalar(
            select(func.count(distinct(Commitment.member_id)))
            .join(Member, Member.id == Commitment.member_id)
            .where(Commitment.status == "published", Member.active.is_(True))
        )
    html = web.get(f"/o/{township.code}/print/pledges").get_data(as_text=True)
    assert expected and html.count('class="a4 pledge"') == expected
    refused = web.get(f"/o/{township.code}/print/double")
    assert refused.status_code == 404 and "按党支部打印" in refused.get_data(as_text=True)
    district = _org(app, "district")
    rows = web.get(f"/o/{district.code}/screen.json").get_json()["rows"]
    assert len(rows) == len(web.get(f"/o/{township.code}/screen.json").get_json()["rows"])
