"""What makes an included proposal a commitment of the plan, wherever it is shown: its period
(its own, for one imported from an adopted plan; else the plan's), and, for one imported, what
the record says in place of a reasoned response (the plan that adopted it), in the reader's
language."""

from __future__ import annotations

from datetime import date

from bot.core.model import Milestone, Proposal
from bot.core.seminar import PlanPeriod
from bot.i18n.catalogue import t

# The history's actor of an imported commitment's first line: the adopted plan, shown by the
# name of the commitment's ministry, which the line holds
IMPORTER = "import"

# What `ogpbot import-plan` once wrote as an imported commitment's reason, in the seminar's
# language at import time; such a reason is said anew, in the reader's language.
_IMPORTED_BEFORE = (
    "Vedtatt i handlingsplanen ({id}) før den ble fulgt opp i ogpbot.",
    "Vedteken i handlingsplanen ({id}) før han vart følgd opp i ogpbot.",
    "Adopted in the action plan ({id}) before it was followed up in ogpbot.",
)


def period_of(proposal: Proposal, plan: PlanPeriod | None) -> tuple[date, date] | None:
    """A commitment's period: its own (imported), else the plan's."""
    if proposal.period:
        return proposal.period
    return (plan.start, plan.end) if plan else None


def state_of(m: Milestone, today: date) -> str:
    """A milestone's state on `today`: done, open, or overdue (its end date has passed)."""
    if m.done:
        return "done"
    return "overdue" if m.end < today else "open"


def is_imported(proposal: Proposal) -> bool:
    """Whether the commitment came from a plan adopted outside the bot (`ogpbot import-plan`):
    it was never proposed, discussed or reported on here."""
    return bool(proposal.plan_id) and any(h.action == "imported" for h in proposal.history)


def stated_reason(proposal: Proposal) -> str:
    """The reason the coordinator wrote with the decision, as written; "" when there is none
    (an imported commitment's sentence from before is none: the bot wrote it, not a person)."""
    reason = (proposal.decision.reason or "") if proposal.decision else ""
    if reason and proposal.plan_id and reason in {
            before.format(id=proposal.plan_id) for before in _IMPORTED_BEFORE}:
        return ""
    return reason


def imported_note(proposal: Proposal, lang: str) -> str:
    """What stands for an imported commitment's reasoned response: the plan it was adopted in
    ("Adopted in the action plan (NO0091)."); "" for any other proposal."""
    return t(lang, "import.reason", id=proposal.plan_id) if is_imported(proposal) else ""
