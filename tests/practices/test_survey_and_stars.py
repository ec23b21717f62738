"""Must show 3: a quarterly residents' survey opened by the secretary is pushed to the branch's
group and to the linked residents; 5 residents answer (one tries twice: refused, counted once);
the results are per member. The year-end 闪亮之星 nomination changes when the weights change,
as the README's formula says (score = points × 先锋指数 + branch_score × 支部月评均分 + survey ×
群众测评均分 + mutual × 党员互评均分)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import Result
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from app import create_app
from models import Evaluation, GroupRobot, OutboundMessage, PointsEntry
from services.evaluation import standings
from services.practices import survey
from services.reads import reports
from tests import factories as f
from tests.conftest import make_config
from tests.handlers.api.conftest import token_for
from tests.wechat.conftest import Wx

YEAR = 2026
RUBRIC = {"好": 100, "较好": 80, "一般": 60, "差": 0}
SURVEY_RUBRIC = {"满意": 100, "基本满意": 60, "不满意": 0}


def test_a_quarterly_survey_pushed_answered_once_per_resident(oa_app: Flask, wx: Wx) -> None:
    with oa_app.extensions["db"].session() as s:
        t = f.tree(s)
        branch = t["branch"]
        sec = f.member(s, branch, "赵书记")
        f.grant(s, "secretary", branch, member=sec)
        wang, li = f.member(s, branch, "王建国"), f.member(s, branch, "李秀英")
        sec_acc = f.account(s, sec, mp_openid="mp-sec")
        residents = [
            f.account(
                s,
                household=f.household(s, branch, [wang]),
                mp_openid=f"mp-r{i}",
                oa_openid=f"o-r{i}",
            )
            for i in range(5)
        ]
        west = f.org(s, "branch", "西村党支部", t["township"])
        outsider = f.account(s, household=f.household(s, west), mp_openid="mp-west")
        s.add(GroupRobot(org_id=branch.id, name="东村党员群", webhook_env="R_BRANCH"))
        s.flush()
        branch_id, wang_id, li_id = branch.id, wang.id, li.id
    api = oa_app.test_client()
    opened = api.post(
        f"/api/v1/orgs/{branch_id}/surveys",
        json={"quarter": f"{YEAR}Q4"},
        headers=token_for(oa_app, sec_acc),
    )
    assert opened.status_code == 201, opened.get_json()
    sv = opened.get_json()
    assert sv["pushed"] == 6  # the branch's group and the five linked residents
    assert [m["name"] for m in sv["members"]] == ["赵书记", "王建国", "李秀英"]
    with oa_app.extensions["db"].session() as s:
        queued = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    robot = [json.loads(m.payload) for m in queued if m.channel == "robot"]
    assert (
        len(robot) == 1 and f"pages/survey/index?id={sv['id']}" in robot[0]["markdown"]["content"]
    )
    assert sorted(m.recipient for m in queued if m.channel == "customer_service") == [
        f"o-r{i}" for i in range(5)
    ]
    # opening again pushes nothing twice
    again = api.post(
        f"/api/v1/orgs/{branch_id}/surveys",
        json={"quarter": f"{YEAR}Q4"},
        headers=token_for(oa_app, sec_acc),
    )
    assert again.get_json()["id"] == sv["id"] and again.get_json()["pushed"] == 0

    answers = ["满意", "满意", "满意", "基本满意", "不满意"]
    for acc, rating in zip(residents, answers, strict=True):
        r = api.post(
            f"/api/v1/surveys/{sv['id']}/answers",
            json={
                "ratings": [
                    {"member_id": wang_id, "rating": rating},
                    {"member_id": li_id, "rating": "满意"},
                ]
            },
            headers=token_for(oa_app, acc),
        )
        assert r.status_code == 201, r.get_json()
    twice = api.post(
        f"/api/v1/surveys/{sv['id']}/answers",
        json={"ratings": [{"member_id": wang_id, "rating": "满意"}]},
        headers=token_for(oa_app, residents[4]),
    )
    assert twice.status_code == 409 and "只能填写一次" in twice.get_json()["error"]["message"]
    bad = api.post(
        f"/api/v1/surveys/{sv['id']}/answers",
        json={"ratings": [{"member_id": wang_id, "rating": "很好"}]},
        headers=token_for(oa_app, outsider),
    )
    assert bad.status_code == 403  # a resident of another branch
    results = api.get(f"/api/v1/surveys/{sv['id']}", headers=token_for(oa_app, sec_acc)).get_json()
    assert results["responses"] == 5
    by_name = {r["name"]: r for r in results["results"]}
    assert by_name["王建国"]["counts"] == {"满意": 3, "基本满意": 1, "不满意": 1}
    assert by_name["王建国"]["average"] == round((3 * 100 + 60 + 0) / 5)
    assert by_name["李秀英"]["counts"]["满意"] == 5 and by_name["李秀英"]["average"] == 100
    assert by_name["赵书记"]["total"] == 0 and by_name["赵书记"]["average"] is None
    # residents see whom to rate, never the results
    theirs = api.get(f"/api/v1/surveys/{sv['id']}", headers=token_for(oa_app, residents[0]))
    assert theirs.get_json()["results"] == []


def _world(session):  # type: ignore[no-untyped-def]
    """A branch of four: 王 leads the index (20), 李 follows (18); residents rate both
    satisfied; the branch score and the survey favour 李."""
    t = f.tree(session)
    branch = t["branch"]
    sec = f.member(session, branch, "赵书记")
    f.grant(session, "secretary", branch, member=sec)
    wang, li = f.member(session, branch, "王建国"), f.member(session, branch, "李秀英")
    for n, (m, pts) in enumerate(((wang, 20), (li, 18), (sec, 2)), 1):
        session.add(
            PointsEntry(
                member_id=m.id,
                points=pts,
                rule="verified_log",
                reason="核实",
                source_type="log",
                source_id=n,
                occurred_at=datetime(YEAR, 6, 1, tzinfo=UTC),
            )
        )
        session.add(
            Evaluation(
                kind="resident_rating",
                period=f"{YEAR}-06",
                subject_member_id=m.id,
                subject_org_id=branch.id,
                rating="satisfied",
            )
        )
    boss = f.as_actor(session, sec)
    for month in ("2026-05", "2026-06"):
        survey.score_member(session, boss, wang, month, "差", "", RUBRIC)
        survey.score_member(session, boss, li, month, "好", "", RUBRIC)
    sv = survey.open_survey(session, boss, branch, f"{YEAR}Q2")
    for _ in range(3):
        acc = f.account(session, household=f.household(session, branch, [wang]))
        survey.answer(
            session,
            f.as_actor(session, acc),
            sv,
            {wang.id: "不满意", li.id: "满意"},
            "",
            SURVEY_RUBRIC,
        )
    session.flush()
    return t, wang, li


def test_the_nomination_changes_with_the_weights_by_the_readme_formula(session) -> None:  # type: ignore[no-untyped-def]
    t, wang, li = _world(session)
    kw = {"count": 1, "min_satisfaction": 0.9, "min_ratings": 1}
    index_only = {"points": 1.0, "branch_score": 0.0, "survey": 0.0, "mutual": 0.0}
    noms = standings.star_nominations(session, t["township"], YEAR, weights=index_only, **kw)
    assert [(n.name, n.score) for n in noms] == [("王建国", 20.0)]
    # without weights: the index alone, as before the 三评 existed
    legacy = standings.star_nominations(session, t["township"], YEAR, **kw)
    assert [n.name for n in legacy] == ["王建国"]
    weighted = {"points": 1.0, "branch_score": 0.1, "survey": 0.1, "mutual": 0.0}
    noms = standings.star_nominations(session, t["township"], YEAR, weights=weighted, **kw)
    # 李: 1 × 18 + 0.1 × 100 (好 twice) + 0.1 × 100 (满意 ×3) = 38; 王: 20 + 0 + 0 = 20
    assert [(n.name, n.score, n.points) for n in noms] == [("李秀英", 38.0, 18)]
    ranked = standings.weighted_ranking(session, t["branch"], YEAR, weighted)
    assert [(r.name, r.rank, sc) for r, sc in ranked][:2] == [
        ("李秀英", 1, 38.0),
        ("王建国", 2, 20.0),
    ]
    # the half-year mutual evaluation counts with its weight too (好 = 100 … 差 = 0)
    session.add(
        Evaluation(
            kind="mutual",
            period=f"{YEAR}H1",
            subject_member_id=wang.id,
            evaluator_member_id=li.id,
            rating="good",
        )
    )
    session.flush()
    mutual = {**weighted, "mutual": 0.5}
    noms = standings.star_nominations(session, t["township"], YEAR, weights=mutual, **kw)
    assert [(n.name, n.score) for n in noms] == [("王建国", 70.0)]  # 20 + 0.5 × 100 > 38


def _stars(db_url: str, tmp_path: Path, weights: dict[str, float]) -> Result:
    app = create_app(
        make_config(db_url, tmp_path, practices={"star_weights": weights}, points={"star_count": 1})
    )
    try:
        with app.extensions["db"].session() as s:
            township = s.scalar(select(f.Organisation).where(f.Organisation.kind == "township"))
            org_id = township.id if township else 0
        return app.test_cli_runner().invoke(
            args=["points", "stars", "--org", str(org_id), "--year", str(YEAR)]
        )
    finally:
        app.extensions["db"].dispose()


def test_the_configured_weights_decide_the_cli_list(session, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _world(session)
    session.commit()
    index_only = _stars(
        db_url, tmp_path, {"points": 1, "branch_score": 0, "survey": 0, "mutual": 0}
    )
    assert index_only.exit_code == 0, index_only.output
    assert "1. 王建国：先锋指数 20，综合分 20" in index_only.output
    weighted = _stars(
        db_url, tmp_path, {"points": 1, "branch_score": 0.1, "survey": 0.1, "mutual": 0}
    )
    assert (
        "1. 李秀英：先锋指数 18，综合分 38" in weighted.output and "王建国" not in weighted.output
    )


def test_the_year_end_workbook_carries_the_three_evaluations(session) -> None:  # type: ignore[no-untyped-def]
    t, _wang, _li = _world(session)
    wb = load_workbook(io.BytesIO(reports.year_end_workbook(session, t["township"], YEAR)))
    rows = [[c.value for c in r] for r in wb[t["branch"].name].iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "六、三评与联户走访")
    assert rows[start + 1][:4] == ["党员", "支部月评均分", "群众测评均分", "党员互评均分"]
    by_name = {r[0]: r for r in rows[start + 2 :] if r[0]}
    assert by_name["李秀英"][1:4] == [100, 100, None]
    assert by_name["王建国"][1:4] == [0, 0, None]
    assert by_name["王建国"][4] == 3  # linked households
    header = [c.value for c in next(wb["汇总"].iter_rows(min_row=2, max_row=2))]
    start = reports.PRACTICE_START
    assert header[start : start + 3] == ["月均走访覆盖率", "走访记录", "主题党日平均到会率"]


def test_the_three_reviews_summary_for_the_secretary(oa_app: Flask) -> None:
    with oa_app.extensions["db"].session() as s:
        t, wang, _li = _world(s)
        sec = s.scalar(select(f.Member).where(f.Member.name == "赵书记"))
        sec_acc = f.account(s, sec, mp_openid="mp-sec-3r")
        wang_acc = f.account(s, wang, mp_openid="mp-wang-3r")
        branch_id = t["branch"].id
    api = oa_app.test_client()
    url = f"/api/v1/orgs/{branch_id}/three-reviews?year={YEAR}"
    body = api.get(url, headers=token_for(oa_app, sec_acc)).get_json()
    assert body["weights"] == {"points": 1.0, "branch_score": 0.1, "survey": 0.1, "mutual": 0.1}
    rows = [
        (r["rank"], r["name"], r["points"], r["branch_score"], r["survey"], r["score"])
        for r in body["items"]
    ]
    assert rows == [
        (1, "李秀英", 18, 100.0, 100.0, 38.0),  # 18 + 0.1 × 100 + 0.1 × 100
        (2, "王建国", 20, 0.0, 0.0, 20.0),
        (3, "赵书记", 2, None, None, 2.0),
    ]
    assert api.get(url, headers=token_for(oa_app, wang_acc)).status_code == 403
