"""The proposal lifecycle: which step may be taken from which status, and nothing else.

A proposal may skip steps forward but never go back; once decided (included, not included or
withdrawn) its status is final. Its text may be edited until it is decided; its milestones,
notes and the actors who joined may change until then and, on an included commitment, after.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core.model import Proposal, ReportResult, Status

S = Status


class Step(StrEnum):
    PRESENT = "present"
    DISCUSS = "discuss"
    OUTCOME = "outcome"
    MEET = "meet"
    REPORT = "report"
    INCLUDE = "include"
    EXCLUDE = "exclude"
    WITHDRAW = "withdraw"
    EDIT = "edit"  # a new version of the text
    AMEND = "amend"  # milestones, notes and actors who join
    PROGRESS = "progress"


_UNDECIDED = frozenset(s for s in Status if not s.decided)

# Step -> the statuses it may start from.
ALLOWED_FROM: dict[Step, frozenset[Status]] = {
    Step.PRESENT: frozenset({S.SUBMITTED}),
    Step.DISCUSS: frozenset({S.SUBMITTED, S.PRESENTED}),
    Step.OUTCOME: frozenset({S.SUBMITTED, S.PRESENTED, S.IN_DISCUSSION}),
    Step.MEET: frozenset({S.BILATERAL}),
    Step.REPORT: frozenset({S.AGREED, S.BILATERAL}),
    Step.INCLUDE: frozenset({S.REPORTED}),
    Step.EXCLUDE: _UNDECIDED,
    Step.WITHDRAW: _UNDECIDED,
    Step.EDIT: _UNDECIDED,
    Step.AMEND: _UNDECIDED | {S.INCLUDED},
    Step.PROGRESS: frozenset({S.INCLUDED}),
}


def can(step: Step, proposal: Proposal) -> bool:
    """Whether `step` may be taken now; `decide include` also needs an agreed report."""
    if proposal.status not in ALLOWED_FROM[step]:
        return False
    if step is Step.INCLUDE:
        return proposal.report is not None and proposal.report.result is ReportResult.AGREED
    return True


def allowed_from(step: Step) -> tuple[Status, ...]:
    """The statuses `step` may start from, in lifecycle order (for error messages)."""
    return tuple(s for s in Status if s in ALLOWED_FROM[step])
