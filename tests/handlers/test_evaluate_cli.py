"""`flask evaluate grade-member / grade-branch`: the same rules and permissions as the API."""

from __future__ import annotations

from sqlalchemy import select

from models import Evaluation
from tests import factories as f


def _world(app):  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        author = f.member(s, t["branch"], "王建国")
        secretary = f.member(s, t["branch"], "赵书记")
        f.grant(s, "secretary", t["branch"], member=secretary)
        admin = f.account(s, name="镇组织委员")
        f.grant(s, "township_admin", t["township"], account=admin)
        return {
            "branch": t["branch"].id,
            "group": t["group1"].id,
            "author": author.id,
            "secretary": secretary.id,
            "admin": admin.id,
        }


def _grades(app) -> list[tuple[str, str, int | None, int | None]]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return [
            (e.kind, e.rating, e.subject_member_id, e.subject_org_id)
            for e in s.scalars(select(Evaluation).order_by(Evaluation.id))
        ]


def test_secretary_grades_a_member_and_admin_grades_the_branch(app, runner):  # type: ignore[no-untyped-def]
    w = _world(app)
    res = runner.invoke(args=["evaluate", "grade-member", "--member", str(w["author"]),
                              "--year", "2026", "--grade", "优秀",
                              "--by-member", str(w["secretary"])])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "王建国 2026 年度等次 优秀" in res.output
    res = runner.invoke(args=["evaluate", "grade-branch", "--org", str(w["branch"]),
                              "--year", "2026", "--grade", "好",
                              "--by-account", str(w["admin"]), "--comment", "落实好"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert _grades(app) == [
        ("branch_grade", "excellent", w["author"], w["branch"]),
        ("township_grade", "good", None, w["branch"]),
    ]


def test_refusals_are_clear_chinese_and_write_nothing(app, runner):  # type: ignore[no-untyped-def]
    w = _world(app)
    cases = [
        (["grade-member", "--member", str(w["author"]), "--year", "2026", "--grade", "很好",
          "--by-member", str(w["secretary"])], "请选择：优秀、合格、基本合格、不合格"),
        (["grade-member", "--member", str(w["secretary"]), "--year", "2026", "--grade", "优秀",
          "--by-member", str(w["secretary"])], "不能评定自己"),
        (["grade-member", "--member", str(w["secretary"]), "--year", "2026", "--grade", "优秀",
          "--by-member", str(w["author"])], "只有本支部书记或街镇管理员"),
        (["grade-member", "--member", "99999", "--grade", "优秀",
          "--by-member", str(w["secretary"])], "找不到编号为 99999 的党员"),
        (["grade-member", "--member", str(w["author"]), "--grade", "优秀"], "二选一"),
        (["grade-member", "--member", str(w["author"]), "--year", "1999", "--grade", "优秀",
          "--by-member", str(w["secretary"])], "年份应为四位数字"),
        (["grade-branch", "--org", str(w["branch"]), "--grade", "好",
          "--by-member", str(w["secretary"])], "只有街镇管理员"),
        (["grade-branch", "--org", str(w["group"]), "--grade", "好",
          "--by-account", str(w["admin"])], "只能评定党支部"),
        (["grade-branch", "--org", str(w["branch"]), "--grade", "优秀",
          "--by-account", str(w["admin"])], "请选择：好、较好、一般、差"),
        (["grade-branch", "--org", str(w["branch"]), "--grade", "好",
          "--by-account", "99999"], "找不到编号为 99999 的账号"),
    ]  # fmt: skip
    for args, message in cases:
        res = runner.invoke(args=["evaluate", *args])
        assert res.exit_code != 0 and message in res.output, (args, res.output)
    assert _grades(app) == []
