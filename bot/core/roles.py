"""Who may do what: the coordinator everything; a ministry only on the commitments it is
responsible for; civil society proposes and asks; the observer only reads."""

from __future__ import annotations

from bot.core.model import Person, Proposal, Role

ALL = frozenset(Role)
PROPOSERS = frozenset({Role.COORDINATOR, Role.MINISTRY, Role.CIVIL_SOCIETY})
COORDINATOR = frozenset({Role.COORDINATOR})
RESPONSIBLE = frozenset({Role.COORDINATOR, Role.MINISTRY})

# verb -> the roles that may use it at all; per-proposal checks follow in `is_responsible`
# and `may_withdraw`.
ROLES_FOR: dict[str, frozenset[Role]] = {
    "help": ALL, "status": ALL, "agenda": ALL, "tables": ALL, "meetings": ALL,
    "propose": PROPOSERS,
    "channel": COORDINATOR, "tables assign": COORDINATOR, "decide": COORDINATOR,
    "outcome": RESPONSIBLE, "meet": RESPONSIBLE, "report": RESPONSIBLE,
    "withdraw": PROPOSERS,
    "plan": ALL, "progress": RESPONSIBLE,
}


def may_use(person: Person, verb: str) -> bool:
    return person.role in ROLES_FOR[verb]


def is_responsible(person: Person, proposal: Proposal) -> bool:
    """The coordinator, or a person of the proposal's responsible ministry."""
    return person.role is Role.COORDINATOR or (
        person.role is Role.MINISTRY and person.org == proposal.ministry)


def may_withdraw(person: Person, proposal: Proposal) -> bool:
    return person.role is Role.COORDINATOR or person.key == proposal.proposer
