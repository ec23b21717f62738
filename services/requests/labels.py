"""The names of a request's kinds, statuses, resolutions and ratings, and the kinds of notice
sent to the submitter (facts; ``delivery.notices`` words them)."""

KIND_LABELS = {"problem": "问题反映", "wish": "微心愿", "suggestion": "建议", "complaint": "投诉"}
STATUS_LABELS = {
    "submitted": "已受理，待分派",
    "assigned": "已分派",
    "claimed": "已认领",
    "in_progress": "办理中",
    "resolved": "已办结，待您确认",
    "confirmed": "已确认解决",
}
RESOLUTION_LABELS = {
    "done": "已解决",
    "not_feasible": "暂不具备条件",
    "duplicate": "重复反映",
    "referred": "已转交相关部门",
}
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
# Notices to the submitter (facts; ``delivery.notices`` words them for the official account).
NOTICE_REPLIED = "request_replied"
NOTICE_RESOLVED = "request_resolved"
