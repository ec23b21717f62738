"""Typed SQLAlchemy models, one module per aggregate."""

from .account import Account, BindCode
from .base import Base, StrEnum, UTCDateTime, utcnow
from .commitment import (
    Commitment,
    CommitmentRequest,
    CommitmentStatus,
    ContentStatus,
    Frequency,
    FulfilmentLog,
    OwnerKind,
    Photo,
    Review,
    ReviewLevel,
    TargetKind,
)
from .evaluation import Evaluation, EvaluationKind, PointsEntry
from .org import (
    Household,
    Member,
    MemberHousehold,
    Note,
    Organisation,
    OrgKind,
    Role,
    RoleGrant,
)
from .outbox import (
    CallbackNonce,
    GroupRobot,
    InboundMessage,
    JobRun,
    OutboundChannel,
    OutboundMessage,
    OutboundStatus,
    WechatToken,
)
from .request import Rating, Request, RequestKind, RequestStatus, Resolution
from .staff import StaffLogin, StaffSession
from .timeline import TimelineEntry

__all__ = [
    "Account",
    "Base",
    "BindCode",
    "CallbackNonce",
    "Commitment",
    "CommitmentRequest",
    "CommitmentStatus",
    "ContentStatus",
    "Evaluation",
    "EvaluationKind",
    "Frequency",
    "FulfilmentLog",
    "GroupRobot",
    "Household",
    "InboundMessage",
    "JobRun",
    "Member",
    "MemberHousehold",
    "Note",
    "OrgKind",
    "Organisation",
    "OutboundChannel",
    "OutboundMessage",
    "OutboundStatus",
    "OwnerKind",
    "Photo",
    "PointsEntry",
    "Rating",
    "Request",
    "RequestKind",
    "RequestStatus",
    "Resolution",
    "Review",
    "ReviewLevel",
    "Role",
    "RoleGrant",
    "StaffLogin",
    "StaffSession",
    "StrEnum",
    "TargetKind",
    "TimelineEntry",
    "UTCDateTime",
    "WechatToken",
    "utcnow",
]
