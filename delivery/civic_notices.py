"""Wording of the civic notices (``services.civic``): 文明存折 awards and exchanges to the
household's residents, and each step of a 议事 item to its raiser and the branch."""

from __future__ import annotations

from typing import Any

from services.civic.agenda import NOTICE_AGENDA
from services.civic.book import NOTICE_AWARDED
from services.civic.exchange import NOTICE_REDEEMED

KINDS = (NOTICE_AWARDED, NOTICE_REDEEMED, NOTICE_AGENDA)


def text_of(notice: dict[str, Any]) -> str | None:
    """The text of a civic notice, or ``None`` when ``notice`` is not one."""
    kind = notice.get("kind")
    if kind == NOTICE_AWARDED:
        return (
            f"文明存折记入 {notice.get('points')} 分（{notice.get('item', '')}："
            f"{notice.get('reason', '')}），现有 {notice.get('balance')} 分。"
            "回复“我的积分”查看，积分可到兑换点兑换生活用品。"
        )
    if kind == NOTICE_REDEEMED:
        return (
            f"您在{notice.get('counter', '')}兑换了{notice.get('good', '')}，"
            f"扣 {notice.get('points')} 分，文明存折余 {notice.get('balance')} 分。"
        )
    if kind == NOTICE_AGENDA:
        number, step = notice.get("number", ""), notice.get("step")
        if step == "to_branch":
            return (
                f"群众提出了一件议事（编号 {number}）：{notice.get('text', '')}\n"
                "请在议事会（屋场会）上商议，在小程序“议事”中列入议事会。"
            )
        if step == "scheduled":
            return (
                f"您提出的议事（编号 {number}）已列入议事会，地点：{notice.get('place', '')}。"
                f"本村住户可回复“表决 {number} 同意”（或反对、弃权），每户一票。"
            )
        outcome = notice.get("outcome", "")
        return f"您提出的议事（编号 {number}）已有结果：{outcome}。{notice.get('decision', '')}"
    return None
