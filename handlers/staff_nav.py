"""后台 menus: the pages each console level sees, in menu order."""

from __future__ import annotations

# A branch secretary's pages, in menu order: (endpoint, label).
_BRANCH = (
    ("staff.dashboard", "概况"),
    ("staff.commitments_page", "承诺审核"),
    ("staff.drafts_page", "起草支部承诺"),
    ("staff.verify_page", "践诺核实"),
    ("staff.content_page", "内容审核"),
    ("staff.members_page", "党员"),
    ("staff.requests_page", "诉求办理"),
    ("staff.civic_agenda", "议事"),
    ("staff.civic_points", "文明存折"),
    ("staff.practices_page", "走访与党日"),
    ("staff.practices_templates", "承诺模板"),
    ("staff.groups", "群机器人"),
    ("staff.summaries_page", "月度汇总"),
    ("staff.reports_page", "报表"),
    ("print_staff.index", "打印与海报"),
)
# The township admin has the branch's pages (the dashboard with the 备案 queue) and its own.
_TOWNSHIP_ONLY = (
    ("staff.orgs_page", "组织架构"),
    ("staff.roster_page", "花名册导入"),
    ("staff.outbox", "发送失败的消息"),
    ("staff.audit_page", "操作记录"),
)

NAV = {
    "township": (("staff.dashboard", "概况与备案"), *_BRANCH[1:], *_TOWNSHIP_ONLY),
    "branch": _BRANCH,
    "group": (
        ("staff.dashboard", "概况"),
        ("staff.commitments_page", "承诺审核"),
        ("staff.members_page", "本组党员"),
        ("staff.practices_templates", "承诺模板"),
    ),
}
