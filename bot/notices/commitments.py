"""Reminders about the plan's commitments, decided at send time: a milestone reminder or nudge
goes out only while its milestone is still open with the same end date, and a progress request
only while the commitment is in the plan, not complete, and has had no report since the last
request. The reminders themselves are scheduled by `bot.process.plan`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.model import Status
from bot.core.notice import Notice

if TYPE_CHECKING:
    from bot.notices.host import Host

PREFIX = "plan:"
MILESTONE_LEAD = "milestone_lead"
MILESTONE_NUDGE = "milestone_nudge"
PROGRESS_ASK = "progress_ask"


def commitment_key(ref: str, kind: str, detail: str) -> str:
    """`plan:P-3:milestone_lead:2:2027-06-30:1209600`: the milestone's end date is in the key,
    so a moved end date gets reminders of its own and the old ones are skipped."""
    return f"{PREFIX}{ref}:{kind}:{detail}"


def milestone_still_open(bot: Host, notice: Notice, now: datetime) -> Notice | str:
    info = notice.attachment or {}
    proposal = bot.records.proposal(int(info.get("proposal", 0)))
    if proposal is None or proposal.status is not Status.INCLUDED:
        return "the commitment is not in the plan"
    k = int(info.get("milestone", 0))
    if not 1 <= k <= len(proposal.milestones):
        return "the milestone is gone"
    milestone = proposal.milestones[k - 1]
    if milestone.end.isoformat() != info.get("end"):
        return "the milestone's end date changed"
    if milestone.done:
        return "the milestone is done"
    return notice.with_changes(attachment=None)


def progress_still_due(bot: Host, notice: Notice, now: datetime) -> Notice | str:
    info = notice.attachment or {}
    proposal = bot.records.proposal(int(info.get("proposal", 0)))
    if proposal is None or proposal.status is not Status.INCLUDED:
        return "the commitment is not in the plan"
    if proposal.completion == "complete":
        return "the commitment is complete"
    since = datetime.fromisoformat(str(info.get("since")))
    if any(report.at >= since for report in proposal.progress):
        return "a progress report came in since the last request"
    return notice.with_changes(attachment=None)
