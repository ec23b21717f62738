"""The organisation tree, the roster of members, households and role grants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnum, utcnow


class OrgKind(StrEnum):
    DISTRICT = "district"
    TOWNSHIP = "township"
    BRANCH = "branch"
    GROUP = "group"


class Role(StrEnum):
    GROUP_LEADER = "group_leader"
    SECRETARY = "secretary"
    DEPUTY_SECRETARY = "deputy_secretary"
    ORGANISER = "organiser"
    TOWNSHIP_ADMIN = "township_admin"


# The type of a branch (支部类型) and its form (党支部 / 党总支), as shown and imported.
ORG_TYPES = ("农村", "社区", "机关", "学校", "卫生院", "非公企业", "社会组织", "流动党员")
BRANCH_FORMS = ("党支部", "党总支")


class Organisation(Base):
    """A node of the tree district → township → branch → party group.

    ``path`` is a materialised path (``/1/4/9/``) so that "this subtree" is one
    ``LIKE`` on an indexed column on both SQLite and PostgreSQL.
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    org_type: Mapped[str] = mapped_column(String(16), default="")  # ORG_TYPES, branches only
    form: Mapped[str] = mapped_column(String(8), default="")  # BRANCH_FORMS, branches only
    closed_at: Mapped[datetime | None]  # closed organisations keep their history
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")

    def contains(self, other: Organisation) -> bool:
        return other.path.startswith(self.path)


class Member(Base):
    """A roster entry: a party member of a branch (optionally of a party group)."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    gender: Mapped[str | None] = mapped_column(String(4))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    duties: Mapped[str] = mapped_column(String(100), default="")
    speciality: Mapped[str] = mapped_column(String(200), default="")
    photo_key: Mapped[str | None] = mapped_column(String(255))
    public_code: Mapped[str] = mapped_column(String(16), unique=True)
    card_show_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    card_contact: Mapped[str] = mapped_column(String(200), default="")
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    exempt_reason: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    group: Mapped[Organisation | None] = relationship(foreign_keys=[group_id])


class Household(Base):
    """A household of residents in a branch's area (for 联户 links)."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    size: Mapped[int] = mapped_column(Integer, default=1)
    # 连心卡 code: residents of the household send ``绑定 <code>`` (or scan it) to link their
    # WeChat to the household. Not the 户编号 (guessable); reusable, replaced when re-issued.
    bind_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org: Mapped[Organisation] = relationship()


class MemberHousehold(Base):
    """联户: a member linked to a household they serve."""

    __tablename__ = "member_household"
    __table_args__ = (UniqueConstraint("member_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)

    member: Mapped[Member] = relationship()
    household: Mapped[Household] = relationship()


class OrgPairing(Base):
    """结对共建: an organ branch (机关, possibly outside the township's tree) paired with a
    village branch it pledges to. Ended pairings are kept (``ended_at``), never deleted."""

    __tablename__ = "org_pairing"
    __table_args__ = (UniqueConstraint("organ_org_id", "village_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organ_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    village_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class RoleGrant(Base):
    """A role held over an organisation subtree, by a member or by a staff account."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("member_id", "account_id", "role", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    org: Mapped[Organisation] = relationship()


class OrgEvent(Base):
    """The organisation's timeline: created, renamed, moved, closed, roles granted and revoked
    (who did it, when, to whom). A revoked role's grant row is gone; its entries stay."""

    __tablename__ = "org_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_label: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Note(Base):
    """Free text kept because it could not be understood (nothing a user says is lost)."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
