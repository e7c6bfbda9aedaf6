"""Reminders about the plan's commitments, decided at send time: a milestone reminder or nudge
goes out only while its milestone (found by its id, whatever its number now) is still open
with the same end date; a progress request only while the commitment is in the plan, not
complete, and has had no report since the last request. The reminders themselves are
scheduled, and written when they go out (from the milestone as it then is), by
`bot.process.plan`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.model import Milestone, Proposal, Status
from bot.core.notice import Notice

if TYPE_CHECKING:
    from bot.notices.host import Host

PREFIX = "plan:"
MILESTONE_LEAD = "milestone_lead"
MILESTONE_NUDGE = "milestone_nudge"
PROGRESS_ASK = "progress_ask"


def commitment_key(ref: str, kind: str, detail: str) -> str:
    """`plan:P-3:milestone_lead:2:2027-06-30:1209600`: the milestone's id and end date are in
    the key, so a new milestone or a moved end date gets reminders of its own (the old ones
    are skipped), and renumbering the milestones changes no key."""
    return f"{PREFIX}{ref}:{kind}:{detail}"


def milestone_of(proposal: Proposal, values: Mapping[str, Any]) -> tuple[int, Milestone] | None:
    """The milestone a reminder is about, found by its id (`milestone_id`), with its number
    now; a reminder scheduled before milestones had ids names its number then (`milestone`),
    which is the id that milestone was given."""
    wanted = str(values.get("milestone_id") or values.get("milestone") or "")
    return next(((k, m) for k, m in enumerate(proposal.milestones, 1) if m.id == wanted), None)


def milestone_still_open(bot: Host, notice: Notice, now: datetime) -> Notice | str:
    info = notice.attachment or {}
    proposal = bot.records.proposal(int(info.get("proposal", 0)))
    if proposal is None or proposal.status is not Status.INCLUDED:
        return "the commitment is not in the plan"
    found = milestone_of(proposal, info)
    if found is None:
        return "the milestone is gone"
    _, milestone = found
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
