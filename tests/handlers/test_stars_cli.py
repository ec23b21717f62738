"""`flask points stars`: the 闪亮之星 list follows the rule of README.md (upper half of the
branch by 先锋指数, index above 0, satisfaction at the bar)."""

from __future__ import annotations

from tests import factories as f
from tests.services.test_stars import YEAR, _points, _rated


def test_the_stars_list_never_names_a_member_low_in_the_branch(app, runner):  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        members = [f.member(s, t["branch"], f"党员{i:02d}") for i in range(1, 17)]
        for i, m in enumerate(members[:13]):
            _points(s, m, 30 - 2 * i)
        _points(s, members[13], 1)  # 14th of 16, index 1, every resident satisfied
        _rated(s, members[13], "satisfied", "satisfied")
        _rated(s, members[2], "satisfied")  # 3rd of 16
        s.commit()
        township, branch = t["township"].id, t["branch"].id
    for org in (township, branch):
        res = runner.invoke(args=["points", "stars", "--org", str(org), "--year", str(YEAR)])
        assert res.exit_code == 0, res.output
        assert "党员03：先锋指数 26" in res.output
        assert "党员14" not in res.output
