"""marshmallow schemas of the mini-program API: what comes in (refusing fields a client may
not set) and what goes out. The OpenAPI document is generated from these."""

from __future__ import annotations

import marshmallow as ma

from models import Frequency

from .base import MAX_ID, LocalDateTime, PageArgs, Schema, a_date, an_id, one_of, text_field

F = ma.fields

# -- output ---------------------------------------------------------------------------


class ProgressSchema(ma.Schema):
    percent = F.Integer(required=True)
    state = F.String(
        required=True,
        metadata={
            "enum": ["not_started", "on_track", "behind", "overdue", "completed", "completed_late"]
        },
    )
    label = F.String(required=True)
    done = F.Integer(required=True)
    target = F.Integer(required=True)
    total_periods = F.Integer(required=True)
    next_due = F.String(allow_none=True, required=True, metadata={"format": "date"})
    completed_on = F.String(allow_none=True, required=True, metadata={"format": "date"})


class TimelineSchema(ma.Schema):
    at = LocalDateTime(required=True)
    actor = F.String(required=True)
    action = F.String(required=True)
    label = F.String(required=True)
    note = F.String(required=True)


class CommitmentSchema(ma.Schema):
    id = F.Integer(required=True)
    title = F.String(required=True)
    description = F.String(required=True)
    category = F.String(required=True)
    owner_kind = F.String(required=True, metadata={"enum": ["member", "branch"]})
    member_id = F.Integer(allow_none=True, required=True)
    member_name = F.String(allow_none=True, required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    partner_org_id = F.Integer(
        allow_none=True, required=True, metadata={"description": "结对共建：承诺面向的结对党支部"}
    )
    target_quantity = F.Integer(required=True)
    unit = F.String(required=True)
    target_kind = F.String(required=True, metadata={"enum": ["count", "periodic", "deadline"]})
    frequency = F.String(allow_none=True, required=True)
    target_label = F.String(required=True)
    start_date = F.Date(required=True)
    end_date = F.Date(required=True)
    beneficiary = F.String(required=True)
    status = F.String(required=True)
    status_label = F.String(required=True)
    content_status = F.String(required=True)
    last_rejection_reason = F.String(required=True)
    progress = F.Nested(ProgressSchema, required=True)


class CommitmentDetailSchema(CommitmentSchema):
    timeline = F.List(F.Nested(TimelineSchema), required=True)
    can = F.Dict(keys=F.String(), values=F.Boolean(), required=True)


class PhotoSchema(ma.Schema):
    id = F.Integer(required=True)
    url = F.String(allow_none=True, required=True)


class LogSchema(ma.Schema):
    id = F.Integer(required=True)
    commitment_id = F.Integer(required=True)
    quantity = F.Integer(required=True)
    note = F.String(required=True)
    happened_on = F.Date(required=True)
    photos = F.List(F.Nested(PhotoSchema), required=True)
    content_status = F.String(required=True)
    verified = F.Boolean(
        required=True, metadata={"description": "支部已核实（核实后才计入先锋指数）"}
    )
    created_at = LocalDateTime(required=True)


class LogToVerifySchema(LogSchema):
    """A log in the secretary's 待核实 queue: the log plus who did it and for which commitment."""

    member_name = F.String(
        allow_none=True, required=True, metadata={"description": "记录人（导入的记录为 null）"}
    )
    commitment_title = F.String(required=True)
    unit = F.String(required=True, metadata={"description": "承诺的计量单位，如“次”"})
    org_name = F.String(required=True, metadata={"description": "承诺所属支部"})


class HeldContentSchema(ma.Schema):
    """Text the content gate held (a listed word, or WeChat unsure), waiting for approval."""

    kind = F.String(required=True, metadata={"enum": ["log", "commitment"]})
    id = F.Integer(required=True)
    text = F.String(required=True, metadata={"description": "待审核的文字"})
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    author_name = F.String(required=True)
    commitment_id = F.Integer(required=True)
    commitment_title = F.String(required=True)
    created_at = LocalDateTime(required=True)


class ContentDecisionSchema(ma.Schema):
    kind = F.String(required=True, metadata={"enum": ["log", "commitment"]})
    id = F.Integer(required=True)
    content_status = F.String(required=True, metadata={"enum": ["pass", "rejected"]})


class LogCreatedSchema(ma.Schema):
    log = F.Nested(LogSchema, required=True)
    progress = F.Nested(ProgressSchema, required=True)


class AssigneeSchema(ma.Schema):
    name = F.String(required=True)


class RequestSchema(ma.Schema):
    id = F.Integer(required=True)
    number = F.String(required=True)
    kind = F.String(required=True)
    kind_label = F.String(required=True)
    text = F.String(required=True)
    location = F.String(required=True)
    status = F.String(required=True)
    status_label = F.String(required=True)
    resolution = F.String(allow_none=True, required=True)
    resolution_note = F.String(required=True)
    assignee = F.Nested(AssigneeSchema, allow_none=True, required=True)
    org_name = F.String(required=True)
    due_at = LocalDateTime(required=True)
    overdue = F.Boolean(required=True)  # past its limit or escalated (services.requests)
    escalation_level = F.Integer(required=True)  # 0 holder, 1 branch secretary, 2 township
    created_at = LocalDateTime(required=True)
    rating = F.String(allow_none=True, required=True)
    photos = F.List(F.Nested(PhotoSchema), required=True)
    can = F.Dict(keys=F.String(), values=F.Boolean(), required=True)


class CandidateSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)


class CandidatesSchema(ma.Schema):
    items = F.List(F.Nested(CandidateSchema), required=True)


class RequestDetailSchema(RequestSchema):
    timeline = F.List(F.Nested(TimelineSchema), required=True)


class DemandSchema(ma.Schema):
    """A demand-list entry: what is needed and where, never who asked."""

    id = F.Integer(required=True)
    number = F.String(required=True)
    kind = F.String(required=True)
    kind_label = F.String(required=True)
    text = F.String(required=True)
    location = F.String(required=True)
    status = F.String(required=True)
    assignee = F.Nested(AssigneeSchema, allow_none=True, required=True)
    overdue = F.Boolean(required=True)  # past its limit or escalated (services.requests)
    created_at = LocalDateTime(required=True)


class MeMemberSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    public_code = F.String(required=True)


class RoleSchema(ma.Schema):
    role = F.String(required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)


class MeHouseholdSchema(ma.Schema):
    id = F.Integer(required=True)
    address = F.String(required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    linked_via = F.String(required=True, metadata={"description": "code / scan / phone"})
    consent_at = LocalDateTime(allow_none=True, required=True)
    linked_members = F.List(F.String(), required=True, metadata={"description": "联户党员"})


class MeSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    member = F.Nested(MeMemberSchema, allow_none=True, required=True)
    household = F.Nested(MeHouseholdSchema, allow_none=True, required=True)
    roles = F.List(F.Nested(RoleSchema), required=True)
    demo = F.Boolean(required=True)


class TokenSchema(ma.Schema):
    token = F.String(required=True)
    expires_at = LocalDateTime(required=True)
    account = F.Nested(MeSchema, required=True)


class UploadedSchema(ma.Schema):
    id = F.Integer(required=True)
    url = F.String(required=True)


class OrgSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    kind = F.String(required=True)
    code = F.String(required=True, metadata={"description": "组织编码（支部二维码 o=<code>）"})
    parent_name = F.String(allow_none=True, required=True)


class WallMemberSchema(ma.Schema):
    name = F.String(required=True)
    public_code = F.String(required=True)
    duties = F.String(required=True)
    commitments = F.List(F.Nested(CommitmentSchema), required=True)


class WallPartnerSchema(ma.Schema):
    heading = F.String(required=True, metadata={"description": "结对共建"})
    org_name = F.String(required=True, metadata={"description": "结对的机关党支部"})
    commitments = F.List(F.Nested(CommitmentSchema), required=True)


class WallSchema(ma.Schema):
    org = F.Nested(OrgSchema, required=True)
    branch_commitments = F.List(F.Nested(CommitmentSchema), required=True)
    members = F.List(F.Nested(WallMemberSchema), required=True)
    partners = F.List(F.Nested(WallPartnerSchema), required=True)


class BoardRowSchema(ma.Schema):
    name = F.String(required=True)
    public_code = F.String(required=True)
    percent = F.Integer(allow_none=True, required=True)
    state = F.String(allow_none=True, required=True)
    completed = F.Integer(required=True, metadata={"description": "已兑现（完成）的承诺项数"})
    next_due = F.Date(allow_none=True, required=True)
    commitments = F.Integer(required=True)
    exempt = F.Boolean(required=True, metadata={"description": "免于承诺"})
    exempt_reason = F.String(
        allow_none=True,
        required=True,
        metadata={"description": "免于承诺的原因类别：高龄、身体原因、外出务工、其他原因"},
    )


FLAG = {"enum": ["red", "yellow", None], "description": "本月红旗/黄旗（只评支部）"}


class BoardPartnerSchema(ma.Schema):
    heading = F.String(required=True, metadata={"description": "结对共建"})
    name = F.String(required=True, metadata={"description": "结对的机关党支部"})
    percent = F.Integer(required=True)
    state = F.String(allow_none=True, required=True)
    completed = F.Integer(required=True)
    next_due = F.Date(allow_none=True, required=True)
    commitments = F.Integer(required=True)


class BoardSchema(ma.Schema):
    org = F.Nested(OrgSchema, required=True)
    flag = F.String(allow_none=True, required=True, metadata=FLAG)
    rows = F.List(F.Nested(BoardRowSchema), required=True)
    partners = F.List(F.Nested(BoardPartnerSchema), required=True)


class OverviewOrgSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    code = F.String(required=True)


class OverviewBranchSchema(ma.Schema):
    org = F.Nested(OverviewOrgSchema, required=True)
    rank = F.Integer(required=True)
    flag = F.String(allow_none=True, required=True, metadata=FLAG)
    members = F.Integer(required=True)
    commitments = F.Integer(required=True)
    completed = F.Integer(required=True)
    completion = F.Integer(required=True)
    month_logs = F.Integer(required=True)
    satisfaction_percent = F.Integer(allow_none=True, required=True)


class OverviewSchema(ma.Schema):
    org = F.Nested(OrgSchema, required=True)
    branches = F.List(F.Nested(OverviewBranchSchema), required=True)


class CardSchema(ma.Schema):
    name = F.String(required=True)
    public_code = F.String(required=True)
    org_name = F.String(required=True)
    duties = F.String(required=True)
    speciality = F.String(required=True)
    photo_url = F.String(allow_none=True, required=True)
    contact = F.String(required=True)
    commitments = F.List(F.Nested(CommitmentSchema), required=True)
    logs = F.List(F.Nested(LogSchema), required=True)


# -- input ----------------------------------------------------------------------------

EMPTY_BODY = "请求内容不能为空，请至少填写一项"


class Body(Schema):
    """A JSON body that must say something: none at all, or ``{}``, is a 400 (a log of
    "quantity 1" or an edit of nothing is never assumed)."""

    @ma.pre_load
    def _not_empty(self, data: object, **_kw: object) -> object:
        if data is None or data == {}:
            raise ma.ValidationError(EMPTY_BODY, "_schema")
        return data


FREQUENCIES = tuple(f.value for f in Frequency)


class LoginIn(Schema):
    code = text_field(
        128, required=True, min_len=1, metadata={"description": "wx.login 得到的 code"}
    )


class DemoLoginIn(Schema):
    member_id = an_id(allow_none=True)
    role = one_of(
        ("resident", "member", "group_leader", "secretary", "admin"),
        "resident、member、group_leader、secretary、admin",
        allow_none=True,
    )


class BindCodeIn(Schema):
    bind_code = text_field(32, required=True, min_len=1)


class BindPhoneIn(Schema):
    code = text_field(
        128,
        required=True,
        min_len=1,
        metadata={"description": "手机号快速验证组件 getphonenumber 返回的 code"},
    )


class HouseholdLinkIn(Schema):
    """One of: ``phone_code`` (getPhoneNumber), ``bind_code`` (连心卡户码) or, in demo mode
    only, ``phone``; ``consent`` must be true for the phone routes."""

    phone_code = text_field(128, metadata={"description": "手机号快速验证组件返回的 code"})
    bind_code = text_field(32, metadata={"description": "连心卡上的户码"})
    phone = text_field(20, metadata={"description": "演示模式下直接填写手机号"})
    consent = F.Boolean(load_default=False, metadata={"description": "同意用手机号匹配户信息"})


class CommitmentIn(Schema):
    title = text_field(100, required=True, min_len=1)
    description = text_field(2000)
    category = text_field(32)
    target_quantity = F.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(1, 1_000_000, error="目标数量应在 1 到 1000000 之间"),
        error_messages={"invalid": "目标数量必须是正整数，例如 1、20"},
    )
    unit = text_field(10, allow_none=True)
    target_kind = one_of(
        ("count", "periodic", "deadline"),
        "count（累计）、periodic（按周期）、deadline（限期完成）",
        allow_none=True,
    )
    frequency = one_of(FREQUENCIES, "、".join(FREQUENCIES), allow_none=True)
    start_date = a_date(allow_none=True)
    end_date = a_date(allow_none=True)
    beneficiary = text_field(200)
    request_ids = F.List(an_id(), validate=ma.validate.Length(max=50, error="最多关联 50 条需求"))


class CommitmentCreateIn(CommitmentIn):
    """A member's own commitment by default; ``owner_kind`` branch: the branch's pledge
    (双承诺, drafted by its secretary), with ``partner_org_id`` a pledge of an organ branch to
    its paired village (结对共建)."""

    owner_kind = one_of(("member", "branch"), "member（本人承诺）、branch（支部承诺）")
    org_id = an_id(metadata={"description": "支部承诺：作出承诺的党支部"})
    partner_org_id = an_id(metadata={"description": "结对共建：承诺面向的结对村（社区）党支部"})


class CommitmentPatch(CommitmentIn, Body):
    title = text_field(100, min_len=1)


class WithdrawIn(Schema):
    reason = text_field(500, required=True, min_len=2)


class ReviewIn(Schema):
    decision = one_of(("approve", "reject"), "approve（通过）、reject（退回）", required=True)
    reason = text_field(500, load_default="")


class ContentDecisionIn(Schema):
    decision = one_of(
        ("approve", "reject"), "approve（准予公开）、reject（不予公开）", required=True
    )
    reason = text_field(500, load_default="")


class LogEditIn(Body):
    quantity = F.Integer(
        strict=True,
        validate=ma.validate.Range(1, 10_000, error="数量应为 1 到 10000 之间的整数"),
        error_messages={"invalid": "数量应为整数"},
    )
    note = text_field(1000)


class LogIn(Body):
    quantity = F.Integer(
        strict=True,
        load_default=1,
        validate=ma.validate.Range(1, 10_000, error="数量应为 1 到 10000 之间的整数"),
        error_messages={"invalid": "数量应为整数"},
    )
    note = text_field(1000, load_default="")
    happened_on = a_date(allow_none=True)
    photo_ids = F.List(
        an_id(), load_default=list, validate=ma.validate.Length(max=9, error="最多 9 张照片")
    )


class RequestIn(Schema):
    kind = one_of(
        ("problem", "wish", "suggestion", "complaint"),
        "problem（问题反映）、wish（微心愿）、suggestion（建议）、complaint（投诉）",
        required=True,
    )
    text = text_field(1000, required=True, min_len=2)
    location = text_field(200, load_default="")
    photo_ids = F.List(
        an_id(), load_default=list, validate=ma.validate.Length(max=9, error="最多 9 张照片")
    )
    member_code = text_field(
        16, allow_none=True, metadata={"description": "扫党员码时带上，交给这名党员"}
    )
    branch_id = an_id(
        allow_none=True, metadata={"description": "群众选择的村（社区）党支部，来自 GET /orgs"}
    )


class TransferIn(Schema):
    member_id = an_id(
        allow_none=True,
        required=True,
        metadata={"description": "接手的本支部党员；null 表示转回支部需求清单，由党员认领"},
    )
    reason = text_field(500, load_default="")


class ReplyIn(Schema):
    text = text_field(1000, required=True, min_len=2)


class ResolveIn(Schema):
    resolution = one_of(
        ("done", "not_feasible", "duplicate", "referred"),
        "done（已解决）、not_feasible（暂不具备条件）、duplicate（重复反映）、referred（已转交）",
        required=True,
    )
    note = text_field(1000, load_default="")


class ReopenIn(Schema):
    reason = text_field(500, required=True, min_len=2)


class RateIn(Schema):
    rating = one_of(
        ("satisfied", "basically_satisfied", "unsatisfied"),
        "satisfied（满意）、basically_satisfied（基本满意）、unsatisfied（不满意）",
        required=True,
    )
    comment = text_field(500, load_default="")


class OrgsQuery(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    kind = one_of(("township", "branch", "group"), "township、branch、group", load_default="branch")


class VerificationQueueArgs(PageArgs):
    commitment_id = F.Integer(
        load_default=None,
        validate=ma.validate.Range(1, MAX_ID, error="编号不正确"),
        error_messages={"invalid": "应为整数编号"},
        metadata={"description": "只看这一条承诺的待核实记录"},
    )


class UploadIn(Schema):
    """multipart/form-data with exactly one part, ``file``: any other field is refused."""

    file = F.Raw(required=True, metadata={"type": "string", "format": "binary"})
