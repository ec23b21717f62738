"""Pledge templates per organisation type (一图三册): a configurable catalogue of quantified
commitments, offered when a member drafts one — the branch's own type first, and within it the
templates whose tags match the member's 特长 (roster column) first.

The catalogue is a YAML file (``practices.templates_file``): ``<支部类型>: [{text, tags}]``;
every shipped template passes the 四化 check (``services.commitments.quantify``) unchanged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from models import ORG_TYPES, Member, Organisation
from services.commitments import quantify
from services.errors import ValidationError

# What people call a type and how the roster spells it.
ALIASES = {"流动党支部": "流动党员", "村": "农村", "医院": "卫生院", "企业": "非公企业"}


@dataclass(frozen=True)
class Template:
    org_type: str
    text: str
    tags: tuple[str, ...]


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[Template, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: 承诺模板文件应按支部类型分组")
    out: list[Template] = []
    for org_type, items in data.items():
        kind = ALIASES.get(str(org_type), str(org_type))
        if kind not in ORG_TYPES:
            raise ValueError(f"{path}: 不认识的支部类型“{org_type}”，应为 {'、'.join(ORG_TYPES)}")
        for item in items or []:
            body = str(item.get("text", "")).strip() if isinstance(item, dict) else str(item)
            tags = tuple(str(t) for t in (item.get("tags") or [])) if isinstance(item, dict) else ()
            if body:
                out.append(Template(kind, body, tags))
    return tuple(out)


def catalogue(path: Path) -> tuple[Template, ...]:
    return _load(str(path), path.stat().st_mtime)


def normalise_type(org_type: str | None) -> str | None:
    if not org_type:
        return None
    kind = ALIASES.get(org_type.strip(), org_type.strip())
    if kind not in ORG_TYPES:
        raise ValidationError("org_type", f"支部类型只能是：{'、'.join(ORG_TYPES)}")
    return kind


def _specialities(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,，、;；/]+", text or "") if w]


def matches(t: Template, speciality: str) -> bool:
    """Whether a word of the member's 特长 matches one of the template's tags."""
    words = _specialities(speciality)
    return any(w in tag or tag in w for w in words for tag in t.tags)


def offer(
    path: Path, org_type: str | None, speciality: str = "", *, only_type: bool = False
) -> list[Template]:
    """The catalogue ordered for a drafter: templates of ``org_type`` first (those matching a
    word of ``speciality`` first among them), then the other types' (``only_type``: none)."""
    kind = normalise_type(org_type)

    def hit(t: Template) -> bool:
        return matches(t, speciality)

    items = list(catalogue(path))
    own = [t for t in items if t.org_type == kind]
    own.sort(key=lambda t: not hit(t))  # stable: catalogue order within each group
    if only_type and kind is not None:
        return own
    rest = [t for t in items if t.org_type != kind]
    rest.sort(key=lambda t: not hit(t))
    return own + rest


def offer_for_member(
    session: Session, path: Path, member: Member, *, only_type: bool = False
) -> list[Template]:
    """``offer`` for ``member``: their branch's type and their 特长 from the roster."""
    branch = session.get_one(Organisation, member.org_id)
    return offer(path, branch.org_type or None, member.speciality, only_type=only_type)


def measure(t: Template, today: date) -> dict[str, object]:
    """The measurable fields the 四化 check reads from a template (for a form to fill in)."""
    out = quantify.check({"title": t.text}, today)
    return {key: out[key] for key in ("target_kind", "frequency", "target_quantity", "unit")}
