"""Who may do what, in one place: the coordinator everything; a ministry only on the
commitments it is responsible for; civil society proposes and asks; the observer only reads.

Per word, each `Word` declares the roles that may use it (`who`, one of the sets below) and
`require_word` refuses the others; per proposal, the `may_*` rules say who may act on that one
proposal and the `require_*` checks refuse, with a sentence naming who may."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.model import Person, Proposal, Role

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.word import Word

ALL = frozenset(Role)
PROPOSERS = frozenset({Role.COORDINATOR, Role.MINISTRY, Role.CIVIL_SOCIETY})
COORDINATOR = frozenset({Role.COORDINATOR})
RESPONSIBLE = frozenset({Role.COORDINATOR, Role.MINISTRY})
JOINERS = frozenset({Role.MINISTRY, Role.CIVIL_SOCIETY})


# -- per word ------------------------------------------------------------------------------------

def may_use(person: Person, word: Word) -> bool:
    return person.role in word.who


def require_word(ctx: Context, word: Word) -> None:
    """Refuse a word this person's role may not use, saying who may."""
    if may_use(ctx.person, word):
        return
    who = ", ".join(ctx.t(f"role.{role.value}") for role in Role if role in word.who)
    ctx.fail("error.not_allowed", word=word.verb, role=ctx.t(f"role.{ctx.person.role.value}"),
             who=who)


# -- per proposal --------------------------------------------------------------------------------

def is_responsible(person: Person, proposal: Proposal) -> bool:
    """The coordinator, or a person of the proposal's responsible ministry."""
    return person.role is Role.COORDINATOR or (
        person.role is Role.MINISTRY and person.org == proposal.ministry)


def require_responsible(ctx: Context, proposal: Proposal, word: str) -> None:
    if not is_responsible(ctx.person, proposal):
        ctx.fail("error.not_responsible", ref=proposal.ref, word=word,
                 ministry=ctx.seminar.org_name(proposal.ministry))


def may_withdraw(person: Person, proposal: Proposal) -> bool:
    return person.role is Role.COORDINATOR or person.key == proposal.proposer


def require_withdrawer(ctx: Context, proposal: Proposal) -> None:
    if not may_withdraw(ctx.person, proposal):
        ctx.fail("error.not_proposer", ref=proposal.ref, name=proposal.proposer_name)


def may_edit(person: Person, proposal: Proposal) -> bool:
    """The proposer, the responsible ministry's people and the coordinator: its text and its
    milestones (recording one as done is for the responsible ones alone)."""
    return person.key == proposal.proposer or is_responsible(person, proposal)


def require_editor(ctx: Context, proposal: Proposal, word: str) -> None:
    if not may_edit(ctx.person, proposal):
        ctx.fail("error.not_editor", ref=proposal.ref, word=word, name=proposal.proposer_name,
                 ministry=ctx.seminar.org_name(proposal.ministry))


def may_note(person: Person, proposal: Proposal, seated: bool) -> bool:
    """Whoever may edit the proposal, and whoever the seating chart sat at its table."""
    return seated or may_edit(person, proposal)


def require_noter(ctx: Context, proposal: Proposal, seated: bool) -> None:
    if not may_note(ctx.person, proposal, seated):
        ctx.fail("note.not_seated", ref=proposal.ref)
