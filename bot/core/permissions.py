"""Who may do what: the coordinator everything; a ministry only on the commitments it is
responsible for; civil society proposes and asks; the observer only reads."""

from __future__ import annotations

from bot.core.model import Person, Proposal, Role

ALL = frozenset(Role)
PROPOSERS = frozenset({Role.COORDINATOR, Role.MINISTRY, Role.CIVIL_SOCIETY})
COORDINATOR = frozenset({Role.COORDINATOR})
RESPONSIBLE = frozenset({Role.COORDINATOR, Role.MINISTRY})

JOINERS = frozenset({Role.MINISTRY, Role.CIVIL_SOCIETY})

# verb -> the roles that may use it at all; per-proposal checks follow in `is_responsible`,
# `may_withdraw` and `may_edit` (and, for `note`, the table plan).
ROLES_FOR: dict[str, frozenset[Role]] = {
    "help": ALL, "status": ALL, "agenda": ALL, "tables": ALL, "meetings": ALL, "language": ALL,
    "propose": PROPOSERS,
    "channel": COORDINATOR, "tables assign": COORDINATOR, "decide": COORDINATOR,
    "outcome": RESPONSIBLE, "meet": RESPONSIBLE, "report": RESPONSIBLE,
    "withdraw": PROPOSERS,
    "edit": PROPOSERS, "milestone": PROPOSERS, "note": ALL, "join": JOINERS,
    "versions": ALL, "follow": ALL, "unfollow": ALL,
    "plan": ALL, "progress": RESPONSIBLE, "overview": RESPONSIBLE,
}


def may_use(person: Person, verb: str) -> bool:
    return person.role in ROLES_FOR[verb]


def is_responsible(person: Person, proposal: Proposal) -> bool:
    """The coordinator, or a person of the proposal's responsible ministry."""
    return person.role is Role.COORDINATOR or (
        person.role is Role.MINISTRY and person.org == proposal.ministry)


def may_withdraw(person: Person, proposal: Proposal) -> bool:
    return person.role is Role.COORDINATOR or person.key == proposal.proposer


def may_edit(person: Person, proposal: Proposal) -> bool:
    """The proposer, the responsible ministry's people and the coordinator: its text and its
    milestones (recording one as done is for the responsible ones alone)."""
    return person.key == proposal.proposer or is_responsible(person, proposal)
