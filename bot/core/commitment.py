"""What makes an included proposal a commitment of the plan, wherever it is shown: its period
(its own, for one imported from an adopted plan; else the plan's)."""

from __future__ import annotations

from datetime import date

from bot.core.model import Proposal
from bot.core.seminar import PlanPeriod


def period_of(proposal: Proposal, plan: PlanPeriod | None) -> tuple[date, date] | None:
    """A commitment's period: its own (imported), else the plan's."""
    if proposal.period:
        return proposal.period
    return (plan.start, plan.end) if plan else None
