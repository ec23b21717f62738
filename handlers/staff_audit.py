"""后台: 操作记录 (township) — the audit trail of every console action: who, when, what, from
which address, and how it ended. Rows are written by ``handlers.staff`` (one hook); the read
is ``services.org.audit.page``."""

from __future__ import annotations

from flask import Response, render_template, request

from handlers.staff import _db, bp, login_required, query_text, township_only
from services.org import audit

# What each console action is called on the page (the route name stays in the row).
ACTION_LABELS = {
    "staff.login_link": "登录（一次性链接）",
    "staff.login_qr": "登录（扫码）",
    "staff.logout": "退出",
    "staff.logout_everywhere": "退出所有电脑",
    "staff.review": "审核承诺",
    "staff.drafts_create": "起草支部承诺",
    "staff.drafts_update": "修改支部承诺草稿",
    "staff.drafts_submit": "提交支部承诺",
    "staff.verify_many": "核实践诺（多条）",
    "staff.verify_one": "核实践诺",
    "staff.content_decide_log": "审核内容（践诺记录准予 / 不予公开）",
    "staff.content_decide_commitment": "审核内容（承诺准予 / 不予公开）",
    "staff.member_update": "修改党员信息",
    "staff.member_active": "停用 / 恢复党员",
    "staff.member_bind_codes": "发放绑定码",
    "staff.requests_dispatch": "诉求派单",
    "staff.requests_transfer": "诉求分派 / 转交",
    "staff.requests_escalate": "诉求上报",
    "staff.groups_add": "登记群机器人",
    "staff.groups_test": "群机器人测试消息",
    "staff.summaries_send": "推送汇总",
    "staff.report_quarterly": "下载季度讲评",
    "staff.report_half_year": "下载半年情况",
    "staff.report_year_end": "下载年终评议",
    "staff.cycle_close_post": "年度归档",
    "staff.roster_import": "导入花名册 / 户信息",
    "staff.outbox_retry": "重发失败消息",
    "staff.orgs_add": "新建组织",
    "staff.orgs_edit": "修改组织",
    "staff.orgs_move": "调整上级组织",
    "staff.orgs_close": "撤销组织",
    "staff.orgs_import_upload": "导入组织架构",
    "staff.roles_grant": "授予职务",
    "staff.roles_revoke": "撤销职务",
    "staff.civic_agenda_schedule": "召集议事会",
    "staff.civic_agenda_notes": "记录议事情况",
    "staff.civic_agenda_hands": "记录举手表决",
    "staff.civic_agenda_decide": "议决议事事项",
    "staff.civic_points_counter": "设立兑换点",
    "staff.civic_points_good": "上架兑换物品",
    "staff.civic_points_restock": "补充兑换库存",
    "staff.civic_points_award": "记入文明积分",
    "staff.practices_party_day": "安排主题党日",
    "staff.practices_mark": "登记主题党日到会",
    "staff.practices_survey": "发起群众测评",
}


@bp.get("/audit")
@login_required
@township_only
def audit_page() -> Response:
    db = _db()
    raw = request.args.get("page", "1")
    action = request.args.get("action", "")[:80]
    result = audit.page(
        db,
        q=query_text(),
        action=action,
        number=int(raw) if raw.isdigit() and len(raw) < 6 else 1,
    )
    html = render_template(
        "staff/audit.html",
        result=result,
        actions=audit.actions(db),
        labels=ACTION_LABELS,
        action=action,
        q=query_text(),
    )
    return Response(html, status=200)
