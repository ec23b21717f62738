"""文明存折, 积分兑换 and 议事 for the mini-program: the resident's book and counter code,
the officer's awards and counter scans, and agenda items from raising to decision.

Each endpoint: load → ``services.civic`` (which holds every check) → commit → serialise."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from handlers.api.base import (
    SECURED,
    Blueprint,
    LocalDateTime,
    Schema,
    a_date,
    an_id,
    current_account,
    one_of,
    text_field,
)
from handlers.context import db_session, read_session, settings
from infra.clock import local_date
from services import privacy
from services.actors import actor_for_account
from services.civic import agenda, book, exchange, outcome

F = ma.fields
bp = Blueprint("civic", __name__, url_prefix="/api/v1/civic", description="文明存折与议事")

# -- schemas ------------------------------------------------------------------------------


class CivicAwardIn(Schema):
    household_id = an_id(load_default=None)
    household_code = text_field(
        32, load_default="", metadata={"description": "户编号或连心卡户码（不填 household_id 时）"}
    )
    rule = text_field(50, required=True, min_len=1, metadata={"description": "规则代码或名称"})
    reason = text_field(200, required=True, min_len=2)
    account_id = an_id(
        allow_none=True, load_default=None, metadata={"description": "按人记分时：这户的哪一位群众"}
    )
    photo_id = an_id(
        allow_none=True, load_default=None, metadata={"description": "先上传的照片编号（可不填）"}
    )


class CivicRedeemIn(Schema):
    token = text_field(40, required=True, min_len=1, metadata={"description": "扫得的兑换码"})
    good_id = an_id(required=True)


class CivicAgendaIn(Schema):
    text = text_field(500, required=True, min_len=4)


class CivicVoteIn(Schema):
    choice = one_of(("for", "against", "abstain"), "for（同意）、against（反对）、abstain（弃权）",
                    required=True)  # fmt: skip


class CivicMeetingIn(Schema):
    items = F.List(text_field(16, min_len=1), required=True,
                   validate=ma.validate.Length(min=1, max=50, error="请选择 1 到 50 件事项"))  # fmt: skip
    held_at = F.AwareDateTime(
        required=True, error_messages={"invalid": "时间格式应为 2026-12-05T19:30+08:00"}
    )
    place = text_field(100, required=True, min_len=2)
    attendees = text_field(
        2000,
        load_default="",
        metadata={"description": "参加人员（公开显示，群众请写“住户代表 N 人”，不写全名）"},
    )
    notes = text_field(5000, load_default="")


class CivicHandsIn(Schema):
    hands_for = F.Integer(
        strict=True,
        required=True,
        validate=ma.validate.Range(0, 10_000, error="举手人数应为 0 到 10000"),
    )
    hands_against = F.Integer(
        strict=True,
        required=True,
        validate=ma.validate.Range(0, 10_000, error="举手人数应为 0 到 10000"),
    )


class CivicNotesIn(Schema):
    notes = text_field(5000, required=True, min_len=1)


class CivicCommitmentDraftIn(Schema):
    title = text_field(100, required=True, min_len=4)
    target_kind = one_of(("count", "deadline"), "count（累计）、deadline（限期完成）",
                         load_default="count")  # fmt: skip
    target_quantity = F.Integer(strict=True, required=True)
    unit = text_field(10, required=True, min_len=1)
    end_date = a_date(required=True)


class CivicDecideIn(Schema):
    decision = text_field(1000, required=True, min_len=2)
    outcome = one_of(("commitment", "request", "rule", "none"),
                     "commitment（支部承诺）、request（诉求）、rule（村规民约）、none（不予采纳）",
                     required=True)  # fmt: skip
    commitment = F.Nested(CivicCommitmentDraftIn, allow_none=True, load_default=None)
    rule_text = text_field(2000, load_default="")


class CivicEntrySchema(ma.Schema):
    at = LocalDateTime(required=True)
    points = F.Integer(required=True)
    kind = F.String(required=True)
    reason = F.String(required=True)


class CivicBookSchema(ma.Schema):
    bound = F.Boolean(required=True, metadata={"description": "是否已绑定自家户（连心卡）"})
    balance = F.Integer(required=True)
    per = F.String(required=True, metadata={"enum": ["household", "resident"]})
    entries = F.List(F.Nested(CivicEntrySchema), required=True)


class CivicTokenSchema(ma.Schema):
    token = F.String(required=True)
    expires_at = LocalDateTime(required=True)
    qr_url = F.String(required=True, metadata={"description": "兑换码二维码图片（PNG）"})


class CivicGoodSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    price = F.Integer(required=True)
    stock = F.Integer(required=True)


class CivicCounterSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    address = F.String(required=True)
    days = F.String(required=True)
    open_today = F.Boolean(required=True)
    goods = F.List(F.Nested(CivicGoodSchema), required=True)


class CivicRedeemedSchema(ma.Schema):
    redemption_id = F.Integer(required=True)
    balance = F.Integer(required=True)
    stock = F.Integer(required=True)


class CivicAwardedSchema(ma.Schema):
    entry_id = F.Integer(required=True)
    balance = F.Integer(required=True)


class CivicItemSchema(ma.Schema):
    number = F.String(required=True)
    text = F.String(required=True)
    status = F.String(required=True)
    status_label = F.String(required=True)
    url = F.String(required=True)


class CivicItemPageSchema(CivicItemSchema):
    votes = F.Dict(keys=F.String(), values=F.Integer(), required=True)
    households = F.Integer(required=True)
    decision = F.String(required=True)
    outcome_label = F.String(required=True)
    commitment_id = F.Integer(allow_none=True, required=True)
    progress_percent = F.Integer(allow_none=True, required=True)
    progress_label = F.String(required=True)
    steps = F.List(F.Dict(), required=True)


class CivicVotedSchema(ma.Schema):
    counted = F.Boolean(required=True)
    choice = F.String(required=True)
    households = F.Integer(required=True)


class CivicMeetingSchema(ma.Schema):
    id = F.Integer(required=True)
    items = F.List(F.String(), required=True)


# -- serialisers --------------------------------------------------------------------------


def _url(number: str) -> str:
    return f"{settings().app.base_url.rstrip('/')}/civic/agenda/{number}"


def _item(i: Any) -> dict[str, Any]:
    return {
        "number": i.number,
        "text": privacy.scrub(i.text) if agenda.is_public(i) else "（内容审核中）",
        "status": i.status,
        "status_label": agenda.STATUS_LABELS[i.status],
        "url": _url(i.number),
    }


# -- the book and the counter -------------------------------------------------------------


@bp.route("/book", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, CivicBookSchema)
def my_book() -> dict[str, Any]:
    """我的文明存折：余额与最近记录（未绑定自家户时 bound 为 false、余额 0）。"""
    session = db_session()  # the book is created on first look
    account = current_account(session)
    cfg = settings().civic
    if account.household_id is None:
        return {"bound": False, "balance": 0, "per": cfg.book_per, "entries": []}
    b = book.book_of_account(session, cfg, account)
    body = {
        "bound": True,
        "balance": b.balance,
        "per": cfg.book_per,
        "entries": [
            {"at": e.created_at, "points": e.points, "kind": e.kind, "reason": e.reason}
            for e in book.entries(session, b, 50)
        ],
    }
    session.commit()
    return body


@bp.route("/book/token", methods=["POST"])
@bp.doc(**SECURED)
@bp.response(201, CivicTokenSchema)
def new_token() -> dict[str, Any]:
    """出示兑换码：几分钟内有效，由兑换点工作人员扫码。"""
    session = db_session()
    account = current_account(session)
    row = exchange.issue_token(session, settings().civic, account)
    session.commit()
    base = settings().app.base_url.rstrip("/")
    return {"token": row.token, "expires_at": row.expires_at,
            "qr_url": f"{base}/civic/code/{row.token}.png"}  # fmt: skip


@bp.route("/catalogue", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, CivicCounterSchema(many=True))
def catalogue() -> list[dict[str, Any]]:
    """本村的兑换点、兑换日和物品（未绑定时为空）。"""
    session = read_session()
    account = current_account(session)
    org = agenda.village_or_none(session, actor_for_account(session, account), account)
    if org is None:
        return []
    return [
        {"id": c.id, "name": c.name, "address": c.address, "days": exchange.days_text(c),
         "open_today": exchange.is_exchange_day(c),
         "goods": [{"id": g.id, "name": g.name, "price": g.price, "stock": g.stock} for g in goods]}
        for c, goods in exchange.catalogue(session, org)
    ]  # fmt: skip


@bp.route("/redeem", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicRedeemIn)
@bp.response(201, CivicRedeemedSchema)
def redeem(args: dict[str, Any]) -> dict[str, Any]:
    """兑换点扫码登记兑换（库存与积分同时扣减，一个码只能用一次）。"""
    session = db_session()
    actor = actor_for_account(session, current_account(session))
    done = exchange.redeem(session, actor, args["token"], args["good_id"])
    body = {"redemption_id": done.redemption.id, "balance": done.balance, "stock": done.stock}
    session.commit()
    return body


@bp.route("/awards", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicAwardIn)
@bp.response(201, CivicAwardedSchema)
def award(args: dict[str, Any]) -> dict[str, Any]:
    """村干部按积分规则为群众记文明积分（每人每条规则每月有上限）。"""
    session = db_session()
    actor = actor_for_account(session, current_account(session))
    household = book.household_for(session, args["household_id"], args["household_code"])
    b = book.book_for_award(session, settings().civic, household, args["account_id"])
    entry = book.award(
        session, actor, settings().civic, b, args["rule"], args["reason"],
        photo_id=args["photo_id"],
    )  # fmt: skip
    body = {"entry_id": entry.id, "balance": b.balance}
    session.commit()
    return body


# -- 议事 ----------------------------------------------------------------------------------


@bp.route("/agenda", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, CivicItemSchema(many=True))
def my_village_items() -> list[dict[str, Any]]:
    """本村的议事事项（未绑定时为空）。"""
    session = read_session()
    account = current_account(session)
    org = agenda.village_or_none(session, actor_for_account(session, account), account)
    if org is None:
        return []
    return [_item(i) for i in outcome.items_of(session, org)]


@bp.route("/agenda", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicAgendaIn)
@bp.response(201, CivicItemSchema)
def raise_item(args: dict[str, Any]) -> dict[str, Any]:
    """提出议事（民事民提）。"""
    session = db_session()
    account = current_account(session)
    actor = actor_for_account(session, account)
    item = agenda.raise_item(session, actor, account, args["text"], channel="mp")
    body = _item(item)
    session.commit()
    return body


@bp.route("/agenda/<number>", methods=["GET"])
@bp.response(200, CivicItemPageSchema)
def item_page(number: str) -> dict[str, Any]:
    """一件议事的全过程（公开）。"""
    session = read_session()
    item = agenda.get(session, number)
    view = outcome.page(session, item, local_date())
    p = view.commitment_progress
    return {
        **_item(item),
        "votes": view.tally.votes,
        "households": view.tally.households,
        "decision": view.decision,
        "outcome_label": view.outcome_label,
        "commitment_id": view.commitment.id if view.commitment else None,
        "progress_percent": p.percent if p else None,
        "progress_label": view.commitment_state_label,
        "steps": [
            {"at": s.when.isoformat(), "label": s.label, "who": s.who, "note": s.note}
            for s in view.steps
        ],
    }


@bp.route("/agenda/<number>/vote", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicVoteIn)
@bp.response(200, CivicVotedSchema)
def vote(args: dict[str, Any], number: str) -> dict[str, Any]:
    """住户表决（每户一票，第二次不计入）。"""
    session = db_session()
    account = current_account(session)
    item = agenda.get(session, number)
    voted = agenda.vote(session, actor_for_account(session, account), account, item,
                        args["choice"])  # fmt: skip
    body = {
        "counted": voted.counted,
        "choice": voted.vote.choice,
        "households": agenda.tally(session, item).households,
    }
    session.commit()
    return body


@bp.route("/meetings", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicMeetingIn)
@bp.response(201, CivicMeetingSchema)
def meeting(args: dict[str, Any]) -> dict[str, Any]:
    """召集议事会（屋场会）：时间、地点、参加人员，列入事项。"""
    session = db_session()
    account = current_account(session)
    actor = actor_for_account(session, account)
    org = agenda.village_of(session, actor, account)
    m = agenda.schedule(
        session, actor, org, args["items"], held_at=args["held_at"], place=args["place"],
        attendees=args["attendees"], notes=args["notes"],
    )  # fmt: skip
    body = {"id": m.id, "items": [n.strip().upper() for n in args["items"]]}
    session.commit()
    return body


@bp.route("/agenda/<number>/hands", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicHandsIn)
@bp.response(200, CivicItemSchema)
def hands(args: dict[str, Any], number: str) -> dict[str, Any]:
    """记录议事会上的举手表决人数。"""
    session = db_session()
    actor = actor_for_account(session, current_account(session))
    item = agenda.get(session, number)
    agenda.show_of_hands(session, actor, item, args["hands_for"], args["hands_against"])
    body = _item(item)
    session.commit()
    return body


@bp.route("/meetings/<int:meeting_id>/notes", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicNotesIn)
@bp.response(200, CivicMeetingSchema)
def notes(args: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """补记议事会的商议情况。"""
    session = db_session()
    actor = actor_for_account(session, current_account(session))
    meeting = agenda.get_meeting(session, meeting_id)
    agenda.record_notes(session, actor, meeting, args["notes"])
    body = {"id": meeting.id, "items": agenda.numbers_of(session, meeting)}
    session.commit()
    return body


@bp.route("/agenda/<number>/decide", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CivicDecideIn)
@bp.response(200, CivicItemSchema)
def decide(args: dict[str, Any], number: str) -> dict[str, Any]:
    """记录议决结果，并转为支部承诺、诉求或村规民约（民事民决）。"""
    session = db_session()
    actor = actor_for_account(session, current_account(session))
    item = agenda.get(session, number)
    cfg = settings()
    outcome.decide(
        session, actor, item, args["decision"], args["outcome"],
        commitment=args["commitment"], rule_text=args["rule_text"],
        review_levels=cfg.commitments.review_levels,
        first_answer_hours=cfg.requests.first_answer_hours,
    )  # fmt: skip
    body = _item(item)
    session.commit()
    return body
