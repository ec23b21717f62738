"""年度归档 from the staff console (after the year-end evaluation): the same service as
`flask cycle close`, behind the login and CSRF, refused before the year ends."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import Commitment, CycleClose, YearRecord

from .test_staff import _csrf, _db, _login

pytestmark = pytest.mark.demo_township


def test_the_console_closes_last_year_once(app, monkeypatch: pytest.MonkeyPatch) -> None:
    web = app.test_client()
    _login(app, web)
    token = _csrf(web, "/staff/reports?year=2026")
    assert "2026 年还没有结束" in web.get("/staff/reports?year=2026").get_data(as_text=True)
    refused = web.post("/staff/cycle/close", data={"csrf_token": token, "year": "2026"})
    assert refused.status_code == 400 and "2027 年 1 月 1 日以后" in refused.get_data(as_text=True)

    monkeypatch.setattr("handlers.staff_reports.local_date", lambda: date(2027, 1, 5))
    page = web.get("/staff/reports?year=2026").get_data(as_text=True)
    assert "归档 2026 年度" in page
    assert web.post("/staff/cycle/close", data={"year": "2026"}).status_code == 400  # no CSRF
    with _db(app) as s:
        assert s.get(CycleClose, 2026) is None
        published = s.scalar(
            select(func.count())
            .select_from(Commitment)
            .where(Commitment.cycle_year == 2026, Commitment.status == "published")
        )
    resp = web.post("/staff/cycle/close", data={"csrf_token": token, "year": "2026"})
    assert resp.status_code == 303
    done = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"2026 年度已归档：冻结承诺 {published} 条" in done and "已经归档" in done
    with _db(app) as s:
        records = s.scalar(select(func.count()).select_from(YearRecord))
        drafts = s.scalar(
            select(func.count()).select_from(Commitment).where(Commitment.cycle_year == 2027)
        )
    assert records and drafts
    again = web.post("/staff/cycle/close", data={"csrf_token": token, "year": "2026"})
    assert "已经归档过，没有改动任何数据" in web.get(again.headers["Location"]).get_data(
        as_text=True
    )
    with _db(app) as s:
        assert s.scalar(select(func.count()).select_from(YearRecord)) == records
        assert (
            s.scalar(
                select(func.count()).select_from(Commitment).where(Commitment.cycle_year == 2027)
            )
            == drafts
        )
