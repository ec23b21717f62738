"""The submitter's page of one request: residents in the timeline are masked, phone numbers in
the text scrubbed, other requests never appear."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from infra.clock import local_text
from models import Request, TimelineEntry
from services import privacy, requests, timeline


@dataclass(frozen=True)
class TimelineView:
    when: str
    who: str
    action: str
    note: str


@dataclass
class RequestView:
    number: str
    kind: str
    text: str
    location: str
    status: str
    status_code: str
    answerer: str
    resolution: str
    rating: str
    submitted: str
    timeline: list[TimelineView]
    place_label: str = ""  # a location message's place name
    map_url: str | None = None  # opens the place in the phone's map


def request_view(session: Session, req: Request) -> RequestView:
    entries: Sequence[TimelineEntry] = timeline.entries_for(session, req)
    tl = []
    for e in entries:
        if e.actor_member_id is not None or e.actor_label in ("系统", ""):
            who = e.actor_label or "系统"
        else:
            who = privacy.mask_name(e.actor_label)
        tl.append(
            TimelineView(
                local_text(e.created_at),
                who,
                timeline.ACTION_LABELS.get(e.action, e.action),
                privacy.scrub(e.note),
            )
        )
    return RequestView(
        number=req.number,
        kind=requests.KIND_LABELS.get(req.kind, req.kind),
        text=privacy.scrub(req.text),
        location=privacy.scrub(req.location),
        status=requests.STATUS_LABELS.get(req.status, req.status),
        status_code=req.status,
        answerer=requests.answerer_label(session, req),
        resolution=requests.RESOLUTION_LABELS.get(req.resolution or "", ""),
        rating=requests.RATING_LABELS.get(req.rating or "", ""),
        submitted=local_text(req.created_at),
        timeline=tl,
        place_label=privacy.scrub(req.location_label),
        map_url=requests.map_url(req),
    )
