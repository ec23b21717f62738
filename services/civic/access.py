"""Who may do what with civic points and 议事: every channel asks here.

A role counts over a village when it is held on the village or above it; a 党小组长's grant
is on a party group inside the village, and counts for that village too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from models import Organisation, Role
from services.actors import Actor

COUNTER_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.GROUP_LEADER, Role.TOWNSHIP_ADMIN)
AGENDA_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.TOWNSHIP_ADMIN)


def holds_in_village(actor: Actor, org: Organisation, roles: Iterable[Role | str]) -> bool:
    wanted = {str(r) for r in roles}
    if any(actor.has_role(role, org) for role in wanted):
        return True
    return Role.GROUP_LEADER.value in wanted and any(
        g.role == Role.GROUP_LEADER.value and g.org_path.startswith(org.path) for g in actor.grants
    )


def may_award(actor: Actor, awarders: Sequence[str], org: Organisation) -> bool:
    """Record a civic award under a rule whose ``awarders`` are these roles."""
    return holds_in_village(actor, org, awarders)


def may_run_counter(actor: Actor, org: Organisation) -> bool:
    """Scan residents' codes at the village's counters."""
    return holds_in_village(actor, org, COUNTER_ROLES)


def may_manage_counters(actor: Actor, org: Organisation) -> bool:
    """Set up counters and goods, restock."""
    return actor.manages(org)


def may_lead_agenda(actor: Actor, org: Organisation) -> bool:
    """Gather items for a meeting, record hands and notes, decide."""
    return holds_in_village(actor, org, AGENDA_ROLES)
