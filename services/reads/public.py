"""The one public read model: what the public pages (``handlers/pages.py``) and the public JSON
API (``handlers/api/public.py``) show — the commitment wall, the progress board, the member
card, the township overview and a submitter's request page — built as plain values so that
channels only display them.

Every view follows ``services.visibility`` (published and content public; rejected or pending
text never) and ``services.privacy`` (residents' phone numbers masked in all text shown).
"""

from __future__ import annotations

from .board import Board, BoardRow, OrgHead, board
from .card import MemberCard, PublicCard, member_card, public_card
from .items import BAR_CLASS, DONE_STATES, Item, LogView, PhotoView, log_views, public_logs_query
from .lookup import (
    CODE_RE,
    branch_of,
    member_by_code,
    members_for_sheet,
    org_by_code,
    org_by_id,
    orgs_query,
    township_above,
    township_of,
)
from .overview import (
    BranchStat,
    Flagged,
    branch_flag,
    branch_stats,
    flag_ranking,
    flags_of,
)
from .request_page import RequestView, TimelineView, request_view
from .wall import BranchView, Row, branch_view, public_commitments
from .year_records import past_years

__all__ = [
    "BAR_CLASS",
    "CODE_RE",
    "DONE_STATES",
    "Board",
    "BoardRow",
    "BranchStat",
    "BranchView",
    "Flagged",
    "Item",
    "LogView",
    "MemberCard",
    "OrgHead",
    "PhotoView",
    "PublicCard",
    "RequestView",
    "Row",
    "TimelineView",
    "board",
    "branch_flag",
    "branch_of",
    "branch_stats",
    "branch_view",
    "flag_ranking",
    "flags_of",
    "log_views",
    "member_by_code",
    "member_card",
    "members_for_sheet",
    "org_by_code",
    "org_by_id",
    "orgs_query",
    "past_years",
    "public_card",
    "public_commitments",
    "public_logs_query",
    "request_view",
    "township_above",
    "township_of",
]
