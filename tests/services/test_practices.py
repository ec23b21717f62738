"""The practices' rules against a real database: visits (who, which household, which day, what
was written), coverage per member and branch, 到会率 with leave and exempt members, the monthly
branch score's rubric and the survey's one-answer rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.clock import local_date
from services.actors import SYSTEM
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.practices import codes, coverage, party_day, survey, visits
from tests import factories as f

RUBRIC = {"好": 100, "较好": 80, "一般": 60, "差": 0}


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    t = f.tree(session)
    branch = t["branch"]
    sec = f.member(session, branch, "赵书记")
    f.grant(session, "secretary", branch, member=sec)
    wang = f.member(session, branch, "王建国")
    li = f.member(session, branch, "李秀英")
    h1 = f.household(session, branch, [wang], code="A1", head_name="张建华", address="东村1号")
    h2 = f.household(session, branch, [wang, li], code="A2", head_name="张建军", address="东村2号")
    h3 = f.household(session, branch, [li], code="A3", head_name="刘德明", address="东村3号")
    return {"t": t, "branch": branch, "sec": sec, "wang": wang, "li": li, "h": (h1, h2, h3)}


def test_a_visit_needs_a_linked_household_a_note_and_a_recent_day(session, world) -> None:  # type: ignore[no-untyped-def]
    wang, (h1, _h2, h3) = world["wang"], world["h"]
    me = f.as_actor(session, wang)
    with pytest.raises(PermissionDenied, match="不是您联系的户"):
        visits.log_visit(session, me, wang, h3, "看望老人", channel="bot")
    with pytest.raises(ValidationError) as e:
        visits.log_visit(session, me, wang, h1, " 好 ", channel="bot")
    assert e.value.field == "note"
    today = local_date()
    with pytest.raises(ValidationError, match="不能晚于今天"):
        visits.log_visit(
            session, me, wang, h1, "看望老人", channel="bot", visited_on=today + timedelta(days=1)
        )
    with pytest.raises(ValidationError, match="最多补记 7 天"):
        visits.log_visit(
            session, me, wang, h1, "看望老人", channel="bot", visited_on=today - timedelta(days=8)
        )
    with pytest.raises(PermissionDenied, match="只能记录自己的走访"):
        visits.log_visit(session, f.as_actor(session, world["li"]), wang, h1, "代记", channel="bot")
    v = visits.log_visit(session, me, wang, h1, "  问了低保，卫生整洁  ", channel="bot")
    assert v.note == "问了低保，卫生整洁" and v.org_id == world["branch"].id


def test_finding_a_household_by_code_head_or_address(session, world) -> None:  # type: ignore[no-untyped-def]
    wang, (h1, h2, _h3) = world["wang"], world["h"]
    assert visits.find_household(session, wang, "a1") == h1
    assert visits.find_household(session, wang, "张建军") == h2
    assert visits.find_household(session, wang, "东村1号") == h1
    with pytest.raises(Conflict, match="对应多户"):
        visits.find_household(session, wang, "张建")
    with pytest.raises(NotFound, match="A1 张建华"):
        visits.find_household(session, wang, "刘德明")  # li's household, not wang's
    assert visits.split_target(session, wang, "东村2号 调解纠纷") == (h2, "调解纠纷")


def test_coverage_per_member_and_branch(session, world) -> None:  # type: ignore[no-untyped-def]
    wang, h2 = world["wang"], world["h"][1]
    today = local_date()
    start = today.replace(day=1)
    visits.log_visit(session, f.as_actor(session, wang), wang, h2, "看望", channel="bot")
    visits.log_visit(session, f.as_actor(session, wang), wang, h2, "再看望", channel="bot")
    c = coverage.coverage(session, start, today)[world["branch"].id]
    per = {m.name: (m.visited, m.linked, m.percent) for m in c.members}
    assert per == {"王建国": (1, 2, 50), "李秀英": (0, 2, 0)}
    # the branch: h2 visited (by wang; li's link to it does not make li a visitor)
    assert (c.visited, c.linked, c.percent, c.visits) == (1, 3, 33, 2)
    assert c.visited_nobody == ["李秀英"]
    # another month's figures do not see this month's visits
    before = coverage.coverage(session, start - timedelta(days=40), start - timedelta(days=10))
    earlier = before[world["branch"].id]
    assert (earlier.visited, earlier.linked, earlier.visits) == (0, 3, 0)
    assert earlier.visited_nobody == ["王建国", "李秀英"]


def test_attendance_rate_counts_leave_apart_and_exempt_only_when_present(session, world) -> None:  # type: ignore[no-untyped-def]
    branch, sec = world["branch"], world["sec"]
    others = [f.member(session, branch, f"党员{i}") for i in range(7)]  # 10 members in all
    exempt = f.member(session, branch, "老党员", exempt=True)
    boss = f.as_actor(session, sec)
    today = local_date()
    with pytest.raises(PermissionDenied):
        party_day.create(session, f.as_actor(session, world["wang"]), branch, today, "主题党日")
    day = party_day.create(session, boss, branch, today, "学习党章")
    with pytest.raises(Conflict):
        party_day.create(session, boss, branch, today, "又一次")
    for m in (world["wang"], *others[:5]):
        party_day.sign_in(session, f.as_actor(session, m), day, "mp", today=today)
    party_day.mark(session, boss, day, others[5], "leave", "住院")
    party_day.mark(session, boss, day, exempt, "leave")  # not expected: changes nothing
    rate = party_day.rates(session, today, today)[branch.id]
    assert (rate.expected, rate.present, rate.leave, rate.percent) == (10, 6, 1, 67)  # 6/9
    party_day.sign_in(session, f.as_actor(session, exempt), day, "scan", today=today)
    rate = party_day.rates(session, today, today)[branch.id]
    assert (rate.expected, rate.present, rate.leave, rate.percent) == (11, 7, 1, 70)  # 7/10
    with pytest.raises(ValidationError, match="当天"):
        party_day.sign_in(
            session, f.as_actor(session, others[6]), day, "mp", today=today + timedelta(days=1)
        )
    # marking again replaces: one row per member
    party_day.mark(session, boss, day, others[5], "present")
    assert party_day.rates(session, today, today)[branch.id].present == 8


def test_the_monthly_score_uses_the_rubric_and_replaces(session, world) -> None:  # type: ignore[no-untyped-def]
    boss, wang = f.as_actor(session, world["sec"]), world["wang"]
    with pytest.raises(ValidationError, match="好、较好、一般、差"):
        survey.score_member(session, boss, wang, "2026-11", "优秀", "", RUBRIC)
    with pytest.raises(PermissionDenied):
        survey.score_member(
            session, f.as_actor(session, world["li"]), wang, "2026-11", "好", "", RUBRIC
        )
    with pytest.raises(ValidationError, match="2026-11"):
        survey.score_member(session, boss, wang, "2026-13", "好", "", RUBRIC)
    survey.score_member(session, boss, wang, "2026-11", "较好", "", RUBRIC)
    row = survey.score_member(session, boss, wang, "2026-11", "好", "走访到位", RUBRIC)
    rows = survey.scores_of_month(session, boss, world["branch"], "2026-11")
    assert [(m.name, s.grade if s else None) for m, s in rows] == [
        ("赵书记", None),
        ("王建国", "好"),
        ("李秀英", None),
    ]
    assert row.note == "走访到位"
    assert survey.averages(session, [wang.id], 2026)[0] == {wang.id: 100.0}


def test_one_answer_per_resident_per_survey(session, world) -> None:  # type: ignore[no-untyped-def]
    boss, wang = f.as_actor(session, world["sec"]), world["wang"]
    sv = survey.open_survey(session, boss, world["branch"], "2026q4")
    assert (
        sv.quarter == "2026Q4"
        and survey.open_survey(session, SYSTEM, world["branch"], "2026Q4") == sv
    )
    resident = f.account(session, household=world["h"][0])
    rubric = {"满意": 100, "基本满意": 60, "不满意": 0}
    with pytest.raises(ValidationError, match="至少评价一位"):
        survey.answer(session, f.as_actor(session, resident), sv, {}, "", rubric)
    survey.answer(session, f.as_actor(session, resident), sv, {wang.id: "基本满意"}, "", rubric)
    with pytest.raises(Conflict, match="只能填写一次"):
        survey.answer(session, f.as_actor(session, resident), sv, {wang.id: "满意"}, "", rubric)
    stranger = f.account(session)
    with pytest.raises(PermissionDenied):
        survey.answer(session, f.as_actor(session, stranger), sv, {wang.id: "满意"}, "", rubric)
    results = {r.name: r for r in survey.results(session, boss, sv, rubric)}
    assert results["王建国"].counts == {"满意": 0, "基本满意": 1, "不满意": 0}
    assert results["王建国"].average == 60


def test_period_codes() -> None:
    assert codes.month(" 2026-1 ") == "2026-01" and codes.quarter("2026q2") == "2026Q2"
    for bad in ("2026-00", "26-01", "2026Q5"):
        with pytest.raises(ValidationError):
            codes.month(bad) if "-" in bad else codes.quarter(bad)


def test_a_party_day_planned_for_later_has_no_rate_yet(session, world) -> None:  # type: ignore[no-untyped-def]
    """This month's figures show no 到会率 for a party day still to come (not 0%)."""
    branch, boss = world["branch"], f.as_actor(session, world["sec"])
    today = local_date()
    party_day.create(session, boss, branch, today + timedelta(days=7), "学习党章")
    assert party_day.rates(session, today, today + timedelta(days=30)) == {}
    # once its day has come, it has a rate (nobody signed in yet: 0 present)
    later = today + timedelta(days=7)
    assert party_day.rates(session, today, later, today=later)[branch.id].present == 0
