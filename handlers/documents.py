"""The wording of the drafts (主题党日汇报, 季度讲评) that the CLI prints and the console shows.
Facts come from ``services.reads.drafts``; the secretary edits the text before the meeting."""

from __future__ import annotations

from datetime import date

from services.reads.drafts import PartyDay, QuarterReview


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def party_day_text(d: PartyDay) -> str:
    lines = [f"{d.year}年{d.month}月主题党日 践诺情况汇报", f"党员：{d.member}（{d.branch}）", ""]
    lines.append(f"一、本月践诺（共 {len(d.logs)} 次）")
    if not d.logs:
        lines.append("本月没有践诺记录。")
    for i, e in enumerate(d.logs, start=1):
        note = f"：{e.note}" if e.note else ""
        mark = "（已核实）" if e.verified else ""
        lines.append(f"{i}. {_day(e.day)} {e.title}，{e.quantity}{e.unit}{note}{mark}")
    lines += ["", "二、承诺进度"]
    if not d.commitments:
        lines.append("暂无公开承诺。")
    for c in d.commitments:
        due = f"，下次截止 {c.next_due.isoformat()}" if c.next_due else ""
        lines.append(f"- {c.title}：{c.label}，{c.percent}%{due}")
    lines += ["", "三、存在不足和下月打算", "（请本人补充）"]
    return "\n".join(lines)


def quarterly_text(q: QuarterReview) -> str:
    lines = [f"{q.branch} {q.year}年第{q.quarter}季度 践诺讲评", ""]
    lines.append(
        f"本季度公开承诺 {q.commitments} 项，已完成 {q.completed} 项；践诺记录 {q.logs} 次；"
        f"收到群众诉求 {q.requests} 件，已办结 {q.requests_resolved} 件。"
    )
    lines += ["", "一、支部承诺"]
    for c in q.branch_commitments:
        lines.append(f"- {c.title}：{c.label}，{c.percent}%")
    lines += ["", "二、党员践诺"]
    for m in q.members:
        mark = "（需加油）" if m.lagging else ""
        lines.append(
            f"- {m.name}：践诺 {m.logs} 次，承诺 {m.commitments} 项，平均进度 {m.average_percent}%{mark}"
        )
    lines += ["", "三、讲评意见"]
    lines.append("进度落后的党员：" + ("、".join(q.lagging) if q.lagging else "无") + "。")
    lines.append("（请支部书记补充）")
    return "\n".join(lines)
