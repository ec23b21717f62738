"""The civic lines of the monthly summary (WeCom markdown): 议事 raised / decided / done and
文明存折 awards and exchanges of the month. Nothing when the group's area had none of them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import GroupRobot, Organisation
from services.civic.summary import CivicFigures, CivicMonth
from services.reads.periods import Period


def render(m: CivicMonth) -> list[str]:
    if m.empty:
        return []
    return [
        f"**议事**：新提出 {m.raised} 件，议决 {m.decided} 件，累计落实 {m.done} 件",
        f"**文明存折**：记分 {m.awards} 次共 {m.points_awarded} 分，"
        f"兑换 {m.exchanges} 次共 {m.points_exchanged} 分",
    ]


class MonthLines:
    """Built once per summary run (a fixed number of queries); ``for_robot`` is then free."""

    def __init__(self, session: Session, period: Period) -> None:
        self.figures = CivicFigures(session, period) if len(period.code) == 7 else None
        self.orgs: dict[int, Organisation] = {}
        if self.figures is not None and not self.figures.empty:
            self.orgs = {
                robot_id: org
                for robot_id, org in session.execute(
                    select(GroupRobot.id, Organisation).join(
                        Organisation, Organisation.id == GroupRobot.org_id
                    )
                ).all()
            }

    def for_robot(self, robot_id: int) -> str:
        org = self.orgs.get(robot_id)
        if self.figures is None or org is None:
            return ""
        found = render(self.figures.of(org))
        return ("\n" + "\n".join(found)) if found else ""
