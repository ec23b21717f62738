"""后台: 议事 (/staff/civic/agenda) — the 议事 items of the villages in the caller's scope with
their status, gathering raised items for a meeting (time, place, attendees), recording the
meeting's notes and a show of hands, and deciding an item into a branch commitment, a request
or a village rule; each item links to its public page.

Routes of the console blueprint (``handlers.staff.bp``: login, scope, CSRF, audit); the rules
live in ``services.civic.agenda`` and ``services.civic.outcome``."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, render_template, request

from handlers.context import settings
from handlers.staff import _actor, _db, _scope, back, bp, done_text, levels, login_required
from infra.clock import local_tz
from models import AgendaItem, AgendaMeeting, Organisation
from services.civic import agenda, outcome
from services.errors import DomainError, NotFound, ValidationError
from services.reads import request_list


def villages() -> list[Organisation]:
    """The villages (branches) of the caller's scope."""
    return request_list.branches_under(_db(), list(_scope().roots))


def chosen_village(villages_: list[Organisation], raw: str) -> Organisation | None:
    """The village named by ``org`` (already scope-checked), else the first of the scope."""
    if raw.isdigit():
        for v in villages_:
            if v.id == int(raw):
                return v
    return villages_[0] if villages_ else None


def _page(*, error: str = "", status: int = 200) -> Response:
    db = _db()
    vs = villages()
    village = chosen_village(vs, request.values.get("org", ""))
    items = outcome.items_of(db, village) if village else []
    meetings = {
        m.id: m for m in (db.get(AgendaMeeting, i.meeting_id) for i in items if i.meeting_id) if m
    }
    html = render_template(
        "staff/civic_agenda.html",
        villages=vs,
        village=village,
        items=items,
        meetings=meetings,
        tallies={i.id: agenda.tally(db, i) for i in items},
        raised=[i for i in items if i.status == "raised"],
        status_labels=agenda.STATUS_LABELS,
        outcome_labels=agenda.OUTCOME_LABELS,
        choices=agenda.CHOICES,
        done=done_text(),
        error=error,
    )
    return Response(html, status=status)


def _item(agenda_id: int) -> AgendaItem:
    item = _db().get(AgendaItem, agenda_id)
    if item is None:
        raise NotFound("找不到这条议事事项")
    return item


def _count(key: str, label: str) -> int:
    raw = request.form.get(key, "").strip()
    if not raw.isdigit() or len(raw) > 5:
        raise ValidationError(key, f"{label}请填 0 到 10000 之间的整数")
    return int(raw)


def _held_at() -> datetime:
    raw = request.form.get("held_at", "").strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError("held_at", "请填写议事时间，例如 2026-12-05 19:30") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_tz())


def _commitment_fields() -> dict[str, object] | None:
    """The branch commitment a decision becomes: title, quantity, unit, deadline (the
    commitment rules check them)."""
    form = request.form
    title = form.get("commitment_title", "").strip()
    if not title:
        return None
    data: dict[str, object] = {"title": title}
    quantity = form.get("target_quantity", "").strip()
    if quantity:
        if not quantity.isdigit() or len(quantity) > 6:
            raise ValidationError("target_quantity", "目标数量请填正整数，例如 4")
        data["target_quantity"] = int(quantity)
    if form.get("unit", "").strip():
        data["unit"] = form.get("unit", "").strip()[:10]
    end = form.get("end_date", "").strip()
    if end:
        try:
            data["end_date"] = date.fromisoformat(end)
        except ValueError:
            raise ValidationError("end_date", "完成期限请填日期，例如 2026-12-31") from None
    return data


def _failed(exc: DomainError) -> Response:
    _db().rollback()
    return _page(error=exc.message, status=exc.status)


@bp.get("/civic/agenda")
@login_required
@levels("township", "branch")
def civic_agenda() -> Response:
    return _page()


@bp.post("/civic/agenda/meetings")
@login_required
@levels("township", "branch")
def civic_agenda_schedule() -> Response:
    """召集议事会: the raised items ticked (``items``), time, place, attendees."""
    db = _db()
    village = chosen_village(villages(), request.form.get("org", ""))
    try:
        if village is None:
            raise ValidationError("org", "请选择村（社区）")
        meeting = agenda.schedule(
            db, _actor(), village, request.form.getlist("items"),
            held_at=_held_at(), place=request.form.get("place", ""),
            attendees=request.form.get("attendees", ""), notes=request.form.get("notes", ""),
        )  # fmt: skip
    except DomainError as exc:
        return _failed(exc)
    numbers = "、".join(agenda.numbers_of(db, meeting))
    db.commit()
    return back(
        "staff.civic_agenda", f"已召集议事会：{meeting.place}，列入 {numbers}", org=village.id
    )


@bp.post("/civic/agenda/meetings/<int:meeting_id>/notes")
@login_required
@levels("township", "branch")
def civic_agenda_notes(meeting_id: int) -> Response:
    db = _db()
    try:
        meeting = agenda.get_meeting(db, meeting_id)
        agenda.record_notes(db, _actor(), meeting, request.form.get("notes", ""))
    except DomainError as exc:
        return _failed(exc)
    org_id = meeting.org_id
    db.commit()
    return back("staff.civic_agenda", "已保存议事情况记录", org=org_id)


@bp.post("/civic/agenda/<int:agenda_id>/hands")
@login_required
@levels("township", "branch")
def civic_agenda_hands(agenda_id: int) -> Response:
    db = _db()
    try:
        item = _item(agenda_id)
        hands_for = _count("hands_for", "同意人数")
        hands_against = _count("hands_against", "反对人数")
        agenda.show_of_hands(db, _actor(), item, hands_for, hands_against)
    except DomainError as exc:
        return _failed(exc)
    done = f"已记录 {item.number} 的举手表决：同意 {hands_for}，反对 {hands_against}"
    org_id = item.org_id
    db.commit()
    return back("staff.civic_agenda", done, org=org_id)


@bp.post("/civic/agenda/<int:agenda_id>/decide")
@login_required
@levels("township", "branch")
def civic_agenda_decide(agenda_id: int) -> Response:
    """议决: the decision and what it becomes (a commitment's title, a rule's text)."""
    db, cfg, form = _db(), settings(), request.form
    try:
        item = _item(agenda_id)
        outcome.decide(
            db, _actor(), item, form.get("decision", ""), form.get("outcome", ""),
            commitment=_commitment_fields(),
            rule_text=form.get("rule_text", ""),
            review_levels=cfg.commitments.review_levels,
            first_answer_hours=cfg.requests.first_answer_hours,
        )  # fmt: skip
    except DomainError as exc:
        return _failed(exc)
    done = f"已议决 {item.number}：{agenda.OUTCOME_LABELS.get(item.outcome, '')}"
    org_id = item.org_id
    db.commit()
    return back("staff.civic_agenda", done, org=org_id)
